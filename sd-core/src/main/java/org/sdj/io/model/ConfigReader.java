package org.sdj.io.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Predicate;
import org.sdj.io.StrictJson;

/**
 * Typed reads of one JSON config with the defaults of the Python class it configures. Keys it is not asked about are
 * ignored, as diffusers and transformers ignore them. A value of the wrong type is recorded as a problem (naming the
 * file and key) and the default is returned, so that reading goes on and every problem is reported at once.
 *
 * <p>JSON {@code null} means what {@code None} means in Python: for a boolean, false; for an optional value, absent;
 * for a value that has a non-None default, a problem, since the Python class would fail on it.
 */
final class ConfigReader {
  private final ObjectNode root;
  private final String source;
  private final LoadProblems problems;

  ConfigReader(ObjectNode root, String source, LoadProblems problems) {
    this.root = root;
    this.source = source;
    this.problems = problems;
  }

  /**
   * Reads {@code file}; if it is missing or not a JSON object, records that and returns empty.
   *
   * @param source how problems name the file, e.g. {@code unet/config.json}
   */
  static Optional<ConfigReader> open(Path file, String source, LoadProblems problems) {
    try {
      return Optional.of(new ConfigReader(StrictJson.readObject(file), source, problems));
    } catch (IOException e) {
      problems.add(source + ": " + StrictJson.describe(e));
      return Optional.empty();
    }
  }

  /**
   * Reads {@code file} with {@code parse}.
   *
   * @param what names the file in the exception, e.g. {@code "UNet config"}
   * @throws ModelLoadException listing every problem
   */
  static <T> T readOrThrow(Path file, String what, Function<ConfigReader, T> parse) {
    LoadProblems problems = new LoadProblems();
    Optional<T> config = open(file, file.toString(), problems).map(parse);
    problems.throwIfAny("Cannot read the " + what + " " + file);
    return config.orElseThrow();
  }

  ObjectNode root() {
    return root;
  }

  /**
   * A reader of the object under {@code key} (a sub-config, such as a {@code CLIPConfig}'s {@code vision_config}),
   * whose problems name the key and join this reader's; empty if the key is absent or not an object.
   */
  Optional<ConfigReader> nested(String key) {
    return root.get(key) instanceof ObjectNode object
        ? Optional.of(new ConfigReader(object, source + " " + key, problems))
        : Optional.empty();
  }

  void problem(String detail) {
    problems.add(source + ": " + detail);
  }

  /** If the config names its Python class in {@code _class_name}, it must be {@code expected}. */
  void expectClass(String expected) {
    JsonNode node = root.get("_class_name");
    if (node != null && node.isTextual() && !node.textValue().equals(expected)) {
      problem("_class_name is " + node.textValue() + " but sdj reads this component as " + expected);
    }
  }

  String requiredString(String key) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      problem(key + " is missing and has no default");
      return "";
    }
    return read(key, node, JsonNode::isTextual, JsonNode::textValue, "a string", "");
  }

  int integer(String key, int fallback) {
    return present(key).map(n -> read(key, n, ConfigReader::isInt, JsonNode::intValue, "an integer", fallback))
        .orElse(fallback);
  }

  OptionalInt optionalInteger(String key) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      return OptionalInt.empty();
    }
    return isInt(node) ? OptionalInt.of(node.intValue()) : wrongType(key, node, "an integer", OptionalInt.empty());
  }

  double number(String key, double fallback) {
    return present(key).map(n -> read(key, n, JsonNode::isNumber, JsonNode::doubleValue, "a number", fallback))
        .orElse(fallback);
  }

  OptionalDouble optionalNumber(String key) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      return OptionalDouble.empty();
    }
    return node.isNumber() ? OptionalDouble.of(node.doubleValue()) : wrongType(key, node, "a number",
        OptionalDouble.empty());
  }

  boolean bool(String key, boolean fallback) {
    JsonNode node = root.get(key);
    if (node == null) {
      return fallback;
    }
    if (node.isNull()) {
      return false;
    }
    return read(key, node, JsonNode::isBoolean, JsonNode::booleanValue, "true or false", fallback);
  }

  String string(String key, String fallback) {
    return present(key).map(n -> read(key, n, JsonNode::isTextual, JsonNode::textValue, "a string", fallback))
        .orElse(fallback);
  }

  /** A string that may be null; {@code fallback} (possibly empty) when the key is absent. */
  Optional<String> nullableString(String key, Optional<String> fallback) {
    JsonNode node = root.get(key);
    if (node == null) {
      return fallback;
    }
    if (node.isNull()) {
      return Optional.empty();
    }
    return node.isTextual() ? Optional.of(node.textValue()) : wrongType(key, node, "a string or null", fallback);
  }

  List<String> strings(String key, List<String> fallback) {
    return list(key, fallback, JsonNode::isTextual, JsonNode::textValue, "a list of strings");
  }

  List<Integer> integers(String key, List<Integer> fallback) {
    return list(key, fallback, ConfigReader::isInt, JsonNode::intValue, "a list of integers");
  }

  /** A list of numbers that may be null or absent (then empty). */
  List<Double> optionalNumbers(String key) {
    JsonNode node = root.get(key);
    if (node == null || node.isNull()) {
      return List.of();
    }
    return list(key, List.of(), JsonNode::isNumber, JsonNode::doubleValue, "a list of numbers");
  }

  /** An integer or a list of one integer per block, as a list of {@code blocks} integers. */
  List<Integer> integerPerBlock(String key, int fallback, int blocks) {
    return perBlock(key, fallback, blocks, ConfigReader::isInt, JsonNode::intValue, "an integer");
  }

  /** A boolean or a list of one boolean per block, as a list of {@code blocks} booleans. */
  List<Boolean> booleanPerBlock(String key, boolean fallback, int blocks) {
    return perBlock(key, fallback, blocks, JsonNode::isBoolean, JsonNode::booleanValue, "a boolean");
  }

  /** Whether the key is present with a non-null value. */
  boolean has(String key) {
    JsonNode node = root.get(key);
    return node != null && !node.isNull();
  }

  private <T> List<T> perBlock(
      String key, T fallback, int blocks, Predicate<JsonNode> accepts, Function<JsonNode, T> value, String what) {
    List<T> uniform = Collections.nCopies(blocks, fallback);
    Optional<JsonNode> found = present(key);
    if (found.isEmpty()) {
      return uniform;
    }
    JsonNode node = found.get();
    if (accepts.test(node)) {
      return Collections.nCopies(blocks, value.apply(node));
    }
    List<T> list = list(key, uniform, accepts, value, what + " or a list of them, one per block");
    if (list.size() != blocks) {
      problem(key + " has " + list.size() + " entries but there are " + blocks + " blocks (down_block_types)");
      return uniform;
    }
    return list;
  }

  private <T> List<T> list(
      String key, List<T> fallback, Predicate<JsonNode> accepts, Function<JsonNode, T> value, String what) {
    Optional<JsonNode> found = present(key);
    if (found.isEmpty()) {
      return fallback;
    }
    JsonNode node = found.get();
    List<T> out = new ArrayList<>();
    if (node.isArray()) {
      for (JsonNode element : node) {
        if (!accepts.test(element)) {
          return wrongType(key, node, what, fallback);
        }
        out.add(value.apply(element));
      }
      return List.copyOf(out);
    }
    return wrongType(key, node, what, fallback);
  }

  /** The value of a key that has a non-None default: empty if absent; a problem if null. */
  private Optional<JsonNode> present(String key) {
    JsonNode node = root.get(key);
    if (node != null && node.isNull()) {
      problem(key + " is null; remove it to use the default, or give a value");
      return Optional.empty();
    }
    return Optional.ofNullable(node);
  }

  private <T> T read(
      String key, JsonNode node, Predicate<JsonNode> accepts, Function<JsonNode, T> value, String what, T fallback) {
    return accepts.test(node) ? value.apply(node) : wrongType(key, node, what, fallback);
  }

  private <T> T wrongType(String key, JsonNode node, String what, T fallback) {
    String shown = node.toString();
    problem(key + " must be " + what + ", not " + (shown.length() > 60 ? shown.substring(0, 60) + "..." : shown));
    return fallback;
  }

  private static boolean isInt(JsonNode node) {
    return node.isIntegralNumber() && node.canConvertToInt();
  }
}
