package org.sdj.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.conformance.TensorAssert.assertTensorClose;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.model.ClipVisionConfig;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.model.Weights;

/**
 * {@link ClipVisionModel} against transformers' {@code CLIPVisionModelWithProjection} in float64, on the tiny random
 * image encoder of {@code src/test/resources/clip-vision} (made by its
 * {@code make_image_encoder_reference.py.txt}): two images of transformers' {@code CLIPImageProcessor}, with
 * {@code gelu} and with {@code quick_gelu}.
 */
class ClipVisionModelTest {
  private static final String FOLDER = "/clip-vision/";

  @ParameterizedTest
  @ValueSource(strings = {"gelu", "quick_gelu"})
  void matchesTransformers(String act) throws URISyntaxException {
    String configFile = act.equals("gelu") ? "config.json" : "quick-gelu-config.json";
    ClipVisionConfig config = ClipVisionConfig.read(resource(configFile));
    assertEquals(act, config.hiddenAct());
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile weights = SafeTensorsFile.open(resource("model.safetensors"));
        SafeTensorsFile expected = SafeTensorsFile.open(resource("expected.safetensors"));
        Ops ops = backend.ops()) {
      Weights w = Weights.of(backend, weights);
      ClipVisionModel model = new ClipVisionModel(config, w);
      assertEquals(List.of(), w.problems());
      assertEquals(Set.of(), w.untaken());
      assertEquals(2, model.layerCount());
      Tensor pixels = ops.fromHost(expected.get("pixel_values").toFloatArray(), 2, 3, 32, 32);

      Tensor embeds = model.imageEmbeds(ops, pixels);
      assertArrayEquals(new long[] {2, 24}, embeds.shape());
      assertTensorClose(ops.toHost(embeds), expected.get(act + ".image_embeds").toFloatArray(), "image_embeds");
      for (int layer = 0; layer <= model.layerCount(); layer++) {
        Tensor hidden = model.hiddenState(ops, pixels, layer);
        assertArrayEquals(new long[] {2, 17, 32}, hidden.shape());
        assertTensorClose(ops.toHost(hidden), expected.get(act + ".hidden_states." + layer).toFloatArray(),
            "hidden_states[" + layer + "]");
      }
      w.tensors().forEach(Tensor::close);
    }
  }

  @Test
  void oneImageOfTheBatchAlone() throws URISyntaxException {
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile weights = SafeTensorsFile.open(resource("model.safetensors"));
        SafeTensorsFile expected = SafeTensorsFile.open(resource("expected.safetensors"));
        Ops ops = backend.ops()) {
      ClipVisionModel model = new ClipVisionModel(ClipVisionConfig.read(resource("config.json")),
          Weights.of(backend, weights));
      float[] both = expected.get("pixel_values").toFloatArray();
      float[] second = Arrays.copyOfRange(both, both.length / 2, both.length);
      Tensor penultimate = model.hiddenState(ops, ops.fromHost(second, 1, 3, 32, 32), model.layerCount() - 1);
      float[] all = expected.get("gelu.hidden_states.1").toFloatArray();
      assertTensorClose(ops.toHost(penultimate), Arrays.copyOfRange(all, all.length / 2, all.length),
          "hidden_states[-2] of the second image");
    }
  }

  @Test
  void aWrongImageSizeIsRefusedWithTheExpectedShape() throws URISyntaxException {
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile weights = SafeTensorsFile.open(resource("model.safetensors"));
        Ops ops = backend.ops()) {
      ClipVisionModel model = new ClipVisionModel(ClipVisionConfig.read(resource("config.json")),
          Weights.of(backend, weights));
      Tensor pixels = ops.fromHost(new float[3 * 40 * 40], 1, 3, 40, 40);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.imageEmbeds(ops, pixels));
      assertTrue(e.getMessage().contains("[B, 3, 32, 32]") && e.getMessage().contains("[1, 3, 40, 40]"),
          e.getMessage());
      Tensor flat = ops.fromHost(new float[3 * 32 * 32], 3, 32, 32);
      assertThrows(IllegalArgumentException.class, () -> model.hiddenState(ops, flat, 1));
      Tensor good = ops.fromHost(new float[3 * 32 * 32], 1, 3, 32, 32);
      e = assertThrows(IllegalArgumentException.class, () -> model.hiddenState(ops, good, 3));
      assertTrue(e.getMessage().contains("0..2"), e.getMessage());
    }
  }

  @Test
  void anUnsupportedActivationAndAMissingWeightAreReported() throws URISyntaxException {
    ClipVisionConfig gelu = ClipVisionConfig.read(resource("config.json"));
    ClipVisionConfig relu = new ClipVisionConfig(gelu.hiddenSize(), gelu.intermediateSize(), gelu.projectionDim(),
        gelu.numHiddenLayers(), gelu.numAttentionHeads(), gelu.imageSize(), gelu.patchSize(), gelu.numChannels(),
        "relu", gelu.layerNormEps());
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile file = SafeTensorsFile.open(resource("model.safetensors"))) {
      Set<String> names = new HashSet<>(file.names());
      assertTrue(names.remove("visual_projection.weight"));
      Weights w = new Weights(backend, names, name -> {
        SafeTensor t = file.get(name);
        return new WeightData(name, t.dtype(), t.shape(), t.data());
      });
      new ClipVisionModel(relu, w);
      assertEquals(2, w.problems().size(), w.problems().toString());
      assertTrue(w.problems().stream().anyMatch(p -> p.contains("unsupported hidden_act relu")),
          w.problems().toString());
      assertTrue(w.problems().stream().anyMatch(p -> p.contains("missing weight visual_projection.weight [24, 32]")),
          w.problems().toString());
      w.tensors().forEach(Tensor::close);
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(ClipVisionModelTest.class.getResource(FOLDER + name).toURI());
  }
}
