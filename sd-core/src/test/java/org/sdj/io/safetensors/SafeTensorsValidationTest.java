package org.sdj.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every malformed file is refused on open with a SafetensorsException that names the file and the tensor. */
class SafeTensorsValidationTest {
  private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
  private static final String B = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";

  @TempDir Path dir;

  private SafetensorsException refused(Path file, String... fragments) {
    SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafeTensorsFile.open(file).close());
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + e.getMessage());
    }
    return e;
  }

  private SafetensorsException refused(String header, int dataBytes, String... fragments) throws IOException {
    return refused(RawSafetensors.write(dir.resolve("bad.safetensors"), header, new byte[dataBytes]), fragments);
  }

  @Test
  void validHandMadeFileOpens() throws IOException {
    Path file = RawSafetensors.write(dir.resolve("ok.safetensors"), "{" + A + "," + B + "}  ", new byte[12]);
    try (SafeTensorsFile source = SafeTensorsFile.open(file)) {
      assertEquals(2, source.names().size());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 7})
  void fileShorterThanEightBytes(int size) throws IOException {
    Path file = Files.write(dir.resolve("short.safetensors"), new byte[size]);
    refused(file, "shorter than the 8-byte header length");
  }

  @Test
  void missingFile() {
    refused(dir.resolve("absent.safetensors"), "not found");
  }

  @Test
  void folderInsteadOfFile() {
    refused(dir, "cannot read");
  }

  @Test
  void headerLengthBeyondTheFile() throws IOException {
    byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
    refused(RawSafetensors.writeWithLength(dir.resolve("bad.safetensors"), 3, header, new byte[0]), "past the end");
  }

  @ParameterizedTest
  @ValueSource(longs = {100_000_001L, -1L, Long.MIN_VALUE})
  void headerLengthOverTheLimit(long declared) throws IOException {
    refused(RawSafetensors.writeWithLength(dir.resolve("bad.safetensors"), declared, new byte[16], new byte[0]),
        "over the limit");
  }

  @Test
  void headerNotUtf8() throws IOException {
    byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
    refused(RawSafetensors.writeWithLength(dir.resolve("bad.safetensors"), header.length, header, new byte[0]),
        "not valid UTF-8");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"a\":", "{} {}", "{\"a\":{}}x"})
  void headerNotJson(String header) throws IOException {
    refused(header, 0, "not valid JSON");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[1,2]", "12", "\"text\"", "null", "", "  "})
  void headerNotAnObject(String header) throws IOException {
    refused(header, 0, "not a JSON object");
  }

  @Test
  void unknownDType() throws IOException {
    refused("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "'a'", "F8_E4M3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"dtype", "shape", "data_offsets"})
  void entryMissingAKey(String key) throws IOException {
    Map<String, String> fields = new LinkedHashMap<>(Map.of("dtype", "\"F32\"", "shape", "[2]", "data_offsets", "[0,8]"));
    fields.remove(key);
    StringJoiner entry = new StringJoiner(",", "{", "}");
    fields.forEach((k, v) -> entry.add("\"" + k + "\":" + v));
    refused("{\"a\":" + entry + "}", 8, "'a'", key, "missing");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "\"a\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}",
      "\"a\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}",
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}",
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"begin\":0}}",
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}",
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}",
      "\"a\":[\"F32\"]"})
  void entryOfWrongJsonType(String entry) throws IOException {
    refused("{" + entry + "}", 8, "'a'");
  }

  @Test
  void metadataNotStrings() throws IOException {
    refused("{\"__metadata__\":{\"n\":1}," + A + "}", 8, "__metadata__");
  }

  @Test
  void offsetsOutOfRange() throws IOException {
    refused("{" + A + "," + B + "}", 10, "'b'", "past the end of the data region");
  }

  @Test
  void offsetsReversed() throws IOException {
    refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8, "'a'", "reversed");
  }

  @Test
  void offsetsOverlap() throws IOException {
    refused("{" + A + "," + B.replace("[8,12]", "[4,8]") + "}", 8, "'b'", "overlaps", "'a'");
  }

  @Test
  void offsetsLeaveAGap() throws IOException {
    refused("{" + A + "," + B.replace("[8,12]", "[12,16]") + "}", 16, "'b'", "gap");
  }

  @Test
  void dataRegionNotFullyCovered() throws IOException {
    refused("{" + A + "}", 9, "cover 8 of the 9 bytes");
  }

  @Test
  void byteLengthDoesNotMatchShape() throws IOException {
    refused("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "'a'", "needs 4");
  }

  @Test
  void negativeShape() throws IOException {
    refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'a'", "non-negative");
  }

  @Test
  void overflowingShape() throws IOException {
    long big = 1L << 32;
    refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + big + "," + big + "],\"data_offsets\":[0,8]}}", 8, "'a'",
        "overflows");
  }

  @Test
  void shapeBeyondLongRange() throws IOException {
    refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", 8, "'a'");
  }

  @Test
  void duplicateNames() throws IOException {
    refused("{" + A + "," + A + "}", 8, "Duplicate field 'a'");
  }
}
