package org.sdj.model.blocks;

import org.sdj.backend.Activation;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Linear;

/**
 * diffusers' {@code Timesteps} (the sinusoidal projection, computed on the host) followed by {@code TimestepEmbedding}
 * ({@code linear_2(silu(linear_1(.)))}); the latter alone serves as SDXL's {@code add_embedding}.
 */
public final class TimestepEmbedding {
  private static final double MAX_PERIOD = 10000;

  private final Linear linear1;
  private final Linear linear2;
  private final int channels;
  private final boolean flipSinToCos;
  private final double freqShift;

  /**
   * @param channels width of the sinusoidal projection ({@code block_out_channels[0]})
   * @param embedDim width of the embedding ({@code 4 * channels})
   */
  public TimestepEmbedding(Weights w, int channels, long embedDim, boolean flipSinToCos, double freqShift) {
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

  /** This embedding's sinusoidal projection of one timestep for a batch, {@code [batch, channels]} flattened. */
  public float[] projection(double timestep, int batch) {
    return sinusoidal(timestep, batch, channels, flipSinToCos, freqShift);
  }

  /** Width of the sinusoidal projection. */
  public int channels() {
    return channels;
  }

  /** The embedding of a projection {@code [batch, channels]} ({@link #projection}): {@code [batch, embedDim]}. */
  public Tensor forward(Ops ops, Tensor projection) {
    Tensor h = linear1.forward(ops, projection);
    Tensor a = ops.activation(h, Activation.SILU);
    h.close();
    Tensor out = linear2.forward(ops, a);
    a.close();
    return out;
  }
}
