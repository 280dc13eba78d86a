package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HubModelErrorTest {
  @TempDir Path cache;

  @Test
  void unauthorizedSaysGatedAndHfToken() throws IOException {
    assertAccessDenied(401);
  }

  @Test
  void forbiddenSaysGatedAndHfToken() throws IOException {
    assertAccessDenied(403);
  }

  @Test
  void missingRepositorySaysRepository() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      hub.forcedStatus = 404;
      HubException e = resolveFails(FakeHub.REPO, options(hub, cache).build());
      assertEquals(HubException.Kind.NOT_FOUND, e.kind());
      assertTrue(e.getMessage().contains("repository " + FakeHub.REPO + " not found"), e.getMessage());
    }
  }

  @Test
  void missingRevisionSaysRevision() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubException e = resolveFails(FakeHub.REPO + "@no-such-branch", options(hub, cache).build());
      assertEquals(HubException.Kind.NOT_FOUND, e.kind());
      assertTrue(e.getMessage().contains("revision \"no-such-branch\" not found"), e.getMessage());
    }
  }

  @Test
  void missingShardSaysFile() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    files.remove("unet/diffusion_pytorch_model.safetensors");
    files.put(
        "unet/diffusion_pytorch_model.safetensors.index.json",
        TinyRepo.text("{\"weight_map\": {\"a\": \"diffusion_pytorch_model-00001-of-00001.safetensors\"}}"));
    try (FakeHub hub = new FakeHub(files)) {
      HubException e = resolveFails(FakeHub.REPO, options(hub, cache).build());
      assertEquals(HubException.Kind.NOT_FOUND, e.kind());
      assertTrue(e.getMessage().contains("unet/diffusion_pytorch_model-00001-of-00001.safetensors"), e.getMessage());
    }
  }

  @Test
  void connectionRefusedSaysSoAndMentionsOfflineMode() throws IOException {
    int freePort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      freePort = socket.getLocalPort();
    }
    HubOptions options =
        HubOptions.builder(Map.of()).cacheDir(cache).endpoint(URI.create("http://127.0.0.1:" + freePort)).build();
    HubException e = resolveFails(FakeHub.REPO, options);
    assertEquals(HubException.Kind.NETWORK, e.kind());
    assertTrue(e.getMessage().contains("cannot reach"), e.getMessage());
    assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
  }

  @Test
  void repositoryWithoutModelIndexIsNotAPipeline() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    files.remove("model_index.json");
    try (FakeHub hub = new FakeHub(files)) {
      HubException e = resolveFails(FakeHub.REPO, options(hub, cache).build());
      assertEquals(HubException.Kind.UNSUPPORTED_MODEL, e.kind());
      assertTrue(e.getMessage().contains("model_index.json"), e.getMessage());
    }
  }

  @Test
  void componentWithoutSafetensorsFallsBackToBin() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    files.remove("vae/diffusion_pytorch_model.safetensors");
    try (FakeHub hub = new FakeHub(files)) {
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      assertTrue(HubModelDownloadTest.filesIn(snapshot).contains("vae/diffusion_pytorch_model.bin"));
      assertFalse(HubModelDownloadTest.filesIn(snapshot).contains("unet/diffusion_pytorch_model.bin"));
    }
  }

  @Test
  void badIdIsRejectedBeforeAnyRequest() {
    HubOptions options = HubOptions.builder(Map.of()).cacheDir(cache).build();
    for (String bad : new String[] {"", "noslash", "a/b/c", "a/b@", "a/b@../x", "-a/b", "a--b/c", "a/b c"}) {
      HubException e = resolveFails(bad, options);
      assertEquals(HubException.Kind.INVALID_ID, e.kind(), bad);
    }
  }

  private void assertAccessDenied(int status) throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      hub.forcedStatus = status;
      HubException e = resolveFails(FakeHub.REPO, options(hub, cache).build());
      assertEquals(HubException.Kind.ACCESS_DENIED, e.kind());
      assertTrue(e.getMessage().contains("gated or private model"), e.getMessage());
      assertTrue(e.getMessage().contains("accept its licence on the Hub and set HF_TOKEN"), e.getMessage());
    }
  }

  private static HubException resolveFails(String id, HubOptions options) {
    return assertThrows(HubException.class, () -> HubModel.resolve(id, options));
  }
}
