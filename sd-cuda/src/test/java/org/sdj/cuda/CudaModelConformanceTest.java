package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.pipeline.PipelineComponents;

/**
 * The whole-model fixture cases of {@code tiny-sd1-expected} (text encoder, UNet, VAE decode and encode) on the CUDA
 * backend in float16. sd-core's {@code ConformanceSuite} holds every case to the float32 tolerance (1e-4) and has no
 * hook for another, so the model cases are read here with float16 tolerances:
 *
 * <ul>
 *   <li>relative L2 {@value #F16_MODEL_TOLERANCE} for model outputs: each op adds about 5e-4 of float16 rounding
 *       ({@link CudaOpConformanceTest}) and a UNet pass chains about 100 of them; errors of independent roundings add
 *       in quadrature, sqrt(100) x 5e-4 = 5e-3, and 1e-2 leaves a factor of 2 for the norms that amplify them.
 * </ul>
 *
 * A backend-neutral fix belongs in sd-core: a {@code tolerance()} hook on ConformanceSuite would let this class
 * become a plain subclass of it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CudaModelConformanceTest {
  static final double F16_MODEL_TOLERANCE = 1e-2;

  private CudaBackend backend;
  private PipelineComponents model;
  private SafeTensorsFile expected;

  @BeforeAll
  void open() {
    CudaTestSupport.assumeCuda();
    backend = new CudaBackend(CudaOptions.defaults());
  }

  @AfterAll
  void close() {
    if (model != null) {
      model.close();
    }
    if (expected != null) {
      expected.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  @TestFactory
  Stream<DynamicTest> modelCases() throws IOException {
    Path dir = TestFixtures.path("tiny-sd1-expected");
    JsonNode json = new ObjectMapper().readTree(dir.resolve("cases.json").toFile());
    model = PipelineComponents.load(dir.resolveSibling(json.get("model").asText()), LoadOptions.defaults(), backend);
    expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"));
    List<DynamicTest> tests = new ArrayList<>();
    int i = 0;
    for (JsonNode c : json.get("cases")) {
      String kind = c.path("kind").asText();
      if (List.of("text_encoder", "unet", "vae_decode", "vae_encode").contains(kind)) {
        tests.add(DynamicTest.dynamicTest("[" + i + "] " + kind, () -> run(kind, c)));
      }
      i++;
    }
    return tests.stream();
  }

  private void run(String kind, JsonNode c) {
    try (Ops ops = backend.ops()) {
      Tensor out = switch (kind) {
        case "text_encoder" -> {
          float[] idf = values(c.get("input_ids").asText());
          int[] ids = new int[idf.length];
          for (int j = 0; j < ids.length; j++) {
            ids[j] = Math.round(idf[j]);
          }
          yield model.textEncoder().forward(ops, ids, 1);
        }
        case "unet" -> model.unet().forward(ops, input(ops, c.get("sample").asText()), c.get("timestep").asDouble(),
            input(ops, c.get("encoder_hidden_states").asText()));
        case "vae_decode" -> model.vae().decode(ops,
            ops.scale(input(ops, c.get("latents").asText()), (float) (1 / model.vae().config().scalingFactor())));
        default -> {
          Tensor moments = model.vae().encodeMoments(ops, input(ops, c.get("image").asText()));
          Tensor mean = ops.narrow(moments, 1, 0, model.vae().config().latentChannels());
          yield ops.scale(mean, (float) model.vae().config().scalingFactor());
        }
      };
      float[] got = ops.toHost(out);
      float[] want = values(c.get("output").asText());
      double diff = 0;
      double norm = 0;
      for (int j = 0; j < want.length; j++) {
        assertTrue(Float.isFinite(got[j]), kind + ": element " + j + " is " + got[j]);
        diff += (got[j] - want[j]) * (double) (got[j] - want[j]);
        norm += want[j] * (double) want[j];
      }
      double rel = Math.sqrt(diff / norm);
      assertTrue(rel <= F16_MODEL_TOLERANCE, kind + ": relative L2 error " + rel + " > " + F16_MODEL_TOLERANCE);
    }
  }

  private float[] values(String name) {
    return expected.get(name).toFloatArray();
  }

  private Tensor input(Ops ops, String name) {
    return ops.fromHost(values(name), expected.get(name).shape());
  }
}
