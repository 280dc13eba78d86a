package org.sdj.model.unet;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * A ControlNet's output for one UNet call: a residual for every skip connection of the UNet's down path and one for
 * its mid block's output, already scaled by the conditioning scale.
 *
 * @param down {@code [N, C_i, h_i, w_i]} each, in the order of the skip connections
 * @param mid {@code [N, C, h, w]} at the lowest resolution
 */
public record ControlResiduals(List<Tensor> down, Tensor mid) implements AutoCloseable {
  public ControlResiduals {
    down = List.copyOf(down);
  }

  /**
   * Adds the residuals to {@code skips} (replacing each entry) and to {@code h}, the mid block's output, which it
   * frees with the entries replaced.
   *
   * @return {@code h} plus the mid residual
   * @throws IllegalArgumentException if the counts differ (a ControlNet made for another UNet)
   */
  Tensor addTo(Ops ops, List<Tensor> skips, Tensor h) {
    if (skips.size() != down.size()) {
      throw new IllegalArgumentException("the ControlNet gives " + down.size() + " residuals for the UNet's "
          + skips.size() + " skip connections: it was made for another UNet");
    }
    for (int i = 0; i < skips.size(); i++) {
      Tensor sum = ops.add(skips.get(i), down.get(i));
      skips.get(i).close();
      skips.set(i, sum);
    }
    Tensor out = ops.add(h, mid);
    h.close();
    return out;
  }

  /** The sum of these residuals and {@code other}'s, new tensors (several ControlNets' residuals add up). */
  public ControlResiduals plus(Ops ops, ControlResiduals other) {
    List<Tensor> sums = new ArrayList<>();
    for (int i = 0; i < down.size(); i++) {
      sums.add(ops.add(down.get(i), other.down().get(i)));
    }
    return new ControlResiduals(sums, ops.add(mid, other.mid()));
  }

  @Override
  public void close() {
    down.forEach(Tensor::close);
    mid.close();
  }
}
