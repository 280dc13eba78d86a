package org.sdj.upscale;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.image.Images;
import org.sdj.io.ckpt.TensorFiles;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.esrgan.UpscalingNetwork;
import org.sdj.model.nn.PixelUnshuffle;

/**
 * An ESRGAN upscaler (Real-ESRGAN's {@code RealESRGAN_x4plus.pth}, {@code RealESRGAN_x2plus.pth}, the anime one,
 * 4x-UltraSharp, ESRGAN_4x; or Real-ESRGAN's compact {@code realesr-general-x4v3.pth}; {@code .pth} or
 * {@code .safetensors}) on a backend, run as AUTOMATIC1111 runs its upscalers:
 * each tile's colors go in as blue, green, red (its {@code pil_image_to_torch_bgr}) over 255, the output is clamped to
 * [0, 1], times 255 rounded half to even, and the tiles are laid back as {@link UpscaleTiles} says. Its weights stay on
 * the backend until {@link #close()}; the backend stays the caller's.
 */
public final class ModelUpscaler implements AutoCloseable {
  /** The Real-ESRGAN files A1111 lists under names of its own (ESRGAN files it lists by name). */
  private static final Map<String, String> A1111_NAMES = Map.of("RealESRGAN_x4plus", "R-ESRGAN 4x+",
      "RealESRGAN_x4plus_anime_6B", "R-ESRGAN 4x+ Anime6B", "RealESRGAN_x2plus", "R-ESRGAN 2x+",
      "realesr-general-x4v3", "R-ESRGAN General 4xV3", "realesr-general-wdn-x4v3", "R-ESRGAN General WDN 4xV3",
      "realesr-animevideov3", "R-ESRGAN AnimeVideo");

  private final String name;
  private final UpscalingNetwork network;
  private final Backend backend;
  private final TensorSource file;
  private final Weights weights;

  private ModelUpscaler(String name, UpscalingNetwork network, Backend backend, TensorSource file,
      Weights weights) {
    this.name = name;
    this.network = network;
    this.backend = backend;
    this.file = file;
    this.weights = weights;
  }

  /**
   * Loads the network in {@code file} onto {@code backend}.
   *
   * @throws ModelLoadException if the file is missing, not an ESRGAN network of a layout sdj reads, or misshapen
   */
  public static ModelUpscaler load(Path file, Backend backend) {
    String context = "Cannot load the upscaler " + file;
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException(context, List.of(file + ": file not found (give an ESRGAN .pth or .safetensors)"));
    }
    TensorSource source = TensorFiles.open(file);
    Weights weights = null;
    try {
      EsrganStateDict dict = EsrganStateDict.of(source);
      weights = dict.weights(backend);
      UpscalingNetwork network = dict.network(weights);
      if (!weights.problems().isEmpty()) {
        throw new ModelLoadException(context, weights.problems());
      }
      return new ModelUpscaler(nameOf(file), network, backend, source, weights);
    } catch (IllegalArgumentException e) {
      close(weights, source);
      throw new ModelLoadException(context, List.of(e.getMessage()));
    } catch (RuntimeException e) {
      close(weights, source);
      throw e;
    }
  }

  /**
   * The upscaler's name as A1111 lists it: {@code R-ESRGAN 4x+}, {@code R-ESRGAN 4x+ Anime6B}, {@code R-ESRGAN 2x+},
   * {@code R-ESRGAN General 4xV3} and the like for Real-ESRGAN's files of those networks, else the file's name without
   * its extension ({@code 4x-UltraSharp}).
   */
  public String name() {
    return name;
  }

  /** How much one pass enlarges a picture: 4, 2 or 1. */
  public int scale() {
    return network.scale();
  }

  /**
   * {@code image} enlarged to {@code scale} times its size as A1111's {@code Upscaler.upscale} does (see
   * {@link Upscaler#upscale}), each pass this network's over {@code tiles}.
   *
   * @return a new {@code TYPE_INT_RGB} image
   */
  public BufferedImage upscale(BufferedImage image, double scale, UpscaleTiles tiles) {
    return tiled(tiles).upscale(image, scale);
  }

  /** This network as an {@link Upscaler} whose passes run over {@code tiles}. */
  public Upscaler tiled(UpscaleTiles tiles) {
    return (image, scale) -> enlarge(image, tiles);
  }

  /**
   * One pass of the network over {@code image}, tile by tile.
   *
   * @return a new {@code TYPE_INT_RGB} image, {@link #scale()} times the size
   */
  public BufferedImage enlarge(BufferedImage image, UpscaleTiles tiles) {
    int w = image.getWidth();
    int h = image.getHeight();
    int s = scale();
    if ((long) w * s > Images.MAX_SIDE || (long) h * s > Images.MAX_SIDE) {
      throw new IllegalArgumentException("a " + w + "x" + h + " picture enlarged " + s + "x would be over "
          + Images.MAX_SIDE + " pixels a side");
    }
    int[] pixels = Images.rgb(image);
    int[] out = tiles.size() == 0 ? run(pixels, w, h)
        : UpscaleGrid.apply(pixels, w, h, tiles.size(), tiles.size(), tiles.overlap(), s,
            tile -> run(tile, tiles.size(), tiles.size()));
    return Images.fromRgb(out, w * s, h * s);
  }

  /**
   * The network on a picture: {@code [1, 3, H, W]} in [0, 1], channels in the order given, {@code ->
   * [1, 3, sH, sW]} as it comes out (not clamped). Sides that the network's pixel unshuffle cannot divide are
   * padded by reflection first and the result cropped, as spandrel runs such networks.
   */
  public float[] forward(float[] picture, int width, int height) {
    int factor = network.unshuffle();
    int paddedWidth = (width + factor - 1) / factor * factor;
    int paddedHeight = (height + factor - 1) / factor * factor;
    float[] padded = paddedWidth == width && paddedHeight == height ? picture
        : reflectPadded(picture, width, height, paddedWidth, paddedHeight);
    float[] input = factor > 1 ? PixelUnshuffle.apply(padded, 1, 3, paddedHeight, paddedWidth, factor) : padded;
    int scale = scale();
    float[] out;
    try (Ops ops = backend.ops();
        Tensor x = ops.fromHost(input, backend.activationType(), 1, 3L * factor * factor, paddedHeight / factor,
            paddedWidth / factor);
        Tensor y = network.forward(ops, x)) {
      out = network.finish(ops.toHost(y), padded, paddedHeight, paddedWidth);
    }
    if (paddedWidth == width && paddedHeight == height) {
      return out;
    }
    float[] cropped = new float[3 * height * scale * width * scale];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < height * scale; y++) {
        System.arraycopy(out, (c * paddedHeight * scale + y) * paddedWidth * scale, cropped,
            (c * height * scale + y) * width * scale, width * scale);
      }
    }
    return cropped;
  }

  /** One tile through the network, in A1111's byte conversions. */
  private int[] run(int[] pixels, int width, int height) {
    int plane = width * height;
    float[] bgr = new float[3 * plane];
    for (int p = 0; p < plane; p++) {
      for (int c = 0; c < 3; c++) {
        // Blue first; numpy divides the byte in double, torch then rounds to float.
        bgr[c * plane + p] = (float) ((pixels[p] >>> (8 * c) & 0xFF) / 255.0);
      }
    }
    float[] y = forward(bgr, width, height);
    int s = scale();
    int bigPlane = plane * s * s;
    int[] out = new int[bigPlane];
    for (int p = 0; p < bigPlane; p++) {
      int rgb = 0;
      for (int c = 0; c < 3; c++) {
        float v = Math.min(1f, Math.max(0f, y[c * bigPlane + p]));
        rgb |= (int) Math.rint(255f * v) << (8 * c);
      }
      out[p] = rgb;
    }
    return out;
  }

  /** torch's reflect padding on the right and bottom, {@code [1, 3, h, w] -> [1, 3, paddedHeight, paddedWidth]}. */
  private static float[] reflectPadded(float[] x, int width, int height, int paddedWidth, int paddedHeight) {
    if (paddedWidth - width >= width || paddedHeight - height >= height) {
      throw new IllegalArgumentException("a " + width + "x" + height + " picture is too small for this upscaler");
    }
    float[] out = new float[3 * paddedWidth * paddedHeight];
    for (int c = 0; c < 3; c++) {
      for (int y = 0; y < paddedHeight; y++) {
        int sy = y < height ? y : 2 * (height - 1) - y;
        for (int xx = 0; xx < paddedWidth; xx++) {
          int sx = xx < width ? xx : 2 * (width - 1) - xx;
          out[(c * paddedHeight + y) * paddedWidth + xx] = x[(c * height + sy) * width + sx];
        }
      }
    }
    return out;
  }

  /**
   * The file names (without extension) an upscaler of this name may have in a folder: Real-ESRGAN's for A1111's
   * {@code R-ESRGAN} names, else the name itself.
   */
  public static List<String> fileStemsOf(String name) {
    return A1111_NAMES.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).findFirst()
        .map(List::of).orElse(List.of(name));
  }

  /** The {@link #name()} the upscaler in {@code file} gets, without reading it. */
  public static String nameOf(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    String stem = dot > 0 && List.of(".pth", ".pt", ".safetensors", ".bin", ".ckpt")
        .contains(name.substring(dot).toLowerCase(Locale.ROOT)) ? name.substring(0, dot) : name;
    return A1111_NAMES.getOrDefault(stem, stem);
  }

  private static void close(Weights weights, TensorSource source) {
    if (weights != null) {
      weights.tensors().forEach(Tensor::close);
    }
    source.close();
  }

  /** Frees the weights on the backend and unmaps the file. */
  @Override
  public void close() {
    close(weights, file);
  }
}
