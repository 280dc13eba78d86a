package org.sdj.io.lora;

import org.sdj.io.model.Component;

/**
 * A LyCORIS LoKr layer ({@code lokr_w1} or {@code lokr_w1_a} / {@code lokr_w1_b}; {@code lokr_w2}, or
 * {@code lokr_w2_a} / {@code lokr_w2_b}, with {@code lokr_t2} for a Tucker-decomposed convolution): the Kronecker
 * product {@code kron(w1, w2)}, scaled by {@code alpha / rank} where a factor is decomposed, as AUTOMATIC1111's
 * {@code network_lokr} rebuilds it. A convolution's kernel belongs to {@code w2}: the change's element
 * {@code [a * o2 + b, c * n2 + d]} is {@code w1[a, c] * w2[b, d]}, {@code w2} being {@code [o2, n2]} with its kernel
 * flattened into {@code n2}.
 *
 * @param w1 {@code [o1, i1]}
 * @param w2 {@code [o2, i2 * kh * kw]}
 * @param scale {@code alpha / rank}, or 1
 */
record KroneckerLayer(Component component, String module, Factors.Matrix w1, Factors.Matrix w2, double scale)
    implements LoraLayer {

  @Override
  public long out() {
    return (long) w1.rows() * w2.rows();
  }

  @Override
  public long in() {
    return (long) w1.cols() * w2.cols();
  }

  @Override
  public void addTo(float[] weight, float strength) {
    float s = (float) (strength * scale);
    int o2 = w2.rows();
    int n2 = w2.cols();
    int in = (int) in();
    for (int a = 0; a < w1.rows(); a++) {
      for (int c = 0; c < w1.cols(); c++) {
        float w1ac = s * w1.at(a, c);
        for (int b = 0; b < o2; b++) {
          int row = (a * o2 + b) * in + c * n2;
          int w2b = b * n2;
          for (int d = 0; d < n2; d++) {
            weight[row + d] += w1ac * w2.values()[w2b + d];
          }
        }
      }
    }
  }
}
