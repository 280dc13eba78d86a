package org.sdj.io.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.ModelSource;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;
import org.sdj.scheduler.Schedulers;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * The published architectures (SD 1.5, SD 2.1-base, SD 2.1) from their bundled configs: the key sets they imply, the
 * main mapping against the test's independent renaming and against names known from real files, and family detection
 * on synthetic key/shape sets (no real 2 GB files).
 */
class PublishedArchitecturesTest {
  @TempDir Path dir;

  private ModelConfigs configs(ModelFamily family, boolean linear) {
    Path folder = dir.resolve(family.id() + "-" + linear);
    if (!Files.isDirectory(folder)) {
      PublishedConfigs.write(family, linear, folder);
    }
    return ConfigFolder.read(folder);
  }

  private static Map<String, long[]> record(Consumer<Weights> model) {
    Map<String, long[]> shapes = new TreeMap<>();
    model.accept(Weights.recording(shapes));
    return shapes;
  }

  private static Map<String, long[]> unet(ModelConfigs c) {
    return record(w -> new UNet2DConditionModel(c.unet(), w));
  }

  private static Map<String, long[]> vae(ModelConfigs c) {
    return record(w -> new AutoencoderKL(c.vae(), w));
  }

  private static Map<String, long[]> text(ModelConfigs c) {
    return record(w -> new ClipTextModel(c.textEncoder().orElseThrow().config(), w));
  }

  private static Map<String, long[]> text2(ModelConfigs c) {
    return record(w -> new ClipTextModel(c.textEncoder2().orElseThrow().config(), w, true));
  }

  /**
   * The test's own renaming for {@code family}'s UNet: SDXL has three blocks, the last up block without attention;
   * its refiner four, the first and last without.
   */
  private static OriginalNames originalNames(ModelFamily family) {
    return switch (family) {
      case SDXL -> new OriginalNames(2, 3, List.of(true, true, false));
      case SDXL_REFINER -> new OriginalNames(2, 4, List.of(false, true, true, false));
      default -> new OriginalNames(2, 4, List.of(false, true, true, true));
    };
  }

  private static long parameters(Map<String, long[]> shapes) {
    return shapes.values().stream().mapToLong(s -> java.util.Arrays.stream(s).reduce(1, Math::multiplyExact)).sum();
  }

  @Test
  void stateDictSizesAreThoseOfTheReleasedModels() {
    ModelConfigs sd15 = configs(ModelFamily.SD_1, false);
    assertEquals(686, unet(sd15).size());
    assertEquals(248, vae(sd15).size());
    assertEquals(196, text(sd15).size());
    ModelConfigs sd21 = configs(ModelFamily.SD_2_V, true);
    assertEquals(686, unet(sd21).size());
    assertEquals(4 + 23 * 16, text(sd21).size(), "23 of OpenCLIP's 24 layers");
    assertEquals(1024, sd21.unet().crossAttentionDim(0));
    assertTrue(sd21.unet().useLinearProjection());
    // stable-diffusion-xl-base-1.0 as diffusers builds it from these configs: entries and parameters per component.
    ModelConfigs sdxl = configs(ModelFamily.SDXL, true);
    assertEquals(1680, unet(sdxl).size());
    assertEquals(2_567_463_684L, parameters(unet(sdxl)));
    assertEquals(248, vae(sdxl).size());
    assertEquals(83_653_863L, parameters(vae(sdxl)));
    assertEquals(196, text(sdxl).size());
    assertEquals(123_060_480L, parameters(text(sdxl)));
    assertEquals(517, text2(sdxl).size());
    assertEquals(694_659_840L, parameters(text2(sdxl)));
    // stable-diffusion-xl-refiner-1.0: its UNet as diffusers builds it from SGM's sd_xl_refiner.yaml
    // (create_unet_diffusers_config_from_ldm), bigG alone, the base's VAE.
    ModelConfigs refiner = configs(ModelFamily.SDXL_REFINER, true);
    assertEquals(2_259_526_660L, parameters(unet(refiner)));
    assertTrue(refiner.textEncoder().isEmpty());
    assertEquals(694_659_840L, parameters(text2(refiner)));
    assertEquals(83_653_863L, parameters(vae(refiner)));
    assertTrue(refiner.textEncoder2().orElseThrow().requiresAestheticsScore());
    assertFalse(refiner.textEncoder2().orElseThrow().forceZerosForEmptyPrompt());
  }

  @Test
  void mainMappingAgreesWithTheIndependentRenaming() {
    for (ModelFamily family : ModelFamily.values()) {
      ModelConfigs c = configs(family, family != ModelFamily.SD_1);
      OriginalNames names = originalNames(family);
      KeyMap unetMap = UNetKeyMap.of(c.unet());
      unet(c).forEach((n, shape) -> assertEquals(SourceKey.same(names.unet(n)), unetMap.locate(n).orElseThrow(), n));
      KeyMap vaeMap = VaeKeyMap.of(c.vae(), CheckpointLayout.VAE);
      vae(c).forEach((n, shape) -> {
        SourceKey key = vaeMap.locate(n).orElseThrow();
        assertEquals(OriginalNames.vae(n, 4), key.name(), n);
        if (OriginalNames.vaeConvWeight(n)) {
          assertArrayEquals(shape, key.view().shape(new long[] {shape[0], shape[1], 1, 1}).orElseThrow(), n);
        } else {
          assertInstanceOf(SourceKey.AsIs.class, key.view(), n);
        }
      });
    }
  }

  @Test
  void namesKnownFromReleasedFiles() {
    KeyMap unet = UNetKeyMap.of(configs(ModelFamily.SD_1, false).unet());
    Map<String, String> known = Map.of(
        "up_blocks.3.resnets.2.conv_shortcut.weight", "output_blocks.11.0.skip_connection.weight",
        "down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight",
        "input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight",
        "up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.1.conv.weight",
        "up_blocks.1.upsamplers.0.conv.bias", "output_blocks.5.2.conv.bias",
        "down_blocks.2.downsamplers.0.conv.weight", "input_blocks.9.0.op.weight",
        "mid_block.resnets.1.time_emb_proj.weight", "middle_block.2.emb_layers.1.weight",
        "time_embedding.linear_2.bias", "time_embed.2.bias",
        "conv_norm_out.weight", "out.0.weight");
    known.forEach((d, o) -> assertEquals("model.diffusion_model." + o, unet.locate(d).orElseThrow().name(), d));
    KeyMap vae = VaeKeyMap.of(configs(ModelFamily.SD_1, false).vae(), CheckpointLayout.VAE);
    assertEquals("first_stage_model.decoder.up.3.block.0.conv1.weight",
        vae.locate("decoder.up_blocks.0.resnets.0.conv1.weight").orElseThrow().name());
    assertEquals("first_stage_model.encoder.mid.attn_1.proj_out.weight",
        vae.locate("encoder.mid_block.attentions.0.to_out.0.weight").orElseThrow().name());
    assertEquals("first_stage_model.decoder.up.0.block.0.nin_shortcut.bias",
        vae.locate("decoder.up_blocks.3.resnets.0.conv_shortcut.bias").orElseThrow().name());
    KeyMap xl = UNetKeyMap.of(configs(ModelFamily.SDXL, true).unet());
    Map<String, String> knownXl = Map.of(
        "add_embedding.linear_1.weight", "label_emb.0.0.weight",
        "add_embedding.linear_2.bias", "label_emb.0.2.bias",
        "down_blocks.2.attentions.1.transformer_blocks.9.attn2.to_k.weight",
        "input_blocks.8.1.transformer_blocks.9.attn2.to_k.weight",
        "up_blocks.0.attentions.2.transformer_blocks.9.ff.net.2.weight",
        "output_blocks.2.1.transformer_blocks.9.ff.net.2.weight",
        "up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.2.conv.weight",
        "up_blocks.2.resnets.2.conv_shortcut.weight", "output_blocks.8.0.skip_connection.weight",
        "down_blocks.1.downsamplers.0.conv.bias", "input_blocks.6.0.op.bias");
    knownXl.forEach((d, o) -> assertEquals("model.diffusion_model." + o, xl.locate(d).orElseThrow().name(), d));
    KeyMap second = new OpenClipKeyMap(CheckpointLayout.SDXL_OPEN_CLIP);
    assertEquals(SourceKey.transposed("conditioner.embedders.1.model.text_projection"),
        second.locate("text_projection.weight").orElseThrow());
    assertEquals(SourceKey.chunk("conditioner.embedders.1.model.transformer.resblocks.31.attn.in_proj_bias", 2, 3),
        second.locate("text_model.encoder.layers.31.self_attn.v_proj.bias").orElseThrow());
    assertEquals(SourceKey.same("conditioner.embedders.0.transformer.text_model.final_layer_norm.weight"),
        ClipKeyMap.of(CheckpointLayout.SDXL_CLIP, true).locate("final_layer_norm.weight").orElseThrow());
    KeyMap open = new OpenClipKeyMap(CheckpointLayout.OPEN_CLIP);
    assertEquals(SourceKey.chunk("cond_stage_model.model.transformer.resblocks.22.attn.in_proj_weight", 1, 3),
        open.locate("text_model.encoder.layers.22.self_attn.k_proj.weight").orElseThrow());
    assertEquals(SourceKey.same("cond_stage_model.model.positional_embedding"),
        open.locate("text_model.embeddings.position_embedding.weight").orElseThrow());
    assertEquals(SourceKey.same("cond_stage_model.model.transformer.resblocks.0.mlp.c_proj.bias"),
        open.locate("text_model.encoder.layers.0.mlp.fc2.bias").orElseThrow());
  }

  @Test
  void publishedSchedulersAndTokenizers() {
    assertEquals("PNDMScheduler", configs(ModelFamily.SD_1, false).scheduler().get("_class_name").asText());
    assertEquals("epsilon", configs(ModelFamily.SD_2_BASE, true).scheduler().get("prediction_type").asText());
    assertEquals("v_prediction", configs(ModelFamily.SD_2_V, true).scheduler().get("prediction_type").asText());
    for (ModelFamily family : ModelFamily.values()) {
      ModelConfigs c = configs(family, true);
      Schedulers.fromConfig(c.scheduler());
      Path tokenizer = c.textEncoder().map(ModelSource.TextEncoder::tokenizerDirectory)
          .orElseGet(() -> c.textEncoder2().orElseThrow().tokenizerDirectory());
      int[] ids = ClipTokenizer.load(tokenizer).encode("a dog");
      boolean eos = family == ModelFamily.SD_1 || family == ModelFamily.SDXL;
      assertEquals(eos ? 49407 : 0, ids[ids.length - 1], family + " pads with");
    }
    ModelConfigs sdxl = configs(ModelFamily.SDXL, true);
    int[] second = ClipTokenizer.load(sdxl.textEncoder2().orElseThrow().tokenizerDirectory()).encode("a dog");
    assertEquals(0, second[second.length - 1], "SDXL's second tokenizer pads with !");
    assertEquals("EulerDiscreteScheduler", sdxl.scheduler().get("_class_name").asText());
    assertTrue(sdxl.textEncoder2().orElseThrow().forceZerosForEmptyPrompt());
  }

  /** The names and shapes of a checkpoint of {@code family}, as the test's own renaming writes them. */
  private Map<String, long[]> checkpointShapes(ModelFamily family) {
    ModelConfigs c = configs(family, family != ModelFamily.SD_1);
    OriginalNames names = originalNames(family);
    Map<String, long[]> shapes = new HashMap<>();
    unet(c).forEach((n, s) -> shapes.put(names.unet(n), s));
    vae(c).forEach((n, s) -> shapes.put(OriginalNames.vae(n, 4),
        OriginalNames.vaeConvWeight(n) ? new long[] {s[0], s[1], 1, 1} : s));
    if (family == ModelFamily.SD_1) {
      text(c).forEach((n, s) -> shapes.put(OriginalNames.clip(n, true), s));
    } else if (family == ModelFamily.SDXL) {
      shapes.put("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight",
          new long[] {49408, 768});
      shapes.put("conditioner.embedders.1.model.token_embedding.weight", new long[] {49408, 1280});
      shapes.put("conditioner.embedders.1.model.text_projection", new long[] {1280, 1280});
    } else if (family == ModelFamily.SDXL_REFINER) {
      shapes.put("conditioner.embedders.0.model.token_embedding.weight", new long[] {49408, 1280});
      shapes.put("conditioner.embedders.0.model.text_projection", new long[] {1280, 1280});
    } else {
      shapes.put("cond_stage_model.model.token_embedding.weight", new long[] {49408, 1024});
      for (int i = 0; i < 24; i++) {
        shapes.put("cond_stage_model.model.transformer.resblocks." + i + ".attn.in_proj_weight",
            new long[] {3 * 1024, 1024});
      }
    }
    return shapes;
  }

  private static FamilyDetector.Detection detect(Map<String, long[]> shapes, Map<String, String> metadata,
      Optional<ModelFamily> given) {
    return FamilyDetector.detect(shapes.keySet(), shapes::get, metadata, given, "test.safetensors");
  }

  @Test
  void detectsTheFamilyFromKeysAndShapes() {
    assertEquals(new FamilyDetector.Detection(ModelFamily.SD_1, false, 4),
        detect(checkpointShapes(ModelFamily.SD_1), Map.of(), Optional.empty()));
    Map<String, long[]> sd2 = checkpointShapes(ModelFamily.SD_2_V);
    assertEquals(new FamilyDetector.Detection(ModelFamily.SD_2_V, true, 4), detect(sd2, Map.of(), Optional.empty()));
    assertEquals(ModelFamily.SD_2_BASE, detect(sd2, Map.of("global_step", "875000"), Optional.empty()).family());
    assertEquals(ModelFamily.SD_2_BASE, detect(sd2, Map.of(), Optional.of(ModelFamily.SD_2_BASE)).family());
    Map<String, long[]> sdxl = new HashMap<>(checkpointShapes(ModelFamily.SDXL));
    assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL, true, 4), detect(sdxl, Map.of(), Optional.empty()));
    sdxl.put("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 9, 3, 3});
    assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL, true, 9), detect(sdxl, Map.of(), Optional.empty()));
    assertEquals(new FamilyDetector.Detection(ModelFamily.SDXL_REFINER, true, 4),
        detect(checkpointShapes(ModelFamily.SDXL_REFINER), Map.of(), Optional.empty()));
  }

  @Test
  void aUNetOfNineInputChannelsIsItsFamilysInpaintingModel() throws Exception {
    Map<String, long[]> sd1 = new HashMap<>(checkpointShapes(ModelFamily.SD_1));
    sd1.put("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 9, 3, 3});
    assertEquals(new FamilyDetector.Detection(ModelFamily.SD_1, false, 9), detect(sd1, Map.of(), Optional.empty()));
    // stable-diffusion-2-inpainting is the 512 base's (epsilon prediction), whatever its metadata says.
    Map<String, long[]> sd2 = new HashMap<>(checkpointShapes(ModelFamily.SD_2_V));
    sd2.put("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 9, 3, 3});
    assertEquals(new FamilyDetector.Detection(ModelFamily.SD_2_BASE, true, 9),
        detect(sd2, Map.of(), Optional.empty()));
    Path folder = dir.resolve("inpainting-configs");
    PublishedConfigs.write(ModelFamily.SD_1, false, 9, folder);
    assertTrue(Files.readString(folder.resolve("unet/config.json")).contains("\"in_channels\":9"));
  }

  @Test
  void detectsFromEmaOnlyFiles() {
    Map<String, long[]> ema = new HashMap<>();
    checkpointShapes(ModelFamily.SD_2_BASE).forEach((n, s) -> ema.put(n.startsWith("model.diffusion_model.")
        ? "model_ema." + n.substring("model.".length()).replace(".", "") : n, s));
    assertEquals(ModelFamily.SD_2_V, detect(ema, Map.of(), Optional.empty()).family());
  }

  @Test
  void refusesWhatItCannotConfigure() {
    Map<String, long[]> conditioned = new HashMap<>(checkpointShapes(ModelFamily.SD_1));
    conditioned.put("model.diffusion_model.input_blocks.0.0.weight", new long[] {320, 8, 3, 3});
    assertMessage(conditioned, "8 input channels");
    Map<String, long[]> odd = new HashMap<>(checkpointShapes(ModelFamily.SD_1));
    odd.put("model.diffusion_model.input_blocks.2.1.transformer_blocks.0.attn2.to_k.weight", new long[] {320, 512});
    assertMessage(odd, "512 wide");
    assertMessage(Map.of("encoder.weight", new long[] {1}), "not a Stable Diffusion checkpoint");
  }

  private static void assertMessage(Map<String, long[]> shapes, String expected) {
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> detect(shapes, Map.of(), Optional.empty()));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  @Test
  void publishedConfigTextIsTheFileThatShipsAndAnUnknownFileIsAnError() throws Exception {
    for (ModelFamily family : ModelFamily.values()) {
      Path folder = dir.resolve("text-" + family.id());
      PublishedConfigs.write(family, family != ModelFamily.SD_1, folder);
      List<String> files = switch (family) {
        case SDXL -> List.of("vae/config.json", "text_encoder/config.json", "text_encoder_2/config.json",
            "scheduler/scheduler_config.json");
        case SDXL_REFINER -> List.of("vae/config.json", "text_encoder_2/config.json",
            "scheduler/scheduler_config.json", "model_index.json");
        default -> List.of("vae/config.json", "text_encoder/config.json", "scheduler/scheduler_config.json");
      };
      for (String file : files) {
        assertEquals(Files.readString(folder.resolve(file)), family.publishedConfig(file), family + " " + file);
      }
    }
    assertThrows(org.sdj.SdjException.class, () -> ModelFamily.SD_1.publishedConfig("unet/missing.json"));
    assertThrows(org.sdj.SdjException.class, () -> ModelFamily.SD_1.publishedConfig("../sd21/unet/config.json"));
  }
}
