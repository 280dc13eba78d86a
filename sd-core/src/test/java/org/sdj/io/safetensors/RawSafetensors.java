package org.sdj.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes hand-made (often invalid) safetensors files for tests. */
final class RawSafetensors {
  private RawSafetensors() {}

  /** A file with the given header text and data region; the length prefix is the header's true byte length. */
  static Path write(Path file, String header, byte[] data) throws IOException {
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    return writeWithLength(file, json.length, json, data);
  }

  /** A file whose length prefix says {@code declaredLength}, whatever the header's actual size. */
  static Path writeWithLength(Path file, long declaredLength, byte[] header, byte[] data) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
    buffer.putLong(declaredLength).put(header).put(data);
    Files.write(file, buffer.array());
    return file;
  }
}
