package org.sdj.io.ckpt;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.io.safetensors.TensorSource;

/**
 * Converts a PyTorch checkpoint to a safetensors file: every state-dict tensor with its dtype, shape and exact bytes
 * (views of shared storages become separate tensors), plus the checkpoint's {@link CkptFile#metadata() metadata} and
 * {@code format=pt}.
 *
 * <p>{@link SafeTensorsWriter} builds the file in memory, so converting needs about the checkpoint's tensor bytes
 * plus its largest tensor in Java heap (a 4 GB SD 1.x checkpoint needs {@code -Xmx6g} or so); that is checked before
 * any copy, and a tensor of 2 GiB or more cannot be converted at all.
 */
public final class CkptConverter {
  /** Heap kept free for everything else while converting. */
  private static final long HEAP_RESERVE = 64L << 20;
  private static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 8;

  /** What a conversion wrote. */
  public record Result(Path target, int tensorCount, long tensorBytes) {}

  private CkptConverter() {}

  /**
   * Reads {@code checkpoint} and writes its state dict to {@code safetensors}, replacing any file there.
   *
   * @throws CkptException if the checkpoint cannot be read or there is not enough heap
   * @throws org.sdj.io.safetensors.SafetensorsException if the output cannot be written
   */
  public static Result convert(Path checkpoint, Path safetensors) {
    try (CkptFile source = CkptFile.open(checkpoint)) {
      checkHeap(source);
      SafeTensorsWriter writer = SafeTensorsWriter.create().metadata("format", "pt");
      source.metadata().forEach(writer::metadata);
      long bytes = 0;
      for (String name : source.names()) {
        SafeTensor tensor = source.get(name);
        writer.add(name, tensor.dtype(), tensor.shape(), tensor.data().toArray(ValueLayout.JAVA_BYTE));
        bytes += tensor.data().byteSize();
      }
      writer.write(safetensors);
      return new Result(safetensors, source.names().size(), bytes);
    }
  }

  private static void checkHeap(CkptFile source) {
    long total = 0;
    long largest = 0;
    for (String name : source.names()) {
      SafeTensor tensor = source.get(name);
      long bytes = tensor.numel() * tensor.dtype().byteSize();
      if (bytes > MAX_TENSOR_BYTES) {
        throw new CkptException(source.file(), "tensor '" + name + "' has " + bytes + " bytes, more than one Java "
            + "array holds: it cannot be converted by sdj");
      }
      total += bytes;
      largest = Math.max(largest, bytes);
    }
    Runtime runtime = Runtime.getRuntime();
    long available = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory()) - HEAP_RESERVE;
    long needed = total + largest;
    if (needed > available) {
      long gib = (needed + HEAP_RESERVE + runtime.totalMemory() - runtime.freeMemory() + (1L << 30) - 1) >> 30;
      throw new CkptException(source.file(), "converting needs about " + (needed >> 20) + " MiB of heap but only "
          + Math.max(0, available >> 20) + " MiB are free: run Java with -Xmx" + (gib + 1) + "g");
    }
  }
}
