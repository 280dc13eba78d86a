package org.sdj.image;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.SdjException;

/** The one table between sdj's scheduler names and AUTOMATIC1111's sampler names and schedule types. */
final class SamplerNames {
  /** A1111's schedule type for "the sampler's own default", which is also what an absent schedule type means. */
  static final String AUTOMATIC = "Automatic";
  private static final String KARRAS = "Karras";
  private static final String EXPONENTIAL = "Exponential";
  private static final String BETA = "Beta";
  private static final String ALIGN_YOUR_STEPS = "Align Your Steps";
  /**
   * A1111's schedule types that are the sampler's own spacing of timesteps (Uniform and Normal: its Automatic's, 999
   * down to 0; SGM Uniform and Simple: sdj's spacings of those names), each with the {@code timestep_spacing} that
   * gives it; Polyexponential (at its rho of 1) is Exponential.
   */
  private static final Map<String, String> SPACINGS = Map.of("Uniform", "linspace", "Normal", "linspace",
      "SGM Uniform", "sgm_uniform", "Simple", "simple");
  private static final String POLYEXPONENTIAL = "Polyexponential";

  record Entry(String scheduler, String sampler, Optional<String> scheduleType) {}

  private static final List<Entry> TABLE = table();

  private SamplerNames() {}

  /**
   * The {@code timestep_spacing} an A1111 schedule type asks of sdj's scheduler for its sampler (SGM Uniform:
   * {@code sgm_uniform}; Uniform, Normal: {@code linspace}), if it asks one.
   */
  static Optional<String> timestepSpacing(String scheduleType) {
    return Optional.ofNullable(SPACINGS.get(scheduleType.strip()));
  }

  /** The A1111 names for an sdj scheduler name, if it has them. */
  static Optional<Entry> find(String scheduler) {
    return TABLE.stream().filter(e -> e.scheduler().equals(scheduler)).findFirst();
  }

  /** The A1111 names for an sdj scheduler name. */
  static Entry forScheduler(String scheduler) {
    return find(scheduler)
        .orElseThrow(() -> new SdjException("Unknown scheduler " + scheduler + "; known: "
            + String.join(", ", TABLE.stream().map(Entry::scheduler).toList())));
  }

  /**
   * The sdj scheduler for an A1111 sampler and schedule type, if there is one. Infotexts older than A1111 1.9 put the
   * schedule into the sampler name ("DPM++ 2M Karras"); those are understood too.
   */
  static Optional<String> schedulerFor(String sampler, Optional<String> scheduleType) {
    Optional<String> type = scheduleType.filter(t -> !t.isEmpty() && !t.equals(AUTOMATIC));
    String name = sampler;
    String legacySuffix = " " + KARRAS;
    if (type.isEmpty() && name.endsWith(legacySuffix)) {
      name = name.substring(0, name.length() - legacySuffix.length());
      type = Optional.of(KARRAS);
    }
    String sampled = name;
    Optional<String> exact = type;
    Optional<Entry> own = TABLE.stream()
        .filter(e -> e.sampler().equals(sampled) && exact.isPresent() && e.scheduleType().equals(exact)).findFirst();
    if (own.isPresent()) {
      return Optional.of(own.get().scheduler());
    }
    if (type.filter(SPACINGS::containsKey).isPresent()) {
      type = Optional.empty();
    } else if (type.filter(POLYEXPONENTIAL::equals).isPresent()) {
      type = Optional.of(EXPONENTIAL);
    }
    String samplerName = name;
    Optional<String> wanted = type;
    return TABLE.stream()
        .filter(e -> e.sampler().equals(samplerName) && e.scheduleType().equals(wanted))
        .map(Entry::scheduler)
        .findFirst();
  }

  private static Entry entry(String scheduler, String sampler) {
    return new Entry(scheduler, sampler, Optional.empty());
  }

  private static List<Entry> table() {
    List<Entry> table = new ArrayList<>(List.of(entry("ddim", "DDIM"), entry("pndm", "PLMS"),
        entry("euler-a", "Euler a"), entry("unipc", "UniPC"), entry("lcm", "LCM"), entry("tcd", "TCD"), entry("ddpm", "DDPM")));
    // A1111's Restart walks Karras levels for its Automatic schedule type; sdj's restart (the model's own spacing) is
    // its Uniform.
    table.add(entry("restart-karras", "Restart"));
    table.add(new Entry("restart", "Restart", Optional.of("Uniform")));
    // The samplers A1111 runs with a Karras or an Exponential schedule type as well as their own.
    Map<String, String> spaced = new LinkedHashMap<>();
    spaced.put("euler", "Euler");
    spaced.put("dpmpp-2m", "DPM++ 2M");
    spaced.put("dpmpp-2m-sde", "DPM++ 2M SDE");
    spaced.put("dpmpp-2m-sde-heun", "DPM++ 2M SDE Heun");
    spaced.put("dpmpp-3m-sde", "DPM++ 3M SDE");
    spaced.put("lms", "LMS");
    spaced.put("heun", "Heun");
    spaced.put("dpm2", "DPM2");
    spaced.put("dpm2-a", "DPM2 a");
    spaced.put("dpmpp-2s-a", "DPM++ 2S a");
    spaced.put("dpmpp-sde", "DPM++ SDE");
    spaced.put("restart", "Restart");
    spaced.forEach((scheduler, sampler) -> {
      table.add(entry(scheduler, sampler));
      table.add(new Entry(scheduler + "-karras", sampler, Optional.of(KARRAS)));
      table.add(new Entry(scheduler + "-exponential", sampler, Optional.of(EXPONENTIAL)));
      table.add(new Entry(scheduler + "-beta", sampler, Optional.of(BETA)));
      table.add(new Entry(scheduler + "-ays", sampler, Optional.of(ALIGN_YOUR_STEPS)));
    });
    return List.copyOf(table);
  }
}
