package org.sdj.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.sdj.conformance.TensorAssert.assertTensorClose;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.pipeline.PipelineComponents;

/**
 * One folder of cases: its {@code cases.json}, its {@code expected.safetensors}, and the model it names (the sibling
 * folder called {@code "model"}), loaded once on first use.
 */
final class CaseSet implements AutoCloseable {
  private final Path dir;
  private final JsonNode json;
  private final Backend backend;
  private final Tolerances tolerances;
  private PipelineComponents model;
  private SafeTensorsFile expected;

  CaseSet(Path dir, JsonNode json, Backend backend, Tolerances tolerances) {
    this.dir = dir;
    this.json = json;
    this.backend = backend;
    this.tolerances = tolerances;
  }

  void run(JsonNode c) throws Exception {
    String kind = kindOf(c);
    switch (kind) {
      case "torch_randn" -> TorchRandnCase.check(c, this::expected);
      case "scheduler_loop" -> {
        SchedulerLoopCase.run(c);
        SchedulerLoopCase.run(c, backend, tolerances);
      }
      case "text_encoder" -> textEncoder(c);
      case "unet" -> unet(c);
      case "vae_decode" -> vaeDecode(c);
      case "vae_encode" -> vaeEncode(c);
      case "txt2img" -> Txt2ImgCase.check(c, model(), backend, this, tolerances);
      default -> fail("unknown case kind '" + kind + "' in " + dir.resolve("cases.json"));
    }
  }

  /** The case's {@code kind}; the torch-randn set predates that field, so its cases are recognized by their fields. */
  static String kindOf(JsonNode c) {
    return c.path("kind").asText(TorchRandnCase.matches(c) ? "torch_randn" : "");
  }

  private synchronized PipelineComponents model() {
    if (model == null) {
      String name = json.path("model").asText();
      assertTrue(!name.isEmpty(), dir + "/cases.json names no model");
      model = PipelineComponents.load(dir.resolveSibling(name), LoadOptions.defaults(), backend);
    }
    return model;
  }

  /** A tensor of {@code expected.safetensors}, as floats. */
  synchronized float[] expected(String name) {
    if (expected == null) {
      Path file = dir.resolve("expected.safetensors");
      assertTrue(Files.isRegularFile(file), "missing " + file);
      expected = SafeTensorsFile.open(file);
    }
    return expected.get(name).toFloatArray();
  }

  synchronized long[] expectedShape(String name) {
    expected(name);
    SafeTensor t = expected.get(name);
    return t.shape();
  }

  private Tensor input(Ops ops, String name) {
    return ops.fromHost(expected(name), expectedShape(name));
  }

  private void textEncoder(JsonNode c) {
    float[] idsAsFloat = expected(c.get("input_ids").asText());
    int[] ids = new int[idsAsFloat.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = Math.round(idsAsFloat[i]);
    }
    assertArrayEquals(ids, model().first().orElseThrow().tokenizer().encode(c.get("prompt").asText()), "tokenizer ids");
    try (Ops ops = backend.ops()) {
      Tensor out = model().first().orElseThrow().textEncoder().forward(ops, ids, 1);
      assertTensorClose(ops.toHost(out), expected(c.get("output").asText()), "last_hidden_state", tolerances);
    }
  }

  private void unet(JsonNode c) {
    try (Ops ops = backend.ops()) {
      Tensor sample = input(ops, c.get("sample").asText());
      Tensor context = input(ops, c.get("encoder_hidden_states").asText());
      Tensor out = model().unet().forward(ops, sample, c.get("timestep").asDouble(), context);
      assertTensorClose(ops.toHost(out), expected(c.get("output").asText()), "unet output", tolerances);
    }
  }

  private void vaeDecode(JsonNode c) {
    try (Ops ops = backend.ops()) {
      Tensor latents = input(ops, c.get("latents").asText());
      float scaling = (float) model().vae().config().scalingFactor();
      Tensor out = model().vae().decode(ops, ops.scale(latents, 1f / scaling));
      assertTensorClose(ops.toHost(out), expected(c.get("output").asText()), "decoded", tolerances);
    }
  }

  private void vaeEncode(JsonNode c) {
    try (Ops ops = backend.ops()) {
      Tensor image = input(ops, c.get("image").asText());
      Tensor moments = model().vae().encodeMoments(ops, image);
      Tensor mean = ops.narrow(moments, 1, 0, model().vae().config().latentChannels());
      Tensor scaled = ops.scale(mean, (float) model().vae().config().scalingFactor());
      assertTensorClose(ops.toHost(scaled), expected(c.get("output").asText()), "latent mean", tolerances);
    }
  }

  @Override
  public synchronized void close() {
    if (model != null) {
      model.close();
    }
    if (expected != null) {
      expected.close();
    }
  }
}
