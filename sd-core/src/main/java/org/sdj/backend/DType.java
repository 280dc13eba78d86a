package org.sdj.backend;

/**
 * Element types of tensors, as safetensors names them. Weights keep their file dtype; activations are {@link #F32}.
 */
public enum DType {
  F32(4, true),
  F16(2, true),
  BF16(2, true),
  F64(8, false),
  I64(8, false),
  I32(4, false),
  U8(1, false),
  BOOL(1, false);

  private final int byteSize;
  private final boolean floatConvertible;

  DType(int byteSize, boolean floatConvertible) {
    this.byteSize = byteSize;
    this.floatConvertible = floatConvertible;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether elements are read as {@code float} on access (F32, F16, BF16): the dtypes model weights come in. */
  public boolean isFloatConvertible() {
    return floatConvertible;
  }
}
