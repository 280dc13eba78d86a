package org.sdj;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.sdj.image.ResizeMode;
import org.sdj.model.unet.FreeU;
import org.sdj.pipeline.PerturbedAttentionGuidance;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptSyntax;

/**
 * One generation request, immutable. Build it with {@link #prompt(String)}; every field has a default, kept here in
 * one place:
 *
 * <pre>{@code
 * sd.generate(GenerationRequest.prompt("a cute otter").steps(20).seed(42));
 * }</pre>
 *
 * @param prompt what to draw
 * @param negativePrompt what to steer away from ({@code ""}: nothing)
 * @param promptSyntax how both prompts are read ({@link PromptSyntax#PLAIN}, diffusers'; {@link PromptSyntax#A1111}
 *     for AUTOMATIC1111's weights, {@code BREAK} and prompts past 75 tokens)
 * @param emphasis how A1111's syntax applies its weights (A1111's Emphasis mode; {@link Emphasis#ORIGINAL} by default,
 *     the only one the plain syntax takes)
 * @param width image width in pixels, a multiple of 8; empty: the model's native size
 * @param height image height in pixels, a multiple of 8; empty: the model's native size
 * @param steps denoising steps ({@value #DEFAULT_STEPS})
 * @param guidanceScale classifier-free guidance ({@value #DEFAULT_GUIDANCE}); 1 or less skips the unconditional pass
 * @param guidanceRescale diffusers' {@code guidance_rescale} in [0, 1] ({@value #DEFAULT_GUIDANCE_RESCALE}): how far
 *     each guided prediction is scaled back to the conditional prediction's spread, against the over-exposure that
 *     strong guidance gives zero-terminal-SNR and v-prediction models
 * @param clipSkip AUTOMATIC1111's "Clip skip" ({@value #DEFAULT_CLIP_SKIP}): 1 takes the text encoder's last layer, 2
 *     the one before it (then its final layer norm, as diffusers' {@code clip_skip}, which counts one lower)
 * @param scheduler a scheduler short name ({@code euler-a}, {@code dpmpp-2m-karras}, ...) or diffusers class name;
 *     empty: the model's own
 * @param schedulerOverrides scheduler config fields to override ({@code timestep_spacing}, ...)
 * @param seed seed of the torch-compatible generator; empty: a random one (reported in the result)
 * @param batchSize images to make at once ({@value #DEFAULT_BATCH})
 * @param initialNoise txt2img only: unit-normal latents {@code [batch, 4, height / 8, width / 8]} flattened, instead
 *     of drawing them from the seed (the seed still drives the noise of stochastic schedulers)
 * @param initImage img2img: the image to start from; without {@code width}/{@code height} its own size, rounded down
 *     to a multiple of 8, is used
 * @param resizeMode img2img and inpainting: how an image (and its mask) of another shape is brought to
 *     {@code width x height}: {@link ResizeMode#JUST_RESIZE} (stretched, as diffusers does), or A1111's "Crop and
 *     resize" or "Resize and fill"
 * @param strength img2img and inpainting: how much of the image to repaint, in (0, 1] ({@value #DEFAULT_STRENGTH} for
 *     img2img, {@value #DEFAULT_INPAINT_STRENGTH} for inpainting, as diffusers' pipelines default)
 * @param mask inpainting: with {@code initImage}, where to repaint (white; pixels at least half bright after a
 *     conversion to gray, as diffusers binarizes) and where to keep the image (black); resized as the image is
 * @param maskBlur inpainting: the mask first blurred by a Gaussian of this standard deviation in pixels, as diffusers'
 *     mask processor's {@code blur} (Pillow's GaussianBlur) does, for a softer edge where the repainted area is laid
 *     back (A1111's "Mask blur", whose OpenCV blur rounds a little otherwise); 0 (the default): not blurred
 * @param invertMask inpainting: repaint where the mask is black and keep where it is white (A1111's "Mask mode:
 *     Inpaint not masked"), the mask inverted before it is blurred, as A1111 inverts it
 * @param maskedContent inpainting: what the loop starts from under the mask ({@link MaskedContent}, A1111's "Masked
 *     content"; {@link MaskedContent#ORIGINAL}, the picture as it is, by default)
 * @param onlyMaskedPadding inpainting: repaint the masked area alone (AUTOMATIC1111's "Inpaint area: Only masked",
 *     diffusers' {@code padding_mask_crop}): the region around the mask, this many pixels wider on each side and grown
 *     to the generation's aspect ratio, is cut out, repainted at {@code width x height} (default: the model's native
 *     size) and put back into the picture under the mask; the result's images have the picture's size, its latents
 *     the region's. Empty: the whole picture is repainted
 * @param hiresFix txt2img: make the picture at its size, then enlarge it and repaint part of it at the larger size
 *     ({@link HiresFix}, AUTOMATIC1111's "Hires. fix"); empty: none
 * @param sdUpscale img2img: AUTOMATIC1111's SD upscale script ({@link SdUpscale}): the init image enlarged and
 *     repainted tile by tile at the request's size; empty: none
 * @param refinerSwitchAt txt2img and img2img with a refiner loaded ({@link StableDiffusion.Builder#refiner}): the
 *     fraction of the noise schedule after which the refiner takes over (AUTOMATIC1111's "Switch at", diffusers'
 *     {@code denoising_end} for the base and {@code denoising_start} for the refiner), in (0, 1); empty: no refiner
 * @param controls with ControlNets loaded ({@link StableDiffusion.Builder#controlNet}): for each, in their order,
 *     the control image and how it steers (scale 0 turns one off); empty: none
 * @param variation A1111's variation seed: the starting noise moved toward another seed's ({@link Variation}); empty:
 *     none
 * @param noise how the seed becomes noise ({@link NoiseOptions}: diffusers' CPU generator for the batch by default,
 *     or AUTOMATIC1111's per-picture generators and its GPU noise)
 * @param freeU FreeU's factors for the UNet's first two up blocks ({@link FreeU}, diffusers' {@code enable_freeu});
 *     empty: none
 * @param pag perturbed-attention guidance ({@link PerturbedAttentionGuidance}, diffusers' PAG pipelines); empty: none
 * @param img2imgSteps how img2img's strength becomes steps, and the hires fix's schedule ({@link org.sdj.pipeline.Img2ImgSteps}:
 *     diffusers' by default, or AUTOMATIC1111's)
 * @param tiling seamless tiling ({@link Tiling}, AUTOMATIC1111's "Tiling"): the picture continues across its edges
 *     ({@link Tiling#NONE}: an ordinary picture)
 * @param imagePrompts with IP-Adapters loaded ({@link StableDiffusion.Builder#ipAdapter}): for each, in their order,
 *     the image prompt and its scale; empty: none (the text alone steers)
 * @param sdxl SDXL models only: a prompt for the second text encoder and the size and crop conditioning
 *     ({@link SdxlConditioning#DEFAULT}: none beyond the prompts and the picture's size)
 * @param listener told after every step
 * @param cancellation cancels the generation from another thread
 */
public record GenerationRequest(String prompt, String negativePrompt, PromptSyntax promptSyntax, Emphasis emphasis,
    OptionalInt width,
    OptionalInt height, int steps, double guidanceScale, double guidanceRescale, int clipSkip,
    Optional<String> scheduler,
    Map<String, Object> schedulerOverrides, OptionalLong seed, int batchSize, Optional<float[]> initialNoise,
    Optional<BufferedImage> initImage, ResizeMode resizeMode, double strength, Optional<BufferedImage> mask,
    double maskBlur, boolean invertMask, MaskedContent maskedContent, OptionalInt onlyMaskedPadding,
    Optional<HiresFix> hiresFix, Optional<SdUpscale> sdUpscale,
    OptionalDouble refinerSwitchAt, List<Control> controls, List<ImagePrompt> imagePrompts,
    Optional<Variation> variation, NoiseOptions noise, Optional<FreeU> freeU,
    Optional<PerturbedAttentionGuidance> pag, Convention img2imgSteps, Tiling tiling, SdxlConditioning sdxl,
    StepListener listener,
    CancellationToken cancellation) {

  public static final int DEFAULT_STEPS = 25;
  public static final double DEFAULT_GUIDANCE = 7.5;
  public static final double DEFAULT_GUIDANCE_RESCALE = 0;
  public static final int DEFAULT_CLIP_SKIP = 1;
  public static final int DEFAULT_BATCH = 1;
  public static final double DEFAULT_STRENGTH = 0.8;
  public static final double DEFAULT_INPAINT_STRENGTH = 1.0;
  /** The refiner's usual share: the last fifth of the schedule (A1111's default "Switch at"). */
  public static final double DEFAULT_REFINER_SWITCH = 0.8;

  public GenerationRequest {
    Objects.requireNonNull(prompt, "prompt");
    Objects.requireNonNull(negativePrompt, "negativePrompt");
    Objects.requireNonNull(promptSyntax, "promptSyntax");
    Objects.requireNonNull(emphasis, "emphasis");
    if (emphasis != Emphasis.ORIGINAL && promptSyntax != PromptSyntax.A1111) {
      throw new IllegalArgumentException("the emphasis mode " + emphasis.a1111Name() + " is A1111's prompt syntax's:"
          + " read the prompts as A1111 does (promptSyntax(PromptSyntax.A1111), --prompt-syntax a1111)");
    }
    schedulerOverrides = Map.copyOf(schedulerOverrides);
    initialNoise = initialNoise.map(float[]::clone);
    Objects.requireNonNull(resizeMode, "resizeMode");
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(maskedContent, "maskedContent");
    Objects.requireNonNull(onlyMaskedPadding, "onlyMaskedPadding");
    Objects.requireNonNull(hiresFix, "hiresFix");
    Objects.requireNonNull(sdUpscale, "sdUpscale");
    Objects.requireNonNull(refinerSwitchAt, "refinerSwitchAt");
    controls = List.copyOf(controls);
    imagePrompts = List.copyOf(imagePrompts);
    Objects.requireNonNull(variation, "variation");
    Objects.requireNonNull(noise, "noise");
    Objects.requireNonNull(freeU, "freeU");
    Objects.requireNonNull(pag, "pag");
    Objects.requireNonNull(img2imgSteps, "img2imgSteps");
    Objects.requireNonNull(tiling, "tiling");
    Objects.requireNonNull(sdxl, "sdxl");
    Objects.requireNonNull(listener, "listener");
    Objects.requireNonNull(cancellation, "cancellation");
  }

  @Override
  public Optional<float[]> initialNoise() {
    return initialNoise.map(float[]::clone);
  }

  /** A builder with every default and this prompt. */
  public static Builder prompt(String prompt) {
    return new Builder().prompt(prompt);
  }

  /** A builder with every default and an empty prompt. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.prompt = prompt;
    b.negativePrompt = negativePrompt;
    b.promptSyntax = promptSyntax;
    b.emphasis = emphasis;
    b.width = width;
    b.height = height;
    b.steps = steps;
    b.guidanceScale = guidanceScale;
    b.guidanceRescale = guidanceRescale;
    b.clipSkip = clipSkip;
    b.scheduler = scheduler;
    b.schedulerOverrides = new LinkedHashMap<>(schedulerOverrides);
    b.seed = seed;
    b.batchSize = batchSize;
    b.initialNoise = initialNoise;
    b.initImage = initImage;
    b.strength = strength;
    b.resizeMode = resizeMode;
    b.mask = mask;
    b.maskBlur = maskBlur;
    b.invertMask = invertMask;
    b.maskedContent = maskedContent;
    b.onlyMaskedPadding = onlyMaskedPadding;
    b.hiresFix = hiresFix;
    b.sdUpscale = sdUpscale;
    b.refinerSwitchAt = refinerSwitchAt;
    b.controls = new ArrayList<>(controls);
    b.imagePrompts = new ArrayList<>(imagePrompts);
    b.variation = variation;
    b.noise = noise;
    b.freeU = freeU;
    b.pag = pag;
    b.img2imgSteps = img2imgSteps;
    b.tiling = tiling;
    b.sdxl = sdxl;
    b.listener = listener;
    b.cancellation = cancellation;
    return b;
  }

  /** Builds {@link GenerationRequest}s; values are checked against the model when the request runs. */
  public static final class Builder {
    private String prompt = "";
    private String negativePrompt = "";
    private PromptSyntax promptSyntax = PromptSyntax.PLAIN;
    private Emphasis emphasis = Emphasis.ORIGINAL;
    private OptionalInt width = OptionalInt.empty();
    private OptionalInt height = OptionalInt.empty();
    private int steps = DEFAULT_STEPS;
    private double guidanceScale = DEFAULT_GUIDANCE;
    private double guidanceRescale = DEFAULT_GUIDANCE_RESCALE;
    private int clipSkip = DEFAULT_CLIP_SKIP;
    private Optional<String> scheduler = Optional.empty();
    private Map<String, Object> schedulerOverrides = new LinkedHashMap<>();
    private OptionalLong seed = OptionalLong.empty();
    private int batchSize = DEFAULT_BATCH;
    private Optional<float[]> initialNoise = Optional.empty();
    private Optional<BufferedImage> initImage = Optional.empty();
    private double strength = DEFAULT_STRENGTH;
    private ResizeMode resizeMode = ResizeMode.JUST_RESIZE;
    private Optional<BufferedImage> mask = Optional.empty();
    private double maskBlur;
    private boolean invertMask;
    private MaskedContent maskedContent = MaskedContent.ORIGINAL;
    private OptionalInt onlyMaskedPadding = OptionalInt.empty();
    private Optional<HiresFix> hiresFix = Optional.empty();
    private Optional<SdUpscale> sdUpscale = Optional.empty();
    private OptionalDouble refinerSwitchAt = OptionalDouble.empty();
    private List<Control> controls = new ArrayList<>();
    private List<ImagePrompt> imagePrompts = new ArrayList<>();
    private Optional<Variation> variation = Optional.empty();
    private NoiseOptions noise = NoiseOptions.DEFAULT;
    private Optional<FreeU> freeU = Optional.empty();
    private Optional<PerturbedAttentionGuidance> pag = Optional.empty();
    private Convention img2imgSteps = Convention.DIFFUSERS;
    private Tiling tiling = Tiling.NONE;
    private SdxlConditioning sdxl = SdxlConditioning.DEFAULT;
    private StepListener listener = StepListener.NONE;
    private CancellationToken cancellation = new CancellationToken();

    private Builder() {}

    public Builder prompt(String prompt) {
      this.prompt = Objects.requireNonNull(prompt, "prompt");
      return this;
    }

    public Builder negativePrompt(String negativePrompt) {
      this.negativePrompt = Objects.requireNonNull(negativePrompt, "negativePrompt");
      return this;
    }

    /**
     * How A1111's prompt syntax applies its weights (A1111's Emphasis mode): {@link Emphasis#ORIGINAL} (the default),
     * {@link Emphasis#NO_NORM}, {@link Emphasis#IGNORE} or {@link Emphasis#NONE}.
     */
    public Builder emphasis(Emphasis emphasis) {
      this.emphasis = Objects.requireNonNull(emphasis, "emphasis");
      return this;
    }

    /** How both prompts are read: {@link PromptSyntax#PLAIN} (the default, diffusers') or A1111's weights. */
    public Builder promptSyntax(PromptSyntax promptSyntax) {
      this.promptSyntax = Objects.requireNonNull(promptSyntax, "promptSyntax");
      return this;
    }

    /** Image size in pixels; both must be multiples of 8. */
    public Builder size(int width, int height) {
      this.width = OptionalInt.of(width);
      this.height = OptionalInt.of(height);
      return this;
    }

    public Builder steps(int steps) {
      this.steps = steps;
      return this;
    }

    public Builder guidanceScale(double guidanceScale) {
      this.guidanceScale = guidanceScale;
      return this;
    }

    /** diffusers' {@code guidance_rescale}, in [0, 1]; 0.7 is what its authors suggest where it is wanted. */
    public Builder guidanceRescale(double guidanceRescale) {
      this.guidanceRescale = guidanceRescale;
      return this;
    }

    /** AUTOMATIC1111's "Clip skip": 1 (the default) for the text encoder's last layer, 2 for the one before. */
    public Builder clipSkip(int clipSkip) {
      this.clipSkip = clipSkip;
      return this;
    }

    /** A scheduler short name ({@code euler-a}) or diffusers class name ({@code EulerAncestralDiscreteScheduler}). */
    public Builder scheduler(String scheduler) {
      this.scheduler = Optional.of(scheduler);
      return this;
    }

    /** Overrides one field of the scheduler's config ({@code "timestep_spacing", "trailing"}). */
    public Builder schedulerOverride(String key, Object value) {
      this.schedulerOverrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder seed(long seed) {
      this.seed = OptionalLong.of(seed);
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Unit-normal initial latents {@code [batch, 4, height / 8, width / 8]} flattened, instead of seeded ones. */
    public Builder initialNoise(float[] noise) {
      this.initialNoise = Optional.of(noise.clone());
      return this;
    }

    /** Starts from {@code image} (img2img), repainting the fraction {@code strength} of it. */
    public Builder initImage(BufferedImage image, double strength) {
      this.initImage = Optional.of(Objects.requireNonNull(image, "image"));
      this.strength = strength;
      this.mask = Optional.empty();
      return this;
    }

    /**
     * Repaints {@code image} where {@code mask} is white and keeps it where it is black (inpainting), starting from
     * pure noise in the masked part ({@value #DEFAULT_INPAINT_STRENGTH}). An inpainting model (a UNet of 9 input
     * channels) sees the mask and the masked image; any other model gets the image's latents blended back outside
     * the mask after every step, as diffusers' {@code StableDiffusionInpaintPipeline} does for both.
     */
    public Builder inpaint(BufferedImage image, BufferedImage mask) {
      return inpaint(image, mask, DEFAULT_INPAINT_STRENGTH);
    }

    /** {@link #inpaint(BufferedImage, BufferedImage)}, repainting the fraction {@code strength} of the masked part. */
    public Builder inpaint(BufferedImage image, BufferedImage mask, double strength) {
      this.initImage = Optional.of(Objects.requireNonNull(image, "image"));
      this.mask = Optional.of(Objects.requireNonNull(mask, "mask"));
      this.strength = strength;
      return this;
    }

    /** Adds a second, larger pass ({@link HiresFix}): txt2img only. */
    /**
     * img2img and inpainting: how an image (and its mask) of another shape than the request's is brought to that size
     * (A1111's "Resize mode"; {@link ResizeMode#JUST_RESIZE} by default).
     */
    public Builder resizeMode(ResizeMode resizeMode) {
      this.resizeMode = Objects.requireNonNull(resizeMode, "resizeMode");
      return this;
    }

    /**
     * Inpainting: blurs the mask by a Gaussian of standard deviation {@code radius} pixels first, as diffusers' mask
     * processor's {@code blur} (A1111's "Mask blur"); 0 for none (the default).
     */
    public Builder maskBlur(double radius) {
      this.maskBlur = radius;
      return this;
    }

    /**
     * Inpainting: repaints where the mask is black and keeps where it is white (A1111's "Mask mode: Inpaint not
     * masked"); false (the default) repaints where it is white.
     */
    public Builder invertMask(boolean invert) {
      this.invertMask = invert;
      return this;
    }

    /**
     * Inpainting: what the loop starts from under the mask (A1111's "Masked content"; {@link MaskedContent#ORIGINAL}
     * by default). It matters below strength 1.
     */
    public Builder maskedContent(MaskedContent content) {
      this.maskedContent = Objects.requireNonNull(content, "maskedContent");
      return this;
    }

    /**
     * Inpainting: repaints the masked area alone (AUTOMATIC1111's "Inpaint area: Only masked"), cut out with
     * {@code padding} pixels around the mask (A1111's "Only masked padding"; {@value
     * org.sdj.image.MaskCrop#DEFAULT_PADDING} by default), repainted at the request's size and put back.
     */
    public Builder inpaintOnlyMasked(int padding) {
      this.onlyMaskedPadding = OptionalInt.of(padding);
      return this;
    }

    /** Inpainting: repaints the whole picture (the default). */
    public Builder inpaintWholePicture() {
      this.onlyMaskedPadding = OptionalInt.empty();
      return this;
    }

    public Builder hiresFix(HiresFix fix) {
      this.hiresFix = Optional.of(Objects.requireNonNull(fix, "fix"));
      return this;
    }

    /**
     * img2img: enlarges the init image and repaints it tile by tile at the request's size (AUTOMATIC1111's SD upscale
     * script, {@link SdUpscale}).
     */
    public Builder sdUpscale(SdUpscale upscale) {
      this.sdUpscale = Optional.of(Objects.requireNonNull(upscale, "upscale"));
      return this;
    }

    /** No SD upscale (the default). */
    public Builder noSdUpscale() {
      this.sdUpscale = Optional.empty();
      return this;
    }

    /** {@link #hiresFix(HiresFix)} enlarging by {@code scale} and repainting {@code strength}, in as many steps. */
    public Builder hiresFix(double scale, double strength) {
      return hiresFix(new HiresFix(scale, strength, 0));
    }

    /**
     * Hands the schedule from the fraction {@code switchAt} on (0.8: the last fifth) to the refiner the engine was
     * built with ({@link StableDiffusion.Builder#refiner}), as diffusers' ensemble of expert denoisers does.
     */
    public Builder refiner(double switchAt) {
      this.refinerSwitchAt = OptionalDouble.of(switchAt);
      return this;
    }

    /**
     * Steers the picture with the engine's next ControlNet ({@link StableDiffusion.Builder#controlNet}): the first
     * call's control is the first ControlNet's, the second call's the second's.
     */
    public Builder control(Control control) {
      this.controls.add(Objects.requireNonNull(control, "control"));
      return this;
    }

    /** {@link #control(Control)} with {@code image} at full strength for every step. */
    public Builder control(BufferedImage image) {
      return control(Control.of(image));
    }

    /** No control image, whether or not the engine has ControlNets. */
    public Builder noControl() {
      this.controls.clear();
      return this;
    }

    /**
     * Shows the engine's next IP-Adapter ({@link StableDiffusion.Builder#ipAdapter}) an image prompt: the first
     * call's is the first IP-Adapter's, the second call's the second's.
     */
    public Builder imagePrompt(ImagePrompt imagePrompt) {
      this.imagePrompts.add(Objects.requireNonNull(imagePrompt, "imagePrompt"));
      return this;
    }

    /** {@link #imagePrompt(ImagePrompt)} with {@code image} at full strength. */
    public Builder imagePrompt(BufferedImage image) {
      return imagePrompt(ImagePrompt.of(image));
    }

    /** No image prompt, whether or not the engine has IP-Adapters: the text alone steers. */
    public Builder noImagePrompt() {
      this.imagePrompts.clear();
      return this;
    }

    /**
     * Moves the starting noise toward {@code seed}'s by {@code strength} in [0, 1] (AUTOMATIC1111's "Variation seed"
     * and "Variation strength"): pictures close to the seed's, varied.
     */
    public Builder variation(long seed, double strength) {
      this.variation = Optional.of(new Variation(seed, strength));
      return this;
    }

    /** No variation seed. */
    public Builder noVariation() {
      this.variation = Optional.empty();
      return this;
    }

    /**
     * How the seed becomes noise: which torch generator draws it, for the batch or per picture, and A1111's ENSD
     * ({@link NoiseOptions}; {@link NoiseOptions#a1111()} for AUTOMATIC1111's noise on an NVIDIA card).
     */
    public Builder noise(NoiseOptions noise) {
      this.noise = Objects.requireNonNull(noise, "noise");
      return this;
    }

    /**
     * FreeU (diffusers' {@code enable_freeu}): the UNet's first two up blocks strengthen their backbone features and
     * weaken their skip connections' low frequencies ({@link FreeU#SD1}, {@link FreeU#SD2}, {@link FreeU#SDXL} are
     * its authors' values), for the base model and a refiner alike.
     */
    public Builder freeU(FreeU freeU) {
      this.freeU = Optional.of(freeU);
      return this;
    }

    /** No FreeU. */
    public Builder noFreeU() {
      this.freeU = Optional.empty();
      return this;
    }

    /**
     * Perturbed-attention guidance (diffusers' PAG pipelines, {@link PerturbedAttentionGuidance#DEFAULT} for their
     * defaults): each UNet call also runs the conditional rows with an identity map in some self-attention layers, and
     * the guidance steers away from that prediction, for more structure; the calls take a third more rows.
     */
    public Builder pag(PerturbedAttentionGuidance pag) {
      this.pag = Optional.of(pag);
      return this;
    }

    /** No perturbed-attention guidance. */
    public Builder noPag() {
      this.pag = Optional.empty();
      return this;
    }

    /**
     * How img2img's strength becomes steps and which schedule the hires fix walks ({@link org.sdj.pipeline.Img2ImgSteps}): diffusers'
     * (the default) or AUTOMATIC1111's ({@link Convention#A1111}: one step more for img2img; all hires steps, of a
     * longer schedule).
     */
    public Builder img2imgSteps(Convention img2imgSteps) {
      this.img2imgSteps = Objects.requireNonNull(img2imgSteps, "img2imgSteps");
      return this;
    }

    /**
     * Seamless tiling (AUTOMATIC1111's "Tiling"): the UNet's and VAE's convolutions wrap around the picture's edges
     * along the axes {@code tiling} names, so that the picture tiles without seams.
     */
    public Builder tiling(Tiling tiling) {
      this.tiling = Objects.requireNonNull(tiling, "tiling");
      return this;
    }

    /** No refiner, whether or not the engine has one. */
    public Builder noRefiner() {
      this.refinerSwitchAt = OptionalDouble.empty();
      return this;
    }

    /** SDXL's second prompts and size conditioning ({@link SdxlConditioning}); SDXL models only. */
    public Builder sdxl(SdxlConditioning sdxl) {
      this.sdxl = Objects.requireNonNull(sdxl, "sdxl");
      return this;
    }

    public Builder listener(StepListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    public Builder cancellation(CancellationToken cancellation) {
      this.cancellation = Objects.requireNonNull(cancellation, "cancellation");
      return this;
    }

    public GenerationRequest build() {
      return new GenerationRequest(prompt, negativePrompt, promptSyntax, emphasis, width, height, steps, guidanceScale,
          guidanceRescale, clipSkip, scheduler, schedulerOverrides, seed, batchSize, initialNoise, initImage,
          resizeMode, strength, mask, maskBlur, invertMask, maskedContent, onlyMaskedPadding, hiresFix, sdUpscale,
          refinerSwitchAt, controls, imagePrompts, variation, noise, freeU, pag, img2imgSteps, tiling, sdxl,
          listener, cancellation);
    }
  }
}
