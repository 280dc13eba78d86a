package org.sdj.io.safetensors;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.sdj.backend.DType;

/**
 * One tensor of a safetensors file: its name, dtype, shape and a read-only view of its bytes in the mapped file.
 *
 * <p>Elements are row-major and little-endian. The view is valid until the {@link TensorSource} it came from is
 * closed; reading it afterwards throws {@link IllegalStateException}.
 */
public final class SafeTensor {
  /** Arrays of at most this length are safe to allocate on every JVM. */
  private static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

  private final Path file;
  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final long numel;
  private final MemorySegment data;

  SafeTensor(Path file, String name, DType dtype, long[] shape, long numel, MemorySegment data) {
    this.file = file;
    this.name = name;
    this.dtype = dtype;
    this.shape = shape.clone();
    this.numel = numel;
    this.data = data.asReadOnly();
  }

  /**
   * A tensor over bytes that another {@link TensorSource} holds (for instance a mapped PyTorch checkpoint). The
   * segment is kept, not copied: it must stay valid as long as the tensor is used.
   *
   * @param file the file the tensor comes from, named in error messages
   * @param data row-major little-endian elements: exactly the shape's product times {@code dtype.byteSize()} bytes
   * @throws IllegalArgumentException if a dimension is negative, the shape's product overflows, or the byte count
   *     does not match
   */
  public static SafeTensor of(Path file, String name, DType dtype, long[] shape, MemorySegment data) {
    long numel = 1;
    long bytes;
    try {
      for (long dim : shape) {
        if (dim < 0) {
          throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
        }
        numel = Math.multiplyExact(numel, dim);
      }
      bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " overflows", e);
    }
    if (bytes != data.byteSize()) {
      throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for shape " + Arrays.toString(shape)
          + " of " + dtype);
    }
    return new SafeTensor(Objects.requireNonNull(file), Objects.requireNonNull(name), dtype, shape, numel, data);
  }

  /** The file the tensor is read from. */
  public Path file() {
    return file;
  }

  /** The tensor's name in the file, e.g. {@code conv_in.weight}. */
  public String name() {
    return name;
  }

  /** The element type as stored in the file. */
  public DType dtype() {
    return dtype;
  }

  /** The shape, outermost dimension first (e.g. {@code [C_out, C_in, kH, kW]} for a convolution); a copy. */
  public long[] shape() {
    return shape.clone();
  }

  /** The number of elements: the product of the shape (1 for a scalar of shape {@code []}). */
  public long numel() {
    return numel;
  }

  /** The tensor's bytes in the mapped file, read-only, little-endian: exactly {@code numel() * dtype().byteSize()}. */
  public MemorySegment data() {
    return data;
  }

  /**
   * A view of part of this tensor's bytes under another name and shape, without copying: a reshape ({@code [C, C, 1,
   * 1]} as {@code [C, C]}) or a slice of the outermost dimension (one third of a fused {@code [3C, C]} projection).
   *
   * @param name the view's name
   * @param shape the view's shape; its elements must lie within this tensor
   * @param elementOffset where the view starts, in elements from this tensor's first (row-major)
   * @throws IllegalArgumentException if the view does not fit inside this tensor
   */
  public SafeTensor view(String name, long[] shape, long elementOffset) {
    Objects.requireNonNull(name, "name");
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("view " + name + " of " + this + " has a negative dimension "
            + Arrays.toString(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    if (elementOffset < 0 || elementOffset > numel - n) {
      throw new IllegalArgumentException("view " + name + " " + Arrays.toString(shape) + " at element " + elementOffset
          + " does not fit inside " + this);
    }
    long size = dtype.byteSize();
    return new SafeTensor(file, name, dtype, shape, n, data.asSlice(elementOffset * size, n * size));
  }

  /**
   * Element {@code index} (row-major) as a float.
   *
   * @throws SafetensorsException if the dtype is not F32, F16 or BF16
   * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, numel())}
   */
  public float getFloat(long index) {
    requireFloatType();
    Objects.checkIndex(index, numel);
    return FloatCodec.decode(dtype, data, index);
  }

  /**
   * All elements, row-major, converted to float. Copies into the Java heap.
   *
   * @throws SafetensorsException if the dtype is not F32, F16 or BF16, or the tensor has too many elements for an array
   */
  public float[] toFloatArray() {
    requireFloatType();
    if (numel > MAX_ARRAY_LENGTH) {
      throw new SafetensorsException(
          file, name, numel + " elements do not fit a Java array (at most " + MAX_ARRAY_LENGTH
              + "): read it in parts through data()");
    }
    return FloatCodec.decodeAll(dtype, data, (int) numel);
  }

  private void requireFloatType() {
    if (!dtype.isFloatConvertible()) {
      throw new SafetensorsException(
          file, name, "dtype " + dtype + " cannot be read as float (only F32, F16 and BF16 can)");
    }
  }

  @Override
  public String toString() {
    return name + " " + dtype + Arrays.toString(shape);
  }
}
