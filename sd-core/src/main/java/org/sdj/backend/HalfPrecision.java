package org.sdj.backend;

/**
 * Conversions between {@code float} and the two 16-bit float formats sdj stores ({@link DType#F16}, IEEE half, and
 * {@link DType#BF16}, bfloat16: float32's range with 8 significant bits), rounding to nearest even as safetensors
 * files and GPUs do.
 */
public final class HalfPrecision {
  private HalfPrecision() {}

  /**
   * The bits of {@code v} in {@code type}, rounded to nearest even (values beyond F16's range become infinities; a
   * NaN stays a NaN).
   *
   * @throws IllegalArgumentException for a type that is not F16 or BF16
   */
  public static short encode(float v, DType type) {
    return switch (type) {
      case F16 -> Float.floatToFloat16(v);
      case BF16 -> {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
          // Truncating could clear every mantissa bit left and turn the NaN into an infinity; keep it a quiet NaN.
          yield (short) ((bits >>> 16) | 0x0040);
        }
        yield (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
      }
      default -> throw new IllegalArgumentException("not a 16-bit float type: " + type);
    };
  }

  /**
   * The float that {@code bits} of {@code type} stand for (exact).
   *
   * @throws IllegalArgumentException for a type that is not F16 or BF16
   */
  public static float decode(short bits, DType type) {
    return switch (type) {
      case F16 -> Float.float16ToFloat(bits);
      case BF16 -> Float.intBitsToFloat(bits << 16);
      default -> throw new IllegalArgumentException("not a 16-bit float type: " + type);
    };
  }

  /** {@code v} as {@code type} stores it. */
  public static float round(float v, DType type) {
    return decode(encode(v, type), type);
  }
}
