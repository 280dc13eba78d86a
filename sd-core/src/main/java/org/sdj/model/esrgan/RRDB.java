package org.sdj.model.esrgan;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;
import org.sdj.model.nn.Sequential;

/**
 * basicsr's {@code RRDB}, residual in residual dense block: three {@link ResidualDenseBlock}s {@code rdb1..rdb3} in a
 * row, their output scaled by 0.2 and added to the input.
 */
final class RRDB {
  private static final int BLOCKS = 3;

  private final Sequential blocks = new Sequential();

  RRDB(Weights w, long features, long growth) {
    for (int i = 0; i < BLOCKS; i++) {
      blocks.add(new ResidualDenseBlock(w.prefix("rdb" + (i + 1)), features, growth)::forward);
    }
  }

  /** {@code [N, features, H, W] -> [N, features, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = blocks.forward(ops, x);
    Tensor out = ops.combine(ResidualDenseBlock.RESIDUAL_SCALE, h, 1, x);
    h.close();
    return out;
  }
}
