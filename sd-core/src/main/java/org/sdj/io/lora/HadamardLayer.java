package org.sdj.io.lora;

import java.util.Optional;
import org.sdj.io.model.Component;
import org.sdj.io.safetensors.SafeTensor;

/**
 * A LyCORIS LoHa layer ({@code hada_w1_a}, {@code hada_w1_b}, {@code hada_w2_a}, {@code hada_w2_b}, and for a
 * Tucker-decomposed convolution {@code hada_t1}, {@code hada_t2}): the Hadamard product of two low-rank products,
 * {@code (w1a @ w1b) * (w2a @ w2b)}, scaled by {@code alpha / rank} ({@code rank} being {@code hada_w1_b}'s rows), as
 * AUTOMATIC1111's {@code network_hada} rebuilds it.
 *
 * @param first the first product, {@code [out, in * kh * kw]}
 * @param second the second product, the same shape
 * @param scale {@code alpha / rank}, or 1 without an alpha
 */
record HadamardLayer(Component component, String module, Factors.Matrix first, Factors.Matrix second, double scale)
    implements LoraLayer {

  HadamardLayer {
    if (first.rows() != second.rows() || first.cols() != second.cols()) {
      throw new IllegalArgumentException("LoHa layer " + module + "'s products are " + first.rows() + " x "
          + first.cols() + " and " + second.rows() + " x " + second.cols());
    }
  }

  /** The product of an up and a down factor, or their Tucker rebuild around {@code core}. */
  static Factors.Matrix product(Factors.Matrix up, Factors.Matrix down, Optional<SafeTensor> core) {
    return core.map(t -> Factors.tucker(t, up, down)).orElseGet(() -> Factors.product(up, down));
  }

  @Override
  public long out() {
    return first.rows();
  }

  @Override
  public long in() {
    return first.cols();
  }

  @Override
  public void addTo(float[] weight, float strength) {
    float s = (float) (strength * scale);
    float[] a = first.values();
    float[] b = second.values();
    for (int i = 0; i < a.length; i++) {
      weight[i] += s * a[i] * b[i];
    }
  }
}
