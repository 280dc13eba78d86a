package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PipelineFilesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<PipelineFiles.Tier> FP16 = PipelineFiles.tiers(Optional.of("fp16"));
  private static final List<PipelineFiles.Tier> PLAIN = PipelineFiles.tiers(Optional.empty());

  @Test
  void picksTheBestTierPerComponent() {
    Set<String> files =
        Set.of(
            "unet/diffusion_pytorch_model.safetensors",
            "unet/diffusion_pytorch_model.fp16.safetensors",
            "unet/diffusion_pytorch_model.non_ema.safetensors",
            "unet/diffusion_pytorch_model.bin",
            "unet/model.onnx",
            "unet/sub/diffusion_pytorch_model.safetensors");
    assertEquals(List.of("unet/diffusion_pytorch_model.fp16.safetensors"), weights(files, FP16));
    assertEquals(List.of("unet/diffusion_pytorch_model.safetensors"), weights(files, PLAIN));
    assertEquals(List.of("unet/diffusion_pytorch_model.bin"), weights(Set.of("unet/diffusion_pytorch_model.bin"), FP16));
    assertEquals(Optional.empty(), PipelineFiles.weights("unet", Set.of("unet/model.onnx"), FP16));
  }

  @Test
  void shardsAreReachedThroughTheirIndexOnly() throws Exception {
    Set<String> files =
        Set.of(
            "unet/diffusion_pytorch_model.safetensors.index.json",
            "unet/diffusion_pytorch_model-00001-of-00002.safetensors",
            "unet/diffusion_pytorch_model-00002-of-00002.safetensors");
    assertEquals(List.of("unet/diffusion_pytorch_model.safetensors.index.json"), weights(files, FP16));
    var index = JSON.readTree("{\"weight_map\": {\"a\": \"x-1.safetensors\", \"b\": \"x-2.safetensors\", \"c\": \"x-1.safetensors\"}}");
    assertEquals(List.of("unet/x-1.safetensors", "unet/x-2.safetensors"), PipelineFiles.shards("unet/i.index.json", index));
    var escaping = JSON.readTree("{\"weight_map\": {\"a\": \"../../evil\"}}");
    assertThrows(HubException.class, () -> PipelineFiles.shards("unet/i.index.json", escaping));
  }

  @Test
  void fallbackNamesTheBetterFilesThatAreMissing() {
    var chosen = PipelineFiles.weights("vae", Set.of("vae/diffusion_pytorch_model.safetensors"), FP16).orElseThrow();
    assertEquals(List.of("vae/diffusion_pytorch_model.fp16.safetensors"), PipelineFiles.betterCounterparts(chosen, FP16));
    var index = PipelineFiles.weights("unet", Set.of("unet/d.safetensors.index.json"), FP16).orElseThrow();
    assertEquals(List.of("unet/d.safetensors.index.fp16.json"), PipelineFiles.betterCounterparts(index, FP16));
  }

  @Test
  void componentsComeFromModelIndexAndTheRequiredOnesMustBeThere() throws Exception {
    var index = JSON.readTree(TinyRepo.MODEL_INDEX);
    assertEquals(
        List.of("scheduler", "text_encoder", "tokenizer", "unet", "vae"),
        PipelineFiles.components(index, ModelId.parse("a/b")));
    var noVae = JSON.readTree("{\"unet\": [\"d\", \"U\"], \"vae\": [null, null]}");
    HubException e = assertThrows(HubException.class, () -> PipelineFiles.components(noVae, ModelId.parse("a/b")));
    assertEquals(HubException.Kind.UNSUPPORTED_MODEL, e.kind());
    // stable-diffusion-xl-refiner-1.0's: the second text encoder and tokenizer alone.
    var refiner = JSON.readTree("{\"_class_name\": \"StableDiffusionXLImg2ImgPipeline\", \"scheduler\": [\"d\", \"E\"],"
        + " \"text_encoder\": [null, null], \"text_encoder_2\": [\"t\", \"C\"], \"tokenizer\": [null, null],"
        + " \"tokenizer_2\": [\"t\", \"T\"], \"unet\": [\"d\", \"U\"], \"vae\": [\"d\", \"A\"]}");
    assertEquals(List.of("scheduler", "text_encoder_2", "tokenizer_2", "unet", "vae"),
        PipelineFiles.components(refiner, ModelId.parse("a/b")));
  }

  private static List<String> weights(Set<String> files, List<PipelineFiles.Tier> tiers) {
    return PipelineFiles.weights("unet", files, tiers).orElseThrow().files();
  }
}
