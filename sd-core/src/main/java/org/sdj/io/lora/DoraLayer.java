package org.sdj.io.lora;

import org.sdj.io.model.Component;

/**
 * A layer with DoRA's weight decomposition ({@code dora_scale}): the wrapped layer's change, with its scale, makes
 * {@code M = W + change}; each input column of {@code M} (over the outputs and the kernel) is scaled to the magnitude
 * {@code dora_scale} gives it, and the weight moves by {@code strength * (M * dora_scale / ||M|| - W)}, as
 * AUTOMATIC1111's {@code apply_weight_decompose} merges it. A magnitude per output row ({@code [out, 1]}: LyCORIS'
 * {@code wd_on_out}, the DoRA paper's and PEFT's layout) scales the rows instead.
 *
 * @param magnitudes {@code dora_scale} flattened: one per input channel ({@code [1, in]} or {@code [1, in, 1, 1]}), or
 *     one per output ({@code [out, 1]}, {@code [out, 1, 1, 1]} or {@code [out]})
 * @param byRows whether the magnitudes are the rows'
 */
record DoraLayer(LoraLayer change, float[] magnitudes, boolean byRows) implements LoraLayer {

  @Override
  public Component component() {
    return change.component();
  }

  @Override
  public String module() {
    return change.module();
  }

  @Override
  public long out() {
    return change.out();
  }

  @Override
  public long in() {
    return change.in();
  }

  @Override
  public void addTo(float[] weight, float strength) {
    int out = Math.toIntExact(out());
    int in = Math.toIntExact(in());
    float[] merged = weight.clone();
    change.addTo(merged, 1f);
    // Norms in double: a column of a wide convolution sums thousands of squares.
    double[] squares = new double[magnitudes.length];
    int kernel = byRows ? in : in / magnitudes.length;
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        double v = merged[o * in + j];
        squares[byRows ? o : j / kernel] += v * v;
      }
    }
    float[] factor = new float[magnitudes.length];
    for (int i = 0; i < factor.length; i++) {
      // A column (or row) of zeros stays zeros whatever its magnitude.
      factor[i] = squares[i] == 0 ? 0 : (float) (magnitudes[i] / Math.sqrt(squares[i]));
    }
    for (int o = 0; o < out; o++) {
      for (int j = 0; j < in; j++) {
        int at = o * in + j;
        float decomposed = merged[at] * factor[byRows ? o : j / kernel];
        weight[at] += strength * (decomposed - weight[at]);
      }
    }
  }
}
