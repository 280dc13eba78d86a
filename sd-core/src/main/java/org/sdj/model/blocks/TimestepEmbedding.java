package org.sdj.model.blocks;

import java.util.Optional;
import java.util.OptionalInt;
import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code Timesteps} (the sinusoidal projection, computed on the host) followed by {@code TimestepEmbedding}
 * ({@code linear_2(silu(linear_1(.)))}, with a latent consistency model's {@code cond_proj} of the guidance scale's
 * embedding added to its input first); the latter alone serves as SDXL's {@code add_embedding}.
 */
public final class TimestepEmbedding {
  private static final double MAX_PERIOD = 10000;

  private final Linear linear1;
  private final Linear linear2;
  /** {@code cond_proj} ({@code time_cond_proj_dim}): the guidance scale's embedding to the projection's width. */
  private final Optional<Linear> condProj;
  private final int channels;
  private final boolean flipSinToCos;
  private final double freqShift;

  /**
   * @param channels width of the sinusoidal projection ({@code block_out_channels[0]})
   * @param embedDim width of the embedding ({@code 4 * channels})
   */
  public TimestepEmbedding(Weights w, int channels, long embedDim, boolean flipSinToCos, double freqShift) {
    this(w, channels, embedDim, flipSinToCos, freqShift, OptionalInt.empty());
  }

  /**
   * @param condProjDim {@code time_cond_proj_dim}: the width of the condition {@code cond_proj} takes, where it has one
   */
  public TimestepEmbedding(Weights w, int channels, long embedDim, boolean flipSinToCos, double freqShift,
      OptionalInt condProjDim) {
    this.condProj = condProjDim.isPresent()
        ? Optional.of(Linear.load(w.prefix("cond_proj"), condProjDim.getAsInt(), channels, false))
        : Optional.empty();
    this.linear1 = Linear.load(w.prefix("linear_1"), channels, embedDim, true);
    this.linear2 = Linear.load(w.prefix("linear_2"), embedDim, embedDim, true);
    this.channels = channels;
    this.flipSinToCos = flipSinToCos;
    this.freqShift = freqShift;
  }

  /**
   * The sinusoidal projection of diffusers' {@code get_timestep_embedding}: {@code [batch, channels]}, sines then
   * cosines (cosines first with {@code flipSinToCos}), computed in double precision.
   */
  static float[] sinusoidal(double timestep, int batch, int channels, boolean flipSinToCos, double freqShift) {
    int half = channels / 2;
    float[] out = new float[batch * channels];
    for (int i = 0; i < half; i++) {
      double freq = Math.exp(-Math.log(MAX_PERIOD) * i / (half - freqShift));
      double arg = timestep * freq;
      float sin = (float) Math.sin(arg);
      float cos = (float) Math.cos(arg);
      for (int b = 0; b < batch; b++) {
        out[b * channels + i] = flipSinToCos ? cos : sin;
        out[b * channels + half + i] = flipSinToCos ? sin : cos;
      }
    }
    return out;
  }

  /**
   * diffusers' {@code Timesteps(channels, flipSinToCos, freqShift)} applied to each of {@code values} (SDXL's
   * {@code add_time_proj} on its time ids): {@code [values.length, channels]} flattened.
   */
  public static float[] projections(double[] values, int channels, boolean flipSinToCos, double freqShift) {
    float[] out = new float[values.length * channels];
    for (int i = 0; i < values.length; i++) {
      System.arraycopy(sinusoidal(values[i], 1, channels, flipSinToCos, freqShift), 0, out, i * channels, channels);
    }
    return out;
  }

  /**
   * diffusers' {@code get_guidance_scale_embedding(w, dim)} of one {@code w} (the guidance scale less one):
   * {@code [dim]}, the sines then the cosines of {@code 1000 w} at {@code dim / 2} frequencies (a zero after them for an
   * odd {@code dim}). Computed in float32 as diffusers computes it even in a float64 pipeline (its {@code dtype} argument
   * defaults to float32, and its pipelines leave it): at {@code 1000 w} of thousands the arguments' float32 rounding
   * moves the sines by up to 5e-4, more than the conformance tolerance would let pass.
   */
  public static float[] guidanceScaleEmbedding(double w, int dim) {
    int half = dim / 2;
    float step = (float) Math.log(10000.0) / (half - 1);
    float scaled = (float) w * 1000f;
    float[] out = new float[dim];
    for (int i = 0; i < half; i++) {
      float freq = (float) Math.exp(i * -step);
      float arg = scaled * freq;
      out[i] = (float) Math.sin(arg);
      out[half + i] = (float) Math.cos(arg);
    }
    return out;
  }

  /** This embedding's sinusoidal projection of one timestep for a batch, {@code [batch, channels]} flattened. */
  public float[] projection(double timestep, int batch) {
    return sinusoidal(timestep, batch, channels, flipSinToCos, freqShift);
  }

  /** Width of the sinusoidal projection. */
  public int channels() {
    return channels;
  }

  /** Whether this embedding has a {@code cond_proj}, and so takes a condition beside the projection. */
  public boolean takesCondition() {
    return condProj.isPresent();
  }

  /** The embedding of a projection {@code [batch, channels]} ({@link #projection}): {@code [batch, embedDim]}. */
  public Tensor forward(Ops ops, Tensor projection) {
    return forward(ops, projection, Optional.empty());
  }

  /**
   * The embedding of a projection {@code [batch, channels]} with {@code cond_proj(condition)} added to it first.
   *
   * @param condition {@code [batch, time_cond_proj_dim]}: a latent consistency model's guidance scale embedding
   *     ({@link #guidanceScaleEmbedding}), where this embedding {@link #takesCondition() takes one}
   * @throws IllegalArgumentException if {@code condition} is missing where this embedding needs it, or given where it
   *     takes none
   */
  public Tensor forward(Ops ops, Tensor projection, Optional<Tensor> condition) {
    if (condition.isPresent() != condProj.isPresent()) {
      throw new IllegalArgumentException(condProj.isPresent()
          ? "this time embedding (time_cond_proj_dim) needs the guidance scale's embedding"
          : "this time embedding takes no condition");
    }
    Tensor h;
    if (condition.isPresent()) {
      Tensor c = condProj.get().forward(ops, condition.get());
      Tensor same = ops.cast(c, projection.dtype());
      Tensor input = ops.add(projection, same);
      if (same != c) {
        same.close();
      }
      c.close();
      h = linear1.forward(ops, input);
      input.close();
    } else {
      h = linear1.forward(ops, projection);
    }
    Tensor a = ops.activation(h, Activation.SILU);
    h.close();
    Tensor out = linear2.forward(ops, a);
    a.close();
    return out;
  }
}
