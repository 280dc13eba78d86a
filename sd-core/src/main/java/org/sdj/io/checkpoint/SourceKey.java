package org.sdj.io.checkpoint;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;
import org.sdj.io.safetensors.SafeTensor;

/**
 * Where one diffusers weight lies in a single-file checkpoint: the tensor's name there and how its bytes are viewed.
 * Every view but {@link #transposed} is zero-copy, so weights stay in the mapped file.
 *
 * @param name the tensor's name in the checkpoint, e.g. {@code model.diffusion_model.input_blocks.1.0.in_layers.0.weight}
 * @param view how the tensor is seen under its diffusers name
 */
record SourceKey(String name, View view) {

  /** The tensor as it is. */
  static SourceKey same(String name) {
    return new SourceKey(name, new AsIs());
  }

  /** A 1x1 convolution {@code [C_out, C_in, 1, 1]} (or a 1-D one, {@code [C_out, C_in, 1]}) as a linear layer. */
  static SourceKey convAsLinear(String name) {
    return new SourceKey(name, new ConvAsLinear());
  }

  /** Part {@code index} of {@code parts} equal slices of the outermost dimension (fused q/k/v projections). */
  static SourceKey chunk(String name, int index, int parts) {
    return new SourceKey(name, new Chunk(index, parts));
  }

  /**
   * A matrix {@code [in, out]} as a linear layer's weight {@code [out, in]} (OpenCLIP's {@code text_projection}, which
   * multiplies from the right): a transposed copy on the heap, the one view that copies (it is one small matrix).
   */
  static SourceKey transposed(String name) {
    return new SourceKey(name, new Transposed());
  }

  /** A way of seeing a checkpoint tensor as a diffusers weight. */
  sealed interface View {
    /** The shape the view has for a tensor of {@code shape}; empty if the tensor cannot be viewed so. */
    Optional<long[]> shape(long[] shape);

    /** Where the view starts, in elements of the tensor. */
    long offset(long[] shape);

    /** What the view expects, for messages. */
    String describe();

    /** The view of {@code tensor} under {@code name}; the tensor must be {@linkplain #shape viewable}. */
    default SafeTensor apply(SafeTensor tensor, String name) {
      long[] shape = tensor.shape();
      return tensor.view(name, shape(shape).orElseThrow(() -> new IllegalArgumentException(
          tensor + " cannot be viewed as " + describe())), offset(shape));
    }
  }

  record AsIs() implements View {
    @Override
    public Optional<long[]> shape(long[] shape) {
      return Optional.of(shape);
    }

    @Override
    public long offset(long[] shape) {
      return 0;
    }

    @Override
    public String describe() {
      return "the same tensor";
    }
  }

  record ConvAsLinear() implements View {
    @Override
    public Optional<long[]> shape(long[] shape) {
      boolean pointwise = shape.length == 2 || (shape.length > 2
          && Arrays.stream(shape, 2, shape.length).allMatch(d -> d == 1));
      return pointwise ? Optional.of(new long[] {shape[0], shape[1]}) : Optional.empty();
    }

    @Override
    public long offset(long[] shape) {
      return 0;
    }

    @Override
    public String describe() {
      return "a linear layer [out, in] (from a 1x1 convolution [out, in, 1, 1])";
    }
  }

  record Chunk(int index, int parts) implements View {
    @Override
    public Optional<long[]> shape(long[] shape) {
      if (shape.length == 0 || shape[0] % parts != 0) {
        return Optional.empty();
      }
      long[] part = shape.clone();
      part[0] = shape[0] / parts;
      return Optional.of(part);
    }

    @Override
    public long offset(long[] shape) {
      long inner = 1;
      for (int i = 1; i < shape.length; i++) {
        inner *= shape[i];
      }
      return index * (shape[0] / parts) * inner;
    }

    @Override
    public String describe() {
      return "slice " + (index + 1) + " of " + parts + " of the outermost dimension";
    }
  }

  record Transposed() implements View {
    @Override
    public Optional<long[]> shape(long[] shape) {
      return shape.length == 2 ? Optional.of(new long[] {shape[1], shape[0]}) : Optional.empty();
    }

    @Override
    public long offset(long[] shape) {
      return 0;
    }

    @Override
    public String describe() {
      return "a matrix [in, out], transposed";
    }

    @Override
    public SafeTensor apply(SafeTensor tensor, String name) {
      long[] shape = shape(tensor.shape()).orElseThrow(() -> new IllegalArgumentException(
          tensor + " cannot be viewed as " + describe()));
      int size = tensor.dtype().byteSize();
      long rows = shape[1];
      long cols = shape[0];
      MemorySegment from = tensor.data();
      MemorySegment to = MemorySegment.ofArray(new byte[Math.toIntExact(from.byteSize())]);
      for (long r = 0; r < rows; r++) {
        for (long c = 0; c < cols; c++) {
          MemorySegment.copy(from, (r * cols + c) * size, to, (c * rows + r) * size, size);
        }
      }
      return SafeTensor.of(tensor.file(), name, tensor.dtype(), shape, to);
    }
  }
}
