package org.sdj.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.sdj.backend.DType;
import org.sdj.backend.WeightFloats;
import org.sdj.io.StrictJson;

/**
 * Builds a safetensors file in memory, then writes it:
 *
 * <pre>{@code
 * SafeTensorsWriter.create()
 *     .metadata("format", "pt")
 *     .add("conv.weight", DType.F16, new long[] {8, 4, 3, 3}, weights)
 *     .write(path);
 * }</pre>
 *
 * <p>Tensors are laid out contiguously in name order and the header is padded with spaces to a multiple of 8 bytes, so
 * every tensor starts 8-byte aligned in the file. Not thread-safe.
 */
public final class SafeTensorsWriter {
  private static final int ALIGNMENT = 8;

  private record Pending(DType dtype, long[] shape, byte[] bytes) {}

  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final SortedMap<String, Pending> tensors = new TreeMap<>();

  private SafeTensorsWriter() {}

  /** An empty writer. */
  public static SafeTensorsWriter create() {
    return new SafeTensorsWriter();
  }

  /** Adds an entry to {@code __metadata__} (a later value for the same key replaces the earlier one). */
  public SafeTensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /**
   * Adds a float tensor, stored as {@code dtype} (F32, F16 or BF16; rounded to nearest even).
   *
   * @param data row-major elements, as many as the shape's product
   * @throws SafetensorsException if the name is taken or reserved, the dtype is not a float type, or the shape does
   *     not match the data
   */
  public SafeTensorsWriter add(String name, DType dtype, long[] shape, float[] data) {
    if (!dtype.isFloatConvertible()) {
      throw new SafetensorsException(null, name, "float data cannot be stored as " + dtype
          + ": use F32, F16 or BF16, or add raw bytes");
    }
    checkElementCount(name, shape, data.length);
    return put(name, dtype, shape, WeightFloats.encode(dtype, data));
  }

  /**
   * Adds a tensor of any dtype from its raw little-endian bytes (copied).
   *
   * @throws SafetensorsException if the name is taken or reserved or the byte count is not shape x dtype size
   */
  public SafeTensorsWriter add(String name, DType dtype, long[] shape, byte[] rawLittleEndian) {
    long elements = checkedNumel(name, shape);
    if (elements * dtype.byteSize() != rawLittleEndian.length) {
      throw new SafetensorsException(null, name, rawLittleEndian.length + " bytes given but shape "
          + Arrays.toString(shape) + " of " + dtype + " needs " + elements * dtype.byteSize());
    }
    return put(name, dtype, shape, rawLittleEndian.clone());
  }

  /**
   * Writes the file, replacing any file already there.
   *
   * @throws SafetensorsException if the file cannot be written
   */
  public void write(Path file) {
    byte[] header = paddedHeader();
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      out.write(header);
      for (Pending tensor : tensors.values()) {
        out.write(tensor.bytes());
      }
    } catch (IOException e) {
      throw new SafetensorsException(file, null, "cannot write: " + e, e);
    }
  }

  private SafeTensorsWriter put(String name, DType dtype, long[] shape, byte[] bytes) {
    if (name.isEmpty() || name.equals("__metadata__")) {
      throw new SafetensorsException(null, name, "this tensor name is not allowed");
    }
    if (tensors.containsKey(name)) {
      throw new SafetensorsException(null, name, "a tensor of this name was already added");
    }
    tensors.put(name, new Pending(dtype, shape.clone(), bytes));
    return this;
  }

  private static void checkElementCount(String name, long[] shape, int count) {
    long elements = checkedNumel(name, shape);
    if (elements != count) {
      throw new SafetensorsException(null, name, count + " values given but shape " + Arrays.toString(shape)
          + " holds " + elements);
    }
  }

  /** The shape's product; shapes of more elements than a Java array holds are refused. */
  private static long checkedNumel(String name, long[] shape) {
    if (Arrays.stream(shape).anyMatch(dim -> dim < 0)) {
      throw new SafetensorsException(null, name, "shape " + Arrays.toString(shape) + " has a negative dimension");
    }
    if (Arrays.stream(shape).anyMatch(dim -> dim == 0)) {
      return 0;
    }
    try {
      long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
      if (elements <= Integer.MAX_VALUE) {
        return elements;
      }
    } catch (ArithmeticException e) {
      // Falls through to the same refusal as any other oversized shape.
    }
    throw new SafetensorsException(null, name, "shape " + Arrays.toString(shape) + " is too large for one array");
  }

  private byte[] paddedHeader() {
    ObjectNode root = StrictJson.mapper().createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Pending> entry : tensors.entrySet()) {
      Pending tensor = entry.getValue();
      ObjectNode node = root.putObject(entry.getKey());
      node.put("dtype", tensor.dtype().name());
      Arrays.stream(tensor.shape()).forEach(node.putArray("shape")::add);
      node.putArray("data_offsets").add(offset).add(offset + tensor.bytes().length);
      offset += tensor.bytes().length;
    }
    byte[] json;
    try {
      json = StrictJson.mapper().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree failed to serialize", e);
    }
    int padded = (json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }
}
