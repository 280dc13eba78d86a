package org.sdj.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The three Hub requests a download needs: the model API (commit and file list), a HEAD on a file's resolve URL
 * (etag, size, LFS location) and the GET of its bytes. Redirects are followed by hand, so that the token is only ever
 * sent to the Hub's own host, never to the storage host an LFS file redirects to.
 */
final class HubClient implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REDIRECTS = 5;
  private static final Pattern SAFE_ETAG = Pattern.compile("[0-9A-Za-z_-]{1,128}");

  private final HubOptions options;
  private final ModelId id;
  private final HttpClient http;

  HubClient(HubOptions options, ModelId id) {
    this.options = options;
    this.id = id;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(options.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** {@code GET {endpoint}/api/models/{repo}/revision/{revision}}: the commit and every file of that revision. */
  RepoInfo repoInfo() {
    URI url = URI.create(options.endpoint() + "/api/models/" + id.repoId() + "/revision/" + encode(id.revision()));
    HttpResponse<byte[]> response = send(request(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw HubErrors.forStatus(response, id, Optional.empty(), options);
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (IOException e) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, "the Hub's answer for " + url + " is not JSON", e);
    }
    String commit = body.path("sha").asText("");
    if (!HubCache.COMMIT.matcher(commit).matches()) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, "the Hub's answer for " + url + " has no commit sha");
    }
    Set<String> files = new HashSet<>();
    for (JsonNode sibling : body.path("siblings")) {
      String name = sibling.path("rfilename").asText("");
      if (isSafeRepoPath(name)) {
        files.add(name);
      }
    }
    return new RepoInfo(commit, files);
  }

  /** {@code HEAD {endpoint}/{repo}/resolve/{commit}/{path}}, following only the Hub's own (relative) redirects. */
  RemoteFile metadata(String commit, String path) {
    URI url = URI.create(options.endpoint() + "/" + id.repoId() + "/resolve/" + commit + "/" + encodePath(path));
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest head = request(url).HEAD().header("Accept-Encoding", "identity").build();
      HttpResponse<Void> response = send(head, HttpResponse.BodyHandlers.discarding());
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      boolean redirect = status / 100 == 3 && location.isPresent();
      if (redirect && location.get().startsWith("/")) {
        url = url.resolve(location.get());
        continue;
      }
      if (!redirect && status != 200) {
        throw HubErrors.forStatus(response, id, Optional.of(path), options);
      }
      return describe(path, commit, url, response, redirect ? url.resolve(location.get()) : url);
    }
    throw new HubException(HubException.Kind.BAD_RESPONSE, "too many redirects for " + path + " of " + id.repoId());
  }

  /**
   * Opens the bytes of {@code file} from {@code offset} on. The answer's start is {@code offset} when the server
   * honoured the range (206) and 0 when it sent the whole file (200).
   */
  Body open(RemoteFile file, long offset) {
    URI url = file.downloadUrl();
    for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
      HttpRequest.Builder get = request(url).GET().header("Accept-Encoding", "identity");
      if (offset > 0) {
        get.header("Range", "bytes=" + offset + "-");
      }
      HttpResponse<InputStream> response = send(get.build(), HttpResponse.BodyHandlers.ofInputStream());
      int status = response.statusCode();
      Optional<String> location = response.headers().firstValue("Location");
      if (status / 100 == 3 && location.isPresent()) {
        closeQuietly(response.body());
        url = url.resolve(location.get());
        continue;
      }
      if (status == 200 || (status == 206 && rangeStart(response) == offset)) {
        return new Body(response.body(), status == 200 ? 0 : offset);
      }
      closeQuietly(response.body());
      if (offset > 0 && (status == 206 || status == 416)) {
        // A range the server did not honour as asked: start again from the first byte.
        return open(file, 0);
      }
      throw HubErrors.forStatus(response, id, Optional.of(file.path()), options);
    }
    throw new HubException(HubException.Kind.BAD_RESPONSE, "too many redirects for " + file.path() + " of " + id.repoId());
  }

  /** A response body and the file offset of its first byte. */
  record Body(InputStream stream, long start) {}

  @Override
  public void close() {
    http.close();
  }

  private RemoteFile describe(String path, String commit, URI resolveUrl, HttpResponse<Void> response, URI download) {
    var headers = response.headers();
    String served = headers.firstValue("X-Repo-Commit").orElse("");
    if (!served.equals(commit)) {
      throw new HubException(
          HubException.Kind.BAD_RESPONSE,
          resolveUrl + " answered without the commit " + commit + " in X-Repo-Commit (got \"" + served + "\"): is "
              + options.endpoint() + " a Hugging Face Hub, and is no proxy rewriting its answers?");
    }
    String etag =
        normalizeEtag(headers.firstValue("X-Linked-Etag").or(() -> headers.firstValue("ETag")).orElse(""));
    if (!SAFE_ETAG.matcher(etag).matches()) {
      throw new HubException(
          HubException.Kind.BAD_RESPONSE, resolveUrl + " answered without a usable ETag (got \"" + etag + "\")");
    }
    boolean redirect = response.statusCode() / 100 == 3;
    Optional<String> size =
        headers.firstValue("X-Linked-Size").or(() -> redirect ? Optional.empty() : headers.firstValue("Content-Length"));
    long bytes = size.map(HubClient::parseSize).orElse(-1L);
    if (bytes < 0) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, resolveUrl + " answered without the file's size");
    }
    return new RemoteFile(path, download, etag, bytes);
  }

  private HttpRequest.Builder request(URI url) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(url).timeout(options.timeout()).header("User-Agent", "sdj");
    // Signed storage URLs must not get the token, and a storage host has no business seeing it.
    if (options.token().isPresent() && Objects.equals(url.getAuthority(), options.endpoint().getAuthority())) {
      builder.header("Authorization", "Bearer " + options.token().get());
    }
    return builder;
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (HttpConnectTimeoutException | ConnectException e) {
      throw HubErrors.unreachable(options, "cannot connect to " + request.uri().getAuthority(), e);
    } catch (HttpTimeoutException e) {
      throw HubErrors.unreachable(options, "no answer from " + request.uri().getAuthority() + " within " + options.timeout(), e);
    } catch (IOException e) {
      throw HubErrors.unreachable(options, "the connection to " + request.uri().getAuthority() + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException(HubException.Kind.NETWORK, "interrupted while talking to the Hub", e);
    }
  }

  private static long rangeStart(HttpResponse<?> response) {
    // Content-Range: bytes 100-199/200
    String range = response.headers().firstValue("Content-Range").orElse("");
    int dash = range.indexOf('-');
    if (!range.startsWith("bytes ") || dash < 0) {
      return -1;
    }
    return parseSize(range.substring("bytes ".length(), dash));
  }

  private static long parseSize(String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code W/"abc"} and {@code "abc"} both mean {@code abc}. */
  static String normalizeEtag(String etag) {
    String result = etag.strip();
    if (result.startsWith("W/")) {
      result = result.substring(2);
    }
    if (result.length() >= 2 && result.startsWith("\"") && result.endsWith("\"")) {
      result = result.substring(1, result.length() - 1);
    }
    return result;
  }

  /** A repository path the cache can hold: relative, no empty, {@code .} or {@code ..} segment. */
  static boolean isSafeRepoPath(String path) {
    if (path.isEmpty() || path.startsWith("/") || path.contains("\\")) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        return false;
      }
    }
    return true;
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String encodePath(String path) {
    StringBuilder encoded = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      if (!encoded.isEmpty()) {
        encoded.append('/');
      }
      encoded.append(encode(segment));
    }
    return encoded.toString();
  }

  private static void closeQuietly(InputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // The body is abandoned either way.
    }
  }
}
