package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;
import org.sdj.cuda.CudaBackendProvider;
import org.sdj.image.ImageFiles;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.ControlNetFixture;
import org.sdj.io.IpAdapterFixture;
import org.sdj.io.InpaintingFixture;
import org.sdj.io.SdxlFixture;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/** {@code sdj generate}: its outputs, its progress lines, and one clear line for every bad input. */
class GenerateCommandTest {
  @TempDir Path dir;

  @Test
  void aBatchGetsNumberedNamesListedOnStandardOutput() throws IOException {
    Path out = dir.resolve("out.png");
    Path latents = dir.resolve("latents.safetensors");
    Sdj.Run run = Sdj.run(Sdj.smallGenerate(out, "--batch", "2", "--quiet", "--output-latents", latents.toString()));
    run.assertSuccess();
    Path first = dir.resolve("out-1.png");
    Path second = dir.resolve("out-2.png");
    assertEquals(List.of(first.toString(), second.toString(), latents.toString()), run.out().lines().toList());
    assertFalse(Files.exists(out), "a batch writes no unnumbered file");
    for (Path png : List.of(first, second)) {
      BufferedImage image = ImageIO.read(png.toFile());
      assertEquals(64, image.getWidth());
      assertEquals(64, image.getHeight());
    }
    try (SafeTensorsFile f = SafeTensorsFile.open(latents)) {
      assertEquals(List.of(2L, 4L, 8L, 8L),
          java.util.Arrays.stream(f.get("latents").shape()).boxed().toList());
    }
  }

  @Test
  void numberedNamesKeepTheExtension() {
    assertEquals(Path.of("a/out-2.png"), GenerateCommand.numbered(Path.of("a/out.png"), 2));
    assertEquals(Path.of("out-1"), GenerateCommand.numbered(Path.of("out"), 1));
    assertEquals(Path.of(".png-3"), GenerateCommand.numbered(Path.of(".png"), 3));
    assertEquals(Path.of("my.pic-1.png"), GenerateCommand.numbered(Path.of("my.pic.png"), 1));
  }

  @Test
  void quietWritesNothingToStandardError() {
    Path out = dir.resolve("one.png");
    Sdj.Run run = Sdj.run(Sdj.smallGenerate(out, "--quiet"));
    run.assertSuccess();
    assertEquals("", run.err());
    assertEquals(out + System.lineSeparator(), run.out());
    assertTrue(Files.isRegularFile(out));
  }

  @Test
  void withoutATerminalProgressIsOneLinePerStep() {
    assumeFalse(ProgressBar.stderrIsTerminal(), "standard error is a terminal here");
    Sdj.Run run = Sdj.run(Sdj.smallGenerate(dir.resolve("p.png"), "--steps", "3"));
    run.assertSuccess();
    List<String> lines = run.err().lines().toList();
    assertEquals(3, lines.size(), run.err());
    for (int i = 0; i < 3; i++) {
      String line = lines.get(i);
      assertTrue(line.matches("step " + (i + 1) + "/3  \\d+\\.\\d\\d it/s  ETA \\d+:\\d\\d"), line);
    }
  }

  // ----- bad input: one "sdj: ..." line, no stack trace, non-zero status

  /** The SDXL options give diffusers' latents of {@code SdxlConditioningTest}'s case on the tiny SDXL. */
  @Test
  void sdxlConditioningOptionsMatchDiffusers() throws IOException {
    Path model = SdxlFixture.model(dir);
    Path latents = dir.resolve("xl.safetensors");
    List<String> args = Sdj.smallGenerate(dir.resolve("xl.png"), "--model", model.toString(), "--backend",
        "reference", "--prompt", "a watercolor otter", "--negative-prompt", "blurry", "--width", "160", "--height",
        "128", "--steps", "3", "--guidance", "5", "--seed", "21", "--prompt-2", "an oil painting of a fox",
        "--negative-prompt-2", "dark", "--original-size", "192x256", "--crop-top-left", "16,8", "--target-size",
        "160x96", "--quiet", "--output-latents", latents.toString());
    Sdj.run(args).assertSuccess();
    try (SafeTensorsFile got = SafeTensorsFile.open(latents);
        SafeTensorsFile expected = SafeTensorsFile.open(SdxlFixture.expected(dir, "conditioning-expected.safetensors"))) {
      TensorAssert.assertTensorClose(got.get("latents").toFloatArray(),
          expected.get("second prompts and sizes").toFloatArray(), "sdj generate --prompt-2 ...");
    }
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--original-size", "512")).assertOneErrorLine(2,
        "--original-size takes WxH");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--crop-top-left", "0,0,0")).assertOneErrorLine(2,
        "--crop-top-left takes TOP,LEFT");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--target-size", "0x512")).assertOneErrorLine(2, "1..16384");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--prompt-2", "y")).assertOneErrorLine(1, "for SDXL models");
  }

  /** A ControlNet on the CPU backend follows the control image: {@code ControlNetTest}'s first case (diffusers'). */
  @Test
  void aControlNetFollowsTheControlImage() throws IOException {
    Path control = dir.resolve("rings.png");
    ImageIO.write(ControlNetFixture.image(), "png", control.toFile());
    Path latents = dir.resolve("controlled.safetensors");
    Sdj.run(Sdj.smallGenerate(dir.resolve("controlled.png"), "--controlnet",
        ControlNetFixture.folder(dir).toString(), "--control-image", control.toString(), "--prompt",
        "a watercolor otter", "--negative-prompt", "blurry", "--width", "128", "--height", "128", "--steps", "4",
        "--scheduler", "ddim", "--guidance", "7.5", "--seed", "51", "--quiet", "--output-latents",
        latents.toString())).assertSuccess();
    try (SafeTensorsFile got = SafeTensorsFile.open(latents);
        SafeTensorsFile expected = SafeTensorsFile.open(ControlNetFixture.expected(dir))) {
      TensorAssert.assertTensorClose(got.get("latents").toFloatArray(), expected.get("ddim scale 1").toFloatArray(),
          "sdj generate --controlnet");
    }
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--control-image", control.toString())).assertOneErrorLine(2,
        "add --controlnet");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--control-scale", "0.5")).assertOneErrorLine(2,
        "add --controlnet and --control-image");
    List<String> two = Sdj.smallGenerate(dir.resolve("x.png"), "--controlnet", dir.resolve("tiny-controlnet")
        .toString(), "--control-image", control.toString());
    two.addAll(List.of("--controlnet", dir.resolve("tiny-controlnet").toString()));
    Sdj.run(two).assertOneErrorLine(2, "one --control-image per --controlnet (2)");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--controlnet", dir.resolve("tiny-controlnet").toString(),
        "--control-image", control.toString(), "--control-resize-mode", "zoom")).assertOneErrorLine(2,
        "--control-resize-mode zoom: say just-resize, crop-and-resize or resize-and-fill");
    Sdj.run(Sdj.smallGenerate(dir.resolve("cropped.png"), "--controlnet", dir.resolve("tiny-controlnet").toString(),
        "--control-image", control.toString(), "--control-resize-mode", "crop-and-resize", "--width", "128",
        "--height", "96")).assertSuccess();
    Path canny = dir.resolve("canny.png");
    Sdj.run(Sdj.smallGenerate(canny, "--controlnet", dir.resolve("tiny-controlnet").toString(), "--control-image",
        control.toString(), "--control-preprocessor", "canny:50:150", "--quiet")).assertSuccess();
    String info = ImageFiles.readParameters(canny).orElseThrow();
    assertTrue(info.contains("Module: canny"), info);
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--controlnet", dir.resolve("tiny-controlnet").toString(),
        "--control-image", control.toString(), "--control-preprocessor", "depth")).assertOneErrorLine(2,
        "--control-preprocessor depth: say none, invert, canny or canny:LOW:HIGH");
  }

  /** An IP-Adapter on the CPU backend follows the image prompt: {@code IpAdapterTest}'s first case (diffusers'). */
  @Test
  void anIpAdapterFollowsTheImagePrompt() throws IOException {
    Path prompt = dir.resolve("rings.png");
    ImageIO.write(ControlNetFixture.image(), "png", prompt.toFile());
    Path latents = dir.resolve("prompted.safetensors");
    Sdj.run(Sdj.smallGenerate(dir.resolve("prompted.png"), "--ip-adapter", IpAdapterFixture.plain(dir).toString(),
        "--ip-adapter-image", prompt.toString(), "--prompt", "a watercolor otter", "--negative-prompt", "blurry",
        "--width", "128", "--height", "128", "--steps", "4", "--scheduler", "euler", "--guidance", "7.5", "--seed",
        "61", "--quiet", "--output-latents", latents.toString())).assertSuccess();
    try (SafeTensorsFile got = SafeTensorsFile.open(latents);
        SafeTensorsFile expected = SafeTensorsFile.open(IpAdapterFixture.expected(dir))) {
      TensorAssert.assertTensorClose(got.get("latents").toFloatArray(),
          expected.get("plain euler scale 1").toFloatArray(), "sdj generate --ip-adapter");
    }
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--ip-adapter-image", prompt.toString())).assertOneErrorLine(2,
        "add --ip-adapter");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--ip-adapter-scale", "0.5")).assertOneErrorLine(2,
        "add --ip-adapter and --ip-adapter-image");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--ip-adapter", IpAdapterFixture.plain(dir).toString()))
        .assertOneErrorLine(2, "add --ip-adapter-image");
  }

  /** The base model and the refiner, as {@code SdxlRefinerTest}'s ensemble case against diffusers. */
  @Test
  void aRefinerTakesOverAtTheSwitch() throws IOException {
    Path model = SdxlFixture.model(dir);
    Path refiner = SdxlFixture.refiner(dir);
    Path latents = dir.resolve("refined.safetensors");
    Path image = dir.resolve("refined.png");
    Sdj.run(Sdj.smallGenerate(image, "--model", model.toString(), "--backend", "reference", "--refiner",
        refiner.toString(), "--prompt", "a watercolor otter", "--negative-prompt", "blurry", "--width", "128",
        "--height", "128", "--steps", "10", "--guidance", "5", "--seed", "41", "--quiet", "--output-latents",
        latents.toString())).assertSuccess();
    try (SafeTensorsFile got = SafeTensorsFile.open(latents);
        SafeTensorsFile expected = SafeTensorsFile.open(SdxlFixture.expected(dir, "ensemble-expected.safetensors"))) {
      TensorAssert.assertTensorClose(got.get("latents").toFloatArray(), expected.get("euler at 0.8").toFloatArray(),
          "sdj generate --refiner");
    }
    assertTrue(ImageFiles.readParameters(image).orElseThrow().contains("Refiner switch at: 0.8"));
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--refiner-switch-at", "0.7")).assertOneErrorLine(2,
        "add --refiner");
  }

  @Test
  void missingModelFolder() {
    Path missing = dir.resolve("no-such-model");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--model", missing.toString()))
        .assertOneErrorLine(1, missing.toString(), "does not exist");
  }

  @Test
  void aFileGivenAsModel() throws IOException {
    Path file = Files.writeString(dir.resolve("model.txt"), "not a model");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--model", file.toString()))
        .assertOneErrorLine(1, file.toString(), "is a file but not a checkpoint");
  }

  @Test
  void aFolderThatIsNotAModel() throws IOException {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--model", empty.toString()))
        .assertOneErrorLine(1, empty.toString());
  }

  @Test
  void a1111PromptSyntaxRunsAndAnUnknownSyntaxIsAClearError() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("w.png"), "--prompt", "a (cat:1.3) BREAK [dog]", "--prompt-syntax",
        "a1111", "--quiet")).assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("w.png"), "--prompt-syntax", "compel"))
        .assertOneErrorLine(2, "--prompt-syntax", "plain or a1111");
  }

  @Test
  void embeddingsNeedTheA1111Syntax() {
    Path embedding = dir.resolve("Calm.safetensors");
    SafeTensorsWriter.create().add("emb_params", DType.F32, new long[] {2, 32}, new float[64]).write(embedding);
    Sdj.run(Sdj.smallGenerate(dir.resolve("e.png"), "--prompt", "a Calm cat", "--embedding", embedding.toString(),
        "--prompt-syntax", "a1111", "--quiet")).assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("e.png"), "--embedding", embedding.toString()))
        .assertOneErrorLine(2, "--embedding", "--prompt-syntax a1111");
  }

  @Test
  void aVaeFileIsReadOrRefusedInOneLine() {
    Path vae = Sdj.tinyModel().resolve("vae/diffusion_pytorch_model.safetensors");
    Sdj.run(Sdj.smallGenerate(dir.resolve("v.png"), "--vae", vae.toString(), "--quiet")).assertSuccess();
    Path missing = dir.resolve("no-vae.safetensors");
    Sdj.run(Sdj.smallGenerate(dir.resolve("v.png"), "--vae", missing.toString())).assertOneErrorLine(1,
        "no-vae.safetensors");
  }

  @Test
  void loraFilesAreMergedOrRefusedInOneLine() {
    String module = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
    Path lora = dir.resolve("style.safetensors");
    SafeTensorsWriter.create().add(module + ".lora_down.weight", DType.F32, new long[] {2, 32}, new float[64])
        .add(module + ".lora_up.weight", DType.F32, new long[] {32, 2}, new float[64]).write(lora);
    Sdj.run(Sdj.smallGenerate(dir.resolve("l.png"), "--lora", lora + ":0.8", "--quiet")).assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("l.png"), "--lora", dir.resolve("none.safetensors").toString()))
        .assertOneErrorLine(2, "--lora", "none.safetensors", "is not a file");
    Path notLora = noise("not-a-lora", 1, 4, 8, 8);
    Sdj.run(Sdj.smallGenerate(dir.resolve("l.png"), "--lora", notLora.toString()))
        .assertOneErrorLine(1, "LoRA", "holds no LoRA layers");
  }

  /** Refused before the model loads: the missing model would otherwise be the error. */
  @Test
  void anOutputThatCannotBeWrittenIsRefusedFirst() {
    String missingModel = dir.resolve("no-model").toString();
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.webp"), "--model", missingModel))
        .assertOneErrorLine(2, "--output", "x.webp", "*.png, *.jpg");
    Sdj.run(Sdj.smallGenerate(dir.resolve("no/such/x.png"), "--model", missingModel))
        .assertOneErrorLine(2, "--output", "does not exist");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--model", missingModel, "--output-latents",
        dir.resolve("no/such/l.safetensors").toString())).assertOneErrorLine(2, "--output-latents", "does not exist");
  }

  @Test
  void unreadableInitImage() throws IOException {
    Path garbage = Files.writeString(dir.resolve("garbage.png"), "this is not an image");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", garbage.toString()))
        .assertOneErrorLine(1, garbage.toString());
    Path missing = dir.resolve("missing.png");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", missing.toString()))
        .assertOneErrorLine(1, missing.toString());
  }

  @Test
  void initNoiseOfTheWrongShape() {
    Path transposed = noise("transposed", 1, 4, 4, 16);
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-noise", transposed.toString()))
        .assertOneErrorLine(1, transposed.toString(), "[1, 4, 4, 16]", "needs [1, 4, 8, 8]");
    Path wrongBatch = noise("batch", 2, 4, 8, 8);
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-noise", wrongBatch.toString()))
        .assertOneErrorLine(1, "[2, 4, 8, 8]", "--batch 1");
    Path threeDims = noise("three-dims", 4, 8, 8);
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-noise", threeDims.toString()))
        .assertOneErrorLine(1, "[batch, 4, height/8, width/8]", "[4, 8, 8]");
    // Without --width/--height the model's native size (128x128 for the tiny model) decides.
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--prompt", "x",
        "--init-noise", noise("native", 1, 4, 8, 8).toString(), "--output", dir.resolve("x.png").toString())
        .assertOneErrorLine(1, "256 values", "128x128", "needs 1024");
  }

  @Test
  void initNoiseWithAnInitImage() throws IOException {
    Path image = dir.resolve("in.png");
    ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", image.toString(), "--init-noise",
        noise("img2img", 1, 4, 8, 8).toString())).assertOneErrorLine(1, "txt2img only");
  }

  @Test
  void initNoiseFileWithTwoTensors() {
    Path two = dir.resolve("two.safetensors");
    SafeTensorsWriter.create().add("a", DType.F32, new long[] {1, 4, 8, 8}, new float[256])
        .add("b", DType.F32, new long[] {1, 4, 8, 8}, new float[256]).write(two);
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-noise", two.toString()))
        .assertOneErrorLine(1, two.toString(), "exactly one tensor", "holds 2");
  }

  @Test
  void unknownScheduler() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--scheduler", "warp-drive"))
        .assertOneErrorLine(1, "unknown scheduler 'warp-drive'", "euler-a");
  }

  @Test
  void schedulerOptionsOverTheModelsConfig() throws IOException {
    List<float[]> latents = new ArrayList<>();
    for (String eta : List.of("eta=0", "eta=0.7", "eta=0.7")) {
      Path file = dir.resolve("eta-" + latents.size() + ".safetensors");
      // Each in one argument: smallGenerate replaces an option's value where the option is given twice.
      Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--scheduler", "ddim", "--scheduler-option=" + eta,
          "--scheduler-option=timestep_spacing=trailing", "--seed", "3", "--quiet", "--output-latents",
          file.toString())).assertSuccess();
      try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
        latents.add(f.get("latents").toFloatArray());
      }
    }
    assertFalse(Arrays.equals(latents.get(0), latents.get(1)), "DDIM's eta draws noise");
    assertArrayEquals(latents.get(1), latents.get(2));
    // The options ride in the infotext, sorted, and --parameters-from takes them again with its scheduler.
    Path picture = dir.resolve("options.png");
    Sdj.run(Sdj.smallGenerate(picture, "--scheduler", "ddim", "--scheduler-option=timestep_spacing=trailing",
        "--scheduler-option=eta=0.7", "--seed", "3", "--quiet")).assertSuccess();
    String info = ImageFiles.readParameters(picture).orElseThrow();
    assertTrue(info.contains("Scheduler options: \"eta=0.7, timestep_spacing=trailing\""), info);
    Path again = dir.resolve("options-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        picture.toString(), "--output", again.toString()).assertSuccess();
    assertArrayEquals(Files.readAllBytes(picture), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        picture.toString(), "--scheduler", "euler", "--output", again.toString()).assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--scheduler", "tcd", "--scheduler-option", "eta=2"))
        .assertOneErrorLine(1, "eta (gamma) must be in [0, 1], got 2");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--scheduler-option", "timestep_spacing=sideways"))
        .assertOneErrorLine(1, "timestep_spacing");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--scheduler-option", "use_karas_sigmas=true"))
        .assertOneErrorLine(1, "scheduler euler does not read use_karas_sigmas");
  }

  @Test
  void a1111LoraTagsFindTheirFilesInTheLoraFolders() throws IOException {
    Path loras = dir.resolve("loras");
    Path lora = TestFixtures.copyResource("/lora/kohya-lora.safetensors", loras.resolve("kohya-lora.safetensors"));
    Path tagged = dir.resolve("tagged.safetensors");
    Path given = dir.resolve("given.safetensors");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--prompt-syntax", "a1111", "--prompt",
        "an otter <lora:kohya-lora:0.8>", "--lora-dir", loras.toString(), "--quiet", "--output-latents",
        tagged.toString())).assertSuccess();
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--prompt-syntax", "a1111", "--prompt", "an otter ", "--lora",
        lora + ":0.8", "--quiet", "--output-latents", given.toString())).assertSuccess();
    try (SafeTensorsFile a = SafeTensorsFile.open(tagged); SafeTensorsFile b = SafeTensorsFile.open(given)) {
      assertArrayEquals(b.get("latents").toFloatArray(), a.get("latents").toFloatArray());
    }
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--prompt-syntax", "a1111", "--prompt",
        "an otter <lora:missing:0.5>", "--lora-dir", loras.toString())).assertOneErrorLine(2, "no missing.safetensors");
  }

  @Test
  void zeroOrNegativeSteps() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--steps", "0"))
        .assertOneErrorLine(2, "--steps must be at least 1, got 0", "sdj generate --help");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--steps", "-4"))
        .assertOneErrorLine(2, "--steps must be at least 1, got -4");
  }

  @Test
  void widthNotAMultipleOfEight() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--width", "100"))
        .assertOneErrorLine(1, "multiples of 8", "100x64");
  }

  @Test
  void onlyOneOfWidthAndHeight() {
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--prompt", "x", "--width", "64")
        .assertOneErrorLine(2, "give both --width and --height");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--prompt", "x", "--height", "64")
        .assertOneErrorLine(2, "give both --width and --height");
  }

  @Test
  void strengthOutOfRangeForImg2Img() throws IOException {
    Path image = dir.resolve("in.png");
    ImageIO.write(new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", image.toString(), "--strength", "1.5"))
        .assertOneErrorLine(1, "strength must be in (0, 1], got 1.5");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", image.toString(), "--strength", "0"))
        .assertOneErrorLine(1, "strength must be in (0, 1], got 0.0");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--init-image", image.toString(), "--strength", "0.2",
        "--steps", "4")).assertOneErrorLine(1, "strength 0.2 with 4 steps leaves no step to run");
  }

  @Test
  void inpaintingWithAMaskOnTheCpuBackend() throws IOException {
    Path image = dir.resolve("in.png");
    Path mask = dir.resolve("mask.png");
    ImageIO.write(InpaintingFixture.ramp(), "png", image.toFile());
    ImageIO.write(InpaintingFixture.mask(), "png", mask.toFile());
    Path out = dir.resolve("inpainted.png");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--mask", mask.toString())).assertSuccess();
    // Without --strength, inpainting repaints the masked part from pure noise, as diffusers' pipeline defaults.
    assertTrue(ImageFiles.readParameters(out).orElseThrow().matches("(?s).*Denoising strength: 1(\\.0)?(,.*|$)"));
    Sdj.run(Sdj.smallGenerate(out, "--mask", mask.toString())).assertOneErrorLine(2, "--mask", "--init-image");
  }

  @Test
  void inpaintingTheMaskedAreaAloneIsRemadeFromItsParameters() throws IOException {
    Path image = dir.resolve("in.png");
    Path mask = dir.resolve("mask.png");
    ImageIO.write(InpaintingFixture.ramp(), "png", image.toFile());
    ImageIO.write(InpaintingFixture.mask(), "png", mask.toFile());
    Path out = dir.resolve("only-masked.png");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--mask", mask.toString(), "--only-masked", "4",
        "--width", "32", "--height", "32", "--mask-blur", "2", "--invert-mask", "--masked-content", "latent-noise",
        "--strength", "0.6")).assertSuccess();
    String info = ImageFiles.readParameters(out).orElseThrow();
    assertTrue(info.contains("Size: 32x32") && info.contains("Mask blur: 2, Mask mode: Inpaint not masked, Masked"
        + " content: latent noise, Inpaint area: Only masked, Masked area padding: 4"), info);
    assertEquals(64, ImageIO.read(out.toFile()).getWidth(), "the picture keeps its size");
    Path again = dir.resolve("only-masked-again.png");
    Sdj.run("generate", "--model", Sdj.tinyModel().toString(), "--backend", "cpu", "--quiet", "--parameters-from",
        out.toString(), "--init-image", image.toString(), "--mask", mask.toString(), "--output", again.toString())
        .assertSuccess();
    assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again), "the same picture, the same file");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--only-masked"))
        .assertOneErrorLine(2, "--only-masked repaints a mask's area: add --mask");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--mask-blur", "4"))
        .assertOneErrorLine(2, "--mask-blur blurs a mask: add --mask");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--invert-mask"))
        .assertOneErrorLine(2, "--invert-mask inverts a mask: add --mask");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--masked-content", "fill"))
        .assertOneErrorLine(2, "--masked-content fills a mask's area: add --mask");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--mask", mask.toString(), "--masked-content",
        "noise")).assertOneErrorLine(2, "--masked-content noise is not one of original, fill, latent-noise");
  }

  @Test
  void aResizeModeBringsTheInitImageToThePicturesShape() throws IOException {
    Path image = dir.resolve("wide.png");
    ImageIO.write(new BufferedImage(96, 48, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
    Path out = dir.resolve("cropped.png");
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--strength", "0.5", "--resize-mode",
        "crop-and-resize")).assertSuccess();
    assertEquals(64, ImageIO.read(out.toFile()).getWidth());
    Sdj.run(Sdj.smallGenerate(out, "--init-image", image.toString(), "--resize-mode", "squash"))
        .assertOneErrorLine(2, "--resize-mode squash: say just-resize, crop-and-resize or resize-and-fill");
    Sdj.run(Sdj.smallGenerate(out, "--resize-mode", "resize-and-fill"))
        .assertOneErrorLine(2, "--resize-mode brings an image to the picture's size: add --init-image");
  }

  @Test
  void aCountOfRunsTakesTheNextSeedsAndEachFileRemakesItselfAlone() throws IOException {
    Path out = dir.resolve("count.png");
    Sdj.Run run = Sdj.run(Sdj.smallGenerate(out, "--count", "3", "--seed", "40", "--quiet"));
    run.assertSuccess();
    assertEquals(List.of("count-1.png", "count-2.png", "count-3.png"),
        run.out().lines().map(l -> Path.of(l).getFileName().toString()).toList());
    assertTrue(ImageFiles.readParameters(dir.resolve("count-3.png")).orElseThrow().contains("Seed: 42,"));
    Path alone = dir.resolve("alone.png");
    Sdj.run(Sdj.smallGenerate(alone, "--seed", "42", "--quiet")).assertSuccess();
    assertArrayEquals(Files.readAllBytes(dir.resolve("count-3.png")), Files.readAllBytes(alone));
    Sdj.run(Sdj.smallGenerate(out, "--count", "0")).assertOneErrorLine(2, "--count must be at least 1");
  }

  @Test
  void vaeTilingOnAPictureLargerThanTheTinyVaesTile() throws IOException {
    // The tiny VAE's sample_size is 128: 192x136 runs two tiles by two.
    Path out = dir.resolve("tiled.png");
    Sdj.run(Sdj.smallGenerate(out, "--width", "192", "--height", "136", "--vae-tiling")).assertSuccess();
    BufferedImage image = ImageIO.read(out.toFile());
    assertEquals(192, image.getWidth());
    assertEquals(136, image.getHeight());
  }

  @Test
  void cudaWhereItCannotRunSaysWhy() {
    assumeFalse(new CudaBackendProvider().availability().usable(), "this machine can run the CUDA backend");
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--backend", "cuda"))
        .assertOneErrorLine(1, "backend 'cuda' cannot run here");
  }

  @Test
  void anUnknownBackend() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--backend", "tpu")).assertOneErrorLine(1, "tpu");
  }

  @Test
  void aNumberThatIsNotANumber() {
    Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--steps", "many")).assertOneErrorLine(2, "--steps", "many");
  }

  @Test
  void verboseShowsTheStackTrace() {
    Sdj.Run run = Sdj.run(Sdj.smallGenerate(dir.resolve("x.png"), "--verbose", "--scheduler", "warp-drive"));
    assertEquals(1, run.status());
    assertTrue(run.err().contains("\tat org.sdj."), run.err());
    assertTrue(run.err().strip().lines().reduce((a, b) -> b).orElseThrow().startsWith("sdj: unknown scheduler"),
        run.err());
  }

  private Path noise(String name, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    Path file = dir.resolve(name + ".safetensors");
    SafeTensorsWriter.create().add("noise", DType.F32, shape, new float[Math.toIntExact(n)]).write(file);
    return file;
  }
}
