package org.sdj.io;

import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/** What the randomized corruption tests of every file format share: damaging bytes, and reading all that opened. */
public final class Corruption {
  private Corruption() {}

  /** Flips one to three random bits in {@code bytes[from, to)}. */
  public static void flipBits(byte[] bytes, Random random, int from, int to) {
    for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
      bytes[from + random.nextInt(to - from)] ^= (byte) (1 << random.nextInt(8));
    }
  }

  /**
   * Reads every tensor of an opened source to the last byte, checking that bulk and single-element float reads agree:
   * a file that opened must be readable without any other error.
   */
  public static void readEverything(TensorSource source) {
    for (String name : source.names()) {
      SafeTensor tensor = source.get(name);
      if (tensor.dtype().isFloatConvertible()) {
        float[] values = tensor.toFloatArray();
        for (int i = 0; i < values.length; i++) {
          if (Float.floatToRawIntBits(values[i]) != Float.floatToRawIntBits(tensor.getFloat(i))) {
            throw new AssertionError(name + "[" + i + "] differs between bulk and single reads");
          }
        }
      } else {
        tensor.data().toArray(ValueLayout.JAVA_BYTE);
      }
    }
  }
}
