package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.model.Component;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;

/**
 * An SDXL checkpoint in the original single-file layout ({@code conditioner.embedders.0/1}, {@code label_emb}): the
 * tiny SDXL of {@code src/test/resources/sdxl} as one file (made by {@code make_tiny_sdxl_single_file.py.txt}, which
 * checked it with diffusers' {@code from_single_file}), loaded with the folder's configs, gives diffusers' latents.
 */
class SdxlSingleFileTest {
  @Test
  void generatesWhatDiffusersGivesFromTheFolder() throws URISyntaxException {
    try (StableDiffusion sd = StableDiffusion.builder().model(resource("tiny-sdxl.safetensors"))
        .config(resource("tiny-sdxl")).backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").size(192, 128).steps(4)
          .scheduler("euler").guidanceScale(5).seed(3)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("euler unset negative").toFloatArray(), "single file");
    }
  }

  @Test
  void everyWeightIsTheFoldersOwn() throws URISyntaxException {
    try (SingleFileCheckpoint file = SingleFileCheckpoint.open(resource("tiny-sdxl.safetensors"),
        CheckpointOptions.defaults().withConfig(resource("tiny-sdxl")));
        SafeTensorsFile text2 = SafeTensorsFile.open(resource("tiny-sdxl/text_encoder_2/model.safetensors"))) {
      for (String name : text2.names()) {
        assertArrayEquals(text2.get(name).toFloatArray(), file.weights(Component.TEXT_ENCODER_2).get(name)
            .toFloatArray(), name);
      }
      assertEquals(text2.names(), file.weights(Component.TEXT_ENCODER_2).names());
      assertTrue(file.textEncoder2().isPresent());
    }
  }

  @Test
  void isDetectedAsSdxlAndMeasuredAgainstItsPublishedConfigs() throws URISyntaxException {
    Path path = resource("tiny-sdxl.safetensors");
    try (SafeTensorsFile tensors = SafeTensorsFile.open(path)) {
      FamilyDetector.Detection detected = FamilyDetector.detect(tensors.names(), n -> tensors.get(n).shape(),
          tensors.metadata(), Optional.empty(), path.toString());
      assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL, true, 4), detected);
    }
    // Without configs it is read as stable-diffusion-xl-base-1.0, whose shapes a tiny model does not have.
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(path));
    assertTrue(e.getMessage().contains("conditioner.embedders.1.model.token_embedding.weight has shape"),
        e.getMessage());
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(SdxlSingleFileTest.class.getResource("/sdxl/" + name).toURI());
  }
}
