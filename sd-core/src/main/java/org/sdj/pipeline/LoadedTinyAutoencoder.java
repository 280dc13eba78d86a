package org.sdj.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.sdj.backend.Backend;
import org.sdj.backend.WeightData;
import org.sdj.io.ckpt.TensorFiles;
import org.sdj.io.model.AutoencoderTinyConfig;
import org.sdj.io.model.ModelFolder;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.vae.AutoencoderTiny;

/**
 * TAESD loaded onto a backend, in place of the model's VAE: a diffusers {@code AutoencoderTiny} folder
 * ({@code madebyollin/taesd}, {@code madebyollin/taesdxl}: {@code config.json} and
 * {@code diffusion_pytorch_model.safetensors}),
 * that folder's weights file alone (what stable-diffusion.cpp's {@code --taesd} reads), or one of TAESD's own files
 * ({@code taesd_decoder.pth}, {@code taesdxl_decoder.safetensors}, {@code taesd_encoder.pth}: an {@code nn.Sequential}
 * each, as AUTOMATIC1111's {@code models/VAE-taesd} holds them). A single file has the published architecture, at
 * the width and latent channels its first convolution has.
 */
public final class LoadedTinyAutoencoder implements AutoCloseable {
  private static final String ENCODER = "encoder.layers.";
  private static final String DECODER = "decoder.layers.";

  private final Path location;
  private final AutoencoderTiny model;
  private final HeldWeights weights;

  private LoadedTinyAutoencoder(Path location, HeldWeights.Built<AutoencoderTiny> built) {
    this.location = location;
    this.model = built.model();
    this.weights = built.weights();
  }

  /**
   * Loads the tiny autoencoder at {@code location} onto {@code backend}: from a folder its {@code variant} weights
   * ({@code diffusion_pytorch_model.fp16.safetensors}) where it has them.
   *
   * @throws ModelLoadException listing every problem: files missing, config values sdj does not support, weights
   *     missing, misshapen or unknown
   */
  public static LoadedTinyAutoencoder load(Path location, Optional<String> variant, Backend backend) {
    String context = "Cannot load the tiny autoencoder (TAESD) " + location;
    if (Files.isDirectory(location)) {
      AutoencoderTinyConfig config = AutoencoderTinyConfig.read(location.resolve("config.json"));
      TensorSource tensors = TensorFiles.open(ModelFolder.weights(location, variant, context));
      return load(location, config, tensors, identity(tensors), backend, context);
    }
    if (!Files.isRegularFile(location)) {
      throw new ModelLoadException(context, List.of(location + " does not exist (give a diffusers AutoencoderTiny"
          + " folder such as madebyollin/taesd, its " + ModelFolder.WEIGHTS + ".safetensors, or TAESD's"
          + " taesd_decoder.pth)"));
    }
    TensorSource tensors = TensorFiles.open(location);
    try {
      Map<String, String> names = diffusersNames(tensors);
      if (names.isEmpty()) {
        throw new ModelLoadException(context, List.of("no TAESD weights: expected diffusers' AutoencoderTiny names"
            + " (encoder.layers.N..., decoder.layers.N...) or TAESD's own (an encoder's 0.weight, a decoder's"
            + " 1.weight, ...)"));
      }
      AutoencoderTinyConfig config = configOf(tensors, names);
      return load(location, config, tensors, names, backend, context);
    } catch (RuntimeException e) {
      tensors.close();
      throw e;
    }
  }

  private static LoadedTinyAutoencoder load(Path location, AutoencoderTinyConfig config, TensorSource tensors,
      Map<String, String> names, Backend backend, String context) {
    Weights weights = new Weights(backend, names.keySet(), name -> {
      SafeTensor t = tensors.get(names.get(name));
      return new WeightData(name, t.dtype(), t.shape(), t.data());
    });
    boolean encoder = names.keySet().stream().anyMatch(n -> n.startsWith(ENCODER));
    boolean decoder = names.keySet().stream().anyMatch(n -> n.startsWith(DECODER));
    return new LoadedTinyAutoencoder(location, HeldWeights.build(weights, tensors,
        w -> new AutoencoderTiny(config, w, encoder, decoder), context, true));
  }

  /** Every name as it is: a diffusers folder's file. */
  private static Map<String, String> identity(TensorSource tensors) {
    Map<String, String> names = new TreeMap<>();
    tensors.names().forEach(n -> names.put(n, n));
    return names;
  }

  /**
   * The diffusers name of each tensor of a single file, empty where it is no TAESD file: diffusers' names are kept;
   * TAESD's encoder ({@code 0.weight}: its first layer is a convolution) is diffusers' {@code encoder.layers} as it
   * is; its decoder ({@code 1.weight}: a {@code Clamp} comes first) is {@code decoder.layers} one index lower.
   */
  private static Map<String, String> diffusersNames(TensorSource tensors) {
    if (tensors.names().stream().anyMatch(n -> n.startsWith(ENCODER) || n.startsWith(DECODER))) {
      return identity(tensors);
    }
    boolean encoder = tensors.contains("0.weight");
    if (!encoder && !tensors.contains("1.weight")) {
      return Map.of();
    }
    Map<String, String> names = new TreeMap<>();
    for (String name : tensors.names()) {
      int dot = name.indexOf('.');
      int index = dot > 0 ? parseIndex(name.substring(0, dot)) : -1;
      if (index < 0 || !encoder && index == 0) {
        // Left under its own name, for the untaken-weights check to report.
        names.put(name, name);
        continue;
      }
      names.put((encoder ? ENCODER + index : DECODER + (index - 1)) + name.substring(dot), name);
    }
    return names;
  }

  private static int parseIndex(String s) {
    return s.chars().allMatch(Character::isDigit) && !s.isEmpty() && s.length() < 6 ? Integer.parseInt(s) : -1;
  }

  /**
   * A single file's configuration: the published one at the width and latent channels of its first convolution (the
   * decoder's reads the latents, the encoder's last one makes them).
   */
  private static AutoencoderTinyConfig configOf(TensorSource tensors, Map<String, String> names) {
    String first = DECODER + "0.weight";
    if (names.containsKey(first)) {
      long[] shape = convolution(tensors, names, first);
      return AutoencoderTinyConfig.published(Math.toIntExact(shape[1]), Math.toIntExact(shape[0]));
    }
    int width = Math.toIntExact(convolution(tensors, names, ENCODER + "0.weight")[0]);
    String last = names.keySet().stream().filter(n -> n.startsWith(ENCODER) && n.endsWith(".weight")
        && n.indexOf('.', ENCODER.length()) == n.lastIndexOf('.'))
        .max((a, b) -> Integer.compare(layerIndex(a), layerIndex(b))).orElseThrow();
    return AutoencoderTinyConfig.published(Math.toIntExact(convolution(tensors, names, last)[0]), width);
  }

  private static int layerIndex(String name) {
    String rest = name.substring(ENCODER.length());
    return parseIndex(rest.substring(0, rest.indexOf('.')));
  }

  private static long[] convolution(TensorSource tensors, Map<String, String> names, String name) {
    if (!names.containsKey(name)) {
      throw new ModelLoadException("Cannot read the tiny autoencoder", List.of(name + " is not in the file"));
    }
    long[] shape = tensors.get(names.get(name)).shape();
    if (shape.length != 4 || shape[0] < 1 || shape[1] < 1 || shape[0] > 4096 || shape[1] > 4096) {
      throw new ModelLoadException("Cannot read the tiny autoencoder",
          List.of(name + " has shape " + Arrays.toString(shape) + ", not a convolution's [out, in, 3, 3]"));
    }
    return shape;
  }

  public AutoencoderTiny model() {
    return model;
  }

  /** The folder or file it was loaded from. */
  public Path location() {
    return location;
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.close();
  }
}
