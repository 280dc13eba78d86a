package org.sdj.image;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's infotext: written like {@code modules/processing.py create_infotext}, read like
 * {@code modules/infotext_utils.py parse_generation_parameters}.
 */
final class InfotextCodec {
  static final String STEPS = "Steps";
  static final String SAMPLER = "Sampler";
  static final String SCHEDULE_TYPE = "Schedule type";
  static final String CFG_SCALE = "CFG scale";
  static final String SEED = "Seed";
  static final String SIZE = "Size";
  static final String MODEL = "Model";
  static final String DENOISING_STRENGTH = "Denoising strength";
  private static final String NEGATIVE_PROMPT = "Negative prompt:";

  // A1111's re_param: a key, then either a JSON string or anything up to the next comma. \w is Unicode in Python.
  private static final Pattern PARAM = Pattern.compile(
      "\\s*(\\w[\\w \\-/]+):\\s*(\"(?:\\\\.|[^\\\\\"])+\"|[^,]*)(?:,|$)", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern KEY = Pattern.compile("\\w[\\w \\-/]+", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
  private static final int MIN_PARAMS_ON_LAST_LINE = 3;
  private static final ObjectMapper JSON = new ObjectMapper();

  private InfotextCodec() {}

  static String format(GenerationInfo info) {
    List<String> params = new ArrayList<>();
    knownFields(info).forEach((key, value) -> params.add(key + ": " + quote(value)));
    info.extras().forEach((key, value) -> params.add(key + ": " + quote(value)));
    String negative = info.negativePrompt().isEmpty() ? "" : "\n" + NEGATIVE_PROMPT + " " + info.negativePrompt();
    return (info.prompt() + negative + "\n" + String.join(", ", params)).strip();
  }

  static GenerationInfo parse(String infotext) {
    List<String> lines = new ArrayList<>(List.of(infotext.strip().split("\n", -1)));
    String last = lines.removeLast();
    if (PARAM.matcher(last).results().count() < MIN_PARAMS_ON_LAST_LINE) {
      lines.add(last);
      last = "";
    }
    StringBuilder prompt = new StringBuilder();
    StringBuilder negative = new StringBuilder();
    boolean inNegative = false;
    for (String raw : lines) {
      String line = raw.strip();
      if (line.startsWith(NEGATIVE_PROMPT)) {
        inNegative = true;
        line = line.substring(NEGATIVE_PROMPT.length()).strip();
      }
      StringBuilder target = inNegative ? negative : prompt;
      target.append(target.isEmpty() ? "" : "\n").append(line);
    }
    GenerationInfo.Builder builder = GenerationInfo.builder(prompt.toString()).negativePrompt(negative.toString());
    Map<String, String> fields = new LinkedHashMap<>();
    Matcher m = PARAM.matcher(last);
    while (m.find()) {
      String value = m.group(2);
      if (!value.isEmpty()) { // A1111 drops empty values
        fields.put(m.group(1), value.startsWith("\"") ? unquote(value) : value.strip());
      }
    }
    fields.forEach((key, value) -> {
      if (!setKnown(builder, key, value)) {
        builder.extra(key, value);
      }
    });
    return builder.build();
  }

  static void validate(GenerationInfo info) {
    info.steps().ifPresent(s -> require(validSteps(s), "steps must be at least 1, got " + s));
    info.cfgScale().ifPresent(c -> require(validCfgScale(c), "CFG scale must be finite, got " + c));
    info.denoisingStrength().ifPresent(
        d -> require(validStrength(d), "denoising strength must be in [0, 1], got " + d));
    Map<String, String> known = knownFields(info);
    for (String key : info.extras().keySet()) {
      require(KEY.matcher(key).matches(), "extra key '" + key + "' is not a word followed by word characters, spaces,"
          + " '-' or '/'");
      require(!known.containsKey(key), "extra '" + key + "' repeats a field that is set");
    }
  }

  /** The record's fields that are present, in A1111's order, as text. */
  private static Map<String, String> knownFields(GenerationInfo info) {
    Map<String, String> fields = new LinkedHashMap<>();
    info.steps().ifPresent(v -> fields.put(STEPS, Integer.toString(v)));
    info.sampler().ifPresent(v -> fields.put(SAMPLER, v));
    info.scheduleType().ifPresent(v -> fields.put(SCHEDULE_TYPE, v));
    info.cfgScale().ifPresent(v -> fields.put(CFG_SCALE, number(v)));
    info.seed().ifPresent(v -> fields.put(SEED, Long.toString(v)));
    info.size().ifPresent(v -> fields.put(SIZE, v.toString()));
    info.model().ifPresent(v -> fields.put(MODEL, v));
    info.denoisingStrength().ifPresent(v -> fields.put(DENOISING_STRENGTH, number(v)));
    return fields;
  }

  /** Sets a known field from its text; false when the key is not known or its value does not read or is invalid. */
  private static boolean setKnown(GenerationInfo.Builder b, String key, String value) {
    try {
      switch (key) {
        case STEPS -> {
          int steps = Integer.parseInt(matching(INTEGER, value));
          return validSteps(steps) && set(() -> b.steps(steps));
        }
        case CFG_SCALE -> {
          double cfg = Double.parseDouble(matching(DECIMAL, value));
          return validCfgScale(cfg) && set(() -> b.cfgScale(cfg));
        }
        case SEED -> {
          long seed = Long.parseLong(matching(INTEGER, value));
          return set(() -> b.seed(seed));
        }
        case DENOISING_STRENGTH -> {
          double strength = Double.parseDouble(matching(DECIMAL, value));
          return validStrength(strength) && set(() -> b.denoisingStrength(strength));
        }
        case SIZE -> {
          Optional<GenerationInfo.Size> size = GenerationInfo.Size.parse(value);
          return size.isPresent() && set(() -> b.size(size.get().width(), size.get().height()));
        }
        case SAMPLER -> {
          return set(() -> b.sampler(value));
        }
        case SCHEDULE_TYPE -> {
          return set(() -> b.scheduleType(value));
        }
        case MODEL -> {
          return set(() -> b.model(value));
        }
        default -> {
          return false;
        }
      }
    } catch (IllegalArgumentException e) { // NumberFormatException, or a size of 0
      return false;
    }
  }

  private static boolean set(Runnable setter) {
    setter.run();
    return true;
  }

  private static boolean validSteps(int steps) {
    return steps >= 1;
  }

  private static boolean validCfgScale(double cfgScale) {
    return Double.isFinite(cfgScale);
  }

  private static boolean validStrength(double strength) {
    return strength >= 0 && strength <= 1;
  }

  private static String matching(Pattern pattern, String value) {
    if (!pattern.matcher(value).matches()) {
      throw new NumberFormatException(value);
    }
    return value;
  }

  /** Python's str of a float without a needless ".0": 7.0 -> "7", 7.5 -> "7.5", as A1111's sliders show them. */
  static String number(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  // A1111 quotes values with ',', '\n' or ':'; the other cases keep values that its parser would otherwise change.
  private static String quote(String value) {
    boolean plain = !value.isEmpty() && value.chars().noneMatch(c -> c == ',' || c == ':' || c < 0x20)
        && value.charAt(0) != '"' && value.strip().equals(value);
    if (plain) {
      return value;
    }
    try {
      return JSON.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new IllegalStateException("a String always serializes", e);
    }
  }

  private static String unquote(String value) {
    if (value.length() < 2 || value.charAt(0) != '"' || value.charAt(value.length() - 1) != '"') {
      return value;
    }
    try {
      return JSON.readValue(value, String.class);
    } catch (JacksonException e) {
      return value;
    }
  }

  private static void require(boolean condition, String problem) {
    if (!condition) {
      throw new IllegalArgumentException(problem);
    }
  }
}
