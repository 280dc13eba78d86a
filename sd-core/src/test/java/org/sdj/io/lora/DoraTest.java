package org.sdj.io.lora;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.backend.DType;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * DoRA layers ({@code dora_scale}) merged by sdj, against diffusers' pipeline with the same layers merged by
 * {@code make_dora_reference.py.txt} from AUTOMATIC1111's {@code apply_weight_decompose}
 * ({@code src/test/resources/lora/dora*.safetensors}): plain LoRA on a linear layer and a 3x3 convolution, LoHa, one
 * magnitude per output row (LyCORIS' {@code wd_on_out}), in the UNet and the text encoder.
 */
class DoraTest {
  @Test
  void mergesAsAutomatic1111DecomposesIt() throws URISyntaxException {
    float[] expected;
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("dora-expected.safetensors"))) {
      expected = file.get("dora 0.8").toFloatArray();
    }
    GenerationRequest request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").size(64, 64)
        .steps(4).scheduler("euler").seed(71).build();
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .lora(resource("dora.safetensors"), 0.8).build()) {
      TensorAssert.assertTensorClose(sd.generate(request).latents(), expected, "tiny model with DoRA at 0.8");
    }
    try (StableDiffusion plain = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .build()) {
      assertTrue(TensorAssert.relativeL2(plain.generate(request).latents(), expected) > 0.01,
          "the layers change the picture");
    }
  }

  @Test
  void aMagnitudeOfAnotherShapeIsRefused(@TempDir Path dir) throws IOException {
    Path lora = dir.resolve("bad-dora.safetensors");
    String key = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_k";
    SafeTensorsWriter.create().add(key + ".lora_down.weight", DType.F32, new long[] {2, 32}, new float[64])
        .add(key + ".lora_up.weight", DType.F32, new long[] {32, 2}, new float[64])
        .add(key + ".dora_scale", DType.F32, new long[] {1, 5}, new float[5]).write(lora);
    LoraException e = assertThrows(LoraException.class, () -> LoraSet.open(List.of(new Lora(lora, 1))));
    assertTrue(e.getMessage().contains("dora_scale of shape [1, 5]"), e.getMessage());
  }

  @Test
  void aMagnitudeWithoutItsLayerIsRefused(@TempDir Path dir) throws IOException {
    Path lora = dir.resolve("orphan.safetensors");
    String key = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_k";
    SafeTensorsWriter.create().add(key + ".lora_down.weight", DType.F32, new long[] {2, 32}, new float[64])
        .add(key + ".lora_up.weight", DType.F32, new long[] {32, 2}, new float[64])
        .add("lora_unet_mid_block_attentions_0_proj_in.dora_scale", DType.F32, new long[] {1, 32}, new float[32])
        .write(lora);
    LoraException e = assertThrows(LoraException.class, () -> LoraSet.open(List.of(new Lora(lora, 1))));
    assertTrue(e.getMessage().contains("without the layer it decomposes"), e.getMessage());
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(DoraTest.class.getResource("/lora/" + name).toURI());
  }
}
