package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sdj.image.ImageFiles;
import org.sdj.io.safetensors.SafeTensorsFile;

/** {@code sdj info} prints back the parameters {@code sdj generate} stored in its PNG or JPEG. */
class InfoCommandTest {
  @TempDir Path dir;

  @Test
  void printsTheParametersGenerateWrote() {
    Path png = dir.resolve("castle.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet",
        "--prompt", "a castle, at dusk", "--negative-prompt", "blurry", "--steps", "2", "--guidance", "6.5",
        "--scheduler", "dpmpp-2m-karras", "--seed", "42", "--width", "64", "--height", "48", "--clip-skip", "2",
        "--output", png.toString()).assertSuccess();
    Sdj.Run info = Sdj.run("info", png.toString());
    info.assertSuccess();
    assertEquals("", info.err());
    assertEquals(String.join(System.lineSeparator(),
        "a castle, at dusk",
        "Negative prompt: blurry",
        "Steps: 2, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 42, Size: 64x48, Model: tiny-sd1, "
            + "Clip skip: 2",
        ""), info.out());
  }

  /** A JPEG carries the same text, in its EXIF user comment. */
  @ParameterizedTest
  @ValueSource(strings = {"png", "jpg"})
  void namesTheModelsOwnSchedulerTheWayA1111Does(String extension) {
    Path image = dir.resolve("plms." + extension);
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--steps", "1", "--seed", "7", "--width", "64", "--height", "64", "--output", image.toString())
        .assertSuccess();
    Sdj.Run info = Sdj.run("info", image.toString());
    info.assertSuccess();
    assertEquals("a cat" + System.lineSeparator()
        + "Steps: 1, Sampler: PLMS, CFG scale: 7.5, Seed: 7, Size: 64x64, Model: tiny-sd1" + System.lineSeparator(),
        info.out());
  }

  @Test
  void seedMinusOneIsARandomSeedAsInA1111() {
    Path png = dir.resolve("random.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--steps", "1", "--seed", "-1", "--width", "64", "--height", "64", "--output", png.toString())
        .assertSuccess();
    String parameters = Sdj.run("info", png.toString()).out();
    assertTrue(parameters.contains("Seed: ") && !parameters.contains("Seed: -1,"), parameters);
  }

  @Test
  void parametersFromAnImageRemakeItAndGivenOptionsWin() throws IOException {
    Path first = dir.resolve("first.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a fox",
        "--negative-prompt", "blurry", "--steps", "2", "--scheduler", "euler-a", "--seed", "77", "--guidance", "6",
        "--clip-skip", "2", "--width", "64", "--height", "48", "--output", first.toString()).assertSuccess();
    Path again = dir.resolve("again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");

    Path changed = dir.resolve("changed.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--steps", "1", "--output", changed.toString()).assertSuccess();
    assertEquals("a fox" + System.lineSeparator() + "Negative prompt: blurry" + System.lineSeparator()
        + "Steps: 1, Sampler: Euler a, CFG scale: 6, Seed: 77, Size: 64x48, Model: tiny-sd1, Clip skip: 2"
        + System.lineSeparator(), Sdj.run("info", changed.toString()).out());
  }

  @Test
  void aHiresFixPictureWithGuidanceRescaleIsRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("hires.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a fox",
        "--steps", "2", "--scheduler", "euler", "--seed", "5", "--width", "64", "--height", "48", "--hires-scale",
        "1.5", "--hires-strength", "0.6", "--hires-steps", "3", "--hires-upscaler", "latent-bicubic",
        "--hires-prompt", "a fox at night", "--guidance-rescale", "0.7", "--hires-scheduler", "dpmpp-2m-karras",
        "--hires-guidance", "5.5", "--output", first.toString()).assertSuccess();
    assertEquals(96, ImageIO.read(first.toFile()).getWidth());
    String info = Sdj.run("info", first.toString()).out();
    assertTrue(info.contains("Size: 64x48") && info.contains("Denoising strength: 0.6")
        && info.contains("Hires upscale: 1.5") && info.contains("Hires steps: 3")
        && info.contains("Hires sampler: DPM++ 2M, Hires schedule type: Karras, Hires CFG Scale: 5.5")
        && info.contains("Hires upscaler: Latent (bicubic)") && info.contains("Hires prompt: a fox at night")
        && info.contains("Guidance rescale: 0.7"), info);
    Path again = dir.resolve("hires-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--hires-steps", "3"))
        .assertOneErrorLine(2, "add --hires-scale");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--hires-scale", "2", "--hires-upscaler", "R-ESRGAN 4x+"))
        .assertOneErrorLine(2, "--hires-upscaler R-ESRGAN 4x+ is none of sdj's");
  }

  @Test
  void aVariationSeedPictureIsRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("variation.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a fox",
        "--steps", "2", "--scheduler", "dpm2-karras", "--seed", "5", "--variation-seed", "77", "--variation-strength",
        "0.3", "--width", "64", "--height", "48", "--output", first.toString()).assertSuccess();
    String info = Sdj.run("info", first.toString()).out();
    assertTrue(info.contains("Sampler: DPM2, Schedule type: Karras") && info.contains("Seed: 5, ")
        && info.contains("Variation seed: 77, Variation seed strength: 0.3"), info);
    Path again = dir.resolve("variation-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--variation-seed", "3"))
        .assertOneErrorLine(2, "give both");
  }

  @Test
  void aTiledPictureIsRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("tiled.png");
    Sdj.run(Sdj.smallGenerate(first, "--tiling", "--width", "80")).assertSuccess();
    assertTrue(Sdj.run("info", first.toString()).out().contains("Tiling: True"));
    Path again = dir.resolve("tiled-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Path plain = dir.resolve("untiled.png");
    Sdj.run(Sdj.smallGenerate(plain, "--width", "80")).assertSuccess();
    assertFalse(Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(plain)), "tiling changes the picture");
    Path x = dir.resolve("tiled-x.png");
    Sdj.run(Sdj.smallGenerate(x, "--tiling", "x")).assertSuccess();
    assertTrue(Sdj.run("info", x.toString()).out().contains("Tiling: X"));
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad.png"), "--tiling", "diagonal"))
        .assertOneErrorLine(2, "--tiling diagonal: say xy");
  }

  @Test
  void aFreeUPictureIsRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("freeu.png");
    Sdj.run(Sdj.smallGenerate(first, "--freeu", "sd1")).assertSuccess();
    assertTrue(Sdj.run("info", first.toString()).out().contains("FreeU: \"b1=1.5, b2=1.6, s1=0.9, s2=0.2\""));
    Path again = dir.resolve("freeu-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Path plain = dir.resolve("no-freeu.png");
    Sdj.run(Sdj.smallGenerate(plain)).assertSuccess();
    assertFalse(Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(plain)), "FreeU changes the picture");
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad.png"), "--freeu", "1,2")).assertOneErrorLine(2, "--freeu 1,2: say sd1");
  }

  @Test
  void aPagPictureIsRemadeFromItsParameters() throws IOException {
    Path first = dir.resolve("pag.png");
    Sdj.run(Sdj.smallGenerate(first, "--pag-scale", "2.5", "--pag-layers", "mid,up_blocks.1",
        "--pag-adaptive-scale", "0.001")).assertSuccess();
    String info = Sdj.run("info", first.toString()).out();
    assertTrue(info.contains("PAG scale: 2.5, PAG adaptive scale: 0.001, PAG layers: \"mid, up_blocks.1\""), info);
    Path again = dir.resolve("pag-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        first.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad.png"), "--pag-layers", "mid"))
        .assertOneErrorLine(2, "--pag-adaptive-scale and --pag-layers go with --pag-scale");
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad2.png"), "--pag-scale", "3", "--pag-layers", "middle"))
        .assertOneErrorLine(1, "PAG layer middle names none");
  }

  /**
   * An A1111 picture made with DPM++ 2M SDE is remade with k-diffusion's Brownian-tree noise, timesteps and start, as
   * A1111 drew it.
   */
  @Test
  void anA1111Dpmpp2mSdePictureTakesBrownianNoise() throws IOException {
    Path a1111 = dir.resolve("a1111-sde.png");
    ImageFiles.writeWithParameters(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
        "a cat\nSteps: 3, Sampler: DPM++ 2M SDE, Schedule type: Karras, CFG scale: 5, Seed: 3, Size: 64x64,"
            + " Version: v1.10.1");
    Path remade = dir.resolve("remade.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        a1111.toString(), "--output", remade.toString()).assertSuccess();
    Path explicit = dir.resolve("explicit.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--prompt-syntax", "a1111", "--steps", "3", "--scheduler", "dpmpp-2m-sde-karras", "--guidance", "5", "--seed",
        "3", "--width", "64", "--height", "64", "--scheduler-option", "brownian_noise=true", "--rng", "nv",
        "--seeding", "a1111", "--scheduler-option", "timestep_spacing=linspace", "--scheduler-option",
        "k_diffusion=true", "--output", explicit.toString())
        .assertSuccess();
    assertArrayEquals(Files.readAllBytes(explicit), Files.readAllBytes(remade), "the same picture, the same file");
    Path generator = dir.resolve("generator.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--prompt-syntax", "a1111", "--steps", "3", "--scheduler", "dpmpp-2m-sde-karras", "--guidance", "5", "--seed",
        "3", "--width", "64", "--height", "64", "--rng", "nv", "--seeding", "a1111", "--scheduler-option",
        "timestep_spacing=linspace", "--scheduler-option", "k_diffusion=true", "--output", generator.toString())
        .assertSuccess();
    assertFalse(Arrays.equals(Files.readAllBytes(generator), Files.readAllBytes(remade)), "other noise");
  }

  /**
   * A1111's noise: an A1111 picture without an RNG field was drawn by its GPU source (NV), with its ENSD, seeded per
   * picture; an sdj batch seeded as A1111 gives each file its own seed, and each remakes itself alone.
   */
  @Test
  void a1111NoiseIsTakenFromThePictureAndEachBatchFileRemakesItself() throws IOException {
    Path a1111 = dir.resolve("a1111-ensd.png");
    ImageFiles.writeWithParameters(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
        "a cat\nSteps: 3, Sampler: Euler a, CFG scale: 5, Seed: 3, Size: 64x64, Seed resize from: 96x48, ENSD: 31337,"
            + " Version: v1.10.1");
    Path remade = dir.resolve("remade-ensd.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        a1111.toString(), "--output", remade.toString()).assertSuccess();
    String info = Sdj.run("info", remade.toString()).out();
    assertTrue(info.contains("RNG: NV") && info.contains("ENSD: 31337") && info.contains("Seeding: a1111")
        && info.contains("Seed resize from: 96x48") && info.contains("timestep_spacing=linspace"), info);
    Path explicit = dir.resolve("explicit-ensd.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--prompt-syntax", "a1111", "--steps", "3", "--scheduler", "euler-a", "--guidance", "5", "--seed", "3",
        "--width", "64", "--height", "64", "--rng", "nv", "--seeding", "a1111", "--ensd", "31337",
        "--seed-resize-from", "96x48", "--scheduler-option", "timestep_spacing=linspace", "--output",
        explicit.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(explicit), Files.readAllBytes(remade), "the same picture, the same file");

    Path batch = dir.resolve("batch.png");
    Sdj.run(Sdj.smallGenerate(batch, "--scheduler", "euler-a", "--batch", "2", "--seeding", "a1111", "--rng", "cpu"))
        .assertSuccess();
    Path second = dir.resolve("batch-2.png");
    assertTrue(Files.exists(second), "the batch's second file");
    String secondInfo = Sdj.run("info", second.toString()).out();
    assertTrue(secondInfo.contains("Seeding: a1111") && !secondInfo.contains("RNG"), secondInfo);
    Path again = dir.resolve("batch-2-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        second.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(second), Files.readAllBytes(again), "picture 2 alone, the same file");
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad-rng.png"), "--rng", "tpu")).assertOneErrorLine(2, "--rng tpu: say cpu or nv");
    Sdj.run(Sdj.smallGenerate(dir.resolve("bad-resize.png"), "--seed-resize-from", "512"))
        .assertOneErrorLine(2, "--seed-resize-from 512: say WIDTHxHEIGHT");
  }

  /** A1111's schedule types that are spacings of timesteps come back as sdj's timestep spacings. */
  @Test
  void a1111ScheduleTypesBecomeSpacings() throws IOException {
    for (String[] type : new String[][] {{"SGM Uniform", "sgm_uniform", "euler"}, {"Simple", "simple", "euler"},
        {"Beta", "linspace", "euler-beta"}, {"Polyexponential", "linspace", "euler-exponential"}}) {
      Path a1111 = dir.resolve("a1111-" + type[1] + ".png");
      ImageFiles.writeWithParameters(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
          "a cat\nSteps: 2, Sampler: Euler, Schedule type: " + type[0] + ", CFG scale: 5, Seed: 3, Size: 64x64,"
              + " Version: v1.10.1");
      Path remade = dir.resolve("remade-" + type[0].replace(' ', '-') + ".png");
      Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
          a1111.toString(), "--output", remade.toString()).assertSuccess();
      String info = Sdj.run("info", remade.toString()).out();
      assertTrue(info.contains("timestep_spacing=" + type[1]), info);
      assertTrue(info.contains("Sampler: Euler") && (type[2].equals("euler") || info.contains("Schedule type: "
          + (type[2].endsWith("beta") ? "Beta" : "Exponential"))), info);
    }
  }

  @Test
  void anA1111SamplerSdjLacksKeepsTheModelsAndSaysSo() {
    Path a1111 = dir.resolve("a1111.png");
    ImageFiles.writeWithParameters(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
        "a cat\nSteps: 1, Sampler: DPM adaptive, Schedule type: Karras, CFG scale: 5, Seed: 3, Size: 64x64");
    Sdj.Run run = Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet",
        "--parameters-from", a1111.toString(), "--output", dir.resolve("cat.png").toString());
    run.assertSuccess();
    assertTrue(run.err().contains("sampler DPM adaptive Karras has no sdj scheduler"), run.err());
    Path plain = dir.resolve("plain-params.png");
    ImageFiles.write(plain, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB));
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--parameters-from", plain.toString())
        .assertOneErrorLine(1, "carries no generation parameters");
  }

  @Test
  void anA1111PicturesPromptIsReadInA1111sSyntax() throws IOException {
    // A1111 stamps its version; its prompt's [cat:dog:10] then keeps "cat" for every step of two (A1111's editing),
    // where diffusers' syntax would read the brackets as text.
    Path a1111 = dir.resolve("a1111-edit.png");
    ImageFiles.writeWithParameters(a1111, new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB),
        "a [cat:dog:10]\nSteps: 2, Sampler: Euler, CFG scale: 5, Seed: 3, Size: 64x64, Version: v1.10.1");
    Path edited = dir.resolve("edited.safetensors");
    Path plain = dir.resolve("plain-cat.safetensors");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        a1111.toString(), "--output", dir.resolve("e.png").toString(), "--output-latents", edited.toString())
        .assertSuccess();
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--prompt", "a cat",
        "--prompt-syntax", "a1111", "--steps", "2", "--scheduler", "euler", "--guidance", "5", "--seed", "3",
        "--width", "64", "--height", "64", "--rng", "nv", "--scheduler-option", "timestep_spacing=linspace",
        "--output", dir.resolve("c.png").toString(), "--output-latents", plain.toString()).assertSuccess();
    try (SafeTensorsFile a = SafeTensorsFile.open(edited); SafeTensorsFile b = SafeTensorsFile.open(plain)) {
      assertArrayEquals(b.get("latents").toFloatArray(), a.get("latents").toFloatArray());
    }
  }

  @Test
  void aPngWithoutParametersIsAClearError() throws IOException {
    Path png = dir.resolve("plain.png");
    ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
    Sdj.run("info", png.toString()).assertOneErrorLine(1, png.toString(), "carries no generation parameters");
  }

  @Test
  void aMissingFileIsAClearError() {
    Path missing = dir.resolve("missing.png");
    Sdj.run("info", missing.toString()).assertOneErrorLine(1, missing.toString(), "does not exist");
  }

  @Test
  void aFileThatIsNotAPngIsAClearError() throws IOException {
    Path text = Files.writeString(dir.resolve("notes.png"), "just some text");
    Sdj.run("info", text.toString()).assertOneErrorLine(1, text.toString());
  }
}
