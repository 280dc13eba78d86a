package org.sdj.io.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.sdj.backend.DType;
import org.sdj.io.StrictJson;

/**
 * The validated header of a safetensors file: an 8-byte little-endian length, then that many bytes of UTF-8 JSON, then
 * the data region, which the tensors' offsets must cover exactly, in some order, without gaps or overlaps (the checks
 * of the reference Rust implementation).
 */
final class Header {
  /** Larger headers are refused before reading, as the reference implementation does. */
  static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA_KEY = "__metadata__";
  private static final ValueLayout.OfLong LENGTH = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** One tensor's entry; {@code begin} and {@code end} are relative to the data region. */
  record Entry(String name, DType dtype, long[] shape, long numel, long begin, long end) {}

  private final Map<String, String> metadata;
  private final SortedMap<String, Entry> entries;
  private final long dataStart;

  private Header(Map<String, String> metadata, SortedMap<String, Entry> entries, long dataStart) {
    this.metadata = metadata;
    this.entries = entries;
    this.dataStart = dataStart;
  }

  Map<String, String> metadata() {
    return metadata;
  }

  SortedMap<String, Entry> entries() {
    return entries;
  }

  /** File offset of the data region. */
  long dataStart() {
    return dataStart;
  }

  /** Reads and validates the header of {@code file}, whose whole content is {@code mapped}. */
  static Header read(Path file, MemorySegment mapped) {
    long fileSize = mapped.byteSize();
    if (fileSize < Long.BYTES) {
      throw new SafetensorsException(
          file, null, "file is " + fileSize + " bytes, shorter than the 8-byte header length: not a safetensors file");
    }
    long headerLength = mapped.get(LENGTH, 0);
    if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
      throw new SafetensorsException(
          file, null, "header length " + Long.toUnsignedString(headerLength) + " is over the limit of "
              + MAX_HEADER_BYTES + " bytes: corrupt file or not a safetensors file");
    }
    if (headerLength > fileSize - Long.BYTES) {
      throw new SafetensorsException(
          file, null, "header length " + headerLength + " runs past the end of the file (" + fileSize
              + " bytes): truncated or corrupt file");
    }
    JsonNode root = parseJson(file, mapped.asSlice(Long.BYTES, headerLength).toArray(ValueLayout.JAVA_BYTE));
    long dataStart = Long.BYTES + headerLength;
    Map<String, String> metadata = Map.of();
    SortedMap<String, Entry> entries = new TreeMap<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(METADATA_KEY)) {
        metadata = readMetadata(file, field.getValue());
      } else {
        entries.put(field.getKey(), readEntry(file, field.getKey(), field.getValue()));
      }
    }
    checkCoverage(file, entries.values(), fileSize - dataStart);
    return new Header(metadata, entries, dataStart);
  }

  private static JsonNode parseJson(Path file, byte[] bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new SafetensorsException(file, null, "header is not valid UTF-8: corrupt file", e);
    }
    JsonNode root;
    try {
      root = StrictJson.mapper().readTree(text);
    } catch (JsonProcessingException e) {
      throw new SafetensorsException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsException(file, null, "header is not a JSON object: corrupt file");
    }
    return root;
  }

  private static Map<String, String> readMetadata(Path file, JsonNode node) {
    if (!node.isObject()) {
      throw new SafetensorsException(file, null, "__metadata__ must be a JSON object of strings");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getValue().isTextual()) {
        throw new SafetensorsException(
            file, null, "__metadata__ value of '" + field.getKey() + "' must be a string, not " + field.getValue());
      }
      metadata.put(field.getKey(), field.getValue().textValue());
    }
    return Map.copyOf(metadata);
  }

  private static Entry readEntry(Path file, String name, JsonNode node) {
    if (!node.isObject()) {
      throw new SafetensorsException(file, name, "entry must be a JSON object with dtype, shape and data_offsets");
    }
    DType dtype = readDType(file, name, node.get("dtype"));
    long[] shape = readNonNegativeLongs(file, name, node.get("shape"), "shape", -1);
    long[] offsets = readNonNegativeLongs(file, name, node.get("data_offsets"), "data_offsets", 2);
    long numel = 1;
    long byteLength;
    try {
      for (long dim : shape) {
        numel = Math.multiplyExact(numel, dim);
      }
      byteLength = Math.multiplyExact(numel, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw new SafetensorsException(file, name, "shape " + Arrays.toString(shape) + " overflows", e);
    }
    long begin = offsets[0];
    long end = offsets[1];
    if (end < begin) {
      throw new SafetensorsException(file, name, "data_offsets [" + begin + ", " + end + "] are reversed");
    }
    if (end - begin != byteLength) {
      throw new SafetensorsException(
          file, name, "data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes but shape "
              + Arrays.toString(shape) + " of " + dtype + " needs " + byteLength);
    }
    return new Entry(name, dtype, shape, numel, begin, end);
  }

  private static DType readDType(Path file, String name, JsonNode node) {
    if (node == null || !node.isTextual()) {
      throw new SafetensorsException(file, name, "dtype is " + describeMissing(node) + ", expected a string");
    }
    String text = node.textValue();
    for (DType dtype : DType.values()) {
      if (dtype.name().equals(text)) {
        return dtype;
      }
    }
    throw new SafetensorsException(
        file, name, "dtype '" + text + "' is not supported (supported: " + List.of(DType.values()) + ")");
  }

  /** Reads an array of non-negative integers; {@code requiredLength} -1 accepts any length. */
  private static long[] readNonNegativeLongs(Path file, String name, JsonNode node, String key, int requiredLength) {
    if (node == null || !node.isArray()) {
      throw new SafetensorsException(file, name, key + " is " + describeMissing(node) + ", expected an array");
    }
    if (requiredLength >= 0 && node.size() != requiredLength) {
      throw new SafetensorsException(file, name, key + " must have " + requiredLength + " elements, not " + node);
    }
    long[] values = new long[node.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode element = node.get(i);
      if (!element.isIntegralNumber() || !element.canConvertToLong() || element.longValue() < 0) {
        throw new SafetensorsException(
            file, name, key + " must hold non-negative 64-bit integers, not " + element);
      }
      values[i] = element.longValue();
    }
    return values;
  }

  private static String describeMissing(JsonNode node) {
    return node == null ? "missing" : node.getNodeType().toString().toLowerCase(Locale.ROOT);
  }

  private static void checkCoverage(Path file, Iterable<Entry> entries, long dataLength) {
    List<Entry> byOffset = new ArrayList<>();
    entries.forEach(byOffset::add);
    byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
    long covered = 0;
    Entry previous = null;
    for (Entry entry : byOffset) {
      if (entry.begin() != covered) {
        String relation = entry.begin() < covered ? "overlaps" : "leaves a gap after";
        throw new SafetensorsException(
            file, entry.name(), "data_offsets [" + entry.begin() + ", " + entry.end() + "] " + relation + " "
                + (previous == null ? "the start of the data region" : "tensor '" + previous.name() + "'"));
      }
      if (entry.end() > dataLength) {
        throw new SafetensorsException(
            file, entry.name(), "data_offsets [" + entry.begin() + ", " + entry.end()
                + "] run past the end of the data region (" + dataLength + " bytes): truncated or corrupt file");
      }
      covered = entry.end();
      previous = entry;
    }
    if (covered != dataLength) {
      throw new SafetensorsException(
          file, null, "the tensors cover " + covered + " of the " + dataLength
              + " bytes of the data region: the file has trailing bytes or missing entries");
    }
  }
}
