package org.sdj.prompt;

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
 * A two-vector textual-inversion embedding in A1111's layout, called by its file name in an A1111-syntax prompt,
 * against diffusers' {@code load_textual_inversion} with the same name as its token ({@code src/test/resources/
 * embedding}, made by its {@code make_embedding_reference.py.txt}): the same vectors in the same places give the same
 * picture.
 */
class EmbeddingDiffusersTest {
  @Test
  void placesItsVectorsAsDiffusersLoadTextualInversion() throws URISyntaxException {
    float[] expected;
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      expected = file.get("latents").toFloatArray();
    }
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .embedding(resource("otterstyle.safetensors")).build()) {
      GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otterstyle by the sea")
          .negativePrompt("blurry").size(64, 64).steps(3).scheduler("euler").seed(13);
      float[] latents = sd.generate(request.promptSyntax(PromptSyntax.A1111)).latents();
      TensorAssert.assertTensorClose(latents, expected, "tiny model with the embedding");
      // Read as plain text, the name is only its BPE tokens: far from the embedding's picture.
      float[] text = sd.generate(request.promptSyntax(PromptSyntax.PLAIN)).latents();
      assertTrue(TensorAssert.relativeL2(text, expected) > 1e-2);
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(EmbeddingDiffusersTest.class.getResource("/embedding/" + name).toURI());
  }
}
