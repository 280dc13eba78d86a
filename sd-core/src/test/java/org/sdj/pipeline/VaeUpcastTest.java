package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.HalfStorageBackend;
import org.sdj.backend.Ops;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * A VAE whose float16 activations overflow decodes on the backend's upcast instead of giving NaN: the tiny model's
 * decoder input convolution is scaled so that its outputs exceed float16's 65504. Runs on float16 storage
 * ({@link HalfStorageBackend}); a GPU backend's test overrides {@link #float16Backend()}.
 */
public class VaeUpcastTest {
  private static final long[] LATENT = {1, 4, 8, 8};
  private static final float SCALE = 3e4f;

  @TempDir Path dir;

  @Test
  public void anOverflowingDecoderRunsAgainInBfloat16() throws IOException {
    Path model = overflowingModel();
    float[] latents = latents();
    float[] expected;
    try (Backend reference = new ReferenceBackend();
        PipelineComponents c = PipelineComponents.load(model, LoadOptions.defaults(), reference)) {
      expected = new StableDiffusionPipeline(c, reference).decode(latents, LATENT);
    }
    try (Backend half = float16Backend();
        PipelineComponents c = PipelineComponents.load(model, LoadOptions.defaults(), half)) {
      float[] direct;
      try (Ops ops = half.ops()) {
        direct = ops.toHost(c.vae().decode(ops, ops.fromHost(scaledLatents(latents, c), LATENT)));
      }
      assertTrue(countNonFinite(direct) > 0, "the float16 decode overflows (the test's premise)");
      float[] image = new StableDiffusionPipeline(c, half).decode(latents, LATENT);
      assertEquals(0, countNonFinite(image), "the decode fell back to bfloat16");
      assertTrue(TensorAssert.relativeL2(image, expected) < 5e-2, "within bfloat16's rounding of the float32 decode: "
          + TensorAssert.relativeL2(image, expected));
    }
  }

  /**
   * SDXL's VAE says {@code force_upcast}: it decodes on the upcast at once, as diffusers' SDXL pipelines do, not first
   * in float16.
   */
  @Test
  public void anSdxlVaeThatForcesUpcastDecodesWideAtOnce() throws IOException {
    Path model = SdxlFixture.model(dir);
    float[] latents = latents();
    try (Backend half = float16Backend();
        PipelineComponents c = PipelineComponents.load(model, LoadOptions.defaults(), half)) {
      assertTrue(c.vae().config().forceUpcast(), "the tiny SDXL's VAE config says force_upcast");
      Backend wide = half.upcast().orElseThrow();
      float[] onWide;
      float[] onHalf;
      try (Ops ops = wide.ops()) {
        onWide = ops.toHost(c.vaeOn(wide).decode(ops, ops.fromHost(scaledLatents(latents, c), LATENT)));
      }
      try (Ops ops = half.ops()) {
        onHalf = ops.toHost(c.vae().decode(ops, ops.fromHost(scaledLatents(latents, c), LATENT)));
      }
      float[] image = new StableDiffusionPipeline(c, half).decode(latents, LATENT);
      float[] expected = new float[onWide.length];
      float[] halfImage = new float[onHalf.length];
      for (int i = 0; i < onWide.length; i++) {
        expected[i] = Math.clamp(onWide[i] / 2f + 0.5f, 0f, 1f);
        halfImage[i] = Math.clamp(onHalf[i] / 2f + 0.5f, 0f, 1f);
      }
      // The same decode on the upcast (a GPU may pick other convolution algorithms run to run), far from float16's.
      double wideError = TensorAssert.relativeL2(image, expected);
      double halfError = TensorAssert.relativeL2(halfImage, expected);
      assertTrue(halfError > 0, "float16 and bfloat16 decodes differ (the test's premise)");
      assertTrue(wideError < 0.1 * halfError, "decoded on the upcast: " + wideError + " from its decode, "
          + halfError + " for float16's");
    }
  }

  /** A backend with float16 activations that offers an {@link Backend#upcast()}. */
  protected Backend float16Backend() {
    return new HalfStorageBackend();
  }

  private static float[] scaledLatents(float[] latents, PipelineComponents c) {
    float factor = 1f / (float) c.vae().config().scalingFactor();
    float[] z = new float[latents.length];
    for (int i = 0; i < z.length; i++) {
      z[i] = latents[i] * factor;
    }
    return z;
  }

  /** tiny-sd1 with {@code decoder.conv_in}'s weight and bias multiplied by {@link #SCALE}. */
  private Path overflowingModel() throws IOException {
    Path model = TestFixtures.copy("tiny-sd1", dir.resolve("model"));
    Path vae = model.resolve("vae/diffusion_pytorch_model.safetensors");
    SafeTensorsWriter writer = SafeTensorsWriter.create();
    try (SafeTensorsFile file = SafeTensorsFile.open(vae)) {
      for (String name : file.names()) {
        SafeTensor t = file.get(name);
        float[] v = WeightFloats.toArray(new WeightData(name, t.dtype(), t.shape(), t.data()));
        if (name.startsWith("decoder.conv_in.")) {
          for (int i = 0; i < v.length; i++) {
            v[i] *= SCALE;
          }
        }
        writer.add(name, DType.F32, t.shape(), v);
      }
    }
    writer.write(vae);
    return model;
  }

  private static float[] latents() {
    Random r = new Random(5);
    float[] z = new float[(int) (LATENT[0] * LATENT[1] * LATENT[2] * LATENT[3])];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) r.nextGaussian();
    }
    return z;
  }

  private static int countNonFinite(float[] x) {
    int n = 0;
    for (float v : x) {
      n += Float.isFinite(v) ? 0 : 1;
    }
    return n;
  }
}
