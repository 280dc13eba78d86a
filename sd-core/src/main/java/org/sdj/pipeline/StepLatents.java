package org.sdj.pipeline;

import java.util.Optional;
import java.util.function.UnaryOperator;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.scheduler.LatentMath;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Scheduler;

/**
 * The denoising loop's latents as tensors of its backend, so that the loop never reads device data back between
 * steps (a GPU then runs step after step without waiting for the host). Each step's tensors, the model's included,
 * belong to one {@link Ops} scope; {@link #nextStep} carries what outlives the step (the next sample and the
 * scheduler's kept latents, as views that share their storage) into a fresh scope and closes the old one, so memory
 * is released every step without the scheduler freeing anything itself. One loop, one thread.
 *
 * <p>Latents are {@link DType#F32} on every backend, as AUTOMATIC1111's samplers keep them: operands in a GPU's 16-bit
 * activation type (the model's prediction) are converted on entry, and the model gets its input converted back with
 * {@link Ops#cast}.
 *
 * <pre>{@code
 * try (StepLatents math = new StepLatents(backend)) {
 *   Tensor x = math.fromHost(noise, 1, 4, 64, 64);
 *   for (double t : scheduler.timesteps()) {
 *     Tensor input = math.ops().cast(scheduler.scaleModelInput(math, x, t), backend.activationType());
 *     Tensor eps = unet(math.ops(), input, t);
 *     x = math.nextStep(scheduler, scheduler.step(math, eps, t, x, noise).prevSample());
 *   }
 *   return math.ops().toHost(x);
 * }
 * }</pre>
 */
public final class StepLatents implements LatentMath<Tensor>, AutoCloseable {
  private final Backend backend;
  private Ops scope;
  /** Noise draws to take in one go at the first request ({@link #prefetchNoise}); 0 draws each on request. */
  private int noiseAhead;
  /** The drawn-ahead noise, {@code [draws, elements]} in a scope of its own, its source and the next unused row. */
  private Ops noiseScope;
  private Tensor noiseBlock;
  private NoiseSource noiseSource;
  private int noiseUsed;
  /** Whether the block was drawn from a lookahead, the source advancing by each row taken. */
  private boolean sourceFollows;

  /** Opens the first step's scope on {@code backend}. */
  public StepLatents(Backend backend) {
    this.backend = backend;
    this.scope = backend.ops();
  }

  /** The current step's scope, which owns every latent this math makes until {@link #nextStep}. */
  public Ops ops() {
    return scope;
  }

  /** {@code data} as float32 latents of the current step. */
  public Tensor fromHost(float[] data, long... shape) {
    return scope.fromHost(data, DType.F32, shape);
  }

  /** {@code t} as float32 latents: itself, or a converted copy in the current step (a GPU's model output). */
  public Tensor toFloat32(Tensor t) {
    return t.dtype() == DType.F32 ? t : scope.cast(t, DType.F32);
  }

  @Override
  public long size(Tensor x) {
    return x.numel();
  }

  @Override
  public Tensor scale(Tensor x, float a) {
    return scope.scale(toFloat32(x), a);
  }

  @Override
  public Tensor combine(float a, Tensor x, float b, Tensor y) {
    return scope.combine(a, toFloat32(x), b, toFloat32(y));
  }

  /** Through the host: only schedulers configured with {@code clip_sample} clamp, and no backend op clamps. */
  @Override
  public Tensor clamp(Tensor x, float range) {
    return fromHost(LatentMath.HOST.clamp(scope.toHost(x), range), x.shape());
  }

  /**
   * Tells this math that the loop will ask for noise at most {@code draws} more times: the first request then draws
   * them all, in order, and uploads them together, so that later steps copy nothing from the host (a copy from pageable
   * memory may wait for a GPU). The values each step gets are those drawing on request would give. Where the source
   * has a {@linkplain NoiseSource#lookahead lookahead}, they are drawn from it and the source itself advances by each
   * draw the loop takes, so that it ends where drawing on request would leave it (a scheduler that draws at some steps
   * only, DPM2 a, DDPM, LCM, then leaves the generator right for a pass after the loop); without one, unused draws are
   * consumed too, and the source must serve this loop alone.
   */
  public void prefetchNoise(int draws) {
    if (draws < 0) {
      throw new IllegalArgumentException("noise draws " + draws + " must be 0 or more");
    }
    noiseAhead = draws;
  }

  @Override
  public Tensor noise(NoiseSource source, Tensor like) {
    int n = Math.toIntExact(like.numel());
    if (noiseBlock == null && noiseAhead > 1 && source.drawsAhead()) {
      Optional<NoiseSource> ahead = source.lookahead();
      NoiseSource from = ahead.orElse(source);
      float[] all = new float[Math.multiplyExact(noiseAhead, n)];
      for (int i = 0; i < noiseAhead; i++) {
        System.arraycopy(from.draw(n), 0, all, i * n, n);
      }
      noiseScope = backend.ops();
      noiseBlock = noiseScope.fromHost(all, DType.F32, noiseAhead, n);
      noiseSource = source;
      sourceFollows = ahead.isPresent();
    }
    if (noiseBlock != null && source == noiseSource && noiseUsed < noiseBlock.dim(0) && noiseBlock.dim(1) == n) {
      if (sourceFollows) {
        source.draw(n);  // the source keeps pace with the draws taken, as drawing on request would
      }
      return scope.reshape(scope.narrow(noiseBlock, 0, noiseUsed++, 1), like.shape());
    }
    return fromHost(source.draw(n), like.shape());
  }

  /**
   * Ends a step: opens the next step's scope, carries {@code sample} and {@code scheduler}'s kept latents into it,
   * and closes the finished step's scope with everything else of it.
   *
   * @return {@code sample} as a tensor of the new scope
   */
  public Tensor nextStep(Scheduler scheduler, Tensor sample) {
    Ops next = backend.ops();
    try {
      UnaryOperator<Tensor> carry = t -> next.reshape(t, t.shape());
      scheduler.moveState(this, carry);
      Tensor carried = carry.apply(sample);
      scope.close();
      scope = next;
      return carried;
    } catch (RuntimeException e) {
      next.close();
      throw e;
    }
  }

  /** Closes the current step's scope and the drawn-ahead noise. */
  @Override
  public void close() {
    scope.close();
    if (noiseScope != null) {
      noiseScope.close();
    }
  }
}
