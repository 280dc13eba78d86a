package org.sdj.io.lora;

import org.sdj.io.model.Component;

/**
 * A layer whose change is rebuilt whole on the host: LoCon's Tucker form ({@code lora_up}, {@code lora_mid},
 * {@code lora_down}) and LyCORIS' full difference ({@code diff}), as AUTOMATIC1111's {@code network_lora} and
 * {@code network_full} rebuild them.
 *
 * @param change {@code [out, in * kh * kw]}
 * @param scale {@code alpha / rank} for LoCon, 1 for a difference
 */
record DenseLayer(Component component, String module, Factors.Matrix change, double scale) implements LoraLayer {

  @Override
  public long out() {
    return change.rows();
  }

  @Override
  public long in() {
    return change.cols();
  }

  @Override
  public void addTo(float[] weight, float strength) {
    float s = (float) (strength * scale);
    float[] c = change.values();
    for (int i = 0; i < c.length; i++) {
      weight[i] += s * c[i];
    }
  }
}
