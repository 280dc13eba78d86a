package org.sdj.io.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.GenerationRequest;
import org.sdj.StableDiffusion;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * LoRAs merged at load give what a model whose weights were merged beforehand (here, by the test, in double) gives:
 * kohya's layout with alphas, diffusers' / PEFT's without, a linear and a convolution layer of the UNet and a layer of
 * the text encoder. And files that cannot be merged say why.
 */
class LoraTest {
  private static final String UNET_LINEAR = "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q";
  private static final String UNET_CONV = "down_blocks.1.resnets.0.conv1";
  private static final String TEXT_LINEAR = "text_model.encoder.layers.0.self_attn.q_proj";
  private static final int RANK = 4;

  @TempDir Path dir;

  /** One layer's factors: down [rank, in...], up [out, rank]. */
  private record Factors(String module, long[] downShape, float[] down, long out, float[] up, float alpha) {}

  @Test
  void kohyaLayoutMatchesWeightsMergedBeforehand() throws IOException {
    List<Factors> layers = List.of(
        factors(UNET_LINEAR, new long[] {RANK, 32}, 32, 2f, 1),
        factors(UNET_CONV, new long[] {RANK, 32, 3, 3}, 64, 8f, 2),
        factors(TEXT_LINEAR, new long[] {RANK, 32}, 32, 4f, 3));
    Path file = kohya("kohya.safetensors", layers,
        module -> (module.startsWith("text_model") ? "lora_te_" : "lora_unet_") + module.replace('.', '_'));
    assertMergedBeforehandAgrees(file, layers, 0.7);
  }

  /** A LoRA in kohya's layout (float16 factors, alphas) of {@code layers}, each keyed {@code key(module)}. */
  private Path kohya(String name, List<Factors> layers, Function<String, String> key) {
    SafeTensorsWriter kohya = SafeTensorsWriter.create();
    for (Factors f : layers) {
      String k = key.apply(f.module());
      kohya.add(k + ".lora_down.weight", DType.F16, f.downShape(), f.down());
      long[] upShape = f.downShape().length == 4 ? new long[] {f.out(), RANK, 1, 1} : new long[] {f.out(), RANK};
      kohya.add(k + ".lora_up.weight", DType.F16, upShape, f.up());
      kohya.add(k + ".alpha", DType.F32, new long[0], new float[] {f.alpha()});
    }
    Path file = dir.resolve(name);
    kohya.write(file);
    return file;
  }

  @Test
  void kohyaKeysWithTheOriginalLayersNamesMatchToo() throws IOException {
    // A1111 reads LoRAs that name the UNet's layers the CompVis way: input_blocks.1.1 is down_blocks.0.attentions.0,
    // input_blocks.4.0.in_layers.2 is down_blocks.1.resnets.0.conv1 (the tiny model has two layers a block).
    Map<String, String> original = Map.of(UNET_LINEAR, "input_blocks.1.1.transformer_blocks.0.attn1.to_q",
        UNET_CONV, "input_blocks.4.0.in_layers.2");
    List<Factors> layers = List.of(
        factors(UNET_LINEAR, new long[] {RANK, 32}, 32, 2f, 7),
        factors(UNET_CONV, new long[] {RANK, 32, 3, 3}, 64, 8f, 8));
    Path file = kohya("compvis.safetensors", layers, module -> "lora_unet_" + original.get(module).replace('.', '_'));
    assertMergedBeforehandAgrees(file, layers, 0.9);
  }

  @Test
  void diffusersLayoutMatchesWeightsMergedBeforehand() throws IOException {
    List<Factors> layers = List.of(
        factors(UNET_LINEAR, new long[] {RANK, 32}, 32, RANK, 4),
        factors(TEXT_LINEAR, new long[] {RANK, 32}, 32, RANK, 5));
    SafeTensorsWriter peft = SafeTensorsWriter.create();
    for (Factors f : layers) {
      String key = (f.module().startsWith("text_model") ? "text_encoder." : "unet.") + f.module();
      peft.add(key + ".lora_A.weight", DType.F32, f.downShape(), f.down());
      peft.add(key + ".lora_B.weight", DType.F32, new long[] {f.out(), RANK}, f.up());
    }
    Path file = dir.resolve("peft.safetensors");
    peft.write(file);
    assertMergedBeforehandAgrees(file, layers, 1.0);
  }

  @Test
  void weightZeroChangesNothing() throws IOException {
    Factors f = factors(UNET_LINEAR, new long[] {RANK, 32}, 32, 1f, 6);
    Path file = dir.resolve("zero.safetensors");
    SafeTensorsWriter.create().add("unet." + f.module() + ".lora_A.weight", DType.F32, f.downShape(), f.down())
        .add("unet." + f.module() + ".lora_B.weight", DType.F32, new long[] {32, RANK}, f.up()).write(file);
    assertArrayEquals(latents(TestFixtures.path("tiny-sd1"), null, 0), latents(TestFixtures.path("tiny-sd1"), file, 0));
  }

  @Test
  void filesThatCannotBeMergedSayWhy() {
    Path notLora = write("weights.safetensors", Map.of("conv.weight", new long[] {2, 2}));
    assertRefused(notLora, "holds no LoRA layers");
    Path loha = write("loha.safetensors", Map.of("lora_unet_x.hada_w1_a", new long[] {2, 2}));
    assertRefused(loha, "has hada_w1_a but no hada_w1_b");
    Path bias = write("full-bias.safetensors", Map.of("lora_unet_x.diff", new long[] {2, 2}, "lora_unet_x.diff_b",
        new long[] {2}));
    assertRefused(bias, "LyCORIS");
    Path peftDora = write("peft-dora.safetensors", Map.of("unet.x.lora_A.weight", new long[] {2, 2},
        "unet.x.lora_B.weight", new long[] {2, 2}, "unet.x.lora_magnitude_vector", new long[] {2}));
    assertRefused(peftDora, "DoRA");
    Path half = write("half.safetensors", Map.of("lora_unet_x.lora_down.weight", new long[] {2, 2}));
    assertRefused(half, "without its other factor");
    Path sdxl = write("sdxl.safetensors", Map.of("lora_te2_x.lora_down.weight", new long[] {2, 2},
        "lora_te2_x.lora_up.weight", new long[] {2, 2}));
    assertRefused(sdxl, "which this model does not have: a LoRA for SDXL?");
    Path unknown = write("unknown.safetensors", Map.of("lora_te3_x.lora_down.weight", new long[] {2, 2},
        "lora_te3_x.lora_up.weight", new long[] {2, 2}));
    assertRefused(unknown, "a model sdj does not know");
    Path other = write("other.safetensors", Map.of("lora_unet_input_blocks_1_1_proj_in.lora_down.weight",
        new long[] {2, 8}, "lora_unet_input_blocks_1_1_proj_in.lora_up.weight", new long[] {8, 2}));
    assertRefused(other, "another architecture");
    String q = "lora_unet_" + UNET_LINEAR.replace('.', '_');
    Path misshapen = write("misshapen.safetensors", Map.of(q + ".lora_down.weight", new long[] {2, 768},
        q + ".lora_up.weight", new long[] {32, 2}));
    assertRefused(misshapen, "another architecture");
  }

  private void assertRefused(Path lora, String part) {
    LoraException e = assertThrows(LoraException.class, () -> StableDiffusion.builder()
        .model(TestFixtures.path("tiny-sd1")).backend("reference").lora(lora, 1).build());
    assertTrue(e.getMessage().contains(part) && e.getMessage().contains(lora.toString()), e.getMessage());
  }

  private void assertMergedBeforehandAgrees(Path lora, List<Factors> layers, double weight) throws IOException {
    Path merged = mergedCopy(layers, weight);
    float[] expected = latents(merged, null, 0);
    float[] got = latents(TestFixtures.path("tiny-sd1"), lora, weight);
    float[] without = latents(TestFixtures.path("tiny-sd1"), null, 0);
    double change = 0;
    for (int i = 0; i < got.length; i++) {
      assertEquals(expected[i], got[i], 2e-4, "latent " + i);
      change = Math.max(change, Math.abs(got[i] - without[i]));
    }
    assertTrue(change > 1e-2, "the LoRA changed the latents by " + change + " only");
  }

  private static float[] latents(Path model, Path lora, double weight) {
    StableDiffusion.Builder builder = StableDiffusion.builder().model(model).backend("reference");
    if (lora != null) {
      builder.lora(lora, weight);
    }
    try (StableDiffusion sd = builder.build()) {
      return sd.generate(GenerationRequest.prompt("a lighthouse").size(64, 64).steps(2).scheduler("euler").seed(5))
          .latents();
    }
  }

  /** The tiny model with each layer's weight += weight * alpha / rank * up @ down, computed in double. */
  private Path mergedCopy(List<Factors> layers, double weight) throws IOException {
    Path source = TestFixtures.path("tiny-sd1");
    Path target = TestFixtures.copy("tiny-sd1", dir.resolve("merged"));
    for (String file : List.of("unet/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors")) {
      Map<String, float[]> values = new LinkedHashMap<>();
      Map<String, long[]> shapes = new LinkedHashMap<>();
      try (SafeTensorsFile st = SafeTensorsFile.open(source.resolve(file))) {
        for (String name : st.names()) {
          SafeTensor t = st.get(name);
          values.put(name, t.toFloatArray());
          shapes.put(name, t.shape());
        }
      }
      for (Factors f : layers) {
        float[] w = values.get(f.module() + ".weight");
        if (w == null) {
          continue;
        }
        int in = w.length / (int) f.out();
        double scale = weight * f.alpha() / RANK;
        for (int o = 0; o < f.out(); o++) {
          for (int j = 0; j < in; j++) {
            double sum = 0;
            for (int r = 0; r < RANK; r++) {
              sum += (double) f.up()[o * RANK + r] * f.down()[r * in + j];
            }
            w[o * in + j] = (float) (w[o * in + j] + scale * sum);
          }
        }
      }
      SafeTensorsWriter out = SafeTensorsWriter.create();
      values.forEach((name, v) -> out.add(name, DType.F32, shapes.get(name), v));
      out.write(target.resolve(file));
    }
    return target;
  }

  /** Random factors, rounded to float16 so that files of either dtype hold them exactly. */
  private static Factors factors(String module, long[] downShape, long out, float alpha, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    int in = 1;
    for (int i = 1; i < downShape.length; i++) {
      in *= (int) downShape[i];
    }
    float[] down = new float[RANK * in];
    float[] up = new float[(int) out * RANK];
    for (int i = 0; i < down.length; i++) {
      down[i] = Float.float16ToFloat(Float.floatToFloat16((float) random.nextGaussian() * 0.3f));
    }
    for (int i = 0; i < up.length; i++) {
      up[i] = Float.float16ToFloat(Float.floatToFloat16((float) random.nextGaussian() * 0.3f));
    }
    return new Factors(module, downShape, down, out, up, alpha);
  }

  private Path write(String name, Map<String, long[]> tensors) {
    SafeTensorsWriter w = SafeTensorsWriter.create();
    tensors.forEach((n, shape) -> {
      long count = 1;
      for (long d : shape) {
        count *= d;
      }
      w.add(n, DType.F32, shape, new float[(int) count]);
    });
    Path file = dir.resolve(name);
    w.write(file);
    return file;
  }
}
