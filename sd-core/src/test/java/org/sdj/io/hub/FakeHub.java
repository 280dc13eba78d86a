package org.sdj.io.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback imitation of the Hub's endpoints for one repository: the model API, resolve URLs (HEAD and GET) with
 * {@code X-Repo-Commit}, {@code ETag}, and for LFS files ({@code .safetensors}, {@code .bin}) a 302 to a storage URL with
 * {@code X-Linked-Etag} (the sha256) and {@code X-Linked-Size}; the storage URL honours {@code Range}.
 */
final class FakeHub implements AutoCloseable {
  static final String REPO = "test-org/tiny-sd";
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  private final Map<String, byte[]> files;
  private final HttpServer server;
  // LFS bytes come from another host, as from the Hub's CDN: a different port is a different authority.
  private final HttpServer storage;
  private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
  private final List<String> requests = java.util.Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch released = new CountDownLatch(1);
  private final List<String> authorized = java.util.Collections.synchronizedList(new ArrayList<>());

  /** Files whose next storage GET sends half the bytes and drops the connection. */
  final Set<String> cutOnce = ConcurrentHashMap.newKeySet();
  /** Files whose storage GETs send half the bytes (or none, when resumed) and then go silent. */
  final Set<String> stall = ConcurrentHashMap.newKeySet();
  /** Files served with other bytes than their announced sha256. */
  final Map<String, byte[]> corrupt = new ConcurrentHashMap<>();
  /** A status every request gets instead of its answer (0: none). */
  volatile int forcedStatus;

  FakeHub(Map<String, byte[]> files) throws IOException {
    this.files = new LinkedHashMap<>(files);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    storage.setExecutor(executor);
    storage.createContext("/", this::handle);
    storage.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** "METHOD path" of every request so far, plus " range=..." where one was asked for. */
  List<String> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  void clearRequests() {
    requests.clear();
    authorized.clear();
  }

  /** The requests (as in {@link #requests()}) that carried an {@code Authorization} header, with its value. */
  List<String> authorizedRequests() {
    synchronized (authorized) {
      return List.copyOf(authorized);
    }
  }

  static String sha256(byte[] content) {
    return HexFormat.of().formatHex(digest("SHA-256", content));
  }

  /** The Hub's ETag of a small file: git's blob id. */
  static String gitSha1(byte[] content) {
    byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] all = new byte[header.length + content.length];
    System.arraycopy(header, 0, all, 0, header.length);
    System.arraycopy(content, 0, all, header.length, content.length);
    return HexFormat.of().formatHex(digest("SHA-1", all));
  }

  static boolean isLfs(String path) {
    return path.endsWith(".safetensors") || path.endsWith(".bin") || path.endsWith(".ckpt");
  }

  @Override
  public void close() {
    released.countDown();
    server.stop(0);
    storage.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    String range = exchange.getRequestHeaders().getFirst("Range");
    String request = exchange.getRequestMethod() + " " + decode(path) + (range == null ? "" : " range=" + range);
    requests.add(request);
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null) {
      authorized.add(request + " " + authorization);
    }
    try (exchange) {
      if (forcedStatus != 0) {
        sendEmpty(exchange, forcedStatus, forcedStatus == 404 ? "RepoNotFound" : null);
        return;
      }
      String api = "/api/models/" + REPO + "/revision/";
      String resolve = "/" + REPO + "/resolve/";
      if (path.startsWith(api)) {
        modelApi(exchange, decode(path.substring(api.length())));
      } else if (path.startsWith(resolve)) {
        String rest = decode(path.substring(resolve.length()));
        int slash = rest.indexOf('/');
        resolveFile(exchange, rest.substring(0, slash), rest.substring(slash + 1));
      } else if (path.startsWith("/lfs/")) {
        storage(exchange, decode(path.substring("/lfs/".length())));
      } else {
        sendEmpty(exchange, 401, "RepoNotFound");
      }
    }
  }

  private void modelApi(HttpExchange exchange, String revision) throws IOException {
    if (!revision.equals("main") && !revision.equals(COMMIT)) {
      sendEmpty(exchange, 404, "RevisionNotFound");
      return;
    }
    StringBuilder json = new StringBuilder("{\"id\":\"" + REPO + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
    String separator = "";
    for (String name : files.keySet()) {
      json.append(separator).append("{\"rfilename\":\"").append(name).append("\"}");
      separator = ",";
    }
    byte[] body = json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
  }

  private void resolveFile(HttpExchange exchange, String revision, String name) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("X-Repo-Commit", COMMIT);
    byte[] content = files.get(name);
    if (!revision.equals("main") && !revision.equals(COMMIT)) {
      sendEmpty(exchange, 404, "RevisionNotFound");
      return;
    }
    if (content == null) {
      sendEmpty(exchange, 404, "EntryNotFound");
      return;
    }
    boolean head = exchange.getRequestMethod().equals("HEAD");
    if (isLfs(name)) {
      String sha = sha256(content);
      headers.set("X-Linked-Etag", "\"" + sha + "\"");
      headers.set("X-Linked-Size", Long.toString(content.length));
      headers.set("ETag", "W/\"" + gitSha1(sha.getBytes(StandardCharsets.UTF_8)) + "\"");
      headers.set("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/lfs/" + name);
      exchange.sendResponseHeaders(302, -1);
      return;
    }
    headers.set("ETag", "\"" + gitSha1(content) + "\"");
    if (head) {
      headers.set("Content-Length", Long.toString(content.length));
      exchange.sendResponseHeaders(200, -1);
    } else {
      exchange.sendResponseHeaders(200, content.length);
      exchange.getResponseBody().write(content);
    }
  }

  private void storage(HttpExchange exchange, String name) throws IOException {
    byte[] content = corrupt.getOrDefault(name, files.get(name));
    String range = exchange.getRequestHeaders().getFirst("Range");
    int start = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
    if (start > 0) {
      exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (content.length - 1) + "/" + content.length);
    }
    exchange.sendResponseHeaders(start > 0 ? 206 : 200, content.length - start);
    OutputStream body = exchange.getResponseBody();
    if (cutOnce.remove(name) || stall.contains(name)) {
      int half = start > 0 ? 0 : content.length / 2;
      body.write(content, start, half);
      body.flush();
      if (stall.contains(name)) {
        awaitRelease();
      }
      // Closing with bytes still owed makes the server drop the connection: the client sees a cut transfer.
      return;
    }
    body.write(content, start, content.length - start);
  }

  private void awaitRelease() {
    try {
      released.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sendEmpty(HttpExchange exchange, int status, String errorCode) throws IOException {
    if (errorCode != null) {
      exchange.getResponseHeaders().set("X-Error-Code", errorCode);
    }
    exchange.sendResponseHeaders(status, -1);
  }

  private static String decode(String raw) {
    return java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static byte[] digest(String algorithm, byte[] content) {
    try {
      return MessageDigest.getInstance(algorithm).digest(content);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
