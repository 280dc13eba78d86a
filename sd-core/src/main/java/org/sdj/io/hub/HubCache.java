package org.sdj.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One repository's folder in huggingface_hub's cache layout, shared with Python tools:
 *
 * <pre>
 * {cache}/models--{org}--{name}/
 *   blobs/{etag}                  file contents, named by etag ({etag}.incomplete while downloading)
 *   refs/{revision}               the commit hash a branch or tag pointed at
 *   snapshots/{commit}/{path}     relative symlinks into blobs/
 * {cache}/.locks/models--{org}--{name}/{etag}.lock
 * </pre>
 *
 * Every write is a temporary file plus an atomic rename, so a crash never leaves a half-written file under a final
 * name.
 */
final class HubCache {
  static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path repoDir;
  private final Path lockDir;

  HubCache(Path cacheDir, ModelId id) {
    this.repoDir = cacheDir.resolve(id.cacheFolderName());
    this.lockDir = cacheDir.resolve(".locks").resolve(id.cacheFolderName());
  }

  Path blob(String etag) {
    return repoDir.resolve("blobs").resolve(etag);
  }

  /** Where a blob grows while downloading; kept after a failure so that the next attempt resumes. */
  Path incomplete(String etag) {
    return repoDir.resolve("blobs").resolve(etag + ".incomplete");
  }

  Path lockFile(String etag) {
    return lockDir.resolve(etag + ".lock");
  }

  Path snapshot(String commit) {
    return repoDir.resolve("snapshots").resolve(commit);
  }

  /** The commit a revision resolves to in the cache: the revision itself if it is a cached commit, else its ref. */
  Optional<String> cachedCommit(String revision) {
    if (COMMIT.matcher(revision).matches() && Files.isDirectory(snapshot(revision))) {
      return Optional.of(revision);
    }
    Path ref = repoDir.resolve("refs").resolve(revision);
    if (!Files.isRegularFile(ref)) {
      return Optional.empty();
    }
    String commit = read(ref).strip();
    return COMMIT.matcher(commit).matches() ? Optional.of(commit) : Optional.empty();
  }

  /** Records that {@code revision} points at {@code commit}, unless the revision is that commit. */
  void writeRef(String revision, String commit) {
    if (revision.equals(commit)) {
      return;
    }
    Path ref = repoDir.resolve("refs").resolve(revision);
    if (Optional.of(commit).equals(cachedCommit(revision))) {
      return;
    }
    try {
      Files.createDirectories(ref.getParent());
      Path temp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID() + ".tmp");
      Files.writeString(temp, commit, StandardCharsets.UTF_8);
      Files.move(temp, ref, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw ioFailure("cannot write " + ref, e);
    }
  }

  /** Records, as huggingface_hub does, that the repository has no {@code path} at {@code commit}. */
  void markMissing(String commit, String path) {
    Path marker = repoDir.resolve(".no_exist").resolve(commit).resolve(path);
    try {
      Files.createDirectories(marker.getParent());
      if (!Files.exists(marker)) {
        Files.createFile(marker);
      }
    } catch (FileAlreadyExistsException e) {
      // Another process marked it first.
    } catch (IOException e) {
      throw ioFailure("cannot write " + marker, e);
    }
  }

  boolean isMarkedMissing(String commit, String path) {
    return Files.exists(repoDir.resolve(".no_exist").resolve(commit).resolve(path));
  }

  /** Whether the snapshot has {@code path} with its content (a dangling link does not count). */
  boolean has(String commit, String path) {
    return Files.isRegularFile(snapshot(commit).resolve(path));
  }

  /** Every file the snapshot has, as repository paths with '/'. */
  Set<String> files(String commit) {
    Path root = snapshot(commit);
    Set<String> files = new HashSet<>();
    if (!Files.isDirectory(root)) {
      return files;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile).forEach(p -> files.add(root.relativize(p).toString().replace('\\', '/')));
    } catch (IOException e) {
      throw ioFailure("cannot list " + root, e);
    }
    return files;
  }

  JsonNode readJson(String commit, String path) {
    Path file = snapshot(commit).resolve(path);
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, path + " in " + file + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  /**
   * Makes {@code snapshots/{commit}/{path}} a relative symlink to {@code blob}, replacing what was there atomically.
   * Where the file system has no symlinks the blob is copied instead, as huggingface_hub does.
   */
  void link(String commit, String path, Path blob) {
    Path target = snapshot(commit).resolve(path);
    try {
      Files.createDirectories(target.getParent());
      Path temp = target.resolveSibling(target.getFileName() + "." + UUID.randomUUID() + ".tmp");
      try {
        Files.createSymbolicLink(temp, target.getParent().relativize(blob));
      } catch (UnsupportedOperationException | FileSystemException e) {
        // No symlinks here (e.g. Windows without developer mode): a copy still works, it only costs disk space.
        Files.copy(blob, temp);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw ioFailure("cannot link " + target + " to " + blob, e);
    }
  }

  static HubException ioFailure(String what, Exception cause) {
    return new HubException(HubException.Kind.CACHE_IO, what + ": " + cause, cause);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw ioFailure("cannot read " + file, e);
    }
  }
}
