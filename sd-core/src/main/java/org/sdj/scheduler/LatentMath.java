package org.sdj.scheduler;

import java.util.List;

/**
 * Element-wise float arithmetic on latents wherever they live: host arrays ({@link #HOST}) or a backend's tensors (the
 * pipeline keeps the denoising loop's latents on the backend, so that a GPU never waits for the host between steps).
 * Schedulers do all their arithmetic on latents through it, so one implementation of each serves every place.
 *
 * <p>Every operation returns a new value of the operands' shape (typically {@code [N, 4, H/8, W/8]}) and leaves its
 * operands as they were. All operands of one call have the same number of elements.
 *
 * @param <L> the type latents have here: {@code float[]} on the host, a backend's tensor type elsewhere
 */
public interface LatentMath<L> {
  /** Host latents: {@code float[]} flattened row-major, float32 arithmetic rounded like torch's. */
  LatentMath<float[]> HOST = HostLatents.INSTANCE;

  /** The number of elements of {@code x}. */
  long size(L x);

  /** {@code x * a}. */
  L scale(L x, float a);

  /** {@code a * x + b * y}: two float32 products, then their sum. */
  L combine(float a, L x, float b, L y);

  /** {@code x} clamped to {@code [-range, range]}. */
  L clamp(L x, float range);

  /** Unit-normal noise with {@code like}'s shape, drawn from {@code source} (one call). */
  L noise(NoiseSource source, L like);

  /**
   * {@code weights[0] * terms[0] + weights[1] * terms[1] + ...}, summed left to right.
   *
   * @throws IllegalArgumentException when the counts differ or there is no term
   */
  default L sum(float[] weights, List<L> terms) {
    if (weights.length != terms.size() || terms.isEmpty()) {
      throw new IllegalArgumentException(weights.length + " weights for " + terms.size() + " terms");
    }
    L acc = scale(terms.getFirst(), weights[0]);
    for (int k = 1; k < terms.size(); k++) {
      acc = combine(1f, acc, weights[k], terms.get(k));
    }
    return acc;
  }
}
