package org.sdj.io.hub;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * One file as the Hub's resolve endpoint describes it.
 *
 * @param path the file's path in the repository
 * @param downloadUrl where its bytes are: the resolve URL itself, or the LFS storage URL it redirects to
 * @param etag the blob's name in the cache: git's sha1 for small files, the content's sha256 for LFS files
 * @param size the file's size in bytes
 */
record RemoteFile(String path, URI downloadUrl, String etag, long size) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /** LFS files are named by the sha256 of their content, which lets the download be checked. */
  boolean etagIsSha256() {
    return SHA256.matcher(etag).matches();
  }
}
