package org.sdj;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.sdj.image.GenerationInfo;
import org.sdj.model.unet.FreeU;
import org.sdj.pipeline.Img2ImgSteps;
import org.sdj.pipeline.PerturbedAttentionGuidance;
import org.sdj.prompt.Emphasis;
import org.sdj.random.RandomSource;
import org.sdj.scheduler.Schedulers;

/**
 * The exact parameters a generation ran with, every default filled in: enough to run it again.
 *
 * @param prompt the prompt
 * @param negativePrompt the negative prompt ({@code ""} for none)
 * @param width image width in pixels
 * @param height image height in pixels
 * @param steps inference steps requested
 * @param guidanceScale classifier-free guidance scale
 * @param guidanceRescale diffusers' {@code guidance_rescale} (0: none)
 * @param clipSkip AUTOMATIC1111's "Clip skip" (1: the text encoder's last layer)
 * @param emphasis how A1111's prompt syntax applied its weights ({@link Emphasis#ORIGINAL} also for the plain syntax)
 * @param scheduler the scheduler's short name ({@code euler-a}) or, for the model's own, its diffusers class name
 * @param seed the seed: of the generator that drew every noise of the batch (diffusers' seeding), or of the first
 *     picture (A1111's: picture {@code i} has {@code seed + i}, see {@link #forPicture})
 * @param batchSize images generated together
 * @param strength img2img strength; empty for txt2img
 * @param model the model's name (its folder or Hub id)
 * @param hiresFix the second, larger pass ({@code width} and {@code height} are the first pass's); empty for none
 * @param refiner the refiner that took over, and where; empty for none
 * @param controlNets the ControlNets that steered, and how, in order; empty for none
 * @param variation the variation seed and strength; empty for none
 * @param noise how the seed became noise (generator, seeding, ENSD)
 * @param freeU FreeU's factors; empty for none
 * @param pag perturbed-attention guidance; empty for none
 * @param img2imgSteps how img2img's strength became steps (diffusers' for a txt2img without a hires fix)
 * @param tiling seamless tiling ({@link Tiling#NONE} for none)
 * @param maskBlur inpainting: the mask's blur radius (0 for none)
 * @param maskInverted inpainting: whether the mask was inverted (A1111's "Inpaint not masked")
 * @param maskedContent inpainting: what the loop started from under the mask ({@link MaskedContent#ORIGINAL} for the
 *     picture as it is, and for any generation without a mask)
 * @param onlyMaskedPadding inpainting of the masked area alone, with this padding; empty for the whole picture
 * @param schedulerOptions the scheduler config values the request overrode ({@code timestep_spacing}, {@code eta},
 *     {@code brownian_noise}), sorted by key; empty for none
 * @param sdUpscale the SD upscale script that ran tile by tile ({@code width} and {@code height} are the tiles'), these
 *     parameters the first tile's; empty for none
 */
public record GenerationParameters(String prompt, String negativePrompt, int width, int height, int steps,
    double guidanceScale, double guidanceRescale, int clipSkip, Emphasis emphasis, String scheduler, long seed,
    int batchSize, OptionalDouble strength, String model, Optional<HiresFix> hiresFix, Optional<RefinerUse> refiner,
    List<ControlNetUse> controlNets, Optional<Variation> variation, NoiseOptions noise, Optional<FreeU> freeU,
    Optional<PerturbedAttentionGuidance> pag, Convention img2imgSteps, Tiling tiling,
    double maskBlur,
    boolean maskInverted, MaskedContent maskedContent, OptionalInt onlyMaskedPadding,
    Map<String, Object> schedulerOptions, Optional<SdUpscale> sdUpscale) {

  public GenerationParameters {
    controlNets = List.copyOf(controlNets);
    Objects.requireNonNull(variation, "variation");
    Objects.requireNonNull(noise, "noise");
    Objects.requireNonNull(emphasis, "emphasis");
    Objects.requireNonNull(freeU, "freeU");
    Objects.requireNonNull(pag, "pag");
    Objects.requireNonNull(img2imgSteps, "img2imgSteps");
    Objects.requireNonNull(tiling, "tiling");
    Objects.requireNonNull(maskedContent, "maskedContent");
    schedulerOptions = Collections.unmodifiableMap(new TreeMap<>(schedulerOptions));
    Objects.requireNonNull(sdUpscale, "sdUpscale");
    Objects.requireNonNull(onlyMaskedPadding, "onlyMaskedPadding");
  }

  /**
   * A ControlNet's part in a generation, or an IP-Adapter's (which A1111's ControlNet extension runs as a unit too).
   *
   * @param module the preprocessor A1111 names: {@code none} for a ControlNet (sdj runs no annotator),
   *     {@code ip-adapter} for an IP-Adapter
   * @param model the ControlNet's name (its folder, or its file without the extension)
   * @param scale its conditioning scale (A1111's "Weight")
   * @param guidanceStart the fraction of the steps after which it started
   * @param guidanceEnd the fraction of the steps after which it stopped
   */
  public record ControlNetUse(String module, String model, double scale, double guidanceStart, double guidanceEnd) {}

  /**
   * The infotext key of {@link #controlNets()} before each one's index ({@code ControlNet 0}, {@code ControlNet 1}),
   * as AUTOMATIC1111's ControlNet extension writes them.
   */
  public static final String CONTROL_NET = "ControlNet ";

  /**
   * A refiner's part in a generation.
   *
   * @param model the refiner's name (its folder or Hub id)
   * @param switchAt the fraction of the schedule after which it took over
   */
  public record RefinerUse(String model, double switchAt) {}

  /** The infotext key of {@link #emphasis()}, as AUTOMATIC1111 writes it. */
  public static final String EMPHASIS = "Emphasis";

  /** The infotext keys of {@link #refiner()}, as AUTOMATIC1111 writes them. */
  public static final String REFINER = "Refiner";
  public static final String REFINER_SWITCH_AT = "Refiner switch at";

  /** These parameters as the first tile's of {@code upscale}'s run. */
  GenerationParameters withSdUpscale(SdUpscale upscale) {
    return new GenerationParameters(prompt, negativePrompt, width, height, steps, guidanceScale, guidanceRescale,
        clipSkip, emphasis, scheduler, seed, batchSize, strength, model, hiresFix, refiner, controlNets, variation,
        noise, freeU, pag, img2imgSteps, tiling, maskBlur, maskInverted, maskedContent, onlyMaskedPadding,
        schedulerOptions, Optional.of(upscale));
  }

  /**
   * The parameters of picture {@code index} of the batch alone: with A1111's seeding its own seed ({@code seed + index})
   * and variation seed, as A1111 writes them, so that its infotext remakes it; otherwise these (diffusers' seeding
   * draws the batch together).
   */
  public GenerationParameters forPicture(int index) {
    if (index == 0 || noise.seeding() != Convention.A1111) {
      return this;
    }
    return new GenerationParameters(prompt, negativePrompt, width, height, steps, guidanceScale, guidanceRescale,
        clipSkip, emphasis, scheduler, seed + index, batchSize, strength, model, hiresFix, refiner, controlNets,
        variation.map(v -> new Variation(v.seed() + index, v.strength())), noise, freeU, pag, img2imgSteps, tiling,
        maskBlur,
        maskInverted,
        maskedContent, onlyMaskedPadding, schedulerOptions, sdUpscale);
  }

  /** The infotext key of {@link #maskBlur()}, as AUTOMATIC1111 writes it. */
  public static final String MASK_BLUR = "Mask blur";
  /** The infotext key and value of {@link #maskInverted()}, as AUTOMATIC1111 writes them. */
  public static final String MASK_MODE = "Mask mode";
  public static final String INPAINT_NOT_MASKED = "Inpaint not masked";
  /** The infotext keys of {@link #onlyMaskedPadding()}, as AUTOMATIC1111 writes them. */
  public static final String INPAINT_AREA = "Inpaint area";
  public static final String ONLY_MASKED = "Only masked";
  public static final String MASKED_AREA_PADDING = "Masked area padding";

  /**
   * The infotext key of {@link #schedulerOptions()} (sdj's own: A1111 has none), written {@code key=value, ...} where
   * there are any.
   */
  public static final String SCHEDULER_OPTIONS = "Scheduler options";

  /**
   * The infotext keys of {@link #pag()}, sdj's own: its scale, its adaptive scale where above 0, its layers where not
   * the mid block's.
   */
  public static final String PAG_SCALE = "PAG scale";
  public static final String PAG_ADAPTIVE_SCALE = "PAG adaptive scale";
  public static final String PAG_LAYERS = "PAG layers";

  /** The infotext key of {@link #clipSkip()}. */
  public static final String CLIP_SKIP = "Clip skip";
  /** The infotext key of {@link #guidanceRescale()}, written where it is not 0. */
  public static final String GUIDANCE_RESCALE = "Guidance rescale";

  /**
   * The parameters as AUTOMATIC1111's "generation parameters" text, the form PNGs carry them in and that UIs read back.
   */
  public String infotext() {
    GenerationInfo.Builder info = GenerationInfo.builder(prompt).negativePrompt(negativePrompt).steps(steps)
        .cfgScale(guidanceScale).seed(seed).size(width, height).model(model);
    if (Schedulers.shortNames().contains(scheduler)) {
      info.scheduler(scheduler);
    } else {
      info.sampler(scheduler);
    }
    strength.ifPresent(info::denoisingStrength);
    if (!schedulerOptions.isEmpty()) {
      info.extra(SCHEDULER_OPTIONS, String.join(", ", schedulerOptions.entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }
    if (maskBlur > 0) {
      info.extra(MASK_BLUR, maskBlur);
    }
    if (maskInverted) {
      info.extra(MASK_MODE, INPAINT_NOT_MASKED);
    }
    if (maskedContent != MaskedContent.ORIGINAL) {
      info.extra(MaskedContent.INFOTEXT_KEY, maskedContent.a1111Name());
    }
    sdUpscale.ifPresent(u -> {
      info.extra(SdUpscale.OVERLAP_KEY, Integer.toString(u.overlap()));
      info.extra(SdUpscale.UPSCALER_KEY, u.upscaler());
      info.extra(SdUpscale.SCALE_KEY, u.scale());
    });
    onlyMaskedPadding.ifPresent(padding -> {
      info.extra(INPAINT_AREA, ONLY_MASKED);
      info.extra(MASKED_AREA_PADDING, Integer.toString(padding));
    });
    hiresFix.ifPresent(fix -> {
      info.denoisingStrength(fix.strength());
      info.extra(HiresFix.UPSCALE, fix.scale());
      if (fix.steps() > 0) {
        info.extra(HiresFix.STEPS, Integer.toString(fix.steps()));
      }
      info.extra(HiresFix.UPSCALER, fix.upscalerName());
      // As A1111 writes them: only where the second pass's differ from the first's.
      fix.scheduler().filter(h -> !h.equals(scheduler)).ifPresent(h -> {
        Map.Entry<String, Optional<String>> names = GenerationInfo.a1111Sampler(h);
        info.extra(HiresFix.SAMPLER, names.getKey());
        names.getValue().ifPresent(type -> info.extra(HiresFix.SCHEDULE_TYPE, type));
      });
      fix.guidanceScale().ifPresent(g -> info.extra(HiresFix.GUIDANCE, g));
      // As A1111 writes them: only where they differ from the first pass's.
      fix.prompt().filter(p -> !p.equals(prompt)).ifPresent(p -> info.extra(HiresFix.PROMPT, p));
      fix.negativePrompt().filter(p -> !p.equals(negativePrompt)).ifPresent(p -> info.extra(HiresFix.NEGATIVE_PROMPT,
          p));
    });
    refiner.ifPresent(r -> {
      info.extra(REFINER, r.model());
      info.extra(REFINER_SWITCH_AT, r.switchAt());
    });
    for (int i = 0; i < controlNets.size(); i++) {
      ControlNetUse c = controlNets.get(i);
      info.extra(CONTROL_NET + i, "Module: " + c.module() + ", Model: " + c.model() + ", Weight: "
          + GenerationInfo.number(c.scale())
          + ", Guidance Start: " + GenerationInfo.number(c.guidanceStart()) + ", Guidance End: "
          + GenerationInfo.number(c.guidanceEnd()));
    }
    variation.ifPresent(v -> {
      info.extra(Variation.SEED, Long.toString(v.seed()));
      info.extra(Variation.STRENGTH, v.strength());
    });
    if (guidanceRescale > 0) {
      info.extra(GUIDANCE_RESCALE, guidanceRescale);
    }
    if (clipSkip > 1) {
      info.extra(CLIP_SKIP, Integer.toString(clipSkip));   // A1111 leaves out the default, 1
    }
    if (emphasis != Emphasis.ORIGINAL) {
      info.extra(EMPHASIS, emphasis.a1111Name());   // A1111 leaves out its default, Original
    }
    if (tiling != Tiling.NONE) {
      info.extra(Tiling.INFOTEXT_KEY, tiling.infotextValue());
    }
    freeU.ifPresent(f -> info.extra(FreeU.INFOTEXT_KEY, f.infotextValue()));
    if (img2imgSteps != Convention.DIFFUSERS) {
      info.extra(Img2ImgSteps.INFOTEXT_KEY, img2imgSteps.shortName());
    }
    pag.ifPresent(p -> {
      info.extra(PAG_SCALE, p.scale());
      if (p.adaptiveScale() > 0) {
        info.extra(PAG_ADAPTIVE_SCALE, p.adaptiveScale());
      }
      if (!p.layers().equals(PerturbedAttentionGuidance.DEFAULT.layers())) {
        info.extra(PAG_LAYERS, String.join(", ", p.layers()));
      }
    });
    if (noise.source() != RandomSource.CPU) {
      info.extra(RandomSource.INFOTEXT_KEY, noise.source().a1111Name());
    }
    if (noise.etaNoiseSeedDelta() != 0) {
      info.extra(NoiseOptions.ENSD_KEY, Long.toString(noise.etaNoiseSeedDelta()));
    }
    noise.seedResizeFrom().ifPresent(size -> info.extra(NoiseOptions.SEED_RESIZE_FROM_KEY, size.toString()));
    if (noise.seeding() != Convention.DIFFUSERS) {
      info.extra(NoiseOptions.SEEDING_KEY, noise.seeding().shortName());
    }
    return info.build().format();
  }
}
