package org.sdj.pipeline;

import java.util.Optional;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.scheduler.Scheduler;

/** The denoising loop's two inpainting parts ({@link LatentStart.Inpaint}), as diffusers' inpaint pipeline has them. */
final class Inpainting {
  private Inpainting() {}

  /**
   * An inpainting UNet's extra input channels: the mask then the masked image's latents, {@code [B, 1 + C, h, w]} in
   * the activation type (the loop doubles them with the latents for guidance); empty for any other start.
   */
  static Optional<Tensor> conditioning(Ops ops, DenoiseSpec spec, DType activationType) {
    if (!(spec.start() instanceof LatentStart.Inpaint p) || !p.conditioned()) {
      return Optional.empty();
    }
    long[] shape = spec.latentShape();
    int pixels = Math.toIntExact(shape[2] * shape[3]);
    int channels = Math.toIntExact(shape[1]);
    int batch = Math.toIntExact(shape[0]);
    float[] data = new float[batch * (1 + channels) * pixels];
    for (int b = 0; b < batch; b++) {
      int to = b * (1 + channels) * pixels;
      System.arraycopy(p.mask(), b * pixels, data, to, pixels);
      System.arraycopy(p.maskedImageLatents(), b * channels * pixels, data, to + pixels, channels * pixels);
    }
    return Optional.of(ops.fromHost(data, activationType, shape[0], 1 + channels, shape[2], shape[3]));
  }

  /**
   * diffusers' inpainting with a UNet that does not see the mask: after a step, the image's latents noised to the
   * next step's level ({@code nextTimestep}; after the last step, as they are) replace the sample outside the mask,
   * {@code (1 - mask) * image + mask * sample}. On the host: the blend reads the sample back once a step.
   */
  static Tensor keepOutsideMask(StepLatents math, LatentStart.Inpaint p, Tensor sample, Scheduler scheduler,
      double nextTimestep, long[] shape) {
    float[] x = math.ops().toHost(sample);
    float[] image = Double.isNaN(nextTimestep) ? p.imageLatents()
        : scheduler.addNoise(p.imageLatents(), p.unitNoise(), nextTimestep);
    return math.fromHost(LatentMask.blend(image, x, p.mask(), shape), shape);
  }
}
