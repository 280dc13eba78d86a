package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.ImagePrompt;
import org.sdj.StableDiffusion;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.IpAdapterFixture;
import org.sdj.io.TestFixtures;

/**
 * An engine whose LoRA and IP-Adapter (with its image encoder) come from a Hub repository, as diffusers'
 * {@code load_lora_weights(repo, weight_name=...)} and {@code load_ip_adapter(repo, subfolder, weight_name)} take
 * them: the same pictures as from the local files.
 */
@Timeout(120)
class HubEngineTest {
  @TempDir Path dir;
  @TempDir Path cache;

  @Test
  void aLoraAndAnIpAdapterFromTheHubActAsTheLocalFiles() throws IOException {
    Path lora = resource("/lora/kohya-lora.safetensors");
    Path adapter = IpAdapterFixture.plus(dir);
    Path encoder = adapter.resolveSibling("image_encoder");
    Map<String, byte[]> repo = new LinkedHashMap<>();
    repo.put("README.md", TinyRepo.text("# adapters"));
    repo.put("loras/otter-style.safetensors", Files.readAllBytes(lora));
    repo.put("models/ip-adapter-plus.safetensors", Files.readAllBytes(adapter));
    repo.put("models/image_encoder/config.json", Files.readAllBytes(encoder.resolve("config.json")));
    repo.put("models/image_encoder/model.safetensors", Files.readAllBytes(encoder.resolve("model.safetensors")));
    GenerationRequest request = GenerationRequest.prompt("a watercolor otter").size(64, 64).steps(2)
        .scheduler("euler").seed(7).imagePrompt(new ImagePrompt(ControlNetFixture.image(), 0.6)).build();
    float[] local;
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).lora(lora, 0.8)
        .ipAdapter(adapter).backend("reference").build()) {
      local = sd.generate(request).latents();
    }
    try (FakeHub hub = new FakeHub(repo);
        StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
            .hub(HubTestSupport.options(hub, cache).build())
            .lora(FakeHub.REPO + "/loras/otter-style.safetensors", 0.8)
            .ipAdapter(FakeHub.REPO + "/models/ip-adapter-plus.safetensors").backend("reference").build()) {
      assertArrayEquals(local, sd.generate(request).latents());
      for (String r : hub.requests()) {
        assertFalse(r.contains("README"), r);
      }
    }
    // The second time from the cache alone.
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .hub(HubOptions.builder(Map.of()).cacheDir(cache).offline(true).build())
        .lora("hf://" + FakeHub.REPO + "/loras/otter-style.safetensors", 0.8)
        .ipAdapter(FakeHub.REPO + "/models/ip-adapter-plus.safetensors",
            FakeHub.REPO + "/models/image_encoder").backend("reference").build()) {
      assertArrayEquals(local, sd.generate(request).latents());
      assertEquals(1, sd.generate(request.toBuilder().prompt("<lora:otter-style:0.8> x")
          .promptSyntax(org.sdj.prompt.PromptSyntax.A1111)).images().size(), "named as its file");
    }
  }

  private Path resource(String name) throws IOException {
    Path out = dir.resolve(Path.of(name).getFileName().toString());
    try (InputStream in = HubEngineTest.class.getResourceAsStream(name)) {
      Files.copy(in, out);
    }
    return out;
  }
}
