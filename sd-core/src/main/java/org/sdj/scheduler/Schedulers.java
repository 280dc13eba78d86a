package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.sdj.SdjException;

/**
 * Creates schedulers by diffusers class name ({@code "EulerDiscreteScheduler"}) or by short name ({@code "euler"},
 * {@code "dpmpp-2m-karras"}, ...), from a model's own {@code scheduler_config.json}: as diffusers' {@code from_config},
 * the base config's fields that the chosen scheduler knows carry over, the rest take that scheduler's defaults, and
 * overrides win over both.
 */
public final class Schedulers {
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(String className, Map<String, Object> preset) {}

  private static final Map<String, Function<JsonNode, Scheduler>> FACTORIES = new LinkedHashMap<>();
  private static final Map<String, Entry> SHORT_NAMES = new LinkedHashMap<>();
  /** The short names' suffixes for the sigma spacings. */
  private static final Map<SigmaSpacing, String> SPACING_SUFFIX = Map.of(SigmaSpacing.TIMESTEPS, "",
      SigmaSpacing.KARRAS, "-karras", SigmaSpacing.EXPONENTIAL, "-exponential", SigmaSpacing.BETA, "-beta",
      SigmaSpacing.ALIGN_YOUR_STEPS, "-ays", SigmaSpacing.ALIGN_YOUR_STEPS_SDXL, "-ays");
  /** The spacings a short name's suffix asks for (SDXL's Align Your Steps is its model's, not a name of its own). */
  private static final List<SigmaSpacing> NAMED_SPACINGS = List.of(SigmaSpacing.TIMESTEPS, SigmaSpacing.KARRAS,
      SigmaSpacing.EXPONENTIAL, SigmaSpacing.BETA, SigmaSpacing.ALIGN_YOUR_STEPS);

  static {
    FACTORIES.put("DDIMScheduler", json -> new DDIMScheduler(DDIMScheduler.Config.from(json)));
    FACTORIES.put("PNDMScheduler", json -> new PNDMScheduler(PNDMScheduler.Config.from(json)));
    FACTORIES.put("EulerDiscreteScheduler",
        json -> new EulerDiscreteScheduler(EulerDiscreteScheduler.Config.from(json)));
    FACTORIES.put("EulerAncestralDiscreteScheduler",
        json -> new EulerAncestralDiscreteScheduler(EulerAncestralDiscreteScheduler.Config.from(json)));
    FACTORIES.put("DPMSolverMultistepScheduler",
        json -> new DPMSolverMultistepScheduler(DPMSolverMultistepScheduler.Config.from(json)));
    FACTORIES.put("LMSDiscreteScheduler", json -> new LMSDiscreteScheduler(LMSDiscreteScheduler.Config.from(json)));
    FACTORIES.put("HeunDiscreteScheduler",
        json -> new HeunDiscreteScheduler(HeunDiscreteScheduler.Config.from(json)));
    FACTORIES.put("UniPCMultistepScheduler",
        json -> new UniPCMultistepScheduler(UniPCMultistepScheduler.Config.from(json)));
    FACTORIES.put("LCMScheduler", json -> new LCMScheduler(LCMScheduler.Config.from(json)));
    FACTORIES.put("TCDScheduler", json -> new TCDScheduler(TCDScheduler.Config.from(json)));
    FACTORIES.put("DDPMScheduler", json -> new DDPMScheduler(DDPMScheduler.Config.from(json)));
    FACTORIES.put("KDPM2DiscreteScheduler",
        json -> new KDPM2DiscreteScheduler(KDPM2DiscreteScheduler.Config.from(json)));
    FACTORIES.put("KDPM2AncestralDiscreteScheduler",
        json -> new KDPM2AncestralDiscreteScheduler(KDPM2AncestralDiscreteScheduler.Config.from(json)));
    FACTORIES.put("DPMSolverSDEScheduler",
        json -> new DPMSolverSDEScheduler(DPMSolverSDEScheduler.Config.from(json)));
    FACTORIES.put("RestartScheduler", json -> new RestartScheduler(RestartScheduler.Config.from(json)));
    FACTORIES.put("DPMPP2SAncestralScheduler",
        json -> new DPMPP2SAncestralScheduler(DPMPP2SAncestralScheduler.Config.from(json)));

    SHORT_NAMES.put("ddim", new Entry("DDIMScheduler", Map.of()));
    SHORT_NAMES.put("pndm", new Entry("PNDMScheduler", Map.of()));
    spaced("euler", "EulerDiscreteScheduler");
    SHORT_NAMES.put("euler-a", new Entry("EulerAncestralDiscreteScheduler", Map.of()));
    for (DpmPreset preset : DpmPreset.values()) {
      for (SigmaSpacing spacing : NAMED_SPACINGS) {
        Map<String, Object> preset1 = new LinkedHashMap<>(spacingFlags(spacing));
        preset1.putAll(Map.of("algorithm_type", preset.algorithm, "solver_order", preset.order, "solver_type",
            preset.solverType));
        SHORT_NAMES.put(preset.shortName + SPACING_SUFFIX.get(spacing), new Entry("DPMSolverMultistepScheduler",
            Map.copyOf(preset1)));
      }
    }
    spaced("lms", "LMSDiscreteScheduler");
    spaced("heun", "HeunDiscreteScheduler");
    spaced("dpm2", "KDPM2DiscreteScheduler");
    spaced("dpm2-a", "KDPM2AncestralDiscreteScheduler");
    spaced("dpmpp-2s-a", "DPMPP2SAncestralScheduler");
    spaced("dpmpp-sde", "DPMSolverSDEScheduler");
    spaced("restart", "RestartScheduler");
    SHORT_NAMES.put("unipc", new Entry("UniPCMultistepScheduler", Map.of()));
    SHORT_NAMES.put("lcm", new Entry("LCMScheduler", Map.of()));
    SHORT_NAMES.put("tcd", new Entry("TCDScheduler", Map.of()));
    SHORT_NAMES.put("ddpm", new Entry("DDPMScheduler", Map.of()));
  }

  private Schedulers() {}

  /** The DPM-Solver++ forms A1111 lists as samplers of their own, by their short names. */
  private enum DpmPreset {
    DPMPP_2M("dpmpp-2m", "dpmsolver++", 2, "midpoint"),
    DPMPP_2M_SDE("dpmpp-2m-sde", "sde-dpmsolver++", 2, "midpoint"),
    DPMPP_2M_SDE_HEUN("dpmpp-2m-sde-heun", "sde-dpmsolver++", 2, "heun"),
    DPMPP_3M_SDE("dpmpp-3m-sde", "sde-dpmsolver++", 3, "midpoint");

    final String shortName;
    final String algorithm;
    final int order;
    final String solverType;

    DpmPreset(String shortName, String algorithm, int order, String solverType) {
      this.shortName = shortName;
      this.algorithm = algorithm;
      this.order = order;
      this.solverType = solverType;
    }

    /** Whether {@code config} is this form (the solver type counts at order 3 too: its second step is order 2). */
    boolean matches(DPMSolverMultistepScheduler.Config config) {
      return config.algorithm().configName().equals(algorithm) && config.solverOrder() == order
          && config.solverType().configName().equals(solverType);
    }
  }

  /**
   * {@code base} for the model's own spacing, and its {@code -karras}, {@code -exponential}, {@code -beta} and
   * {@code -ays} names (A1111's Karras, Exponential, Beta and Align Your Steps schedule types).
   */
  private static void spaced(String base, String className) {
    SHORT_NAMES.put(base, new Entry(className, Map.of()));
    for (SigmaSpacing spacing : NAMED_SPACINGS.subList(1, NAMED_SPACINGS.size())) {
      SHORT_NAMES.put(base + SPACING_SUFFIX.get(spacing), new Entry(className, spacingFlags(spacing)));
    }
  }

  /** The config flags of a named spacing: its own on, the others off. */
  private static Map<String, Object> spacingFlags(SigmaSpacing spacing) {
    if (spacing == SigmaSpacing.TIMESTEPS) {
      return Map.of("use_karras_sigmas", false, "use_exponential_sigmas", false);
    }
    return Map.of("use_karras_sigmas", spacing == SigmaSpacing.KARRAS,
        "use_exponential_sigmas", spacing == SigmaSpacing.EXPONENTIAL, "use_beta_sigmas", spacing == SigmaSpacing.BETA,
        SigmaSpacing.USE_AYS_SIGMAS, spacing == SigmaSpacing.ALIGN_YOUR_STEPS);
  }

  /**
   * The short name that describes {@code scheduler} ({@code dpmpp-2m-karras} for DPM++ 2M with Karras sigmas), for
   * reports and image metadata; empty for a configuration no short name stands for.
   */
  public static Optional<String> shortNameOf(Scheduler scheduler) {
    String className = scheduler.config().className();
    if (scheduler.config() instanceof DPMSolverMultistepScheduler.Config dpm) {
      return Arrays.stream(DpmPreset.values()).filter(p -> p.matches(dpm)).findFirst()
          .flatMap(p -> withSpacing(p.shortName, dpm.sigmaSpacing()));
    }
    Optional<String> base = SHORT_NAMES.entrySet().stream().filter(e -> e.getValue().className().equals(className))
        .map(Map.Entry::getKey).findFirst();
    if (scheduler.config() instanceof SigmaSpacedConfig spaced) {
      return base.flatMap(name -> withSpacing(name, spaced.sigmaSpacing()));
    }
    return base;
  }

  /** {@code base} with its spacing's suffix. */
  private static Optional<String> withSpacing(String base, SigmaSpacing spacing) {
    return Optional.of(base + SPACING_SUFFIX.get(spacing));
  }

  /** The diffusers class a short name or class name stands for; empty for an unknown name. */
  public static Optional<String> classNameOf(String name) {
    Entry entry = SHORT_NAMES.get(name);
    return entry != null ? Optional.of(entry.className())
        : FACTORIES.containsKey(name) ? Optional.of(name) : Optional.empty();
  }

  /** The short names, in a stable order. */
  public static List<String> shortNames() {
    return List.copyOf(SHORT_NAMES.keySet());
  }

  /** diffusers' class names of the supported schedulers. */
  public static List<String> classNames() {
    return List.copyOf(FACTORIES.keySet());
  }

  /** Creates a scheduler of the class named in {@code config}'s {@code _class_name}, configured by it. */
  public static Scheduler fromConfig(JsonNode config) {
    JsonNode name = config == null ? null : config.get("_class_name");
    if (name == null || !name.isTextual()) {
      throw new SdjException("scheduler config has no _class_name: pass a scheduler name to Schedulers.create");
    }
    return create(name.asText(), config, Map.of());
  }

  /** Creates a scheduler with its defaults over the base config's fields. */
  public static Scheduler create(String name, JsonNode baseConfig) {
    return create(name, baseConfig, Map.of());
  }

  /**
   * Creates a scheduler.
   *
   * @param name       a diffusers class name or a short name (see {@link #shortNames()})
   * @param baseConfig the model's {@code scheduler_config.json}; an empty object for pure defaults
   * @param overrides  config keys in diffusers' spelling (for instance {@code "use_karras_sigmas" -> true}) that win
   *                   over the base config and the short name's preset
   * @throws SdjException for an unknown name (listing the known ones), a bad config value (naming the key), or an
   *     override the scheduler does not read (a typo, or another scheduler's setting: diffusers would ignore it)
   */
  public static Scheduler create(String name, JsonNode baseConfig, Map<String, ?> overrides) {
    Entry entry = SHORT_NAMES.get(name);
    String className = entry != null ? entry.className() : name;
    Function<JsonNode, Scheduler> factory = FACTORIES.get(className);
    if (factory == null) {
      throw new SdjException("unknown scheduler '" + name + "': use one of " + SHORT_NAMES.keySet() + " or "
          + FACTORIES.keySet());
    }
    if (baseConfig != null && !baseConfig.isObject()) {
      throw new SdjException("scheduler base config must be a JSON object, got: " + baseConfig);
    }
    ObjectNode merged = baseConfig == null ? JSON.createObjectNode() : ((ObjectNode) baseConfig).deepCopy();
    if (entry != null) {
      entry.preset().forEach((key, value) -> merged.set(key, JSON.valueToTree(value)));
    }
    overrides.forEach((key, value) -> merged.set(key, JSON.valueToTree(value)));
    merged.put("_class_name", className);
    ObservedConfig observed = new ObservedConfig(merged);
    Scheduler scheduler = factory.apply(observed);
    List<String> unread = overrides.keySet().stream().filter(k -> !observed.asked(k)).sorted().toList();
    if (!unread.isEmpty()) {
      throw new SdjException("scheduler " + name + " does not read " + String.join(", ", unread) + ": an override"
          + " takes a key of its config in diffusers' spelling (" + String.join(", ", readKeys(observed)) + ")");
    }
    return scheduler;
  }

  /** The config keys a scheduler read, for messages. */
  private static List<String> readKeys(ObservedConfig config) {
    return config.askedKeys().stream().filter(k -> !k.startsWith("_")).sorted().toList();
  }

  /** {@link #create(String, JsonNode, Map)} with overrides given as a JSON object. */
  public static Scheduler create(String name, JsonNode baseConfig, JsonNode overrides) {
    if (overrides == null || !overrides.isObject()) {
      throw new SdjException("scheduler overrides must be a JSON object, got: " + overrides);
    }
    Map<String, Object> map = new LinkedHashMap<>();
    overrides.properties().forEach(e -> map.put(e.getKey(), e.getValue()));
    return create(name, baseConfig, map);
  }
}
