package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.image.Images;
import org.sdj.io.T2IAdapterFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.model.nn.PixelUnshuffle;
import org.sdj.pipeline.LoadedT2IAdapter;

/**
 * T2I-Adapters in TencentARC's original single-file layout: the tiny full and light adapters' weights written under
 * the names diffusers' {@code convert_original_t2i_adapter.py} maps from ({@code body.3.block1},
 * {@code body.1.body.0.block1}), loaded as one file, against diffusers' feature maps of the converted folders.
 */
class T2IAdapterFileTest {
  private static final Pattern RESNET = Pattern.compile("adapter\\.body\\.(\\d+)\\.resnets\\.(\\d+)\\.(.+)");
  private static final Pattern BLOCK = Pattern.compile("adapter\\.body\\.(\\d+)\\.(in_conv|out_conv)\\.(.+)");

  @TempDir
  static Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource({"full, tiny-adapter, 2", "light, tiny-light-adapter, 2"})
  void readsTheOriginalLayoutAsDiffusersConvertsIt(String name, String folder, int resnets) {
    Path file = original(folder, name.equals("light"), resnets);
    assertTrue(LoadedT2IAdapter.isAdapter(file));
    try (Backend backend = new ReferenceBackend();
        LoadedT2IAdapter adapter = LoadedT2IAdapter.load(file, Optional.empty(), backend);
        LoadedT2IAdapter converted = LoadedT2IAdapter.load(T2IAdapterFixture.folder(folder, dir), Optional.empty(),
            backend);
        Ops ops = backend.ops()) {
      assertEquals(converted.model().config(), adapter.model().config());
      assertEquals(folder + "-original", adapter.name());
      float[] unshuffled = PixelUnshuffle.apply(Images.toUnitTensor(T2IAdapterFixture.ramp(64)), 1, 3, 64, 64,
          8);
      List<Tensor> features = adapter.model().forward(ops, ops.fromHost(unshuffled, 1, 192, 8, 8));
      for (int i = 0; i < features.size(); i++) {
        TensorAssert.assertTensorClose(ops.toHost(features.get(i)), T2IAdapterFixture.expected(name + "." + i, dir),
            name + " feature map " + i);
      }
    }
  }

  /** As a ControlNet unit ({@code --controlnet FILE}): the same latents as the converted folder's. */
  @Test
  void steersAsTheConvertedFolder() {
    Path file = original("tiny-adapter", false, 2);
    GenerationRequest.Builder request = GenerationRequest.prompt("a watercolor otter").size(64, 64).steps(2)
        .scheduler("euler").seed(5).control(new Control(T2IAdapterFixture.ramp(64), 0.8, 0, 1));
    float[] fromFile;
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .controlNet(file).build()) {
      GenerationResult result = sd.generate(request);
      fromFile = result.latents();
      assertTrue(result.parameters().infotext().contains("tiny-adapter-original"), result.parameters().infotext());
    }
    try (StableDiffusion sd = StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend("reference")
        .controlNet(T2IAdapterFixture.folder("tiny-adapter", dir)).build()) {
      assertArrayEquals(sd.generate(request).latents(), fromFile);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"body.0.block1.weight, neither conv_in.weight", "conv_in.weight, neither conv_in.weight"})
  void refusesOtherFiles(String only, String message) {
    Path file = dir.resolve("not-adapter-" + only + ".safetensors");
    SafeTensorsWriter.create().add(only, DType.F32, new long[] {1}, new float[1]).write(file);
    try (Backend backend = new ReferenceBackend()) {
      ModelLoadException e = assertThrows(ModelLoadException.class,
          () -> LoadedT2IAdapter.load(file, Optional.empty(), backend));
      assertTrue(e.getMessage().contains(message), e.getMessage());
    }
  }

  /** The diffusers folder's weights under the original names: the inverse of diffusers' conversion. */
  private static Path original(String folder, boolean light, int resnets) {
    Path file = dir.resolve(folder + "-original.safetensors");
    SafeTensorsWriter writer = SafeTensorsWriter.create();
    try (SafeTensorsFile weights = SafeTensorsFile.open(T2IAdapterFixture.folder(folder, dir)
        .resolve("diffusion_pytorch_model.safetensors"))) {
      for (String name : weights.names()) {
        SafeTensor t = weights.get(name);
        writer.add(originalName(name, light, resnets), t.dtype(), t.shape(), t.toFloatArray());
      }
    }
    writer.write(file);
    return file;
  }

  private static String originalName(String name, boolean light, int resnets) {
    Matcher resnet = RESNET.matcher(name);
    Matcher block = BLOCK.matcher(name);
    if (resnet.matches()) {
      int b = Integer.parseInt(resnet.group(1));
      int r = Integer.parseInt(resnet.group(2));
      return light ? "body." + b + ".body." + r + "." + resnet.group(3)
          : "body." + (b * resnets + r) + "." + resnet.group(3);
    }
    if (block.matches()) {
      int b = Integer.parseInt(block.group(1));
      return "body." + (light ? b : b * resnets) + "." + block.group(2) + "." + block.group(3);
    }
    return name.substring("adapter.".length());
  }
}
