package org.sdj.io.lora;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * LyCORIS' LoHa and LoKr layers (AUTOMATIC1111's {@code network_hada} and {@code network_lokr}) merged by sdj, against
 * diffusers' pipeline with the same changes merged by {@code make_lycoris_reference.py.txt} from AUTOMATIC1111's
 * formulas ({@code src/test/resources/lora/lycoris*.safetensors}): LoHa on linear layers and convolutions, plain and
 * with Tucker cores; LoKr with whole and decomposed factors, a convolution's 4-D factor and a Tucker core; with and
 * without alphas; LoCon's Tucker form and a full difference; in the UNet and the text encoder.
 */
class LycorisTest {
  @Test
  void mergesAsAutomatic1111RebuildsIt() throws URISyntaxException {
    float[] expected;
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("lycoris-expected.safetensors"))) {
      expected = file.get("lycoris 0.8").toFloatArray();
    }
    GenerationRequest request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").size(64, 64)
        .steps(4).scheduler("euler").seed(67).build();
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .lora(resource("lycoris.safetensors"), 0.8).build()) {
      TensorAssert.assertTensorClose(sd.generate(request).latents(), expected, "tiny model with LoHa and LoKr at 0.8");
    }
    try (StableDiffusion plain = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .build()) {
      assertTrue(TensorAssert.relativeL2(plain.generate(request).latents(), expected) > 0.01,
          "the layers change the picture");
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(LycorisTest.class.getResource("/lora/" + name).toURI());
  }
}
