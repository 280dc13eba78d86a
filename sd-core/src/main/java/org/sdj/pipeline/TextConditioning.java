package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sdj.SdxlConditioning;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.prompt.PromptSyntax;

/**
 * What the UNet is conditioned on besides the latents and the timestep: the text contexts of a denoising loop's
 * prompts and negative prompts ({@link PromptEncoder}), and SDXL's added condition (the pooled text embeddings and the
 * time ids).
 */
final class TextConditioning {
  private TextConditioning() {}

  /**
   * The UNet's text contexts (and SDXL's pooled embeddings): one batch, or with guidance the two halves apart where
   * their lengths differ.
   */
  sealed interface Contexts {
    /** {@code [2B, L, D]} with guidance (negative prompts first), else {@code [B, L, D]}. */
    record Joint(PromptEncoder.Encoded all) implements Contexts {}

    /** {@code [B, L', D]} and {@code [B, L, D]}. */
    record Apart(PromptEncoder.Encoded uncond, PromptEncoder.Encoded cond) implements Contexts {}
  }

  /**
   * The prompts and negative prompts of {@code spec} as the UNet's contexts: diffusers' one batch (negatives first),
   * or A1111's groups encoded apart and joined where their lengths allow.
   */
  static Contexts encode(Ops ops, PipelineComponents components, DenoiseSpec spec, boolean cfg) {
    PromptEncoder encoder = new PromptEncoder(components.first(), components.second(), components.embeddings(),
        spec.clipSkip(), spec.emphasis());
    // SDXL (diffusers with force_zeros_for_empty_prompt, and A1111) takes an empty negative prompt as zeros.
    boolean zeros = cfg && zerosForEmptyNegative(components, spec);
    if (spec.promptSyntax() == PromptSyntax.PLAIN && !zeros) {
      List<String> texts = new ArrayList<>();
      List<String> texts2 = new ArrayList<>();
      if (cfg) {
        texts.addAll(spec.negativePrompts());
        texts2.addAll(spec.negativePrompts2());
      }
      texts.addAll(spec.prompts());
      texts2.addAll(spec.prompts2());
      return new Contexts.Joint(encoder.plain(ops, texts, texts2));
    }
    // A1111 encodes the prompts and the negative prompts apart: the emphasis keeps each group's own mean.
    PromptEncoder.Encoded cond = spec.promptSyntax() == PromptSyntax.PLAIN
        ? encoder.plain(ops, spec.prompts(), spec.prompts2()) : encoder.weighted(ops, spec.prompts(), spec.prompts2());
    if (!cfg) {
      return new Contexts.Joint(cond);
    }
    PromptEncoder.Encoded uncond = zeros ? zerosLike(ops, cond, Math.min(cond.context().shape()[1],
        components.promptTokenizer().maxLength())) : encoder.weighted(ops, spec.negativePrompts(), spec.negativePrompts2());
    PromptEncoder.Encoded negative = uncond;
    return oneBatch(ops, uncond, List.of(cond)).<Contexts>map(Contexts.Joint::new)
        .orElseGet(() -> new Contexts.Apart(negative, cond));
  }

  /** Whether SDXL's empty negative prompt is zeros (diffusers' force_zeros_for_empty_prompt, and A1111). */
  private static boolean zerosForEmptyNegative(PipelineComponents components, DenoiseSpec spec) {
    return components.second().map(PipelineComponents.SecondEncoder::forceZerosForEmptyPrompt).orElse(false)
        && spec.negativePrompts().stream().allMatch(String::isEmpty)
        && spec.negativePrompts2().stream().allMatch(String::isEmpty);
  }

  /**
   * The negative rows, then each group of {@code conds} (all of one length), as one batch: attention over a context
   * repeated k times equals attention over it once (each key's weight is split k ways), so where one length divides
   * the other, the shorter contexts repeated make one batch (as ComfyUI does); empty where neither divides.
   */
  private static Optional<PromptEncoder.Encoded> oneBatch(Ops ops, PromptEncoder.Encoded uncond,
      List<PromptEncoder.Encoded> conds) {
    long condLength = conds.getFirst().context().shape()[1];
    long uncondLength = uncond.context().shape()[1];
    PromptEncoder.Encoded negative = uncond;
    List<PromptEncoder.Encoded> positive = new ArrayList<>(conds);
    if (condLength % uncondLength == 0) {
      negative = repeated(ops, uncond, condLength / uncondLength);
    } else if (uncondLength % condLength == 0) {
      positive.replaceAll(c -> repeated(ops, c, uncondLength / condLength));
    } else {
      return Optional.empty();
    }
    PromptEncoder.Encoded all = negative;
    for (PromptEncoder.Encoded cond : positive) {
      all = joined(ops, all, cond);
    }
    return Optional.of(all);
  }

  /**
   * A1111's composable prompts: the negative prompts, then each part's prompts ({@code parts}: one spec per part,
   * its prompts the part's texts, its negative prompts the loop's), as one batch {@code [(1 + K) B, L, D]}. Parts of
   * different lengths are padded to the longest by repeating their last token's vector, as A1111's
   * {@code reconstruct_multicond_batch} pads them; the negative half then joins as in {@link #encode}.
   *
   * @throws IllegalArgumentException where neither the parts' length nor the negative prompt's divides the other
   */
  static Contexts encodeParts(Ops ops, PipelineComponents components, List<DenoiseSpec> parts) {
    DenoiseSpec first = parts.getFirst();
    PromptEncoder encoder = new PromptEncoder(components.first(), components.second(), components.embeddings(),
        first.clipSkip(), first.emphasis());
    boolean zeros = zerosForEmptyNegative(components, first);
    List<PromptEncoder.Encoded> conds = new ArrayList<>();
    long length = 0;
    for (DenoiseSpec part : parts) {
      PromptEncoder.Encoded cond = encoder.weighted(ops, part.prompts(), part.prompts2());
      conds.add(cond);
      length = Math.max(length, cond.context().shape()[1]);
    }
    for (int k = 0; k < conds.size(); k++) {
      conds.set(k, padded(ops, conds.get(k), length));
    }
    PromptEncoder.Encoded uncond = zeros ? zerosLike(ops, conds.getFirst(), Math.min(length,
        components.promptTokenizer().maxLength())) : encoder.weighted(ops, first.negativePrompts(),
            first.negativePrompts2());
    long partLength = length;
    long uncondLength = uncond.context().shape()[1];
    return new Contexts.Joint(oneBatch(ops, uncond, conds).orElseThrow(() -> new IllegalArgumentException(
        "composable prompts (AND) of " + partLength + " tokens and a negative prompt of " + uncondLength
            + " cannot run in one batch: shorten one to a multiple of the other's 75-token chunks")));
  }

  /** {@code encoded}'s context {@code [B, L, D]} grown to {@code length} tokens by repeating its last one. */
  private static PromptEncoder.Encoded padded(Ops ops, PromptEncoder.Encoded encoded, long length) {
    Tensor context = encoded.context();
    long have = context.shape()[1];
    if (have == length) {
      return encoded;
    }
    Tensor last = ops.narrow(context, 1, have - 1, 1);
    Tensor out = context;
    for (long i = have; i < length; i++) {
      out = ops.concat(1, out, last);
    }
    return new PromptEncoder.Encoded(out, encoded.pooled());
  }

  /** Zeros in the shape of {@code like}'s pooled embedding, and of its context but {@code length} tokens long. */
  private static PromptEncoder.Encoded zerosLike(Ops ops, PromptEncoder.Encoded like, long length) {
    long[] shape = like.context().shape().clone();
    shape[1] = length;
    Tensor context = ops.fromHost(new float[Math.toIntExact(shape[0] * shape[1] * shape[2])], shape);
    return new PromptEncoder.Encoded(ops.cast(context, like.context().dtype()), like.pooled().map(p -> ops.cast(
        ops.fromHost(new float[Math.toIntExact(p.numel())], p.shape()), p.dtype())));
  }

  /** The negative half before the positive one, contexts and pooled embeddings. */
  private static PromptEncoder.Encoded joined(Ops ops, PromptEncoder.Encoded uncond, PromptEncoder.Encoded cond) {
    return new PromptEncoder.Encoded(ops.concat(0, uncond.context(), cond.context()),
        uncond.pooled().map(p -> ops.concat(0, p, cond.pooled().orElseThrow())));
  }

  /**
   * SDXL's added condition for every row of the UNet's batch ({@link UNet2DConditionModel#addedCondition}): the pooled
   * text embeddings (negative rows first) and the time ids of {@link DenoiseSpec#sdxl()} (the unconditional rows
   * {@link SdxlConditioning#negativeTimeIds}); {@code [rows, projection_class_embeddings_input_dim]} in float32, empty
   * for a UNet without {@code add_embedding}.
   */
  static Optional<Tensor> added(Ops ops, PipelineComponents components, Contexts contexts, DenoiseSpec spec,
      boolean cfg) {
    return added(ops, components, contexts, spec, cfg ? 2 : 1);
  }

  /**
   * {@link #added(Ops, PipelineComponents, Contexts, DenoiseSpec, boolean)} for a batch of {@code groups} equal groups
   * of rows, the first unconditional where there are more than one (A1111's composable prompts: one per part after
   * it).
   */
  static Optional<Tensor> added(Ops ops, PipelineComponents components, Contexts contexts, DenoiseSpec spec,
      int groups) {
    UNet2DConditionModel unet = components.unet();
    if (!unet.takesAddedCondition()) {
      return Optional.empty();
    }
    boolean aesthetic = components.second().orElseThrow().requiresAestheticsScore();
    int idsPerRow = aesthetic ? UNet2DConditionModel.AESTHETIC_TIME_IDS : UNet2DConditionModel.TIME_IDS;
    Tensor pooled = switch (contexts) {
      case Contexts.Joint j -> j.all().pooled().orElseThrow();
      case Contexts.Apart a -> ops.concat(0, a.uncond().pooled().orElseThrow(), a.cond().pooled().orElseThrow());
    };
    int rows = Math.toIntExact(pooled.shape()[0]);
    int factor = components.vae().downscaleFactor();
    SdxlConditioning.Size picture = new SdxlConditioning.Size(Math.toIntExact(spec.latentShape()[3] * factor),
        Math.toIntExact(spec.latentShape()[2] * factor));
    double[] cond = spec.sdxl().timeIds(picture, aesthetic);
    double[] uncond = spec.sdxl().negativeTimeIds(picture, aesthetic);
    int uncondRows = groups > 1 ? rows / groups : 0;
    double[] timeIds = new double[rows * idsPerRow];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(r < uncondRows ? uncond : cond, 0, timeIds, r * idsPerRow, idsPerRow);
    }
    float[] added = unet.addedCondition(ops.toHost(pooled), timeIds, idsPerRow);
    return Optional.of(ops.fromHost(added, rows, added.length / rows));
  }

  /** {@code encoded}'s context {@code [B, L, D]} concatenated {@code times} times along L. */
  private static PromptEncoder.Encoded repeated(Ops ops, PromptEncoder.Encoded encoded, long times) {
    Tensor out = encoded.context();
    for (long i = 1; i < times; i++) {
      out = ops.concat(1, out, encoded.context());
    }
    return new PromptEncoder.Encoded(out, encoded.pooled());
  }
}
