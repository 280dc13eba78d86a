package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.MaskFillTest;
import org.sdj.image.TestPictures;

/**
 * A1111's "Masked content" against diffusers' {@code StableDiffusionInpaintPipeline} given what A1111 prepares
 * ({@code src/test/resources/masked-content}): the picture filled under the (blurred) mask, and for latent noise and
 * latent nothing the image's latents replaced under the latent mask. The latents at the float32 tolerance, the
 * pictures within two levels of 255.
 */
class MaskedContentTest extends TinyModelTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"inpaint fill mask 0 blur 4 strength 0.7, FILL, 0, 4, 0.7, 91",
      "inpaint latent noise mask 0 blur 0 strength 0.7, LATENT_NOISE, 0, 0, 0.7, 92",
      "inpaint latent nothing mask 1 blur 2 strength 0.6, LATENT_NOTHING, 1, 2, 0.6, 93"})
  void matchesDiffusersGivenWhatA1111Prepares(String name, MaskedContent content, int k, int blur, double strength,
      long seed) throws URISyntaxException {
    GenerationResult result = sd.generate(request(content, k, blur, strength, seed));
    TensorAssert.assertTensorClose(result.latents(), MaskFillTest.expected(name + " latents"), name);
    float[] actual = TestPictures.bytes(result.images().getFirst());
    float[] expected = MaskFillTest.expected(name + " picture");
    for (int i = 0; i < actual.length; i++) {
      actual[i] /= 255;
      expected[i] /= 255;
    }
    TensorAssert.assertImageClose(actual, expected, name + " picture");
    String info = result.parameters().infotext();
    assertTrue(info.contains("Masked content: " + content.a1111Name()), info);
    GenerationResult original = sd.generate(request(MaskedContent.ORIGINAL, k, blur, strength, seed));
    assertFalse(Arrays.equals(original.latents(), result.latents()), "the content changes the start");
    assertFalse(original.parameters().infotext().contains("Masked content"), original.parameters().infotext());
  }

  private static GenerationRequest.Builder request(MaskedContent content, int k, int blur, double strength,
      long seed) {
    return GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry").steps(4).scheduler("euler")
        .seed(seed).inpaint(TestPictures.pattern(96, 80, false), TestPictures.mask(k, 96, 80), strength)
        .maskBlur(blur).maskedContent(content);
  }

  /** Without a mask there is nothing to fill: the content is ignored and not reported. */
  @Test
  void img2imgIgnoresIt() {
    BufferedImage picture = TestPictures.pattern(96, 80, false);
    GenerationRequest.Builder request = GenerationRequest.prompt("x").steps(2).scheduler("euler").seed(3)
        .initImage(picture, 0.5);
    GenerationResult plain = sd.generate(request);
    GenerationResult filled = sd.generate(request.maskedContent(MaskedContent.FILL));
    assertEquals(Arrays.toString(plain.latents()), Arrays.toString(filled.latents()));
    assertFalse(filled.parameters().infotext().contains("Masked content"));
  }

  @ParameterizedTest
  @CsvSource({"fill, FILL", "original, ORIGINAL", "latent noise, LATENT_NOISE", "latent-nothing, LATENT_NOTHING",
      "LATENT_NOISE, LATENT_NOISE"})
  void readsA1111sNamesAndItsOwn(String name, MaskedContent content) {
    assertEquals(Optional.of(content), MaskedContent.named(name));
    assertEquals(Optional.empty(), MaskedContent.named("latent"));
  }
}
