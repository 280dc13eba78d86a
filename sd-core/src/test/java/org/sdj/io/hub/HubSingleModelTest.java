package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository of one diffusers model at its root (a ControlNet's, a T2I-Adapter's): its config and its diffusers
 * weights only, in the variant where it has them, and from the cache the second time.
 */
@Timeout(30)
class HubSingleModelTest {
  @TempDir Path cache;

  /** As lllyasviel/sd-controlnet-canny lays itself out, with a single-file checkpoint and images beside. */
  private static Map<String, byte[]> controlNetRepo() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("config.json", TinyRepo.text("{\"_class_name\": \"ControlNetModel\"}"));
    files.put("README.md", TinyRepo.text("# canny"));
    files.put("diffusion_pytorch_model.safetensors", TinyRepo.bytes(3000, 1));
    files.put("diffusion_pytorch_model.fp16.safetensors", TinyRepo.bytes(1500, 2));
    files.put("diffusion_pytorch_model.bin", TinyRepo.bytes(3000, 3));
    files.put("control_v11p_sd15_canny.safetensors", TinyRepo.bytes(3000, 4));
    files.put("images/bird_canny.png", TinyRepo.bytes(100, 5));
    return files;
  }

  @Test
  void takesTheConfigAndTheDiffusersWeightsAlone() throws IOException {
    try (FakeHub hub = new FakeHub(controlNetRepo())) {
      Path snapshot = HubModel.resolveModel(FakeHub.REPO, options(hub, cache).build());
      assertEquals(Set.of("config.json", "diffusion_pytorch_model.safetensors"), filesIn(snapshot));
      Path fp16 = HubModel.resolveModel(FakeHub.REPO, options(hub, cache).variant("fp16").build());
      assertTrue(filesIn(fp16).contains("diffusion_pytorch_model.fp16.safetensors"));
      for (String request : hub.requests()) {
        assertFalse(request.matches(".*(\\.bin|README|control_v11p|images/).*"), request);
      }
    }
    // Then offline, from the cache alone.
    assertEquals(Set.of("config.json", "diffusion_pytorch_model.safetensors", "diffusion_pytorch_model.fp16"
        + ".safetensors"), filesIn(HubModel.resolveModel(FakeHub.REPO, HubOptions.builder(Map.of()).cacheDir(cache)
            .offline(true).build())));
  }

  @Test
  void aPipelineRepositoryIsNotOneModel() throws IOException {
    Map<String, byte[]> pipeline = TinyRepo.files();
    try (FakeHub hub = new FakeHub(pipeline)) {
      HubException e = assertThrows(HubException.class,
          () -> HubModel.resolveModel(FakeHub.REPO, options(hub, cache).build()));
      assertEquals(HubException.Kind.UNSUPPORTED_MODEL, e.kind());
      assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }
  }

  private static Set<String> filesIn(Path snapshot) throws IOException {
    try (Stream<Path> walk = Files.walk(snapshot)) {
      return walk.filter(p -> !Files.isDirectory(p)).map(p -> snapshot.relativize(p).toString().replace('\\', '/'))
          .collect(Collectors.toSet());
    }
  }
}
