package org.sdj.scheduler;

import org.sdj.random.BrownianTree;

/**
 * diffusers' and k-diffusion's {@code BrownianTreeNoiseSampler} over a scheduler's noise levels: unit-normal noise for
 * the step from {@code sigma} to {@code sigmaNext}, the increment of one {@link BrownianTree} between them (signed from
 * {@code sigma} toward {@code sigmaNext}) over the square root of their distance. The tree spans the smallest positive
 * level to the largest; it is grown at the first draw and kept until {@link #reset}. One instance serves one
 * generation.
 */
final class BrownianNoise {
  private final long seed;
  private BrownianTree tree;

  BrownianNoise(long seed) {
    this.seed = seed;
  }

  /** Forgets the tree: the next draw grows one over the levels it is given (after new timesteps). */
  void reset() {
    tree = null;
  }

  /**
   * @param sigmas the scheduler's levels, float32 values; the tree spans their positive range
   * @param size the latents' element count
   */
  float[] between(double[] sigmas, long size, float sigma, float sigmaNext) {
    if (tree == null) {
      double min = Double.MAX_VALUE;
      double max = 0;
      for (double s : sigmas) {
        if (s > 0) {
          min = Math.min(min, s);
        }
        max = Math.max(max, s);
      }
      tree = new BrownianTree(min, max, Math.toIntExact(size), seed);
    }
    boolean forward = sigma < sigmaNext;
    float[] w = tree.increment(forward ? sigma : sigmaNext, forward ? sigmaNext : sigma);
    float scale = (float) Math.sqrt(Math.abs(sigmaNext - sigma));
    for (int i = 0; i < w.length; i++) {
      w[i] = (forward ? w[i] : -w[i]) / scale;
    }
    return w;
  }
}
