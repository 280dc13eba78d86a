package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HubModelDownloadTest {
  private static final Set<String> PLAIN =
      Set.of(
          "model_index.json",
          "unet/config.json",
          "unet/diffusion_pytorch_model.safetensors",
          "vae/config.json",
          "vae/diffusion_pytorch_model.safetensors",
          "text_encoder/config.json",
          "text_encoder/model.safetensors",
          "tokenizer/vocab.json",
          "tokenizer/merges.txt",
          "tokenizer/tokenizer_config.json",
          "tokenizer/special_tokens_map.json",
          "scheduler/scheduler_config.json");

  @TempDir Path cache;

  @Test
  void freshDownloadBuildsTheSharedCacheLayout() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    try (FakeHub hub = new FakeHub(files)) {
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());

      Path repo = cache.resolve("models--test-org--tiny-sd");
      assertEquals(repo.resolve("snapshots").resolve(FakeHub.COMMIT), snapshot);
      assertEquals(FakeHub.COMMIT, Files.readString(repo.resolve("refs/main")));
      assertEquals(PLAIN, filesIn(snapshot));
      for (String name : PLAIN) {
        Path link = snapshot.resolve(name);
        assertTrue(Files.isSymbolicLink(link), name + " is a symlink");
        Path target = Files.readSymbolicLink(link);
        assertFalse(target.isAbsolute(), name + " links relatively");
        String etag = target.getFileName().toString();
        byte[] content = files.get(name);
        assertEquals(FakeHub.isLfs(name) ? FakeHub.sha256(content) : FakeHub.gitSha1(content), etag);
        assertEquals(repo.resolve("blobs").resolve(etag), link.getParent().resolve(target).normalize());
        assertArrayEquals(content, Files.readAllBytes(link));
      }
      try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
        assertTrue(blobs.noneMatch(p -> p.toString().endsWith(".incomplete")), "no partial files left");
      }
    }
  }

  @Test
  void neverRequestsSafetyCheckerOnnxFlaxOrCheckpoints() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      for (String request : hub.requests()) {
        assertFalse(
            request.matches(".*(safety_checker|feature_extractor|\\.onnx|\\.msgpack|\\.ckpt|\\.bin|non_ema|README"
                + "|pruned).*"),
            request);
      }
    }
  }

  @Test
  void fp16VariantWhereItExistsPlainWeightsElsewhere() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).variant("fp16").build());
      Set<String> got = filesIn(snapshot);
      assertTrue(got.contains("unet/diffusion_pytorch_model.fp16.safetensors"));
      assertTrue(got.contains("text_encoder/model.fp16.safetensors"));
      assertTrue(got.contains("vae/diffusion_pytorch_model.safetensors"), "vae has no fp16: plain weights");
      assertFalse(got.contains("unet/diffusion_pytorch_model.safetensors"));
      assertFalse(got.contains("text_encoder/model.safetensors"));
    }
  }

  @Test
  void aVariantNoComponentHasIsRefusedBeforeAnyWeightsAreFetched() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubException e = assertThrows(HubException.class,
          () -> HubModel.resolve(FakeHub.REPO, options(hub, cache).variant("fp61").build()));
      assertEquals(HubException.Kind.NOT_FOUND, e.kind());
      assertTrue(e.getMessage().contains("no fp61 weights"), e.getMessage());
      assertTrue(hub.requests().stream().noneMatch(r -> r.contains("safetensors")), hub.requests().toString());
    }
  }

  @Test
  void shardedVariantComesWithItsShards() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    files.remove("unet/diffusion_pytorch_model.fp16.safetensors");
    files.put(
        "unet/diffusion_pytorch_model.safetensors.index.fp16.json",
        TinyRepo.text(
            """
            {"metadata": {"total_size": 3000}, "weight_map": {
              "a.weight": "diffusion_pytorch_model.fp16-00001-of-00002.safetensors",
              "b.weight": "diffusion_pytorch_model.fp16-00002-of-00002.safetensors",
              "c.weight": "diffusion_pytorch_model.fp16-00002-of-00002.safetensors"}}
            """));
    files.put("unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors", TinyRepo.bytes(1500, 20));
    files.put("unet/diffusion_pytorch_model.fp16-00002-of-00002.safetensors", TinyRepo.bytes(1500, 21));
    try (FakeHub hub = new FakeHub(files)) {
      HubOptions fp16 = options(hub, cache).variant("fp16").build();
      Set<String> got = filesIn(HubModel.resolve(FakeHub.REPO, fp16));
      assertTrue(got.contains("unet/diffusion_pytorch_model.safetensors.index.fp16.json"));
      assertTrue(got.contains("unet/diffusion_pytorch_model.fp16-00001-of-00002.safetensors"));
      assertTrue(got.contains("unet/diffusion_pytorch_model.fp16-00002-of-00002.safetensors"));
      assertFalse(got.contains("unet/diffusion_pytorch_model.safetensors"));

      hub.clearRequests();
      HubModel.resolve(FakeHub.REPO, fp16);
      assertEquals(List.of(), hub.requests(), "a complete sharded snapshot needs no request");
    }
  }

  @Test
  void reportsProgressUpToEachFilesSize() throws IOException {
    Map<String, Long> last = new ConcurrentHashMap<>();
    Map<String, Long> totals = new ConcurrentHashMap<>();
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubOptions withListener =
          options(hub, cache)
              .listener(
                  (file, done, total) -> {
                    last.merge(file, done, Math::max);
                    totals.put(file, total);
                  })
              .build();
      HubModel.resolve(FakeHub.REPO, withListener);
    }
    assertEquals(PLAIN, last.keySet());
    assertEquals(4000L, last.get("unet/diffusion_pytorch_model.safetensors"));
    assertEquals(totals, last);
  }

  @Test
  void explicitRevisionAndCommitBothResolveToTheSameSnapshot() throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      Path byBranch = HubModel.resolve(FakeHub.REPO + "@main", options(hub, cache).build());
      hub.clearRequests();
      Path byCommit = HubModel.resolve(FakeHub.REPO + "@" + FakeHub.COMMIT, options(hub, cache).build());
      assertEquals(byBranch, byCommit);
      assertEquals(List.of(), hub.requests());
    }
  }

  static Set<String> filesIn(Path snapshot) throws IOException {
    try (Stream<Path> walk = Files.walk(snapshot)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> snapshot.relativize(p).toString().replace('\\', '/'))
          .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }
}
