package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HubModelCacheTest {
  @TempDir Path cache;

  @Test
  void cachedModelMakesNoRequest() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      Path first = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      hub.clearRequests();
      assertEquals(first, HubModel.resolve(FakeHub.REPO, options(hub, cache).build()));
      assertEquals(List.of(), hub.requests());
    }
  }

  @Test
  void cachedModelResolvesWithTheServerGone() throws IOException {
    HubOptions options;
    Path first;
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      options = options(hub, cache).build();
      first = HubModel.resolve(FakeHub.REPO, options);
    }
    assertEquals(first, HubModel.resolve(FakeHub.REPO, options));
  }

  @Test
  void fp16RequestWithOnlyPlainWeightsCachedGoesOnlineForTheVariant() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      hub.clearRequests();
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).variant("fp16").build());
      assertTrue(Files.exists(snapshot.resolve("unet/diffusion_pytorch_model.fp16.safetensors")));
      assertTrue(hub.requests().stream().noneMatch(r -> r.contains("/tokenizer/")), "cached files are not fetched");
    }
  }

  @Test
  void offlineUsesTheCacheWithoutAnyRequest() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      Path first = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      hub.clearRequests();
      HubOptions offline = HubOptions.builder(Map.of("HF_HUB_OFFLINE", "1", "HF_HUB_CACHE", cache.toString()))
          .endpoint(hub.endpoint()).build();
      assertTrue(offline.offline());
      assertEquals(first, HubModel.resolve(FakeHub.REPO, offline));
      // Offline, cached plain weights do for an fp16 request.
      assertEquals(first, HubModel.resolve(FakeHub.REPO, offline.toBuilder().variant("fp16").build()));
      assertEquals(List.of(), hub.requests());
    }
  }

  @Test
  void offlineWithAnUncachedModelSaysSo() {
    HubOptions offline =
        HubOptions.builder(Map.of("HF_HUB_OFFLINE", "true", "HF_HUB_CACHE", cache.toString()))
            .endpoint(URI.create("http://127.0.0.1:9"))
            .build();
    HubException e = assertThrows(HubException.class, () -> HubModel.resolve("someone/not-here", offline));
    assertEquals(HubException.Kind.NOT_CACHED, e.kind());
    assertTrue(e.getMessage().contains("someone/not-here"), e.getMessage());
    assertTrue(e.getMessage().contains("not cached"), e.getMessage());
  }

  @Test
  void offlineWithAFileMissingFromTheSnapshotNamesIt() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      Files.delete(snapshot.resolve("scheduler/scheduler_config.json"));
      HubOptions offline = options(hub, cache).offline(true).build();
      hub.clearRequests();
      HubException e = assertThrows(HubException.class, () -> HubModel.resolve(FakeHub.REPO, offline));
      assertEquals(HubException.Kind.NOT_CACHED, e.kind());
      assertTrue(e.getMessage().contains("scheduler/scheduler_config.json"), e.getMessage());
      assertEquals(List.of(), hub.requests());

      // Online, only the missing file is fetched again.
      hub.clearRequests();
      HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      assertTrue(Files.exists(snapshot.resolve("scheduler/scheduler_config.json")));
      assertTrue(hub.requests().stream().noneMatch(r -> r.contains("unet")), hub.requests().toString());
    }
  }

  @Test
  void unreachableHubFallsBackToAnyCachedWeights() throws IOException {
    HubOptions plain;
    Path first;
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      plain = options(hub, cache).build();
      first = HubModel.resolve(FakeHub.REPO, plain);
    }
    assertEquals(first, HubModel.resolve(FakeHub.REPO, plain.toBuilder().variant("fp16").build()));
  }
}
