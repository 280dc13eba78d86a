package org.sdj.image;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The "generation parameters" of a picture in AUTOMATIC1111's infotext format, the text A1111, Forge, ComfyUI savers,
 * Civitai and many viewers read from a PNG's {@code parameters} chunk:
 *
 * <pre>
 * a castle on a hill
 * Negative prompt: blurry
 * Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: sd15
 * </pre>
 *
 * <p>Fields an infotext may lack are empty. {@link #extras} keeps every other {@code key: value} pair in order, so an
 * infotext written by another tool survives {@link #parse} then {@link #format}; it may also hold a known label whose
 * field is empty, which is how {@code parse} keeps a value it could not read (say {@code Steps: many}).
 *
 * @param prompt the prompt; may span several lines
 * @param negativePrompt the negative prompt, empty for none
 * @param steps the number of denoising steps
 * @param sampler A1111's sampler name ("Euler a", "DPM++ 2M"); see {@link #scheduler()} for sdj's name
 * @param scheduleType A1111's schedule type ("Karras"), empty for the sampler's default
 * @param cfgScale the classifier-free guidance scale
 * @param seed the seed of the initial noise
 * @param size the picture's size
 * @param model the model's name
 * @param denoisingStrength img2img's strength in [0, 1]
 * @param extras every other field, in order: key to unquoted value
 */
public record GenerationInfo(
    String prompt,
    String negativePrompt,
    OptionalInt steps,
    Optional<String> sampler,
    Optional<String> scheduleType,
    OptionalDouble cfgScale,
    OptionalLong seed,
    Optional<Size> size,
    Optional<String> model,
    OptionalDouble denoisingStrength,
    Map<String, String> extras) {

  /** A picture's size in pixels. */
  public record Size(int width, int height) {
    public Size {
      if (width < 1 || height < 1) {
        throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
      }
    }

    @Override
    public String toString() {
      return width + "x" + height;
    }

    /** The size {@code WxH} names ({@code 512x768}, as infotexts write sizes); empty for anything else. */
    public static Optional<Size> parse(String value) {
      Matcher m = VALUE.matcher(value.strip());
      if (!m.matches()) {
        return Optional.empty();
      }
      try {
        return Optional.of(new Size(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    }

    private static final Pattern VALUE = Pattern.compile("(\\d+)x(\\d+)");
  }

  /**
   * @throws IllegalArgumentException for a value A1111 could not read back (see {@link Builder#build})
   */
  public GenerationInfo(
      String prompt,
      String negativePrompt,
      OptionalInt steps,
      Optional<String> sampler,
      Optional<String> scheduleType,
      OptionalDouble cfgScale,
      OptionalLong seed,
      Optional<Size> size,
      Optional<String> model,
      OptionalDouble denoisingStrength,
      Map<String, String> extras) {
    this.prompt = Objects.requireNonNull(prompt, "prompt");
    this.negativePrompt = Objects.requireNonNull(negativePrompt, "negativePrompt");
    this.steps = Objects.requireNonNull(steps, "steps");
    this.sampler = Objects.requireNonNull(sampler, "sampler");
    this.scheduleType = Objects.requireNonNull(scheduleType, "scheduleType");
    this.cfgScale = Objects.requireNonNull(cfgScale, "cfgScale");
    this.seed = Objects.requireNonNull(seed, "seed");
    this.size = Objects.requireNonNull(size, "size");
    this.model = Objects.requireNonNull(model, "model");
    this.denoisingStrength = Objects.requireNonNull(denoisingStrength, "denoisingStrength");
    this.extras = Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    // The fields are assigned above, not at the end as in a compact constructor, so validation can read them.
    InfotextCodec.validate(this);
  }

  /** A builder with the given prompt and every other field empty. */
  public static Builder builder(String prompt) {
    return new Builder(prompt);
  }

  /** A builder holding this record's values. */
  public Builder toBuilder() {
    Builder b = new Builder(prompt).negativePrompt(negativePrompt);
    steps.ifPresent(b::steps);
    sampler.ifPresent(b::sampler);
    scheduleType.ifPresent(b::scheduleType);
    cfgScale.ifPresent(b::cfgScale);
    seed.ifPresent(b::seed);
    size.ifPresent(s -> b.size(s.width(), s.height()));
    model.ifPresent(b::model);
    denoisingStrength.ifPresent(b::denoisingStrength);
    extras.forEach(b::extra);
    return b;
  }

  /**
   * sdj's scheduler name ({@code euler-a}, {@code dpmpp-2m-karras}, ...) for this sampler and schedule type, empty when
   * the sampler is absent or has no sdj equivalent.
   */
  public Optional<String> scheduler() {
    return sampler.flatMap(s -> SamplerNames.schedulerFor(s, scheduleType));
  }

  /**
   * The infotext, as A1111's {@code create_infotext} writes it: the prompt, a {@code Negative prompt:} line unless it is
   * empty, then the fields on one line, {@code Key: value} joined by {@code ", "}; a value holding a comma, colon or
   * newline is written as a JSON string. A1111 recognises that last line only when it holds at least three fields.
   */
  public String format() {
    return InfotextCodec.format(this);
  }

  /**
   * Reads an infotext the way A1111's {@code parse_generation_parameters} does. Never fails: whatever it does not
   * recognise goes into {@link #extras}. Each prompt line loses its leading and trailing blanks, as in A1111.
   */
  public static GenerationInfo parse(String infotext) {
    return InfotextCodec.parse(infotext);
  }

  /**
   * A1111's sampler name and schedule type (empty: the sampler's own) for sdj's scheduler {@code scheduler}; a
   * diffusers class name, which A1111 has no name for, as the sampler, without a schedule type.
   */
  public static Map.Entry<String, Optional<String>> a1111Sampler(String scheduler) {
    return SamplerNames.find(scheduler).map(e -> Map.entry(e.sampler(), e.scheduleType()))
        .orElse(Map.entry(scheduler, Optional.empty()));
  }

  /** sdj's scheduler for A1111's sampler name and schedule type, if sdj has it. */
  public static Optional<String> schedulerFor(String sampler, Optional<String> scheduleType) {
    return SamplerNames.schedulerFor(sampler, scheduleType);
  }

  /**
   * The {@code timestep_spacing} that an A1111 schedule type is for sdj's scheduler of its sampler: {@code sgm_uniform}
   * for SGM Uniform, {@code simple} for Simple, {@code linspace} for Uniform and Normal; empty for the others (its
   * Karras, Exponential and Beta are sigma spacings of their own, in the scheduler's name).
   */
  public static Optional<String> a1111TimestepSpacing(String scheduleType) {
    return SamplerNames.timestepSpacing(scheduleType);
  }

  /** A number as the infotext writes it: {@code 7.5}, {@code 1}, never {@code 1.0}. */
  public static String number(double value) {
    return InfotextCodec.number(value);
  }

  /** Builds a {@link GenerationInfo}; every field but the prompt starts empty. */
  public static final class Builder {
    private String prompt;
    private String negativePrompt = "";
    private OptionalInt steps = OptionalInt.empty();
    private Optional<String> sampler = Optional.empty();
    private Optional<String> scheduleType = Optional.empty();
    private OptionalDouble cfgScale = OptionalDouble.empty();
    private OptionalLong seed = OptionalLong.empty();
    private Optional<Size> size = Optional.empty();
    private Optional<String> model = Optional.empty();
    private OptionalDouble denoisingStrength = OptionalDouble.empty();
    private final Map<String, String> extras = new LinkedHashMap<>();

    private Builder(String prompt) {
      prompt(prompt);
    }

    public Builder prompt(String prompt) {
      this.prompt = Objects.requireNonNull(prompt, "prompt");
      return this;
    }

    /** The negative prompt; empty means none. */
    public Builder negativePrompt(String negativePrompt) {
      this.negativePrompt = Objects.requireNonNull(negativePrompt, "negativePrompt");
      return this;
    }

    public Builder steps(int steps) {
      this.steps = OptionalInt.of(steps);
      return this;
    }

    /** A1111's sampler name, verbatim. Prefer {@link #scheduler(String)}. */
    public Builder sampler(String sampler) {
      this.sampler = Optional.of(sampler);
      return this;
    }

    /** A1111's schedule type, verbatim. Prefer {@link #scheduler(String)}. */
    public Builder scheduleType(String scheduleType) {
      this.scheduleType = Optional.of(scheduleType);
      return this;
    }

    /**
     * Sets the sampler and schedule type from sdj's scheduler name ({@code ddim}, {@code pndm}, {@code euler},
     * {@code euler-a}, {@code dpmpp-2m}, {@code dpmpp-2m-karras}, {@code dpmpp-2m-sde}, {@code dpmpp-2m-sde-karras},
     * {@code lms}, {@code heun}, {@code unipc}, {@code lcm}, {@code ddpm}).
     *
     * @throws org.sdj.SdjException for an unknown name
     */
    public Builder scheduler(String scheduler) {
      SamplerNames.Entry entry = SamplerNames.forScheduler(scheduler);
      this.sampler = Optional.of(entry.sampler());
      this.scheduleType = entry.scheduleType();
      return this;
    }

    public Builder cfgScale(double cfgScale) {
      this.cfgScale = OptionalDouble.of(cfgScale);
      return this;
    }

    public Builder seed(long seed) {
      this.seed = OptionalLong.of(seed);
      return this;
    }

    public Builder size(int width, int height) {
      this.size = Optional.of(new Size(width, height));
      return this;
    }

    public Builder model(String model) {
      this.model = Optional.of(model);
      return this;
    }

    /** img2img's strength in [0, 1]. */
    public Builder denoisingStrength(double denoisingStrength) {
      this.denoisingStrength = OptionalDouble.of(denoisingStrength);
      return this;
    }

    /**
     * Adds or replaces another field. The key must be what A1111 can read back: a letter, digit or underscore followed
     * by at least one more of those, spaces, {@code -} or {@code /}.
     */
    public Builder extra(String key, String value) {
      extras.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** {@link #extra(String, String)} of a number, written as A1111 writes its numbers ({@code 2}, {@code 0.7}). */
    public Builder extra(String key, double value) {
      return extra(key, InfotextCodec.number(value));
    }

    /** Removes another field, if present. */
    public Builder removeExtra(String key) {
      extras.remove(key);
      return this;
    }

    /**
     * @throws IllegalArgumentException for a value A1111 could not read back: steps below 1, a non-finite CFG scale, a
     *     strength outside [0, 1], a bad extra key, or an extra that duplicates a set field
     */
    public GenerationInfo build() {
      return new GenerationInfo(prompt, negativePrompt, steps, sampler, scheduleType, cfgScale, seed, size, model,
          denoisingStrength, extras);
    }
  }
}
