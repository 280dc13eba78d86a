package org.sdj.io.ckpt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The records of a zip archive mapped in memory, located through its central directory (ZIP64 included) and local
 * headers, so that each record is a slice of the mapping: {@link java.util.zip.ZipFile} would not say where a
 * record's bytes lie. Only stored (uncompressed) records are readable, which is all torch writes.
 */
final class ZipDirectory {
  /** More records than this is not a checkpoint (an SD checkpoint has about 1200). */
  static final int MAX_RECORDS = 1 << 18;

  private static final int LOCAL_HEADER = 0x04034b50;
  private static final int CENTRAL_HEADER = 0x02014b50;
  private static final int END_OF_DIRECTORY = 0x06054b50;
  private static final int ZIP64_END_OF_DIRECTORY = 0x06064b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int END_SIZE = 22;
  private static final int CENTRAL_SIZE = 46;
  private static final int LOCAL_SIZE = 30;
  private static final int ZIP64_EXTRA = 0x0001;
  private static final long U32_MAX = 0xFFFFFFFFL;
  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** Where a record's bytes lie in the archive. */
  record Record(String name, long offset, long size) {}

  private final Path file;
  private final MemorySegment zip;
  private final Map<String, Record> records;

  private ZipDirectory(Path file, MemorySegment zip, Map<String, Record> records) {
    this.file = file;
    this.zip = zip;
    this.records = records;
  }

  /**
   * Reads the directory of the archive {@code zip}.
   *
   * @throws CkptException if it is not a well-formed zip archive or a record is compressed or encrypted
   */
  static ZipDirectory read(Path file, MemorySegment zip) {
    return new Reader(file, zip).read();
  }

  /** Every record by name (e.g. {@code archive/data/0}); unmodifiable. */
  Map<String, Record> records() {
    return records;
  }

  /** The record of that name. */
  Optional<Record> find(String name) {
    return Optional.ofNullable(records.get(name));
  }

  /** A record's bytes: a slice of the mapping. */
  MemorySegment bytes(Record record) {
    return zip.asSlice(record.offset(), record.size());
  }

  private static final class Reader {
    private final Path file;
    private final MemorySegment zip;
    private final long size;

    Reader(Path file, MemorySegment zip) {
      this.file = file;
      this.zip = zip;
      this.size = zip.byteSize();
    }

    ZipDirectory read() {
      long end = findEnd();
      long count = u16(end + 10);
      long directorySize = u32(end + 12);
      long directoryOffset = u32(end + 16);
      long directoryLimit = end;
      if (count == 0xFFFF || directorySize == U32_MAX || directoryOffset == U32_MAX) {
        long zip64End = zip64End(end);
        count = u64(zip64End + 32);
        directorySize = u64(zip64End + 40);
        directoryOffset = u64(zip64End + 48);
        directoryLimit = zip64End;
      }
      if (directoryOffset < 0 || directorySize < 0 || directoryOffset > directoryLimit
          || directorySize > directoryLimit - directoryOffset) {
        throw corrupt("the central directory lies outside the file");
      }
      if (count < 0 || count > MAX_RECORDS) {
        throw corrupt("the archive claims " + Long.toUnsignedString(count) + " records (at most " + MAX_RECORDS
            + " are read)");
      }
      Map<String, Record> records = new HashMap<>();
      long at = directoryOffset;
      long directoryEnd = directoryOffset + directorySize;
      for (long i = 0; i < count; i++) {
        at = readEntry(at, directoryEnd, directoryOffset, records);
      }
      return new ZipDirectory(file, zip, Collections.unmodifiableMap(records));
    }

    /** The end-of-central-directory record: the last one, searched back over at most a maximal comment. */
    private long findEnd() {
      if (size < END_SIZE) {
        throw corrupt("too short for a zip archive (" + size + " bytes)");
      }
      long lowest = Math.max(0, size - END_SIZE - 0xFFFF);
      for (long at = size - END_SIZE; at >= lowest; at--) {
        if (zip.get(U32, at) == END_OF_DIRECTORY && at + END_SIZE + u16(at + 20) <= size) {
          return at;
        }
      }
      throw corrupt("no end-of-central-directory record (truncated or not a zip archive)");
    }

    private long zip64End(long end) {
      long locator = end - 20;
      if (locator < 0 || zip.get(U32, locator) != ZIP64_LOCATOR) {
        throw corrupt("ZIP64 sizes without a ZIP64 locator");
      }
      long record = u64(locator + 8);
      if (record < 0 || record > locator - 56 || zip.get(U32, record) != ZIP64_END_OF_DIRECTORY) {
        throw corrupt("the ZIP64 end-of-central-directory record is missing");
      }
      return record;
    }

    /** Reads the central directory entry at {@code at} into {@code records}; returns where the next one starts. */
    private long readEntry(long at, long directoryEnd, long dataEnd, Map<String, Record> records) {
      if (directoryEnd - at < CENTRAL_SIZE || zip.get(U32, at) != CENTRAL_HEADER) {
        throw corrupt("central directory entry at byte " + at + " is damaged");
      }
      int flags = u16(at + 8);
      int method = u16(at + 10);
      long compressed = u32(at + 20);
      long uncompressed = u32(at + 24);
      int nameLength = u16(at + 28);
      int extraLength = u16(at + 30);
      int commentLength = u16(at + 32);
      long localOffset = u32(at + 42);
      long next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
      if (next > directoryEnd) {
        throw corrupt("central directory entry at byte " + at + " runs past the directory");
      }
      String name = name(at + CENTRAL_SIZE, nameLength);
      long[] sizes = {uncompressed, compressed, localOffset};
      zip64Sizes(at + CENTRAL_SIZE + nameLength, extraLength, sizes, name);
      uncompressed = sizes[0];
      compressed = sizes[1];
      localOffset = sizes[2];
      if ((flags & 1) != 0) {
        throw corrupt("record '" + name + "' is encrypted");
      }
      if (method != 0) {
        throw corrupt("record '" + name + "' is compressed (method " + method + "); torch.save stores records "
            + "uncompressed: re-save the checkpoint with torch.save rather than re-zipping it");
      }
      if (compressed != uncompressed) {
        throw corrupt("stored record '" + name + "' has two different sizes");
      }
      long offset = dataOffset(localOffset, name, at + CENTRAL_SIZE, nameLength);
      if (uncompressed < 0 || uncompressed > dataEnd - offset) {
        throw corrupt("record '" + name + "' runs past the start of the central directory");
      }
      if (records.put(name, new Record(name, offset, uncompressed)) != null) {
        throw corrupt("record '" + name + "' appears twice");
      }
      return next;
    }

    /** Replaces the 32-bit fields that are 0xFFFFFFFF by the 64-bit values of the ZIP64 extra field, in order. */
    private void zip64Sizes(long extra, int length, long[] sizes, String name) {
      boolean needed = sizes[0] == U32_MAX || sizes[1] == U32_MAX || sizes[2] == U32_MAX;
      long at = extra;
      long end = extra + length;
      while (needed && end - at >= 4) {
        int id = u16(at);
        int fieldLength = u16(at + 2);
        if (fieldLength > end - at - 4) {
          break;
        }
        if (id == ZIP64_EXTRA) {
          long field = at + 4;
          for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == U32_MAX) {
              if (field + 8 > at + 4 + fieldLength) {
                throw corrupt("record '" + name + "' has a short ZIP64 field");
              }
              sizes[i] = u64(field);
              field += 8;
            }
          }
          return;
        }
        at += 4 + fieldLength;
      }
      if (needed) {
        throw corrupt("record '" + name + "' has ZIP64 sizes but no ZIP64 field");
      }
    }

    /** Where a record's data begins: after its local header, whose name must match the central directory's. */
    private long dataOffset(long localOffset, String name, long centralName, int nameLength) {
      if (localOffset < 0 || localOffset > size - LOCAL_SIZE || zip.get(U32, localOffset) != LOCAL_HEADER) {
        throw corrupt("record '" + name + "' has no local header at byte " + localOffset);
      }
      int localNameLength = u16(localOffset + 26);
      int localExtraLength = u16(localOffset + 28);
      long data = localOffset + LOCAL_SIZE + localNameLength + localExtraLength;
      if (localNameLength != nameLength || data > size
          || MemorySegment.mismatch(zip, localOffset + LOCAL_SIZE, localOffset + LOCAL_SIZE + nameLength,
              zip, centralName, centralName + nameLength) != -1) {
        throw corrupt("record '" + name + "' has a local header that does not match the central directory");
      }
      return data;
    }

    private String name(long at, int length) {
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .decode(ByteBuffer.wrap(zip.asSlice(at, length).toArray(ValueLayout.JAVA_BYTE)))
            .toString();
      } catch (CharacterCodingException e) {
        throw corrupt("a record name at byte " + at + " is not valid UTF-8");
      }
    }

    private int u16(long at) {
      return Short.toUnsignedInt(zip.get(U16, at));
    }

    private long u32(long at) {
      return Integer.toUnsignedLong(zip.get(U32, at));
    }

    private long u64(long at) {
      return zip.get(U64, at);
    }

    private CkptException corrupt(String detail) {
      return new CkptException(file, "not a readable torch zip archive: " + detail);
    }
  }
}
