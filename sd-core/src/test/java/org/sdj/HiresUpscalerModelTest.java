package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * The hires fix with an upscaling network (A1111's ESRGAN upscalers) against diffusers' txt2img and img2img composed
 * around A1111's {@code resize_image} with the tiny ESRGAN ({@code src/test/resources/esrgan}): the first pass's
 * pictures enlarged 4x tile by tile, brought to the target by Lanczos, encoded again.
 */
class HiresUpscalerModelTest {
  @Test
  void matchesDiffusersComposedAroundA1111sUpscaler() throws URISyntaxException {
    String name = "hires euler 2x tiny-x4 at 0.5, batch 2";
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .upscaler(resource("tiny-x4.pth")).build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(48, 64).steps(3).scheduler("euler").guidanceScale(7.5).seed(71).batchSize(2);
      GenerationResult result = sd.generate(request.hiresFix(new HiresFix(2, 0.5, 0).withUpscalerModel("tiny-x4")));
      try (SafeTensorsFile expected = SafeTensorsFile.open(resource("hires-expected.safetensors"))) {
        TensorAssert.assertTensorClose(result.latents(), expected.get(name).toFloatArray(), name,
            HiresFixTest.THROUGH_8_BIT_PICTURES);
      }
      String info = result.parameters().infotext();
      assertTrue(info.contains("Hires upscaler: tiny-x4"), info);
      // The engine's own upscaling (A1111's Extras): by the network on its backend, or by Lanczos.
      java.awt.image.BufferedImage picture = org.sdj.image.TestPictures.pattern(40, 30, false);
      assertEquals(96, sd.upscale(picture, "tiny-x4", 2.5).getWidth());
      assertEquals(72, sd.upscale(picture, SdUpscale.LANCZOS, 2.5).getHeight());
      assertTrue(assertThrows(InvalidRequestException.class, () -> sd.upscale(picture, "ESRGAN_4x", 2)).getMessage()
          .contains("no upscaler named ESRGAN_4x"));
      InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(request.batchSize(1)
          .hiresFix(new HiresFix(2, 0.5, 0).withUpscalerModel("4x-UltraSharp"))));
      assertTrue(e.getMessage().contains("no upscaler named 4x-UltraSharp is loaded (loaded: tiny-x4)"),
          e.getMessage());
    }
  }

  @Test
  void anUpscalerModelGoesWithLanczosOnly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HiresFix(2, 0.5, 0,
        HiresFix.Upscaler.LATENT, java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
        java.util.OptionalDouble.empty(), java.util.Optional.of("tiny-x4")));
    assertTrue(e.getMessage().contains("Lanczos"), e.getMessage());
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(HiresUpscalerModelTest.class.getResource("/esrgan/" + name).toURI());
  }
}
