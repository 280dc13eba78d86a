package org.sdj;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.Images;
import org.sdj.io.SdxlFixture;
import org.sdj.io.T2IAdapterFixture;
import org.sdj.io.TestFixtures;
import org.sdj.model.adapter.T2IAdapter;
import org.sdj.model.nn.PixelUnshuffle;
import org.sdj.pipeline.LoadedT2IAdapter;

/**
 * T2I-Adapters against diffusers ({@link T2IAdapterFixture}): each adapter type's feature maps, and the final latents
 * of {@code StableDiffusionAdapterPipeline} (one adapter, and two through {@code MultiAdapter}) and
 * {@code StableDiffusionXLAdapterPipeline} (with {@code adapter_conditioning_factor}) through the public API, the
 * adapters loaded as ControlNet units.
 */
class T2IAdapterTest {
  @TempDir
  static Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"full, tiny-adapter, 64, 3", "light, tiny-light-adapter, 64, 3", "xl, tiny-adapter-xl, 128, 4"})
  void featureMapsMatchDiffusers(String name, String folder, int size, int maps) {
    try (Backend backend = new ReferenceBackend();
        LoadedT2IAdapter adapter = LoadedT2IAdapter.load(T2IAdapterFixture.folder(folder, dir), Optional.empty(),
            backend);
        Ops ops = backend.ops()) {
      T2IAdapter model = adapter.model();
      int factor = model.config().downscaleFactor();
      float[] unshuffled = PixelUnshuffle.apply(Images.toUnitTensor(T2IAdapterFixture.ramp(size)), 1, 3, size,
          size, factor);
      List<Tensor> features = model.forward(ops, ops.fromHost(unshuffled, 1, 3L * factor * factor, size / factor,
          size / factor));
      assertEquals(maps, features.size());
      for (int i = 0; i < maps; i++) {
        TensorAssert.assertTensorClose(ops.toHost(features.get(i)), T2IAdapterFixture.expected(name + "." + i, dir),
            name + " feature map " + i);
      }
    }
  }

  @Test
  void pixelUnshuffleAsTorch() {
    // torch.nn.PixelUnshuffle(2)(torch.arange(16.).reshape(1, 1, 4, 4)).flatten()
    float[] x = new float[16];
    for (int i = 0; i < 16; i++) {
      x[i] = i;
    }
    assertEquals(List.of(0f, 2f, 8f, 10f, 1f, 3f, 9f, 11f, 4f, 6f, 12f, 14f, 5f, 7f, 13f, 15f),
        boxed(PixelUnshuffle.apply(x, 1, 1, 4, 4, 2)));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = ';', value = {
      "sd full scale 0.8 batch 2; tiny-adapter; ; 0.8; ; 5; 2",
      "sd light scale 1; tiny-light-adapter; ; 1.0; ; 6; 1",
      "sd full and light 0.6 0.9; tiny-adapter; tiny-light-adapter; 0.6; 0.9; 7; 1"})
  void matchesDiffusersAdapterPipeline(String name, String first, String second, double scale, Double secondScale,
      long seed, int batch) {
    StableDiffusion.Builder builder = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1"))
        .backend("reference").controlNet(T2IAdapterFixture.folder(first, dir));
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
        .size(64, 64).steps(4).scheduler("euler").seed(seed).batchSize(batch)
        .control(new Control(T2IAdapterFixture.ramp(64), scale, 0, 1));
    if (second != null) {
      builder.controlNet(T2IAdapterFixture.folder(second, dir));
      request.control(new Control(T2IAdapterFixture.ramp(64), secondScale, 0, 1));
    }
    try (StableDiffusion sd = builder.build()) {
      TensorAssert.assertTensorClose(sd.generate(request).latents(), T2IAdapterFixture.expected(name, dir), name);
    }
  }

  @Test
  void matchesDiffusersXlAdapterPipelineWithItsFactor() {
    String name = "sdxl xl scale 0.9 factor 0.5";
    try (StableDiffusion sdxl = StableDiffusion.builder().model(SdxlFixture.model(dir)).backend("reference")
        .controlNet(T2IAdapterFixture.folder("tiny-adapter-xl", dir)).build()) {
      GenerationResult result = sdxl.generate(GenerationRequest.prompt("a watercolor otter").negativePrompt("blurry")
          .size(128, 128).steps(4).guidanceScale(5).scheduler("euler").seed(8)
          .control(new Control(T2IAdapterFixture.ramp(128), 0.9, 0, 0.5)));
      TensorAssert.assertTensorClose(result.latents(), T2IAdapterFixture.expected(name, dir), name);
    }
  }

  @Test
  void sizesAndModelsTheAdapterCannotTakeAreRefused() {
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .controlNet(T2IAdapterFixture.folder("tiny-adapter", dir)).build()) {
      InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> sd.generate(
          GenerationRequest.prompt("x").size(72, 64).steps(1).control(Control.of(T2IAdapterFixture.ramp(64)))));
      assertTrue(e.getMessage().contains("multiples of 32, got 72x64"), e.getMessage());
    }
    SdjException e = assertThrows(SdjException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).backend("reference")
        .controlNet(T2IAdapterFixture.folder("tiny-adapter-xl", dir)).build());
    assertTrue(e.getMessage().contains("T2I-Adapter") && e.getMessage().contains("another model"), e.getMessage());
  }

  private static List<Float> boxed(float[] values) {
    List<Float> out = new java.util.ArrayList<>();
    for (float v : values) {
      out.add(v);
    }
    return out;
  }
}
