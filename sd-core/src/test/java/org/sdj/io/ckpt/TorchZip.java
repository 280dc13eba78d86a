package org.sdj.io.ckpt;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds archives laid out as torch.save lays them out ({@code archive/data.pkl}, {@code archive/data/0}, ...). */
final class TorchZip {
  private final Map<String, byte[]> records = new LinkedHashMap<>();
  private boolean deflated;

  /** An archive holding {@code pickle} as {@code archive/data.pkl} and a little-endian byte-order record. */
  static TorchZip of(byte[] pickle) {
    TorchZip zip = new TorchZip();
    zip.records.put("archive/data.pkl", pickle);
    zip.records.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
    return zip;
  }

  /** Adds record {@code archive/data/<key>}. */
  TorchZip storage(String key, byte[] bytes) {
    return record("archive/data/" + key, bytes);
  }

  /** Adds storage {@code key} holding {@code values} as little-endian floats. */
  TorchZip floats(String key, float... values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      buffer.putFloat(v);
    }
    return storage(key, buffer.array());
  }

  TorchZip record(String name, byte[] bytes) {
    records.put(name, bytes);
    return this;
  }

  /** Writes every record compressed, as a zip tool might but torch never does. */
  TorchZip deflated() {
    deflated = true;
    return this;
  }

  byte[] toByteArray() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> record : records.entrySet()) {
        ZipEntry entry = new ZipEntry(record.getKey());
        if (!deflated) {
          CRC32 crc = new CRC32();
          crc.update(record.getValue());
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(record.getValue().length);
          entry.setCompressedSize(record.getValue().length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(record.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
