package org.sdj.io.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Downloads one blob into the cache: into {@code blobs/{etag}.incomplete}, resuming what an interrupted attempt left
 * there, then checks the sha256 of LFS files and renames the result to {@code blobs/{etag}} in one atomic step.
 */
final class BlobDownloader {
  private static final System.Logger LOG = System.getLogger(BlobDownloader.class.getName());
  private static final int MAX_ATTEMPTS = 5;
  private static final int BUFFER_BYTES = 64 * 1024;
  // File locks guard against other processes; within one JVM they throw instead of waiting, hence these monitors.
  private static final ConcurrentHashMap<Path, Object> JVM_LOCKS = new ConcurrentHashMap<>();

  private final HubClient client;
  private final HubCache cache;
  private final HubOptions options;

  BlobDownloader(HubClient client, HubCache cache, HubOptions options) {
    this.client = client;
    this.cache = cache;
    this.options = options;
  }

  /** Makes {@code blobs/{file.etag()}} hold the file's verified content, downloading it unless it is there. */
  Path fetch(RemoteFile file) {
    Path blob = cache.blob(file.etag());
    if (Files.isRegularFile(blob)) {
      return blob;
    }
    Path lockFile = cache.lockFile(file.etag());
    synchronized (JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath(), k -> new Object())) {
      try {
        Files.createDirectories(lockFile.getParent());
        Files.createDirectories(blob.getParent());
        try (FileChannel lockChannel =
                FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = lockChannel.lock()) {
          if (!Files.isRegularFile(blob)) {
            Path incomplete = cache.incomplete(file.etag());
            download(file, incomplete);
            verify(file, incomplete);
            Files.move(incomplete, blob, StandardCopyOption.ATOMIC_MOVE);
          }
        }
      } catch (IOException e) {
        throw HubCache.ioFailure("cannot store " + file.path() + " as " + blob, e);
      }
    }
    return blob;
  }

  /** Retries while attempts make progress, each one resuming where the last stopped. */
  private void download(RemoteFile file, Path incomplete) throws IOException {
    String lastProblem = "the connection closed early";
    long before = -1;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
      if (have > file.size()) {
        // Longer than the file: not a prefix of it.
        Files.delete(incomplete);
        have = 0;
      }
      if (have == file.size()) {
        return;
      }
      if (have <= before) {
        break;
      }
      before = have;
      try {
        transfer(file, incomplete, have);
      } catch (IOException e) {
        lastProblem = e.toString();
        LOG.log(System.Logger.Level.DEBUG, "download of {0} interrupted, attempt {1}: {2}", file.path(), attempt, e);
      }
    }
    long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
    throw new HubException(
        HubException.Kind.NETWORK,
        "the download of " + file.path() + " stopped at " + have + " of " + file.size() + " bytes (" + lastProblem
            + "); run again to resume it from " + incomplete);
  }

  private void transfer(RemoteFile file, Path incomplete, long have) throws IOException {
    HubClient.Body body = client.open(file, have);
    try (InputStream in = body.stream();
        FileChannel out = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        StallWatchdog watchdog = new StallWatchdog(in, options.timeout())) {
      // A 200 instead of a 206 means the whole file comes again, so the kept part goes.
      out.truncate(body.start());
      out.position(body.start());
      long done = body.start();
      options.listener().progress(file.path(), done, file.size());
      byte[] buffer = new byte[BUFFER_BYTES];
      while (done < file.size()) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, file.size() - done));
        if (n < 0) {
          break;
        }
        out.write(ByteBuffer.wrap(buffer, 0, n));
        done += n;
        watchdog.progressed();
        options.listener().progress(file.path(), done, file.size());
      }
      if (watchdog.stalled()) {
        throw new IOException("no data for " + options.timeout());
      }
    }
  }

  /** LFS etags are the content's sha256; a mismatch deletes the file, since resuming it could never succeed. */
  private static void verify(RemoteFile file, Path incomplete) throws IOException {
    if (!file.etagIsSha256()) {
      return;
    }
    String actual = sha256(incomplete);
    if (!actual.equals(file.etag())) {
      Files.deleteIfExists(incomplete);
      throw new HubException(
          HubException.Kind.CHECKSUM_MISMATCH,
          "downloaded " + file.path() + " is corrupt: its sha256 is " + actual + " but the Hub announced "
              + file.etag() + "; the partial file was deleted, run again to download it anew");
    }
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
