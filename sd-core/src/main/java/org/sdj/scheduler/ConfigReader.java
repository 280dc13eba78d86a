package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.stream.Collectors;
import org.sdj.SdjException;
import org.sdj.random.RandomSource;

/**
 * Typed reads from a {@code scheduler_config.json} node. A key that is absent or JSON {@code null} takes the default,
 * as diffusers' {@code from_config} does; unknown keys are never looked at. A value of the wrong kind fails with an
 * exception naming the key.
 */
final class ConfigReader {
  private final JsonNode json;
  private final String schedulerName;

  ConfigReader(JsonNode json, String schedulerName) {
    if (json == null || !json.isObject()) {
      throw new SdjException(schedulerName + " config must be a JSON object, got: " + json);
    }
    this.json = json;
    this.schedulerName = schedulerName;
  }

  private JsonNode value(String key) {
    JsonNode node = json.get(key);
    return node == null || node.isNull() ? null : node;
  }

  int integer(String key, int fallback) {
    JsonNode node = value(key);
    if (node == null) {
      return fallback;
    }
    if (!node.isIntegralNumber() && !(node.isNumber() && node.asDouble() == Math.rint(node.asDouble()))) {
      throw bad(key, node, "an integer");
    }
    return node.asInt();
  }

  double number(String key, double fallback) {
    JsonNode node = value(key);
    if (node == null) {
      return fallback;
    }
    if (node.isNumber()) {
      return node.asDouble();
    }
    // diffusers writes -inf / inf as strings in some configs (lambda_min_clipped).
    if (node.isTextual()) {
      switch (node.asText().trim().toLowerCase(java.util.Locale.ROOT)) {
        case "-inf", "-infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        case "inf", "infinity", "+inf" -> {
          return Double.POSITIVE_INFINITY;
        }
        default -> { }
      }
    }
    throw bad(key, node, "a number");
  }

  OptionalDouble optionalNumber(String key) {
    return value(key) == null ? OptionalDouble.empty() : OptionalDouble.of(number(key, 0));
  }

  boolean bool(String key, boolean fallback) {
    JsonNode node = value(key);
    if (node == null) {
      return fallback;
    }
    if (!node.isBoolean()) {
      throw bad(key, node, "true or false");
    }
    return node.asBoolean();
  }

  String text(String key, String fallback) {
    JsonNode node = value(key);
    if (node == null) {
      return fallback;
    }
    if (!node.isTextual()) {
      throw bad(key, node, "a string");
    }
    return node.asText();
  }

  /** Reads an enum by its diffusers spelling, listing the accepted spellings when the value is not one of them. */
  <E extends Enum<E> & ConfigValue> E choice(String key, Class<E> type, E fallback) {
    String name = text(key, null);
    if (name == null) {
      return fallback;
    }
    for (E constant : type.getEnumConstants()) {
      if (constant.configName().equals(name)) {
        return constant;
      }
    }
    throw bad(key, json.get(key), "one of " + Arrays.stream(type.getEnumConstants())
        .map(ConfigValue::configName).collect(Collectors.joining(", ")));
  }

  List<Double> numbers(String key) {
    JsonNode node = value(key);
    if (node == null) {
      return List.of();
    }
    if (!node.isArray()) {
      throw bad(key, node, "an array of numbers");
    }
    List<Double> values = new ArrayList<>(node.size());
    for (JsonNode element : node) {
      if (!element.isNumber()) {
        throw bad(key, element, "an array of numbers");
      }
      values.add(element.asDouble());
    }
    return List.copyOf(values);
  }

  /**
   * A whole number or an array of them ({@code noise_sampler_seed}: one seed, or one per picture); empty where the key
   * is absent.
   */
  List<Long> wholes(String key) {
    JsonNode node = value(key);
    if (node == null) {
      return List.of();
    }
    List<JsonNode> items = new ArrayList<>();
    if (node.isArray()) {
      node.forEach(items::add);
    } else {
      items.add(node);
    }
    if (items.isEmpty() || !items.stream().allMatch(n -> n.isIntegralNumber() && n.canConvertToLong())) {
      throw bad(key, node, "a whole number or an array of them");
    }
    return items.stream().map(JsonNode::asLong).toList();
  }

  /** The Brownian trees' generator ({@code noise_sampler_rng}, sdj's key): {@code cpu} (the default) or {@code nv}. */
  RandomSource noiseSamplerRng() {
    JsonNode node = value(DPMSolverSDEScheduler.NOISE_SAMPLER_RNG);
    if (node == null) {
      return RandomSource.CPU;
    }
    return (node.isTextual() ? RandomSource.named(node.asText()) : Optional.<RandomSource>empty())
        .orElseThrow(() -> bad(DPMSolverSDEScheduler.NOISE_SAMPLER_RNG, node, "cpu or nv"));
  }

  List<Integer> integers(String key) {
    return numbers(key).stream().map(Double::intValue).toList();
  }

  /** Reads diffusers' mutually exclusive sigma-spacing flags, and sdj's Align Your Steps. */
  SigmaSpacing sigmaSpacing() {
    boolean karras = bool("use_karras_sigmas", false);
    boolean exponential = bool("use_exponential_sigmas", false);
    boolean beta = bool("use_beta_sigmas", false);
    boolean ays = bool(SigmaSpacing.USE_AYS_SIGMAS, false);
    if ((karras ? 1 : 0) + (exponential ? 1 : 0) + (beta ? 1 : 0) + (ays ? 1 : 0) > 1) {
      throw new SdjException(schedulerName + " config sets more than one of use_karras_sigmas,"
          + " use_exponential_sigmas, use_beta_sigmas and " + SigmaSpacing.USE_AYS_SIGMAS + ": set at most one");
    }
    if (ays) {
      String model = text(SigmaSpacing.AYS_MODEL, "sd1");
      if (!model.equals("sd1") && !model.equals("sdxl")) {
        throw bad(SigmaSpacing.AYS_MODEL, value(SigmaSpacing.AYS_MODEL), "sd1 or sdxl");
      }
      return model.equals("sdxl") ? SigmaSpacing.ALIGN_YOUR_STEPS_SDXL : SigmaSpacing.ALIGN_YOUR_STEPS;
    }
    return karras ? SigmaSpacing.KARRAS : exponential ? SigmaSpacing.EXPONENTIAL
        : beta ? SigmaSpacing.BETA : SigmaSpacing.TIMESTEPS;
  }

  /** Rejects a flag that sdj does not implement when it is turned on. */
  void rejectIfTrue(String key) {
    if (bool(key, false)) {
      throw unsupported(key, "true");
    }
  }

  SdjException unsupported(String key, String value) {
    return new SdjException(schedulerName + " config key '" + key + "' = " + value + " is not supported by sdj");
  }

  SdjException bad(String key, JsonNode value, String expected) {
    return new SdjException(schedulerName + " config key '" + key + "' must be " + expected + ", got: " + value);
  }
}
