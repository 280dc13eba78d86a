package org.sdj.image;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Builds PNG files chunk by chunk, as another tool would write them, for tests. */
final class RawPng {
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  RawPng() {
    out.writeBytes(SIGNATURE);
  }

  /** An IHDR for 8-bit RGB. */
  RawPng header(int width, int height) {
    return chunk("IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
        .put((byte) 0).put((byte) 0).put((byte) 0).array());
  }

  /** IDAT with every pixel of a {@code width x height} RGB image set to {@code rgb}. */
  RawPng pixels(int width, int height, int rgb) {
    byte[] raw = new byte[height * (1 + 3 * width)];
    for (int y = 0; y < height; y++) {
      int row = y * (1 + 3 * width);
      for (int x = 0; x < width; x++) {
        raw[row + 1 + 3 * x] = (byte) (rgb >> 16);
        raw[row + 2 + 3 * x] = (byte) (rgb >> 8);
        raw[row + 3 + 3 * x] = (byte) rgb;
      }
    }
    return chunk("IDAT", deflate(raw));
  }

  RawPng text(String keyword, String latin1) {
    return chunk("tEXt", concat(latin1(keyword), new byte[] {0}, latin1(latin1)));
  }

  RawPng internationalText(String keyword, String text) {
    return chunk("iTXt", concat(latin1(keyword), new byte[] {0, 0, 0, 0, 0}, text.getBytes(StandardCharsets.UTF_8)));
  }

  RawPng compressedText(String keyword, String latin1) {
    return chunk("zTXt", concat(latin1(keyword), new byte[] {0, 0}, deflate(latin1(latin1))));
  }

  RawPng end() {
    return chunk("IEND", new byte[0]);
  }

  RawPng chunk(String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    return this;
  }

  byte[] bytes() {
    return out.toByteArray();
  }

  private static byte[] latin1(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] deflate(byte[] data) {
    Deflater deflater = new Deflater();
    deflater.setInput(data);
    deflater.finish();
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (!deflater.finished()) {
      compressed.write(buffer, 0, deflater.deflate(buffer));
    }
    deflater.end();
    return compressed.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      joined.writeBytes(part);
    }
    return joined.toByteArray();
  }
}
