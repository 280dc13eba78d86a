package org.sdj.image;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.SdjException;

/**
 * Conversions between image tensors and {@link BufferedImage}s, following diffusers' {@code VaeImageProcessor}, and
 * reading image files. Everything here works headless: no window, font or display is touched.
 */
public final class Images {
  /** The largest width or height {@link #read} accepts. */
  public static final int MAX_SIDE = 16384;

  private Images() {}

  /**
   * Turns decoded images into 8-bit RGB pictures, as diffusers' {@code numpy_to_pil} does: each value becomes
   * {@code round(x * 255)} computed in float32, with numpy's round-half-to-even (so 0.5 / 255 gives 0, not 1), clamped to
   * 0..255 (the pipeline clamps to [0, 1] first; clamping after rounding gives the same bytes).
   *
   * @param nchw the images {@code [N, 3, H, W]}, values in [0, 1]
   * @param shape {@code [N, 3, H, W]}
   * @return N images of type {@code TYPE_INT_RGB}, each {@code W x H}
   * @throws InvalidImageException if any value is NaN (an all-black result is not an error)
   * @throws IllegalArgumentException if the shape is not {@code [N, 3, H, W]} or does not match the array
   */
  public static List<BufferedImage> toImages(float[] nchw, long[] shape) {
    NchwShape.check("images", nchw, shape, 3);
    rejectNaN(nchw, shape);
    int n = (int) shape[0];
    int height = (int) shape[2];
    int width = (int) shape[3];
    int plane = width * height;
    List<BufferedImage> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int base = i * 3 * plane;
      int[] pixels = new int[plane];
      for (int p = 0; p < plane; p++) {
        pixels[p] = toByte(nchw[base + p]) << 16 | toByte(nchw[base + plane + p]) << 8
            | toByte(nchw[base + 2 * plane + p]);
      }
      images.add(Pixels.image(pixels, width, height));
    }
    return List.copyOf(images);
  }

  /**
   * Turns a picture into the VAE's input, as diffusers' {@code VaeImageProcessor.preprocess} normalizes it:
   * {@code x / 255 * 2 - 1} in float32. Any image type is accepted. Alpha is dropped, keeping each pixel's stored colour
   * (as PIL's {@code convert("RGB")} does; a premultiplied image gives black where it is fully transparent); grayscale
   * is copied into R, G and B; 16-bit samples are scaled to 8 bits first. The image is not resized: see
   * {@link #resizeToMultipleOf}.
   *
   * @return {@code [1, 3, H, W]} in [-1, 1] (see {@link #tensorShape})
   */
  public static float[] toTensor(BufferedImage image) {
    return planes(image, Images::normalize);
  }

  /**
   * An image as diffusers' ControlNet pipelines read a control image (its image processor without normalization):
   * RGB planes, each byte divided by 255.
   *
   * @return {@code [1, 3, H, W]} in [0, 1]
   */
  public static float[] toUnitTensor(BufferedImage image) {
    return planes(image, v -> v / 255f);
  }

  private static float[] planes(BufferedImage image, IntToFloat value) {
    int[] pixels = Pixels.rgb(image);
    int plane = pixels.length;
    float[] tensor = new float[3 * plane];
    for (int p = 0; p < plane; p++) {
      int rgb = pixels[p];
      tensor[p] = value.apply(rgb >>> 16 & 0xFF);
      tensor[plane + p] = value.apply(rgb >>> 8 & 0xFF);
      tensor[2 * plane + p] = value.apply(rgb & 0xFF);
    }
    return tensor;
  }

  /** A byte's value as a float. */
  @FunctionalInterface
  private interface IntToFloat {
    float apply(int value);
  }

  /**
   * An inpainting mask as diffusers' mask processor reads it: converted to gray as Pillow's {@code convert("L")} does,
   * resized to {@code width x height} as {@link #resize} does, then binarized: 1 (repaint) where the gray is at least
   * half of white, 0 (keep) elsewhere.
   *
   * @return {@code [1, 1, height, width]} of zeros and ones, flattened
   */
  public static float[] toMask(BufferedImage mask, int width, int height) {
    int[] sized = grayResized(mask, width, height);
    float[] out = new float[sized.length];
    for (int p = 0; p < sized.length; p++) {
      out[p] = (sized[p] & 0xFF) >= 128 ? 1f : 0f;
    }
    return out;
  }

  /**
   * A one-channel control image (a gray T2I-Adapter's) as diffusers reads a Pillow {@code L} image: converted to gray
   * as {@code convert("L")} does, resized to {@code width x height} as {@link #resize} does, each byte divided by 255.
   *
   * @return {@code [1, 1, height, width]} in [0, 1], flattened
   */
  public static float[] toGrayUnitTensor(BufferedImage image, int width, int height) {
    int[] sized = grayResized(image, width, height);
    float[] out = new float[sized.length];
    for (int p = 0; p < sized.length; p++) {
      out[p] = (sized[p] & 0xFF) / 255f;
    }
    return out;
  }

  /** {@code image} in Pillow's {@code L} gray (as RGB of equal parts), resized as {@link #resize} does. */
  private static int[] grayResized(BufferedImage image, int width, int height) {
    int[] gray = gray(image);
    for (int p = 0; p < gray.length; p++) {
      gray[p] = gray[p] << 16 | gray[p] << 8 | gray[p];
    }
    return Pixels.rgb(resize(Pixels.image(gray, image.getWidth(), image.getHeight()), width, height));
  }

  /** {@code image} with every channel inverted ({@code 255 - v}), as Pillow's {@code ImageOps.invert}. */
  public static BufferedImage inverted(BufferedImage image) {
    int[] pixels = Pixels.rgb(image);
    for (int p = 0; p < pixels.length; p++) {
      pixels[p] = ~pixels[p] & 0xFFFFFF;
    }
    return Pixels.image(pixels, image.getWidth(), image.getHeight());
  }

  /**
   * {@code image} blurred as Pillow's {@code filter(ImageFilter.GaussianBlur(radius))} blurs it (diffusers' mask
   * processor's {@code blur}), bit for bit: {@code image} itself for radius 0, else a new {@code TYPE_INT_RGB} image.
   *
   * @param radius the Gaussian's standard deviation in pixels, at least 0
   */
  public static BufferedImage gaussianBlur(BufferedImage image, double radius) {
    if (!(radius >= 0) || !Double.isFinite(radius)) {
      throw new IllegalArgumentException("blur radius must be a finite number at least 0, got " + radius);
    }
    if (radius == 0) {
      return image;
    }
    return Pixels.image(PillowBlur.gaussian(Pixels.rgb(image), image.getWidth(), image.getHeight(), (float) radius),
        image.getWidth(), image.getHeight());
  }

  /**
   * {@code image} with its masked area painted in the colors around it, as AUTOMATIC1111's "Masked content: fill"
   * ({@code masking.fill}) does before an inpainting pass, bit for bit in Pillow's arithmetic: kept where the mask is
   * black, replaced where it is white, mixed in proportion to the mask's gray in between.
   *
   * @param mask read as gray ({@code convert("L")}), resized as {@link #toMask} resizes it where its size differs
   * @return a new {@code TYPE_INT_RGB} image of {@code image}'s size
   */
  public static BufferedImage fillMasked(BufferedImage image, BufferedImage mask) {
    int width = image.getWidth();
    int height = image.getHeight();
    int[] gray = mask.getWidth() == width && mask.getHeight() == height ? gray(mask)
        : grayResized(mask, width, height);
    for (int p = 0; p < gray.length; p++) {
      gray[p] &= 0xFF;
    }
    return Pixels.image(MaskFill.fill(Pixels.rgb(image), gray, width, height), width, height);
  }

  /**
   * {@code image}'s pixels as Pillow's {@code convert("RGB")} gives them (gray replicated, alpha dropped), packed
   * {@code 0xRRGGBB} row by row.
   */
  public static int[] rgb(BufferedImage image) {
    return Pixels.rgb(image);
  }

  /** A new {@code TYPE_INT_RGB} image of {@code 0xRRGGBB} pixels, row by row. */
  public static BufferedImage fromRgb(int[] pixels, int width, int height) {
    if (pixels.length != (long) width * height) {
      throw new IllegalArgumentException(pixels.length + " pixels are not " + width + "x" + height);
    }
    return Pixels.image(pixels, width, height);
  }

  /** {@code image}'s pixels as Pillow's {@code convert("L")} makes them: one byte of gray each, row by row. */
  static int[] gray(BufferedImage image) {
    int[] pixels = Pixels.rgb(image);
    int[] gray = new int[pixels.length];
    for (int p = 0; p < pixels.length; p++) {
      int rgb = pixels[p];
      // Pillow's ITU-R 601-2 luma in 16-bit fixed point, rounded.
      gray[p] = ((rgb >>> 16 & 0xFF) * 19595 + (rgb >>> 8 & 0xFF) * 38470 + (rgb & 0xFF) * 7471 + 0x8000) >>> 16;
    }
    return gray;
  }

  /** The shape of {@link #toTensor}'s result for {@code image}: {@code [1, 3, H, W]}. */
  public static long[] tensorShape(BufferedImage image) {
    return new long[] {1, 3, image.getHeight(), image.getWidth()};
  }

  /**
   * What diffusers' image processor does to an input whose size is not a multiple of the VAE's factor: width and height
   * are rounded down to a multiple of {@code multiple} and the whole picture is resized (not cropped) to that size with
   * Lanczos. The resampling reproduces Pillow's {@code resize(..., LANCZOS)} on RGB images exactly; an image with
   * alpha is resized after dropping alpha, where Pillow resizes premultiplied RGBA first, so semi-transparent pixels may
   * differ slightly.
   *
   * @param multiple the VAE's scale factor, 8 for Stable Diffusion
   * @return {@code image} itself when both sides already are multiples, else a new {@code TYPE_INT_RGB} image
   * @throws SdjException if a side is smaller than {@code multiple}
   */
  public static BufferedImage resizeToMultipleOf(BufferedImage image, int multiple) {
    if (multiple < 1) {
      throw new IllegalArgumentException("multiple must be at least 1, got " + multiple);
    }
    int width = image.getWidth();
    int height = image.getHeight();
    int newWidth = width - width % multiple;
    int newHeight = height - height % multiple;
    if (newWidth == 0 || newHeight == 0) {
      throw new SdjException("The image is " + width + "x" + height + "; it needs at least " + multiple
          + " pixels on each side");
    }
    return resize(image, newWidth, newHeight);
  }

  /**
   * {@code image} at {@code width x height}, resized as Pillow's {@code resize(..., LANCZOS)} does (the input itself
   * when it already has that size).
   */
  public static BufferedImage resize(BufferedImage image, int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
    }
    if (image.getWidth() == width && image.getHeight() == height) {
      return image;
    }
    int[] resized = PillowResize.resize(Pixels.rgb(image), image.getWidth(), image.getHeight(), width, height,
        PillowResize.Filter.LANCZOS);
    return Pixels.image(resized, width, height);
  }

  /**
   * {@code image} at {@code width x height}, resized as Pillow's {@code resize(..., NEAREST)} does: output column
   * {@code x} takes input column {@code (int) (in / out * (x + 0.5))}, the position accumulated in doubles from
   * {@code in / out / 2} as Pillow's scaling loop adds it up (rows alike).
   */
  public static BufferedImage resizeNearest(BufferedImage image, int width, int height) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("size must be positive, got " + width + "x" + height);
    }
    int[] columns = nearestSources(image.getWidth(), width);
    int[] rows = nearestSources(image.getHeight(), height);
    int[] in = Pixels.rgb(image);
    int[] out = new int[width * height];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        out[y * width + x] = in[rows[y] * image.getWidth() + columns[x]];
      }
    }
    return Pixels.image(out, width, height);
  }

  private static int[] nearestSources(int in, int out) {
    double step = (double) in / out;
    double position = step * 0.5;
    int[] sources = new int[out];
    for (int i = 0; i < out; i++) {
      sources[i] = Math.min((int) position, in - 1);
      position += step;
    }
    return sources;
  }

  /**
   * Reads an image file in any format ImageIO knows (PNG, JPEG, BMP, GIF, TIFF, WBMP). The size is checked before the
   * pixels are decoded.
   *
   * @throws ImageFileException if the file is missing, not a regular file, of an unknown format, damaged or truncated,
   *     has no pixels, or is larger than {@link #MAX_SIDE} on a side
   */
  public static BufferedImage read(Path file) {
    return ImageFileReader.read(file, MAX_SIDE);
  }

  private static int toByte(float x) {
    // x * 255f is the float32 product numpy computes; Math.rint rounds half to even like numpy's round.
    return (int) Math.clamp(Math.rint(x * 255f), 0.0, 255.0);
  }

  private static float normalize(int value) {
    return value / 255f * 2f - 1f;
  }

  private static void rejectNaN(float[] nchw, long[] shape) {
    int first = -1;
    int count = 0;
    for (int i = 0; i < nchw.length; i++) {
      if (Float.isNaN(nchw[i])) {
        count++;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (count == 0) {
      return;
    }
    long plane = shape[2] * shape[3];
    throw new InvalidImageException("The model produced NaN values (" + count + " of " + nchw.length
        + ", the first in image " + first / (3 * plane) + ", channel " + first / plane % 3 + " at y " + first % plane
        / shape[3] + ", x " + first % shape[3] + "), so there is no picture to make. This is a numerical overflow in the"
        + " UNet or VAE, typically half precision where the model needs float32.");
  }
}
