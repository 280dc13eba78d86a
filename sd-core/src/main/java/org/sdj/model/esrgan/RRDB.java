package org.sdj.model.esrgan;

import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.Weights;

/**
 * basicsr's {@code RRDB}, residual in residual dense block: three {@link ResidualDenseBlock}s {@code rdb1..rdb3} in a
 * row, their output scaled by 0.2 and added to the input.
 */
final class RRDB {
  private final ResidualDenseBlock[] blocks = new ResidualDenseBlock[3];

  RRDB(Weights w, long features, long growth) {
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = new ResidualDenseBlock(w.prefix("rdb" + (i + 1)), features, growth);
    }
  }

  /** {@code [N, features, H, W] -> [N, features, H, W]}. */
  Tensor forward(Ops ops, Tensor x) {
    Tensor h = x;
    for (ResidualDenseBlock block : blocks) {
      Tensor next = block.forward(ops, h);
      if (h != x) {
        h.close();
      }
      h = next;
    }
    Tensor out = ops.combine(ResidualDenseBlock.RESIDUAL_SCALE, h, 1, x);
    h.close();
    return out;
  }
}
