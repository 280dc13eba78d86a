package org.sdj.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.sdj.SdjException;
import org.sdj.scheduler.Schedulers;

class GenerationInfoTest {
  /** Every scheduler sdj names has an A1111 sampler and schedule type, and back. */
  private static final List<String> SCHEDULERS = Schedulers.shortNames();

  @Test
  void formatsLikeA1111() {
    GenerationInfo info = GenerationInfo.builder("a castle on a hill")
        .negativePrompt("blurry, lowres")
        .steps(20)
        .scheduler("dpmpp-2m-karras")
        .cfgScale(7.5)
        .seed(42)
        .size(512, 768)
        .model("v1-5-pruned-emaonly")
        .build();
    assertEquals("a castle on a hill\n"
        + "Negative prompt: blurry, lowres\n"
        + "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7.5, Seed: 42, Size: 512x768, "
        + "Model: v1-5-pruned-emaonly", info.format());
  }

  @Test
  void omitsAnEmptyNegativePromptAndWritesWholeNumbersBare() {
    GenerationInfo info = GenerationInfo.builder("cat").steps(30).scheduler("euler-a").cfgScale(7).seed(1)
        .size(512, 512).denoisingStrength(0.75).build();
    assertEquals("cat\nSteps: 30, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.75",
        info.format());
    assertEquals(info, GenerationInfo.parse(info.format()));
  }

  @Test
  void parsesA1111sOwnExample() {
    GenerationInfo info = GenerationInfo.parse("""
        girl with an artist's beret, determined, blue eyes, desert scene, ((eyeshadow)), (coquettish)
        Negative prompt: ugly, fat, (((deformed))), [blurry], bad anatomy
        Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model hash: 45dee52b
        """);
    assertEquals("girl with an artist's beret, determined, blue eyes, desert scene, ((eyeshadow)), (coquettish)",
        info.prompt());
    assertEquals("ugly, fat, (((deformed))), [blurry], bad anatomy", info.negativePrompt());
    assertEquals(OptionalInt.of(20), info.steps());
    assertEquals(Optional.of("Euler a"), info.sampler());
    assertEquals(Optional.of("euler-a"), info.scheduler());
    assertEquals(OptionalDouble.of(7), info.cfgScale());
    assertEquals(OptionalLong.of(965400086), info.seed());
    assertEquals(Optional.of(new GenerationInfo.Size(512, 512)), info.size());
    assertEquals(Map.of("Model hash", "45dee52b"), info.extras());
  }

  @Test
  void keepsUnknownAndQuotedFieldsInOrder() {
    String text = "portrait\nSteps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 7, "
        + "Size: 640x448, Model hash: 6ce0161689, Model: sd15, "
        + "Lora hashes: \"add_detail: 7c6bad76eb54, more: 0123\", Version: v1.10.1";
    GenerationInfo info = GenerationInfo.parse(text);
    assertEquals(Optional.of("dpmpp-2m-karras"), info.scheduler());
    assertEquals(Optional.of("sd15"), info.model());
    assertEquals(List.of("Model hash", "Lora hashes", "Version"), List.copyOf(info.extras().keySet()));
    assertEquals("add_detail: 7c6bad76eb54, more: 0123", info.extras().get("Lora hashes"));
    GenerationInfo again = GenerationInfo.parse(info.format());
    assertEquals(info, again);
  }

  @Test
  void quotesValuesThatA1111WouldOtherwiseSplit() {
    GenerationInfo info = GenerationInfo.builder("p").steps(1).cfgScale(1).seed(1)
        .model("my, model: \"v2\"")
        .extra("Note", "line one\nline two")
        .extra("Quoted", "\"already\"")
        .extra("Padded", " space ")
        .extra("Empty", "")
        .extra("Ünïcode key", "naïve ☃")
        .build();
    String text = info.format();
    assertTrue(text.contains("Model: \"my, model: \\\"v2\\\"\""), text);
    assertTrue(text.contains("Note: \"line one\\nline two\""), text);
    assertTrue(text.contains("Ünïcode key: naïve ☃"), text);
    assertEquals(info, GenerationInfo.parse(text));
  }

  @Test
  void multiLineAndUnicodePromptsRoundTrip() {
    GenerationInfo info = GenerationInfo.builder("first line, with comma\nsecond: line\n日本語の城")
        .negativePrompt("bad\nworse")
        .steps(20).scheduler("unipc").cfgScale(4.25).seed(4_294_967_295L).size(8, 16).build();
    GenerationInfo back = GenerationInfo.parse(info.format());
    assertEquals(info, back);
    assertEquals("bad\nworse", back.negativePrompt());
  }

  @Test
  void everySchedulerNameRoundTrips() {
    for (String scheduler : SCHEDULERS) {
      GenerationInfo info = GenerationInfo.builder("x").steps(2).scheduler(scheduler).cfgScale(1).seed(0).build();
      assertEquals(Optional.of(scheduler), GenerationInfo.parse(info.format()).scheduler(), scheduler);
    }
  }

  @Test
  void readsOldKarrasSamplerNamesAndAutomaticSchedule() {
    assertEquals(Optional.of("dpmpp-2m-karras"),
        GenerationInfo.builder("").sampler("DPM++ 2M Karras").build().scheduler());
    assertEquals(Optional.of("euler"),
        GenerationInfo.builder("").sampler("Euler").scheduleType("Automatic").build().scheduler());
    assertEquals(Optional.of("dpmpp-sde-karras"),
        GenerationInfo.builder("").sampler("DPM++ SDE Karras").build().scheduler());
    assertEquals(Optional.of("restart-karras"),
        GenerationInfo.builder("").sampler("Restart").scheduleType("Karras").build().scheduler());
    // A1111's Restart is Karras's unless told otherwise.
    assertEquals(Optional.of("restart-karras"), GenerationInfo.builder("").sampler("Restart").build().scheduler());
    assertEquals(Optional.of("restart"),
        GenerationInfo.builder("").sampler("Restart").scheduleType("Uniform").build().scheduler());
    assertEquals(Optional.empty(), GenerationInfo.builder("").sampler("DPM adaptive").build().scheduler());
    assertEquals(Optional.empty(), GenerationInfo.builder("").build().scheduler());
  }

  @Test
  void unknownSchedulerNamesTheKnownOnes() {
    SdjException e = assertThrows(SdjException.class, () -> GenerationInfo.builder("").scheduler("euler_a"));
    assertTrue(e.getMessage().contains("euler-a"), e.getMessage());
  }

  @Test
  void unreadableKnownValuesAreKeptAsText() {
    GenerationInfo info = GenerationInfo.parse("p\nSteps: many, Sampler: Euler, CFG scale: 1e999, Seed: 3, "
        + "Size: 512 by 512, Denoising strength: 1.5");
    assertEquals(OptionalInt.empty(), info.steps());
    assertEquals(OptionalDouble.empty(), info.cfgScale());
    assertEquals(Optional.empty(), info.size());
    assertEquals(OptionalDouble.empty(), info.denoisingStrength());
    assertEquals(Map.of("Steps", "many", "CFG scale", "1e999", "Size", "512 by 512", "Denoising strength", "1.5"),
        info.extras());
    assertEquals(info, GenerationInfo.parse(info.format()));
  }

  @Test
  void textWithoutAParametersLineIsAllPrompt() {
    GenerationInfo info = GenerationInfo.parse("just a prompt\nSteps: 20, Seed: 1");
    assertEquals("just a prompt\nSteps: 20, Seed: 1", info.prompt());
    assertEquals(OptionalInt.empty(), info.steps());
    assertEquals("", GenerationInfo.parse("").prompt());
  }

  @Test
  void emptyPromptKeepsItsParameters() {
    GenerationInfo info = GenerationInfo.builder("").steps(5).cfgScale(2).seed(9).build();
    assertEquals("Steps: 5, CFG scale: 2, Seed: 9", info.format());
    assertEquals(info, GenerationInfo.parse(info.format()));
  }

  @Test
  void toBuilderCopiesEverything() {
    GenerationInfo info = GenerationInfo.builder("a").negativePrompt("b").steps(3).scheduler("dpmpp-2m-karras")
        .cfgScale(2).seed(5).size(8, 8).model("m").denoisingStrength(0.5).extra("Clip skip", "2").build();
    assertEquals(info, info.toBuilder().build());
    assertEquals(Optional.empty(), info.toBuilder().scheduler("euler").build().scheduleType());
  }

  @Test
  void builderRefusesWhatA1111CouldNotReadBack() {
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").steps(0).build());
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").cfgScale(Double.NaN).build());
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").denoisingStrength(1.2).build());
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").size(0, 8));
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").extra("x", "1").build());
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").extra("a,b", "1").build());
    assertThrows(IllegalArgumentException.class, () -> GenerationInfo.builder("").seed(1).extra("Seed", "2").build());
    assertThrows(UnsupportedOperationException.class,
        () -> GenerationInfo.builder("").build().extras().put("Key", "v"));
  }
}
