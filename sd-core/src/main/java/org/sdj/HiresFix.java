package org.sdj;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.sdj.image.TorchInterpolate;

/**
 * AUTOMATIC1111's "Hires. fix", for txt2img: the picture is made at the request's size, enlarged by {@code scale}
 * ({@link Upscaler}: its latents as torch's {@code interpolate} enlarges them, or the decoded picture, encoded again),
 * and a second, img2img pass at the larger size repaints the fraction {@code strength} of it, drawing its noise from the
 * same seeded generator after the first pass's. The result has the larger size; its parameters keep the first pass's
 * size with the fix's fields, as A1111's infotext does.
 *
 * @param scale how much larger the final picture is, in (1, {@value #MAX_SCALE}] (A1111's "Upscale by"); each side
 *     becomes {@code (int) (side * scale)} rounded down to a multiple of the VAE's factor
 * @param strength the second pass's denoising strength, in (0, 1] ({@value #DEFAULT_STRENGTH}, A1111's default)
 * @param steps the second pass's steps; 0: the request's (A1111's "Hires steps")
 * @param upscaler how the picture is enlarged (A1111's "Upscaler"; {@link Upscaler#LATENT} by default)
 * @param prompt the second pass's prompt (A1111's "Hires prompt"); empty: the request's
 * @param negativePrompt the second pass's negative prompt (A1111's "Hires negative prompt"); empty: the request's
 * @param scheduler the second pass's scheduler, a short name or diffusers class name (A1111's "Hires sampler" and
 *     "Hires schedule type"; it takes the request's scheduler options only where it is the request's scheduler);
 *     empty: the request's
 * @param guidanceScale the second pass's guidance scale (Forge's "Hires CFG Scale"); empty: the request's
 * @param upscalerModel an upscaling network loaded with the engine ({@link StableDiffusion.Builder#upscaler}), by its
 *     name, that enlarges the decoded picture before Pillow's Lanczos brings it to the exact size (A1111's ESRGAN
 *     upscalers: {@code R-ESRGAN 4x+}, {@code 4x-UltraSharp}); {@code upscaler} is then {@link Upscaler#LANCZOS}.
 *     Empty: {@code upscaler} alone
 */
public record HiresFix(double scale, double strength, int steps, Upscaler upscaler, Optional<String> prompt,
    Optional<String> negativePrompt, Optional<String> scheduler, OptionalDouble guidanceScale,
    Optional<String> upscalerModel) {
  public static final double DEFAULT_SCALE = 2;
  public static final double DEFAULT_STRENGTH = 0.7;
  public static final int MAX_SCALE = 4;
  /** The infotext's fields, as A1111 names them. */
  public static final String UPSCALE = "Hires upscale";
  public static final String STEPS = "Hires steps";
  public static final String UPSCALER = "Hires upscaler";
  public static final String PROMPT = "Hires prompt";
  public static final String NEGATIVE_PROMPT = "Hires negative prompt";
  public static final String SAMPLER = "Hires sampler";
  public static final String SCHEDULE_TYPE = "Hires schedule type";
  public static final String GUIDANCE = "Hires CFG Scale";

  /**
   * AUTOMATIC1111's upscalers that sdj runs: its latent ones (torch's {@code interpolate} on the latents, with and
   * without antialiasing) and Lanczos (Pillow's, on the decoded picture, which the VAE then encodes again).
   */
  public enum Upscaler {
    LATENT("Latent", "latent", Optional.of(TorchInterpolate.Mode.BILINEAR)),
    LATENT_BICUBIC("Latent (bicubic)", "latent-bicubic", Optional.of(TorchInterpolate.Mode.BICUBIC)),
    LATENT_NEAREST("Latent (nearest)", "latent-nearest", Optional.of(TorchInterpolate.Mode.NEAREST)),
    LATENT_NEAREST_EXACT("Latent (nearest-exact)", "latent-nearest-exact",
        Optional.of(TorchInterpolate.Mode.NEAREST_EXACT)),
    LATENT_ANTIALIASED("Latent (antialiased)", "latent-antialiased", Optional.of(TorchInterpolate.Mode.BILINEAR_AA)),
    LATENT_BICUBIC_ANTIALIASED("Latent (bicubic antialiased)", "latent-bicubic-antialiased",
        Optional.of(TorchInterpolate.Mode.BICUBIC_AA)),
    LANCZOS("Lanczos", "lanczos", Optional.empty()),
    /** A1111's "Nearest": Pillow's nearest-neighbour enlargement of the decoded picture, then Lanczos's fit. */
    NEAREST("Nearest", "nearest", Optional.empty()),
    /** A1111's "None": the decoded picture brought to size by Lanczos alone. */
    NONE("None", "none", Optional.empty());

    private final String a1111Name;
    private final String shortName;
    private final Optional<TorchInterpolate.Mode> latentMode;

    Upscaler(String a1111Name, String shortName, Optional<TorchInterpolate.Mode> latentMode) {
      this.a1111Name = a1111Name;
      this.shortName = shortName;
      this.latentMode = latentMode;
    }

    /** Its name in A1111's infotext ({@code Latent (bicubic)}). */
    public String a1111Name() {
      return a1111Name;
    }

    /** Its name on sdj's command line ({@code latent-bicubic}). */
    public String shortName() {
      return shortName;
    }

    /** The interpolation of the latents, for a latent upscaler; empty for one on the decoded picture. */
    public Optional<TorchInterpolate.Mode> latentMode() {
      return latentMode;
    }

    /** The upscaler of an A1111 or sdj name, if sdj runs it. */
    public static Optional<Upscaler> named(String name) {
      String trimmed = name.trim();
      return Arrays.stream(values()).filter(u -> u.a1111Name.equals(trimmed) || u.shortName.equals(trimmed))
          .findFirst();
    }
  }

  public HiresFix {
    Objects.requireNonNull(upscaler, "upscaler");
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(negativePrompt, "negativePrompt");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(guidanceScale, "guidanceScale");
    Objects.requireNonNull(upscalerModel, "upscalerModel");
    if (upscalerModel.isPresent() && upscaler != Upscaler.LANCZOS) {
      throw new IllegalArgumentException("an upscaling network enlarges the decoded picture and Lanczos fits it: the"
          + " upscaler with " + upscalerModel.get() + " is " + Upscaler.LANCZOS + ", not " + upscaler);
    }
  }

  /** With the request's prompts. */
  public HiresFix(double scale, double strength, int steps, Upscaler upscaler) {
    this(scale, strength, steps, upscaler, Optional.empty(), Optional.empty(), Optional.empty(),
        OptionalDouble.empty(), Optional.empty());
  }

  /** This fix with its second pass's own prompt and negative prompt (A1111's Hires prompt fields). */
  public HiresFix withPrompts(String hiresPrompt, String hiresNegativePrompt) {
    return new HiresFix(scale, strength, steps, upscaler, Optional.of(hiresPrompt), Optional.of(hiresNegativePrompt),
        scheduler, guidanceScale, upscalerModel);
  }

  /** This fix with its second pass's own scheduler (A1111's Hires sampler): a short name or diffusers class name. */
  public HiresFix withScheduler(String hiresScheduler) {
    return new HiresFix(scale, strength, steps, upscaler, prompt, negativePrompt,
        Optional.of(Objects.requireNonNull(hiresScheduler, "hiresScheduler")), guidanceScale, upscalerModel);
  }

  /** This fix with its second pass's own guidance scale (Forge's Hires CFG Scale). */
  public HiresFix withGuidanceScale(double hiresGuidanceScale) {
    return new HiresFix(scale, strength, steps, upscaler, prompt, negativePrompt, scheduler,
        OptionalDouble.of(hiresGuidanceScale), upscalerModel);
  }

  /**
   * This fix enlarging the decoded picture with the upscaling network of this name, loaded with the engine
   * ({@link StableDiffusion.Builder#upscaler}; A1111's ESRGAN upscalers), then fitting it by Lanczos.
   */
  public HiresFix withUpscalerModel(String name) {
    return new HiresFix(scale, strength, steps, Upscaler.LANCZOS, prompt, negativePrompt, scheduler, guidanceScale,
        Optional.of(Objects.requireNonNull(name, "name")));
  }

  /** The upscaler's name in A1111's infotext: the network's, or {@link Upscaler#a1111Name()}. */
  public String upscalerName() {
    return upscalerModel.orElse(upscaler.a1111Name());
  }

  /** With the Latent upscaler. */
  public HiresFix(double scale, double strength, int steps) {
    this(scale, strength, steps, Upscaler.LATENT);
  }

  /** Twice the size, repainting 0.7 of it in as many steps as the first pass. */
  public static HiresFix defaults() {
    return new HiresFix(DEFAULT_SCALE, DEFAULT_STRENGTH, 0);
  }

  /** Why these values cannot run, if they cannot. */
  String problem() {
    if (!(scale > 1 && scale <= MAX_SCALE)) {
      return "hires fix scale must be in (1, " + MAX_SCALE + "], got " + scale;
    }
    if (!(strength > 0 && strength <= 1)) {
      return "hires fix strength must be in (0, 1], got " + strength;
    }
    if (guidanceScale.isPresent() && !Double.isFinite(guidanceScale.getAsDouble())) {
      return "hires fix guidance scale must be a finite number, got " + guidanceScale.getAsDouble();
    }
    if (steps < 0 || steps > Generation.MAX_STEPS) {
      return "hires fix steps must be in 0.." + Generation.MAX_STEPS + " (0: the request's), got " + steps;
    }
    return "";
  }

  /** A side of the final picture: {@code (int) (side * scale)} rounded down to a multiple of {@code factor}. */
  int target(int side, int factor) {
    return (int) (side * scale) / factor * factor;
  }
}
