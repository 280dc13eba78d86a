package org.sdj.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The JSON reader for every file sdj loads (safetensors headers, configs, indexes).
 *
 * <p>It rejects duplicate keys (Jackson would otherwise keep the last one silently, and a header or config that names a
 * key twice is ambiguous, so it is better refused than guessed at) and anything after the top-level value.
 */
public final class StrictJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .build();

  private StrictJson() {}

  /** A shared, thread-safe mapper that fails on duplicate object keys and trailing content. Don't reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Reads a file whose content must be one JSON object.
   *
   * @throws IOException {@link NoSuchFileException} if it is absent, {@link JsonProcessingException} if it is not valid
   *     JSON or not an object; {@link #describe(IOException)} words any of them for a user
   */
  public static ObjectNode readObject(Path file) throws IOException {
    JsonNode root = MAPPER.readTree(Files.readAllBytes(file));
    if (root instanceof ObjectNode object) {
      return object;
    }
    throw new NotAnObjectException(root == null || root.isMissingNode() ? "empty" : root.getNodeType().toString());
  }

  /** A short description of why {@link #readObject(Path)} failed, without the file name. */
  public static String describe(IOException failure) {
    return switch (failure) {
      case NoSuchFileException e -> "file not found";
      case NotAnObjectException e -> "not a JSON object (" + e.getOriginalMessage() + ")";
      case JsonProcessingException e -> "not valid JSON: " + e.getOriginalMessage();
      default -> "cannot read: " + failure;
    };
  }

  private static final class NotAnObjectException extends JsonProcessingException {
    private static final long serialVersionUID = 1L;

    NotAnObjectException(String found) {
      super(found);
    }
  }
}
