package org.sdj.io.checkpoint;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * Writes the tiny-sd1 fixture as a single-file checkpoint in the original layout, by {@link OriginalNames}: the VAE's
 * mid-block attention projections as {@code [C, C, 1, 1]} convolutions, CLIP under
 * {@code cond_stage_model.transformer.[text_model.]}, or OpenCLIP with fused q/k/v and one extra layer.
 */
final class TinyCheckpoint {
  static final int CLIP_LAYERS = 3;
  private static final int UNET_LAYERS = 2;
  private static final int UNET_BLOCKS = 3;
  private static final int VAE_BLOCKS = 4;

  private boolean innerTextModel = true;
  private boolean openClip;
  private boolean ema;
  private int emaOnlyFirst = Integer.MAX_VALUE;
  private final Set<String> dropped = new HashSet<>();
  private final Map<String, long[]> extra = new LinkedHashMap<>();
  private final SplittableRandom random = new SplittableRandom(7);

  static Path fixture() {
    return TestFixtures.path("tiny-sd1");
  }

  TinyCheckpoint innerTextModel(boolean inner) {
    this.innerTextModel = inner;
    return this;
  }

  TinyCheckpoint openClip() {
    this.openClip = true;
    return this;
  }

  /** The fixture's UNet weights as EMA ({@code model_ema.*}), and noise as the non-EMA weights. */
  TinyCheckpoint ema() {
    this.ema = true;
    return this;
  }

  /** EMA copies (noise) of only the first {@code n} UNet weights, the fixture's as the non-EMA weights. */
  TinyCheckpoint partialEma(int n) {
    this.emaOnlyFirst = n;
    return this;
  }

  TinyCheckpoint drop(String originalName) {
    dropped.add(originalName);
    return this;
  }

  /** An extra tensor of noise, written even if a tensor of that name is {@linkplain #drop dropped}. */
  TinyCheckpoint extra(String name, long... shape) {
    extra.put(name, shape);
    return this;
  }

  Path write(Path file) {
    SafeTensorsWriter out = SafeTensorsWriter.create().metadata("format", "pt");
    OriginalNames names = new OriginalNames(UNET_LAYERS, UNET_BLOCKS, List.of(false, true, true));
    try (SafeTensorsFile unet = open("unet/diffusion_pytorch_model.safetensors");
        SafeTensorsFile vae = open("vae/diffusion_pytorch_model.safetensors");
        SafeTensorsFile text = open("text_encoder/model.safetensors")) {
      int index = 0;
      for (String n : unet.names()) {
        SafeTensor t = unet.get(n);
        String original = names.unet(n);
        String twin = "model_ema." + original.substring("model.".length()).replace(".", "");
        if (ema) {
          put(out, twin, t.shape(), t.toFloatArray());
          put(out, original, t.shape(), noise(t.numel()));
        } else {
          put(out, original, t.shape(), t.toFloatArray());
          if (index++ < emaOnlyFirst && emaOnlyFirst != Integer.MAX_VALUE) {
            put(out, twin, t.shape(), noise(t.numel()));
          }
        }
      }
      for (String n : vae.names()) {
        SafeTensor t = vae.get(n);
        long[] s = t.shape();
        put(out, OriginalNames.vae(n, VAE_BLOCKS),
            OriginalNames.vaeConvWeight(n) ? new long[] {s[0], s[1], 1, 1} : s, t.toFloatArray());
      }
      if (openClip) {
        writeOpenClip(out, text);
      } else {
        for (String n : text.names()) {
          put(out, OriginalNames.clip(n, innerTextModel), text.get(n).shape(), text.get(n).toFloatArray());
        }
      }
    }
    extra.forEach((name, shape) -> out.add(name, DType.F32, shape, noise(numel(shape))));
    out.write(file);
    return file;
  }

  /** OpenCLIP names, q/k/v fused into in_proj, plus a last layer and a text projection that SD 2.x doesn't use. */
  private void writeOpenClip(SafeTensorsWriter out, SafeTensorsFile text) {
    String p = "cond_stage_model.model.";
    String t = "text_model.";
    copy(out, text, t + "embeddings.token_embedding.weight", p + "token_embedding.weight");
    copy(out, text, t + "embeddings.position_embedding.weight", p + "positional_embedding");
    copy(out, text, t + "final_layer_norm.weight", p + "ln_final.weight");
    copy(out, text, t + "final_layer_norm.bias", p + "ln_final.bias");
    long hidden = text.get(t + "final_layer_norm.weight").shape()[0];
    for (int i = 0; i <= CLIP_LAYERS; i++) {
      String from = t + "encoder.layers." + Math.min(i, CLIP_LAYERS - 1) + ".";
      String to = p + "transformer.resblocks." + i + ".";
      copy(out, text, from + "layer_norm1.weight", to + "ln_1.weight");
      copy(out, text, from + "layer_norm1.bias", to + "ln_1.bias");
      copy(out, text, from + "layer_norm2.weight", to + "ln_2.weight");
      copy(out, text, from + "layer_norm2.bias", to + "ln_2.bias");
      copy(out, text, from + "mlp.fc1.weight", to + "mlp.c_fc.weight");
      copy(out, text, from + "mlp.fc1.bias", to + "mlp.c_fc.bias");
      copy(out, text, from + "mlp.fc2.weight", to + "mlp.c_proj.weight");
      copy(out, text, from + "mlp.fc2.bias", to + "mlp.c_proj.bias");
      copy(out, text, from + "self_attn.out_proj.weight", to + "attn.out_proj.weight");
      copy(out, text, from + "self_attn.out_proj.bias", to + "attn.out_proj.bias");
      put(out, to + "attn.in_proj_weight", new long[] {3 * hidden, hidden}, concat(text, from, "weight"));
      put(out, to + "attn.in_proj_bias", new long[] {3 * hidden}, concat(text, from, "bias"));
    }
    put(out, p + "text_projection", new long[] {hidden, hidden}, noise(hidden * hidden));
  }

  private static float[] concat(SafeTensorsFile text, String layer, String kind) {
    float[] q = text.get(layer + "self_attn.q_proj." + kind).toFloatArray();
    float[] k = text.get(layer + "self_attn.k_proj." + kind).toFloatArray();
    float[] v = text.get(layer + "self_attn.v_proj." + kind).toFloatArray();
    float[] all = new float[q.length * 3];
    System.arraycopy(q, 0, all, 0, q.length);
    System.arraycopy(k, 0, all, q.length, q.length);
    System.arraycopy(v, 0, all, 2 * q.length, q.length);
    return all;
  }

  private void copy(SafeTensorsWriter out, SafeTensorsFile file, String from, String to) {
    put(out, to, file.get(from).shape(), file.get(from).toFloatArray());
  }

  private void put(SafeTensorsWriter out, String name, long[] shape, float[] data) {
    if (!dropped.contains(name)) {
      out.add(name, DType.F32, shape, data);
    }
  }

  private float[] noise(long n) {
    float[] x = new float[(int) n];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static SafeTensorsFile open(String relative) {
    return SafeTensorsFile.open(fixture().resolve(relative));
  }
}
