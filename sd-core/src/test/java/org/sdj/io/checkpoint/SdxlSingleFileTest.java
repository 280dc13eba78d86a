package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.SdxlFixture;
import org.sdj.io.model.Component;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;

/**
 * An SDXL checkpoint in the original single-file layout ({@code conditioner.embedders.0/1}, {@code label_emb}): the
 * tiny SDXL of {@code src/test/resources/sdxl} as one file ({@link SdxlFixture#singleFile}, laid out as
 * {@code make_tiny_sdxl_single_file.py.txt} found diffusers' {@code from_single_file} reads it), loaded with the
 * folder's configs, gives diffusers' latents.
 */
class SdxlSingleFileTest {
  @TempDir Path dir;

  @Test
  void generatesWhatDiffusersGivesFromTheFolder() throws URISyntaxException {
    try (StableDiffusion sd = StableDiffusion.builder().model(SdxlFixture.singleFile(dir))
        .config(resource("tiny-sdxl")).backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").size(192, 128).steps(4)
          .scheduler("euler").guidanceScale(5).seed(3)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("euler unset negative").toFloatArray(), "single file");
    }
  }

  /** Each component's weights, seen through the single file's key maps (views, slices, the transpose), are the folder's. */
  @Test
  void everyWeightIsTheFoldersOwn() throws URISyntaxException {
    try (SingleFileCheckpoint file = SingleFileCheckpoint.open(SdxlFixture.singleFile(dir),
        CheckpointOptions.defaults().withConfig(resource("tiny-sdxl")))) {
      assertTrue(file.textEncoder2().isPresent());
      for (Component component : Component.values()) {
        String weights = component.folderName() + "/" + (component.folderName().startsWith("text_encoder")
            ? "model.safetensors" : "diffusion_pytorch_model.safetensors");
        try (SafeTensorsFile folder = SafeTensorsFile.open(resource("tiny-sdxl/" + weights))) {
          // The file maps exactly the weights the models ask for, which are the folder's; the first text encoder's
          // are named with transformers 4's text_model. level there, the folder's without it (transformers 5).
          TensorSource view = file.weights(component);
          Function<String, String> inView = n -> view.contains(n) ? n : "text_model." + n;
          assertEquals(folder.names().stream().map(inView).collect(Collectors.toSet()), view.names(),
              component.folderName());
          for (String name : folder.names()) {
            assertArrayEquals(folder.get(name).toFloatArray(), view.get(inView.apply(name)).toFloatArray(),
                component.folderName() + " " + name);
          }
        }
      }
    }
  }

  @Test
  void isDetectedAsSdxlAndMeasuredAgainstItsPublishedConfigs() throws URISyntaxException {
    Path path = SdxlFixture.singleFile(dir);
    assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL, true, 4), detect(path));
    // Without configs it is read as stable-diffusion-xl-base-1.0, whose shapes a tiny model does not have.
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(path));
    assertTrue(e.getMessage().contains("conditioner.embedders.1.model.token_embedding.weight has shape"),
        e.getMessage());
  }

  /**
   * SDXL's refiner as one file ({@link SdxlFixture#refinerSingleFile}): detected by its one OpenCLIP encoder in the
   * first place, measured against stable-diffusion-xl-refiner-1.0's configs, and with the tiny refiner's configs
   * giving diffusers' img2img latents of {@code SdxlRefinerTest}.
   */
  @Test
  void theRefinerAsOneFile() throws URISyntaxException {
    Path path = SdxlFixture.refinerSingleFile(dir);
    assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL_REFINER, true, 4), detect(path));
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> SingleFileCheckpoint.open(path));
    assertTrue(e.getMessage().contains("conditioner.embedders.0.model.token_embedding.weight has shape"),
        e.getMessage());
    try (StableDiffusion sd = StableDiffusion.builder().model(path).config(SdxlFixture.refiner(dir.resolve("configs")))
        .backend("reference").build();
        SafeTensorsFile expected = SafeTensorsFile.open(resource("refiner-expected.safetensors"))) {
      float[] latents = sd.generate(GenerationRequest.prompt("a watercolor otter").steps(5).scheduler("euler")
          .guidanceScale(5).seed(31).initImage(SdxlFixture.ramp(), 0.6)).latents();
      TensorAssert.assertTensorClose(latents, expected.get("img2img").toFloatArray(), "refiner single file");
    }
  }

  private static FamilyDetector.Detection detect(Path file) {
    try (SafeTensorsFile tensors = SafeTensorsFile.open(file)) {
      return FamilyDetector.detect(tensors.names(), n -> tensors.get(n).shape(), tensors.metadata(), Optional.empty(),
          file.toString());
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(SdxlSingleFileTest.class.getResource("/sdxl/" + name).toURI());
  }
}
