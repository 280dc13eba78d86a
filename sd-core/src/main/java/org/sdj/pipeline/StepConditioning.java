package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.prompt.ComposablePrompt;
import org.sdj.prompt.PromptEditing;
import org.sdj.prompt.PromptSyntax;

/**
 * The text conditioning of each model call of a loop, under A1111's prompt syntax: its prompt editing
 * ({@link PromptEditing}: {@code [from:to:when]}, {@code [a|b]}) gives each call the contexts of its step's texts,
 * encoded once for each distinct set of texts (SDXL's pooled text and time ids with them); its composable prompts
 * ({@link ComposablePrompt}: {@code a AND b:0.6}) make the batch one group of rows per part after the unconditional
 * one. Under diffusers' syntax, one conditioning for every call.
 */
final class StepConditioning {
  /** A call's contexts, and SDXL's added condition where the UNet takes it. */
  record Step(TextConditioning.Contexts contexts, Optional<Tensor> added) {}

  private final Ops ops;
  private final PipelineComponents components;
  private final DenoiseSpec spec;
  private final boolean cfg;
  private final DType activationType;
  /** Each part's weight: one part of weight 1 for plain guidance. */
  private final List<Double> weights;
  private final boolean composed;
  /** For each part, each batch item's prompt schedule; and each item's negative prompt schedule. */
  private final List<List<List<PromptEditing.Segment>>> parts;
  private final List<List<PromptEditing.Segment>> negatives;
  private final Map<List<String>, Step> encoded = new HashMap<>();

  private StepConditioning(Ops ops, PipelineComponents components, DenoiseSpec spec, boolean cfg,
      DType activationType) {
    this.ops = ops;
    this.components = components;
    this.spec = spec;
    this.activationType = activationType;
    boolean a1111 = spec.promptSyntax() == PromptSyntax.A1111;
    this.composed = a1111 && spec.prompts().stream().anyMatch(ComposablePrompt::composes);
    // A1111 always runs the unconditional rows beside composable parts; its guidance needs them.
    this.cfg = cfg || composed;
    // A1111 reads every prompt through its AND split, so a lone trailing ":1" is dropped from the text too.
    List<List<ComposablePrompt.Part>> split = spec.prompts().stream()
        .map(p -> a1111 ? ComposablePrompt.parts(p) : List.of(new ComposablePrompt.Part(p, 1.0))).toList();
    this.weights = split.getFirst().stream().map(ComposablePrompt.Part::weight).toList();
    for (List<ComposablePrompt.Part> item : split) {
      if (!item.stream().map(ComposablePrompt.Part::weight).toList().equals(weights)) {
        throw new IllegalArgumentException("composable prompts (AND) of one batch must have the same parts and"
            + " weights, got " + spec.prompts());
      }
    }
    boolean edits = a1111 && (spec.prompts().stream().anyMatch(PromptEditing::mayEdit)
        || this.cfg && spec.negativePrompts().stream().anyMatch(PromptEditing::mayEdit));
    boolean stripped = !split.stream().map(item -> item.getFirst().text()).toList().equals(spec.prompts());
    List<List<List<PromptEditing.Segment>>> schedules = new ArrayList<>();
    if (edits || composed || stripped) {
      for (int k = 0; k < weights.size(); k++) {
        int part = k;
        schedules.add(schedules(split.stream().map(item -> item.get(part).text()).toList()));
      }
    }
    this.parts = schedules;
    this.negatives = schedules.isEmpty() ? List.of() : schedules(spec.negativePrompts());
  }

  /**
   * The conditioning of {@code spec}'s loop, its tensors made on {@code ops} (which outlives the loop's steps).
   *
   * @param cfg whether the loop runs the unconditional rows; composable prompts make it run them
   * @throws IllegalArgumentException for composable prompts the loop cannot run (with guidance rescale, or on a UNet
   *     that takes its guidance as an embedding)
   */
  static StepConditioning of(Ops ops, PipelineComponents components, DenoiseSpec spec, boolean cfg,
      DType activationType) {
    StepConditioning text = new StepConditioning(ops, components, spec, cfg, activationType);
    if (text.composed && spec.guidanceRescale() > 0) {
      throw new IllegalArgumentException("composable prompts (AND, or a prompt's trailing :weight) and guidance"
          + " rescale cannot go together: drop one");
    }
    if (text.composed && components.unet().takesGuidanceEmbedding()) {
      throw new IllegalArgumentException("composable prompts (AND, or a prompt's trailing :weight) need an"
          + " unconditional pass, which a latent consistency model does not run");
    }
    return text;
  }

  /** Whether the loop runs the unconditional rows. */
  boolean cfg() {
    return cfg;
  }

  /** The batch's groups of rows: the unconditional one (with guidance), then one per part. */
  int groups() {
    return cfg ? 1 + weights.size() : 1;
  }

  /** Whether guidance weighs several parts (or one part by other than 1), not plain {@code uncond + s (cond - uncond)}. */
  boolean composed() {
    return composed;
  }

  /** Each part's weight, in the order of the batch's groups after the unconditional one. */
  List<Double> weights() {
    return weights;
  }

  private List<List<PromptEditing.Segment>> schedules(List<String> texts) {
    List<List<PromptEditing.Segment>> out = new ArrayList<>();
    for (String text : texts) {
      out.add(spec.firstPassSteps() > 0 ? PromptEditing.hiresSchedule(text, spec.firstPassSteps(), spec.steps())
          : PromptEditing.schedule(text, spec.steps()));
    }
    return out;
  }

  /** The conditioning of the loop's model call {@code call} (0-based, as A1111 counts its denoiser's calls). */
  Step at(int call) {
    if (parts.isEmpty()) {
      return encoded.computeIfAbsent(List.of(), k -> encode(List.of(spec)));
    }
    List<String> negativeTexts = negatives.stream().map(s -> PromptEditing.textAt(s, call)).toList();
    List<String> key = new ArrayList<>(negativeTexts);
    List<DenoiseSpec> texts = new ArrayList<>();
    for (List<List<PromptEditing.Segment>> part : parts) {
      List<String> partTexts = part.stream().map(s -> PromptEditing.textAt(s, call)).toList();
      key.addAll(partTexts);
      texts.add(spec.withPrompts(partTexts, negativeTexts));
    }
    return encoded.computeIfAbsent(key, k -> encode(texts));
  }

  private Step encode(List<DenoiseSpec> texts) {
    TextConditioning.Contexts contexts = composed ? TextConditioning.encodeParts(ops, components, texts)
        : TextConditioning.encode(ops, components, texts.getFirst(), cfg);
    Optional<Tensor> added = TextConditioning.added(ops, components, contexts, texts.getFirst(), groups())
        .map(a -> ops.cast(a, activationType));
    return new Step(contexts, added);
  }
}
