package org.sdj.scheduler;

import java.util.ArrayList;
import java.util.List;
import org.sdj.SdjException;
import org.sdj.random.BrownianTree;
import org.sdj.random.RandomSource;

/**
 * diffusers' and k-diffusion's {@code BrownianTreeNoiseSampler} over a scheduler's noise levels: unit-normal noise for
 * the step from {@code sigma} to {@code sigmaNext}, the increment of one {@link BrownianTree} between them (signed from
 * {@code sigma} toward {@code sigmaNext}) over the square root of their distance; with several seeds, one tree per
 * picture of the batch (diffusers' and k-diffusion's {@code BatchedBrownianTree} with a list of seeds, as A1111 seeds
 * its pictures), the pictures' increments one after another. The trees span the smallest positive level to the
 * largest; they are grown at the first draw and kept until {@link #reset}. One instance serves one generation.
 */
final class BrownianNoise {
  private final List<Long> seeds;
  private final RandomSource source;
  private List<BrownianTree> trees;

  /**
   * @param seeds one seed for the batch, or one per picture
   * @param source the trees' generators: torch's CPU ones, or its CUDA ones (trees grown on an NVIDIA GPU)
   */
  BrownianNoise(List<Long> seeds, RandomSource source) {
    this.seeds = List.copyOf(seeds);
    this.source = source;
  }

  /** Forgets the tree: the next draw grows one over the levels it is given (after new timesteps). */
  void reset() {
    trees = null;
  }

  /**
   * @param sigmas the scheduler's levels, float32 values; the tree spans their positive range
   * @param size the latents' element count
   */
  float[] between(double[] sigmas, long size, float sigma, float sigmaNext) {
    if (trees == null) {
      double min = Double.MAX_VALUE;
      double max = 0;
      for (double s : sigmas) {
        if (s > 0) {
          min = Math.min(min, s);
        }
        max = Math.max(max, s);
      }
      if (size % seeds.size() != 0) {
        throw new SdjException("noise_sampler_seed has " + seeds.size() + " seeds, which do not split latents of "
            + size + " values into pictures");
      }
      int each = Math.toIntExact(size / seeds.size());
      trees = new ArrayList<>();
      for (long seed : seeds) {
        trees.add(new BrownianTree(min, max, each, seed, source));
      }
    }
    boolean forward = sigma < sigmaNext;
    float lo = forward ? sigma : sigmaNext;
    float hi = forward ? sigmaNext : sigma;
    float[] w = trees.size() == 1 ? trees.getFirst().increment(lo, hi) : new float[Math.toIntExact(size)];
    if (trees.size() > 1) {
      int each = w.length / trees.size();
      for (int i = 0; i < trees.size(); i++) {
        System.arraycopy(trees.get(i).increment(lo, hi), 0, w, i * each, each);
      }
    }
    float scale = (float) Math.sqrt(Math.abs(sigmaNext - sigma));
    for (int i = 0; i < w.length; i++) {
      w[i] = (forward ? w[i] : -w[i]) / scale;
    }
    return w;
  }
}
