package org.sdj.cpu;

/**
 * Per-thread scratch buffers that grow to the largest size asked for and are then reused, so that the kernels
 * allocate nothing per call. A buffer must not be held across anything that could run another kernel on the same
 * thread (a parallel loop runs pieces on its calling thread), which the kernels' packing loops never do.
 */
final class Scratch {
  private Scratch() {}

  /** This thread's float buffer of {@code local}, at least {@code size} long; its contents are whatever was left. */
  static float[] floats(ThreadLocal<float[]> local, int size) {
    float[] b = local.get();
    if (b.length < size) {
      b = new float[size];
      local.set(b);
    }
    return b;
  }

  /** As {@link #floats}, for shorts. */
  static short[] shorts(ThreadLocal<short[]> local, int size) {
    short[] b = local.get();
    if (b.length < size) {
      b = new short[size];
      local.set(b);
    }
    return b;
  }
}
