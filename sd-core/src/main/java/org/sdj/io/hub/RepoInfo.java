package org.sdj.io.hub;

import java.util.Set;

/**
 * What the Hub's model API says about one revision of a repository.
 *
 * @param commit the 40-hex commit the revision points at
 * @param files every file path in the repository at that commit ({@code siblings[].rfilename})
 */
record RepoInfo(String commit, Set<String> files) {
  RepoInfo {
    files = Set.copyOf(files);
  }
}
