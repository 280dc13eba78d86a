package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.scheduler.Scheduler;

/**
 * diffusers' {@code StableDiffusionPipeline} loop: encode the prompts, scale the noise, denoise with classifier-free
 * guidance, decode. Stateless apart from the components, so one instance serves many threads.
 */
public final class StableDiffusionPipeline {
  private final PipelineComponents components;
  private final Backend backend;

  public StableDiffusionPipeline(PipelineComponents components, Backend backend) {
    this.components = components;
    this.backend = backend;
  }

  public PipelineComponents components() {
    return components;
  }

  /**
   * Runs the denoising loop.
   *
   * @return the final latents, shaped as {@link DenoiseSpec#latentShape()}, flattened
   */
  public float[] denoise(DenoiseSpec spec) {
    Scheduler scheduler = spec.scheduler();
    scheduler.setTimesteps(spec.steps());
    long[] shape = spec.latentShape();
    float[] latents = scaled(spec.initialNoise(), (float) scheduler.initNoiseSigma());
    boolean cfg = spec.classifierFreeGuidance();
    try (Ops outer = backend.ops()) {
      Tensor context = encodePrompts(outer, spec, cfg);
      long[] modelShape = shape.clone();
      if (cfg) {
        modelShape[0] *= 2;
      }
      for (double t : scheduler.timesteps()) {
        float[] input = scheduler.scaleModelInput(latents, t);
        float[] prediction;
        try (Ops ops = backend.ops()) {
          Tensor sample = ops.fromHost(cfg ? twice(input) : input, modelShape);
          prediction = ops.toHost(components.unet().forward(ops, sample, t, context));
        }
        float[] guided = cfg ? guide(prediction, spec.guidanceScale()) : prediction;
        latents = scheduler.step(guided, t, latents, spec.stepNoise()).prevSample();
      }
    }
    return latents;
  }

  /** The text context {@code [2B, 77, D]} (negative prompts first) with guidance, else {@code [B, 77, D]}. */
  private Tensor encodePrompts(Ops ops, DenoiseSpec spec, boolean cfg) {
    List<String> texts = new ArrayList<>();
    if (cfg) {
      texts.addAll(spec.negativePrompts());
    }
    texts.addAll(spec.prompts());
    int length = components.tokenizer().maxLength();
    int[] ids = new int[texts.size() * length];
    for (int i = 0; i < texts.size(); i++) {
      System.arraycopy(components.tokenizer().encode(texts.get(i)), 0, ids, i * length, length);
    }
    return components.textEncoder().forward(ops, ids, texts.size());
  }

  /**
   * Decodes final latents to an image in {@code [0, 1]}: {@code (vae.decode(latents / scaling_factor) / 2 + 0.5)}
   * clamped, {@code [N, 3, H, W]} flattened.
   */
  public float[] decode(float[] latents, long[] latentShape) {
    float scaling = (float) components.vae().config().scalingFactor();
    float[] image;
    try (Ops ops = backend.ops()) {
      Tensor z = ops.fromHost(scaled(latents, 1f / scaling), latentShape);
      image = ops.toHost(components.vae().decode(ops, z));
    }
    for (int i = 0; i < image.length; i++) {
      image[i] = Math.clamp(image[i] / 2f + 0.5f, 0f, 1f);
    }
    return image;
  }

  private static float[] scaled(float[] x, float factor) {
    float[] out = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * factor;
    }
    return out;
  }

  private static float[] twice(float[] x) {
    float[] out = new float[2 * x.length];
    System.arraycopy(x, 0, out, 0, x.length);
    System.arraycopy(x, 0, out, x.length, x.length);
    return out;
  }

  /** {@code uncond + scale * (cond - uncond)} over a prediction whose first half is unconditional. */
  private static float[] guide(float[] prediction, double scale) {
    int half = prediction.length / 2;
    float[] out = new float[half];
    float g = (float) scale;
    for (int i = 0; i < half; i++) {
      float uncond = prediction[i];
      out[i] = uncond + g * (prediction[half + i] - uncond);
    }
    return out;
  }
}
