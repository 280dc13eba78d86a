package org.sdj.io.lora;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A LoRA to merge into the model's weights at load: {@code W += weight * (alpha / rank) * up @ down} for every layer it
 * names (LyCORIS' kinds: their own products). Read from a {@code .safetensors} file in kohya-ss' layout ({@code
 * lora_unet_...}, {@code lora_te_...}, {@code .lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}: what
 * AUTOMATIC1111, stable-diffusion.cpp and most shared LoRAs use) or diffusers' / PEFT's ({@code
 * unet.<module>.lora_A.weight}, {@code .lora_B.weight}; the {@code text_encoder.} prefix), for linear and convolution
 * layers (LoCon), and LyCORIS' LoHa ({@code .hada_w1_a}, ...) and LoKr ({@code .lokr_w1}, ...) layers, LoCon's Tucker
 * form ({@code .lora_mid}) and full differences ({@code .diff}), rebuilt as AUTOMATIC1111 rebuilds them (Tucker cores
 * included), each with DoRA's weight decomposition where it has a {@code .dora_scale} (as AUTOMATIC1111 merges it).
 * PEFT's DoRA ({@code .lora_magnitude_vector}) and bias differences ({@code .diff_b}) are refused by name.
 *
 * @param file the {@code .safetensors} file
 * @param weight the LoRA's strength (A1111's multiplier; 1 is as trained)
 */
public record Lora(Path file, double weight) {
  /** A LoRA file's name as A1111's {@code <lora:name:...>} tags call it: the file name without its extension. */
  public static String nameOf(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  public Lora {
    Objects.requireNonNull(file, "file");
    if (!Double.isFinite(weight)) {
      throw new IllegalArgumentException("LoRA weight must be a finite number, got " + weight);
    }
  }
}
