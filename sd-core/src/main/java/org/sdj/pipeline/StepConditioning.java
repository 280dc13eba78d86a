package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.prompt.PromptEditing;
import org.sdj.prompt.PromptSyntax;

/**
 * The text conditioning of each model call of a loop: the same for every call, except where A1111's prompt syntax
 * edits the prompts over the steps ({@link PromptEditing}: {@code [from:to:when]}, {@code [a|b]}), when each call
 * takes the contexts of its prompts' texts, encoded once for each distinct set of texts (SDXL's pooled text and time
 * ids with them).
 */
final class StepConditioning {
  /** A call's contexts, and SDXL's added condition where the UNet takes it. */
  record Step(TextConditioning.Contexts contexts, Optional<Tensor> added) {}

  private final Ops ops;
  private final PipelineComponents components;
  private final DenoiseSpec spec;
  private final boolean cfg;
  private final DType activationType;
  /** Each batch item's prompt schedule and negative prompt schedule; empty where nothing is edited. */
  private final List<List<PromptEditing.Segment>> prompts;
  private final List<List<PromptEditing.Segment>> negatives;
  private final Map<List<String>, Step> encoded = new HashMap<>();

  private StepConditioning(Ops ops, PipelineComponents components, DenoiseSpec spec, boolean cfg,
      DType activationType) {
    this.ops = ops;
    this.components = components;
    this.spec = spec;
    this.cfg = cfg;
    this.activationType = activationType;
    boolean edits = spec.promptSyntax() == PromptSyntax.A1111
        && (spec.prompts().stream().anyMatch(PromptEditing::mayEdit)
            || cfg && spec.negativePrompts().stream().anyMatch(PromptEditing::mayEdit));
    this.prompts = edits ? schedules(spec.prompts()) : List.of();
    this.negatives = edits ? schedules(spec.negativePrompts()) : List.of();
  }

  /** The conditioning of {@code spec}'s loop, its tensors made on {@code ops} (which outlives the loop's steps). */
  static StepConditioning of(Ops ops, PipelineComponents components, DenoiseSpec spec, boolean cfg,
      DType activationType) {
    return new StepConditioning(ops, components, spec, cfg, activationType);
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
    if (prompts.isEmpty()) {
      return encoded.computeIfAbsent(List.of(), k -> encode(spec));
    }
    List<String> texts = prompts.stream().map(s -> PromptEditing.textAt(s, call)).toList();
    List<String> negativeTexts = negatives.stream().map(s -> PromptEditing.textAt(s, call)).toList();
    List<String> key = new ArrayList<>(texts);
    key.addAll(negativeTexts);
    return encoded.computeIfAbsent(key, k -> encode(spec.withPrompts(texts, negativeTexts)));
  }

  private Step encode(DenoiseSpec texts) {
    TextConditioning.Contexts contexts = TextConditioning.encode(ops, components, texts, cfg);
    Optional<Tensor> added = TextConditioning.added(ops, components, contexts, texts, cfg)
        .map(a -> ops.cast(a, activationType));
    return new Step(contexts, added);
  }
}
