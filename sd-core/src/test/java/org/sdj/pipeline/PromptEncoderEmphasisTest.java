package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptChunk;

/**
 * A1111's emphasis modes on the text encoder's output: Ignore leaves it as the encoder gives it, No norm multiplies
 * each token's row by its weight, Original then scales the chunk back to the mean it had.
 */
class PromptEncoderEmphasisTest {
  private static final String PROMPT = "a (lighthouse:1.6) on a [cliff]";

  @Test
  void noNormWeighsTheRowsAndOriginalRestoresTheMean() {
    try (Backend backend = new ReferenceBackend();
        PipelineComponents model = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
            backend);
        Ops ops = backend.ops()) {
      float[] raw = context(ops, model, Emphasis.IGNORE);
      float[] noNorm = context(ops, model, Emphasis.NO_NORM);
      float[] original = context(ops, model, Emphasis.ORIGINAL);
      float[] weights = PromptChunk.of(PROMPT, model.first().orElseThrow().tokenizer()).getFirst().weights();
      int hidden = raw.length / weights.length;
      float[] expected = new float[raw.length];
      for (int i = 0; i < raw.length; i++) {
        expected[i] = raw[i] * weights[i / hidden];
      }
      assertArrayEquals(expected, noNorm);
      assertFalse(Arrays.equals(raw, noNorm), "the weights differ from 1");
      double scale = mean(raw) / mean(noNorm);
      for (int i = 0; i < raw.length; i++) {
        assertEquals(noNorm[i] * scale, original[i], 1e-5 * Math.max(1, Math.abs(original[i])), "element " + i);
      }
    }
  }

  private static float[] context(Ops ops, PipelineComponents model, Emphasis emphasis) {
    PromptEncoder encoder = new PromptEncoder(model.first(), model.second(), model.embeddings(), 1, emphasis);
    return ops.toHost(encoder.weighted(ops, List.of(PROMPT), List.of(PROMPT)).context());
  }

  private static double mean(float[] x) {
    double sum = 0;
    for (float v : x) {
      sum += v;
    }
    return sum / x.length;
  }
}
