package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.prompt.PromptSyntax;
import org.sdj.scheduler.Schedulers;

/** Each model call's contexts under A1111's prompt editing: the call's texts, encoded once per distinct set. */
class StepConditioningTest {
  @Test
  void eachCallTakesItsScheduledText() {
    try (Backend backend = new ReferenceBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            backend);
        Ops ops = backend.ops()) {
      DenoiseSpec spec = spec(model, "a [cat:dog:2]");
      StepConditioning text = StepConditioning.of(ops, model, spec, true, backend.activationType());
      float[] cat = context(StepConditioning.of(ops, model, spec(model, "a cat"), true, backend.activationType())
          .at(0), ops);
      float[] dog = context(StepConditioning.of(ops, model, spec(model, "a dog"), true, backend.activationType())
          .at(0), ops);
      // [cat:dog:2] over 4 steps: "a cat" up to step 2 (calls 0, 1 and 2, as A1111 counts), "a dog" after.
      for (int call = 0; call < 3; call++) {
        assertArrayEquals(cat, context(text.at(call), ops), "call " + call);
      }
      assertArrayEquals(dog, context(text.at(3), ops));
      assertSame(text.at(0), text.at(2), "one encoding per distinct text");
    }
  }

  private static DenoiseSpec spec(PipelineComponents model, String prompt) {
    return DenoiseSpec.builder(List.of(prompt), 4, Schedulers.create("euler", model.schedulerConfig()),
        new LatentStart.Noise(new float[256]), new long[] {1, 4, 8, 8}).negativePrompts(List.of("blurry"))
        .promptSyntax(PromptSyntax.A1111).build();
  }

  private static float[] context(StepConditioning.Step step, Ops ops) {
    return ops.toHost(((TextConditioning.Contexts.Joint) step.contexts()).all().context());
  }
}
