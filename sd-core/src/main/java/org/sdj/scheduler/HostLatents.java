package org.sdj.scheduler;

/** {@link LatentMath} on host arrays: plain float32 loops. */
final class HostLatents implements LatentMath<float[]> {
  static final HostLatents INSTANCE = new HostLatents();

  private HostLatents() {}

  @Override
  public long size(float[] x) {
    return x.length;
  }

  @Override
  public float[] scale(float[] x, float a) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = x[i] * a;
    }
    return out;
  }

  @Override
  public float[] combine(float a, float[] x, float b, float[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("combining latents of " + x.length + " and " + y.length + " elements");
    }
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a * x[i] + b * y[i];
    }
    return out;
  }

  @Override
  public float[] clamp(float[] x, float range) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.clamp(x[i], -range, range);
    }
    return out;
  }

  @Override
  public float[] noise(NoiseSource source, float[] like) {
    return source.draw(like.length);
  }
}
