package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.sdj.prompt.Emphasis;
import org.sdj.prompt.PromptSyntax;

/** A1111's emphasis modes end to end on the tiny model (reference backend). */
class EmphasisTest extends TinyModelTest {
  private static final String WEIGHTED = "a (lighthouse:1.6) BREAK at [dusk]";

  @Test
  void ignoreReadsTheBracketsButNotTheirWeights() {
    float[] ignored = generate(WEIGHTED, Emphasis.IGNORE).latents();
    float[] unweighted = generate("a lighthouse BREAK at dusk", Emphasis.ORIGINAL).latents();
    assertArrayEquals(unweighted, ignored);
  }

  @Test
  void noneReadsBracketsAndBreakAsText() {
    float[] none = generate(WEIGHTED, Emphasis.NONE).latents();
    float[] plain = sd.generate(TinyModel.small(WEIGHTED)).latents();
    assertArrayEquals(plain, none);
  }

  @Test
  void noNormDiffersFromOriginalOnlyWhereWeightsDo() {
    assertFalse(Arrays.equals(generate(WEIGHTED, Emphasis.ORIGINAL).latents(),
        generate(WEIGHTED, Emphasis.NO_NORM).latents()));
    assertArrayEquals(generate("a lighthouse", Emphasis.ORIGINAL).latents(),
        generate("a lighthouse", Emphasis.NO_NORM).latents());
  }

  @Test
  void theModeIsRecordedAsA1111DoesAndRefusedWithoutItsSyntax() {
    String info = generate(WEIGHTED, Emphasis.NO_NORM).parameters().infotext();
    assertTrue(info.contains("Emphasis: No norm"), info);
    assertFalse(generate(WEIGHTED, Emphasis.ORIGINAL).parameters().infotext().contains("Emphasis"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TinyModel.small("x").emphasis(Emphasis.NO_NORM).build());
    assertTrue(e.getMessage().contains("A1111"), e.getMessage());
    assertEquals(Optional.of(Emphasis.NO_NORM), Emphasis.named("No norm"));
    assertEquals(Optional.of(Emphasis.NO_NORM), Emphasis.named("no-norm"));
    assertEquals(Optional.empty(), Emphasis.named("strong"));
  }

  private GenerationResult generate(String prompt, Emphasis emphasis) {
    return sd.generate(TinyModel.small(prompt).promptSyntax(PromptSyntax.A1111).emphasis(emphasis));
  }
}
