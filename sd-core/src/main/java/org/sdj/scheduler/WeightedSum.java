package org.sdj.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The terms of a weighted sum of latents, gathered one by one and then summed left to right by a math. */
final class WeightedSum<L> {
  private final List<L> terms = new ArrayList<>();
  private float[] weights = new float[4];

  WeightedSum<L> add(float weight, L term) {
    if (terms.size() == weights.length) {
      weights = Arrays.copyOf(weights, 2 * weights.length);
    }
    weights[terms.size()] = weight;
    terms.add(term);
    return this;
  }

  L sum(LatentMath<L> math) {
    return math.sum(Arrays.copyOf(weights, terms.size()), terms);
  }
}
