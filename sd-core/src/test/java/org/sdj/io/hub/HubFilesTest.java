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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and model folders inside a repository (h94/IP-Adapter's layout, a LoRA repository's): only what is named is
 * downloaded, and the second time it comes from the cache, offline too.
 */
@Timeout(30)
class HubFilesTest {
  @TempDir Path cache;

  private static Map<String, byte[]> adapterRepo() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("README.md", TinyRepo.text("# IP-Adapter"));
    files.put("models/ip-adapter_sd15.safetensors", TinyRepo.bytes(2000, 1));
    files.put("models/ip-adapter_sd15.bin", TinyRepo.bytes(2000, 2));
    files.put("models/image_encoder/config.json", TinyRepo.text("{\"model_type\": \"clip_vision_model\"}"));
    files.put("models/image_encoder/model.safetensors", TinyRepo.bytes(3000, 3));
    files.put("models/image_encoder/pytorch_model.bin", TinyRepo.bytes(3000, 4));
    files.put("sdxl_models/image_encoder/config.json", TinyRepo.text("{}"));
    files.put("sdxl_models/image_encoder/pytorch_model.bin", TinyRepo.bytes(3000, 5));
    return files;
  }

  @Test
  void fetchesTheNamedFileAndFolderAlone() throws IOException {
    Map<String, byte[]> repo = adapterRepo();
    try (FakeHub hub = new FakeHub(repo)) {
      Path file = HubFiles.file(FakeHub.REPO + "/models/ip-adapter_sd15.safetensors", options(hub, cache).build());
      assertArrayEquals(repo.get("models/ip-adapter_sd15.safetensors"), Files.readAllBytes(file));
      Path encoder = HubFiles.folder("hf://" + FakeHub.REPO + "/models/image_encoder/", options(hub, cache).build());
      assertEquals(Set.of("config.json", "model.safetensors"), filesIn(encoder));
      Path bigG = HubFiles.folder(FakeHub.REPO + "/sdxl_models/image_encoder", options(hub, cache).build());
      assertEquals(Set.of("config.json", "pytorch_model.bin"), filesIn(bigG));
      for (String request : hub.requests()) {
        assertFalse(request.matches(".*(README|ip-adapter_sd15\\.bin|/models/image_encoder/pytorch_model).*"), request);
      }
      HubException missing = assertThrows(HubException.class,
          () -> HubFiles.file(FakeHub.REPO + "/models/nothing.safetensors", options(hub, cache).build()));
      assertEquals(HubException.Kind.NOT_FOUND, missing.kind());
      assertTrue(missing.getMessage().contains("has no file models/nothing.safetensors"), missing.getMessage());
      HubException notModel = assertThrows(HubException.class,
          () -> HubFiles.folder(FakeHub.REPO + "/models", options(hub, cache).build()));
      assertTrue(notModel.getMessage().contains("has no model folder models (config.json"), notModel.getMessage());
    }
    HubOptions offline = HubOptions.builder(Map.of()).cacheDir(cache).offline(true).build();
    assertTrue(Files.isRegularFile(HubFiles.file(FakeHub.REPO + "/models/ip-adapter_sd15.safetensors", offline)));
    HubException notCached = assertThrows(HubException.class,
        () -> HubFiles.file(FakeHub.REPO + "/models/ip-adapter_sd15.bin", offline));
    assertEquals(HubException.Kind.NOT_CACHED, notCached.kind());
  }

  @Test
  void referencesAreTellable(@TempDir Path dir) throws IOException {
    assertTrue(HubFiles.looksLikeReference("h94/IP-Adapter/models/ip-adapter_sd15.bin"));
    assertTrue(HubFiles.looksLikeReference("hf://someone/loras@v2/style.safetensors"));
    assertFalse(HubFiles.looksLikeReference("style.safetensors"));
    assertFalse(HubFiles.looksLikeReference("h94/IP-Adapter"));
    Path local = Files.createDirectories(dir.resolve("a/b")).resolve("c.safetensors");
    Files.write(local, new byte[] {1});
    assertFalse(HubFiles.looksLikeReference(local.toString()));
    for (String bad : List.of("hf://h94", "hf://h94/IP-Adapter/", "hf://h94/IP-Adapter/../x")) {
      HubException e = assertThrows(HubException.class, () -> HubFiles.file(bad, HubOptions.builder(Map.of())
          .cacheDir(dir).offline(true).build()));
      assertEquals(HubException.Kind.INVALID_ID, e.kind(), bad);
    }
  }

  private static Set<String> filesIn(Path folder) throws IOException {
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(p -> !Files.isDirectory(p)).map(p -> folder.relativize(p).toString())
          .collect(Collectors.toSet());
    }
  }
}
