package org.sdj.image;

import java.awt.image.BufferedImage;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Canny's edge detector as OpenCV's {@code cv2.Canny(picture, low, high)} computes it on an RGB picture (the default
 * aperture of 3 and L1 gradient): what diffusers' ControlNet examples and A1111's ControlNet "canny" preprocessor make
 * a canny ControlNet's control image from. Each pixel's gradient is the 3x3 Sobel one (edges replicated) of whichever
 * channel has the largest {@code |dx| + |dy|} there; a pixel is an edge candidate where that exceeds {@code low} and
 * is a maximum across the gradient's direction (quantized to 0, 45, 90 or 135 degrees by {@code tan 22.5}), and an edge
 * where it is a candidate connected (8 ways) through candidates to one that exceeds {@code high}.
 */
public final class CannyEdges {
  /** {@code tan(22.5 degrees)} in OpenCV's 15-bit fixed point. */
  private static final int SHIFT = 15;
  private static final int TAN_22 = (int) (0.4142135623730950488016887242097 * (1 << SHIFT) + 0.5);
  private static final byte NOT_EDGE = 1;
  private static final byte CANDIDATE = 0;
  private static final byte EDGE = 2;

  private CannyEdges() {}

  /**
   * The edges of {@code picture}: white (255) on edges, black elsewhere, as a {@code TYPE_INT_RGB} picture of its size
   * (the edge map in all three channels, as a control image takes it).
   *
   * @param low the hysteresis's lower threshold (OpenCV's {@code threshold1}; A1111's default 100)
   * @param high the upper one (A1111's default 200); the two are swapped where {@code low > high}
   */
  public static BufferedImage of(BufferedImage picture, double low, double high) {
    int w = picture.getWidth();
    int h = picture.getHeight();
    boolean[] edges = edges(picture.getRGB(0, 0, w, h, null, 0, w), w, h, low, high);
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    int[] rgb = new int[edges.length];
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = edges[i] ? 0xFFFFFF : 0;
    }
    out.setRGB(0, 0, w, h, rgb, 0, w);
    return out;
  }

  /** Whether each pixel of packed RGB {@code pixels} ({@code [h][w]} row-major) is an edge. */
  static boolean[] edges(int[] pixels, int w, int h, double low, double high) {
    int lower = (int) Math.floor(Math.min(low, high));
    int upper = (int) Math.floor(Math.max(low, high));
    // Gradients of the strongest channel, in a frame of zero magnitude one pixel wide.
    int stride = w + 2;
    int[] magnitude = new int[(h + 2) * stride];
    int[] dx = new int[w * h];
    int[] dy = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int best = -1;
        for (int shift = 16; shift >= 0; shift -= 8) {   // R, G, B: the first of equal magnitudes wins
          int gx = sobelX(pixels, w, h, x, y, shift);
          int gy = sobelY(pixels, w, h, x, y, shift);
          int m = Math.abs(gx) + Math.abs(gy);
          if (m > best) {
            best = m;
            dx[y * w + x] = gx;
            dy[y * w + x] = gy;
          }
        }
        magnitude[(y + 1) * stride + x + 1] = best;
      }
    }
    byte[] map = new byte[(h + 2) * stride];
    java.util.Arrays.fill(map, NOT_EDGE);
    Deque<Integer> strong = new ArrayDeque<>();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int at = (y + 1) * stride + x + 1;
        int m = magnitude[at];
        if (m > lower && isMaximum(magnitude, at, stride, m, dx[y * w + x], dy[y * w + x])) {
          map[at] = m > upper ? EDGE : CANDIDATE;
          if (m > upper) {
            strong.push(at);
          }
        }
      }
    }
    int[] around = {-1, 1, -stride - 1, -stride, -stride + 1, stride - 1, stride, stride + 1};
    while (!strong.isEmpty()) {
      int at = strong.pop();
      for (int d : around) {
        if (map[at + d] == CANDIDATE) {
          map[at + d] = EDGE;
          strong.push(at + d);
        }
      }
    }
    boolean[] out = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = map[(y + 1) * stride + x + 1] == EDGE;
      }
    }
    return out;
  }

  /**
   * Whether {@code m} is a maximum across the gradient's direction: against the row's neighbours where the gradient is
   * within 22.5 degrees of horizontal, the column's within 22.5 of vertical, else the diagonal's; strictly above the
   * neighbour before, at least the one after (both strictly on a diagonal), as OpenCV breaks ties.
   */
  private static boolean isMaximum(int[] magnitude, int at, int stride, int m, int gx, int gy) {
    long x = Math.abs(gx);
    long y = (long) Math.abs(gy) << SHIFT;
    long tan22x = x * TAN_22;
    if (y < tan22x) {
      return m > magnitude[at - 1] && m >= magnitude[at + 1];
    }
    long tan67x = tan22x + (x << (SHIFT + 1));
    if (y > tan67x) {
      return m > magnitude[at - stride] && m >= magnitude[at + stride];
    }
    int s = (gx ^ gy) < 0 ? -1 : 1;
    return m > magnitude[at - stride - s] && m > magnitude[at + stride + s];
  }

  /** The horizontal Sobel derivative of one channel (bits at {@code shift}) at (x, y), edges replicated. */
  private static int sobelX(int[] p, int w, int h, int x, int y, int shift) {
    int l = Math.max(x - 1, 0);
    int r = Math.min(x + 1, w - 1);
    int u = Math.max(y - 1, 0);
    int d = Math.min(y + 1, h - 1);
    return channel(p, w, r, u, shift) - channel(p, w, l, u, shift)
        + 2 * (channel(p, w, r, y, shift) - channel(p, w, l, y, shift))
        + channel(p, w, r, d, shift) - channel(p, w, l, d, shift);
  }

  /** The vertical Sobel derivative of one channel at (x, y), edges replicated. */
  private static int sobelY(int[] p, int w, int h, int x, int y, int shift) {
    int l = Math.max(x - 1, 0);
    int r = Math.min(x + 1, w - 1);
    int u = Math.max(y - 1, 0);
    int d = Math.min(y + 1, h - 1);
    return channel(p, w, l, d, shift) - channel(p, w, l, u, shift)
        + 2 * (channel(p, w, x, d, shift) - channel(p, w, x, u, shift))
        + channel(p, w, r, d, shift) - channel(p, w, r, u, shift);
  }

  private static int channel(int[] p, int w, int x, int y, int shift) {
    return p[y * w + x] >> shift & 0xFF;
  }
}
