package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HubOptionsTest {
  @Test
  void cacheFolderFollowsHuggingfaceHubPrecedence() {
    assertEquals(Path.of("/c/hub"), HubOptions.builder(Map.of("HF_HUB_CACHE", "/c/hub", "HF_HOME", "/h")).build().cacheDir());
    assertEquals(Path.of("/h/hub"), HubOptions.builder(Map.of("HF_HOME", "/h", "XDG_CACHE_HOME", "/x")).build().cacheDir());
    assertEquals(Path.of("/x/huggingface/hub"), HubOptions.builder(Map.of("XDG_CACHE_HOME", "/x")).build().cacheDir());
    assertEquals(
        Path.of("/home/u/.cache/huggingface/hub"), HubOptions.builder(Map.of("HOME", "/home/u")).build().cacheDir());
    assertEquals(
        Path.of("/home/u/models"),
        HubOptions.builder(Map.of("HOME", "/home/u", "HF_HUB_CACHE", "~/models")).build().cacheDir());
  }

  @Test
  void endpointTokenAndOfflineComeFromTheEnvironment() {
    HubOptions options =
        HubOptions.builder(Map.of("HF_ENDPOINT", "http://127.0.0.1:8080/", "HF_TOKEN", "hf_x", "HF_HUB_OFFLINE", "yes"))
            .build();
    assertEquals(URI.create("http://127.0.0.1:8080"), options.endpoint());
    assertEquals(Optional.of("hf_x"), options.token());
    assertTrue(options.offline());
    assertFalse(options.toString().contains("hf_x"), "toString never shows the token");

    HubOptions defaults = HubOptions.builder(Map.of("HOME", "/home/u", "HF_HUB_OFFLINE", "0")).build();
    assertEquals(URI.create("https://huggingface.co"), defaults.endpoint());
    assertEquals(Optional.empty(), defaults.token());
    assertFalse(defaults.offline());
    assertTrue(HubOptions.builder(Map.of("TRANSFORMERS_OFFLINE", "1")).build().offline());
    assertEquals(Optional.empty(), HubOptions.builder(Map.of("HF_TOKEN", "hf_x")).noToken().build().token());
  }

  @Test
  void badSettingsAreRejectedWithTheReason() {
    HubOptions.Builder builder = HubOptions.builder(Map.of());
    assertThrows(IllegalArgumentException.class, () -> builder.variant("fp16/../x").build());
    assertThrows(IllegalArgumentException.class, () -> builder.plainWeights().endpoint(URI.create("ftp://x")).build());
    assertThrows(
        IllegalArgumentException.class,
        () -> builder.endpoint(URI.create("http://127.0.0.1")).timeout(java.time.Duration.ZERO).build());
  }

  @Test
  void modelIdsAndPaths() throws IOException {
    assertTrue(HubModel.looksLikeModelId("stable-diffusion-v1-5/stable-diffusion-v1-5"));
    assertTrue(HubModel.looksLikeModelId("stabilityai/sd-turbo@refs/pr/1"));
    assertTrue(HubModel.looksLikeModelId("org/model.v2@0123456789abcdef0123456789abcdef01234567"));
    for (String notAnId : List.of("model", "/abs/path", "./org/name", "a/b/c", "org/name@", "org/-bad", "a b/c", "")) {
      assertFalse(HubModel.looksLikeModelId(notAnId), notAnId);
    }
    // Maven runs tests in the module folder, where src/main exists: an existing path is not an id.
    assumeTrue(Files.isDirectory(Path.of("src", "main")));
    assertTrue(ModelId.isValid("src/main"));
    assertFalse(HubModel.looksLikeModelId("src/main"));
    assertEquals(new ModelId("a/b", "main"), ModelId.parse("a/b"));
    assertEquals(new ModelId("a/b", "v1.0"), ModelId.parse("a/b@v1.0"));
    assertEquals("models--a--b", ModelId.parse("a/b").cacheFolderName());
  }

  @Test
  void tokenGoesToTheHubButNeverToTheStorageHost(@TempDir Path cache) throws IOException {
    try (FakeHub hub = new FakeHub(TinyRepo.files())) {
      HubModel.resolve(FakeHub.REPO, options(hub, cache).token("hf_secret").build());
      List<String> authorized = hub.authorizedRequests();
      assertTrue(authorized.stream().anyMatch(r -> r.startsWith("GET /api/models/") && r.endsWith("Bearer hf_secret")));
      assertTrue(authorized.stream().anyMatch(r -> r.startsWith("HEAD /" + FakeHub.REPO + "/resolve/")));
      assertTrue(authorized.stream().noneMatch(r -> r.contains("/lfs/")), authorized.toString());
      assertTrue(hub.requests().stream().anyMatch(r -> r.contains("/lfs/")));
    }
  }
}
