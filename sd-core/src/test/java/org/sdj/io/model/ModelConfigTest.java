package org.sdj.io.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.TestFixtures;

class ModelConfigTest {
  @TempDir Path dir;

  private Path json(String text) throws IOException {
    return Files.writeString(Files.createTempFile(dir, "config", ".json"), text);
  }

  @Test
  void tinyFixtureUnet() {
    UNet2DConditionConfig unet = UNet2DConditionConfig.read(TestFixtures.path("tiny-sd1/unet/config.json"));
    assertEquals(3, unet.blockCount());
    assertEquals(List.of(32, 64, 64), unet.blockOutChannels());
    assertEquals(List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"), unet.downBlockTypes());
    assertEquals(List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"), unet.upBlockTypes());
    assertEquals(Optional.of("UNetMidBlock2DCrossAttn"), unet.midBlockType());
    assertEquals(List.of(2, 2, 2), unet.layersPerBlock());
    assertEquals(List.of(8, 8, 8), unet.numAttentionHeads());
    assertEquals(8, unet.numAttentionHeads(2));
    assertEquals(List.of(32, 32, 32), unet.crossAttentionDim());
    assertEquals(List.of(1, 1, 1), unet.transformerLayersPerBlock());
    assertEquals(List.of(false, false, false), unet.onlyCrossAttention());
    assertEquals(8, unet.normNumGroups());
    assertEquals(1e-5, unet.normEps());
    assertEquals(OptionalInt.of(16), unet.sampleSize());
    assertEquals(128, unet.timeEmbedDim());
    assertTrue(unet.flipSinToCos());
    assertEquals(0, unet.freqShift());
    assertEquals(4, unet.inChannels());
    assertFalse(unet.useLinearProjection());
    assertFalse(unet.upcastAttention());
    assertEquals("default", unet.resnetTimeScaleShift());
    assertEquals(Optional.empty(), unet.additionEmbedType());
    assertEquals(Optional.empty(), unet.classEmbedType());
    assertEquals("positional", unet.timeEmbeddingType());
  }

  @Test
  void tinyFixtureVaeAndTextEncoder() {
    AutoencoderKLConfig vae = AutoencoderKLConfig.read(TestFixtures.path("tiny-sd1/vae/config.json"));
    assertEquals(List.of(16, 16, 32, 32), vae.blockOutChannels());
    assertEquals(8, vae.downscaleFactor());
    assertEquals(0.18215, vae.scalingFactor());
    assertEquals(1, vae.layersPerBlock());
    assertEquals(8, vae.normNumGroups());
    assertEquals(4, vae.latentChannels());
    assertEquals(128, vae.sampleSize());
    assertTrue(vae.forceUpcast() && vae.useQuantConv() && vae.usePostQuantConv() && vae.midBlockAddAttention());
    assertEquals(OptionalDouble.empty(), vae.shiftFactor());

    ClipTextConfig clip = ClipTextConfig.read(TestFixtures.path("tiny-sd1/text_encoder/config.json"));
    assertEquals(32, clip.hiddenSize());
    assertEquals(64, clip.intermediateSize());
    assertEquals(3, clip.numHiddenLayers());
    assertEquals(4, clip.numAttentionHeads());
    assertEquals(8, clip.headDim());
    assertEquals(77, clip.maxPositionEmbeddings());
    assertEquals(49408, clip.vocabSize());
    assertEquals("quick_gelu", clip.hiddenAct());
    assertEquals(49406, clip.bosTokenId());
    assertEquals(49407, clip.eosTokenId());
    assertEquals(1, clip.padTokenId());
  }

  @Test
  void absentKeysTakeTheLibraryDefaults() throws IOException {
    UNet2DConditionConfig unet = UNet2DConditionConfig.read(json("{}"));
    assertEquals(List.of(320, 640, 1280, 1280), unet.blockOutChannels());
    assertEquals(4, unet.blockCount());
    assertEquals(List.of(8, 8, 8, 8), unet.numAttentionHeads());
    assertEquals(List.of(1280, 1280, 1280, 1280), unet.crossAttentionDim());
    assertEquals(32, unet.normNumGroups());
    assertEquals(OptionalInt.empty(), unet.sampleSize());
    assertEquals("silu", unet.actFn());
    assertEquals(1, unet.downsamplePadding());
    assertEquals(1.0, unet.midBlockScaleFactor());
    assertEquals(3, unet.convInKernel());
    assertFalse(unet.midBlockOnlyCrossAttention());

    AutoencoderKLConfig vae = AutoencoderKLConfig.read(json("{}"));
    assertEquals(List.of(64), vae.blockOutChannels());
    assertEquals(0.18215, vae.scalingFactor());
    assertEquals(32, vae.sampleSize());
    assertEquals(List.of(), vae.latentsMean());

    ClipTextConfig clip = ClipTextConfig.read(json("{}"));
    assertEquals(new ClipTextConfig(49408, 512, 2048, 512, 12, 8, 77, "quick_gelu", 1e-5, 0, 49406, 49407, 1), clip);
  }

  @Test
  void sdxlUnetWithListsNullsAndUnknownKeys() throws IOException {
    UNet2DConditionConfig unet = UNet2DConditionConfig.read(json("""
        {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.19.0.dev0",
         "addition_embed_type": "text_time", "addition_time_embed_dim": 256,
         "attention_head_dim": [5, 10, 20], "block_out_channels": [320, 640, 1280],
         "class_embed_type": null, "cross_attention_dim": 2048,
         "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
         "mid_block_only_cross_attention": null, "num_attention_heads": null,
         "projection_class_embeddings_input_dim": 2816, "sample_size": 128,
         "transformer_layers_per_block": [1, 2, 10], "upcast_attention": null,
         "up_block_types": ["CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"],
         "use_linear_projection": true, "some_future_option": {"nested": [1, 2]}}
        """));
    assertEquals(List.of(5, 10, 20), unet.numAttentionHeads());
    assertEquals(List.of(5, 10, 20), unet.attentionHeadDim());
    assertEquals(List.of(1, 2, 10), unet.transformerLayersPerBlock());
    assertEquals(10, unet.transformerLayersPerBlock(2));
    assertEquals(List.of(2048, 2048, 2048), unet.crossAttentionDim());
    assertEquals(Optional.of("text_time"), unet.additionEmbedType());
    assertEquals(OptionalInt.of(256), unet.additionTimeEmbedDim());
    assertEquals(OptionalInt.of(2816), unet.projectionClassEmbeddingsInputDim());
    assertEquals(Optional.empty(), unet.classEmbedType());
    assertFalse(unet.upcastAttention());
    assertTrue(unet.useLinearProjection());
    assertEquals(OptionalInt.of(128), unet.sampleSize());
  }

  @Test
  void numAttentionHeadsWinsOverAttentionHeadDim() throws IOException {
    UNet2DConditionConfig unet = UNet2DConditionConfig.read(json("""
        {"down_block_types": ["CrossAttnDownBlock2D", "DownBlock2D"], "up_block_types": ["UpBlock2D",
         "CrossAttnUpBlock2D"], "block_out_channels": [32, 64], "attention_head_dim": 8,
         "num_attention_heads": [2, 4], "layers_per_block": [1, 2], "only_cross_attention": [true, false]}
        """));
    assertEquals(List.of(2, 4), unet.numAttentionHeads());
    assertEquals(List.of(8, 8), unet.attentionHeadDim());
    assertEquals(List.of(1, 2), unet.layersPerBlock());
    assertEquals(List.of(true, false), unet.onlyCrossAttention());
    assertFalse(unet.midBlockOnlyCrossAttention());
  }

  @Test
  void everyBadValueIsReportedAtOnce() throws IOException {
    Path file = json("""
        {"_class_name": "UNet2DConditionModel", "in_channels": "four", "block_out_channels": [32, 64],
         "down_block_types": ["DownBlock2D", "DownBlock2D", "DownBlock2D"], "attention_head_dim": [8, 8],
         "norm_eps": null, "use_linear_projection": "yes", "sample_size": -3}
        """);
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> UNet2DConditionConfig.read(file));
    assertEquals(7, e.problems().size(), e.getMessage());
    for (String key : List.of("in_channels", "block_out_channels", "up_block_types", "attention_head_dim",
        "norm_eps", "use_linear_projection", "sample_size")) {
      assertTrue(e.problems().stream().anyMatch(p -> p.contains(key) && p.contains(file.toString())), key);
    }
  }

  @Test
  void wrongComponentClassIsReported() throws IOException {
    Path file = json("{\"_class_name\": \"AutoencoderTiny\"}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> AutoencoderKLConfig.read(file));
    assertTrue(e.getMessage().contains("AutoencoderTiny"));
  }

  @Test
  void modelIndexComponents() {
    ModelIndex index = ModelIndex.read(TestFixtures.path("tiny-sd1/model_index.json"));
    assertEquals("StableDiffusionPipeline", index.className());
    assertEquals(List.of("scheduler", "text_encoder", "tokenizer", "unet", "vae"),
        List.copyOf(index.components().keySet()));
    assertEquals(new ModelIndex.ComponentSpec("transformers", "CLIPTextModel"),
        index.component("text_encoder").orElseThrow());
    assertTrue(index.component("safety_checker").isEmpty());
  }

  @Test
  void modelIndexNeedsItsClassName() throws IOException {
    Path file = json("{\"unet\": [\"diffusers\", \"UNet2DConditionModel\"], \"vae\": [\"diffusers\"]}");
    ModelLoadException e = assertThrows(ModelLoadException.class, () -> ModelIndex.read(file));
    assertEquals(2, e.problems().size(), e.getMessage());
    assertTrue(e.problems().get(0).contains("_class_name is missing"));
    assertTrue(e.problems().get(1).contains("vae"));
  }
}
