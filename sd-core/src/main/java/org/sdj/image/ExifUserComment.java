package org.sdj.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The EXIF segment that carries a JPEG's generation parameters as AUTOMATIC1111 writes it (piexif's {@code dump} of
 * one {@code UserComment}, {@code UserComment.dump(text, encoding="unicode")}): {@code "Exif\0\0"}, a big-endian TIFF
 * header, IFD0 holding only the pointer to the Exif IFD, and that IFD holding only the comment, {@code "UNICODE\0"}
 * then UTF-16. Reading accepts either byte order and the ASCII and undefined character codes too, as A1111 reads them.
 */
final class ExifUserComment {
  /** The APP1 payload starts with this, before the TIFF header. */
  private static final byte[] EXIF_ID = {'E', 'x', 'i', 'f', 0, 0};
  private static final int TAG_EXIF_IFD = 0x8769;
  private static final int TAG_USER_COMMENT = 0x9286;
  private static final short TYPE_LONG = 4;
  private static final short TYPE_UNDEFINED = 7;
  private static final int CODE_LENGTH = 8;
  private static final byte[] UNICODE = {'U', 'N', 'I', 'C', 'O', 'D', 'E', 0};
  private static final byte[] ASCII = {'A', 'S', 'C', 'I', 'I', 0, 0, 0};
  /** The largest APP1 segment a JPEG can hold: its 16-bit length counts itself. */
  static final int MAX_SEGMENT = 0xFFFF - 2;

  private ExifUserComment() {}

  /**
   * The APP1 payload (after the marker and length) that holds {@code text}.
   *
   * @throws IllegalArgumentException if the text does not fit in one JPEG segment (about 32,000 characters)
   */
  static byte[] segment(String text) {
    byte[] comment = concat(UNICODE, text.getBytes(StandardCharsets.UTF_16BE));
    // TIFF header (8), IFD0 with one entry (2 + 12 + 4), the Exif IFD with one entry (2 + 12 + 4), then the value.
    int ifd0 = 8;
    int exifIfd = ifd0 + 18;
    int value = exifIfd + 18;
    ByteBuffer tiff = ByteBuffer.allocate(value + comment.length).order(ByteOrder.BIG_ENDIAN);
    tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(ifd0);
    tiff.putShort((short) 1).putShort((short) TAG_EXIF_IFD).putShort(TYPE_LONG).putInt(1).putInt(exifIfd).putInt(0);
    tiff.putShort((short) 1).putShort((short) TAG_USER_COMMENT).putShort(TYPE_UNDEFINED).putInt(comment.length)
        .putInt(value).putInt(0);
    tiff.put(comment);
    byte[] payload = concat(EXIF_ID, tiff.array());
    if (payload.length > MAX_SEGMENT) {
      throw new IllegalArgumentException("the parameters (" + text.length() + " characters) do not fit in a JPEG's EXIF"
          + " segment of " + MAX_SEGMENT + " bytes; write a PNG instead");
    }
    return payload;
  }

  /** The user comment of an APP1 payload, empty when it is not EXIF, has none, or is damaged. */
  static Optional<String> read(byte[] payload) {
    if (payload.length < EXIF_ID.length + 8 || !Arrays.equals(payload, 0, EXIF_ID.length, EXIF_ID, 0, EXIF_ID.length)) {
      return Optional.empty();
    }
    ByteBuffer tiff = ByteBuffer.wrap(payload, EXIF_ID.length, payload.length - EXIF_ID.length).slice();
    boolean big = tiff.get(0) == 'M' && tiff.get(1) == 'M';
    if (!big && !(tiff.get(0) == 'I' && tiff.get(1) == 'I')) {
      return Optional.empty();
    }
    tiff.order(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    try {
      long exifIfd = entry(tiff, tiff.getInt(4), TAG_EXIF_IFD);
      if (exifIfd < 0) {
        return Optional.empty();
      }
      int at = ifdEntryOffset(tiff, (int) exifIfd, TAG_USER_COMMENT);
      if (at < 0) {
        return Optional.empty();
      }
      int count = tiff.getInt(at + 4);
      int value = count <= 4 ? at + 8 : tiff.getInt(at + 8);
      if (count < 0 || value < 0 || value > tiff.limit() - count) {
        return Optional.empty();
      }
      byte[] comment = new byte[count];
      tiff.get(value, comment);
      return Optional.of(decode(comment, big)).filter(s -> !s.isEmpty());
    } catch (IndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  /** A1111's reading: the character code's prefix picks the charset, and text without one is taken as UTF-8. */
  private static String decode(byte[] comment, boolean bigEndian) {
    if (comment.length >= CODE_LENGTH) {
      byte[] code = Arrays.copyOf(comment, CODE_LENGTH);
      Charset charset = Arrays.equals(code, UNICODE)
          ? (bigEndian ? StandardCharsets.UTF_16BE : StandardCharsets.UTF_16LE)
          : Arrays.equals(code, ASCII) ? StandardCharsets.US_ASCII
          : Arrays.equals(code, new byte[CODE_LENGTH]) ? StandardCharsets.UTF_8 : null;
      if (charset != null) {
        return new String(comment, CODE_LENGTH, comment.length - CODE_LENGTH, charset);
      }
    }
    return new String(comment, StandardCharsets.UTF_8);
  }

  /** The LONG value of {@code tag} in the IFD at {@code ifd}, or -1 where it has none. */
  private static long entry(ByteBuffer tiff, int ifd, int tag) {
    int at = ifdEntryOffset(tiff, ifd, tag);
    return at < 0 ? -1 : Integer.toUnsignedLong(tiff.getInt(at + 8));
  }

  private static int ifdEntryOffset(ByteBuffer tiff, int ifd, int tag) {
    if (ifd < 0) {
      return -1;
    }
    int entries = Short.toUnsignedInt(tiff.getShort(ifd));
    for (int i = 0; i < entries; i++) {
      int at = ifd + 2 + 12 * i;
      if (Short.toUnsignedInt(tiff.getShort(at)) == tag) {
        return at;
      }
    }
    return -1;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
