package org.sdj.backend;

import java.util.Arrays;

/**
 * Shape checks of the {@link Ops} contract, shared by every backend so that all of them accept the same inputs and
 * reject bad ones with the same message. Each method validates its operands and returns the shape of the result; a
 * mismatch throws {@link IllegalArgumentException} naming the op and the offending shapes.
 */
public final class Shapes {
  private Shapes() {}

  /** {@code [2, 3, 4]}. */
  public static String str(long[] shape) {
    return Arrays.toString(shape);
  }

  /** The element count of {@code shape}, after checking that no dimension is negative. */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in shape " + str(shape));
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  /** {@code dim} made non-negative for a tensor of {@code rank} ({@code -1} is the last dimension). */
  public static int axis(String op, int rank, int dim) {
    int d = dim < 0 ? dim + rank : dim;
    if (d < 0 || d >= rank) {
      throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for rank " + rank);
    }
    return d;
  }

  public static long[] fromHost(float[] data, long[] shape) {
    if (numel(shape) != data.length) {
      throw new IllegalArgumentException("fromHost: " + data.length + " floats do not fill shape " + str(shape));
    }
    return shape.clone();
  }

  public static long[] reshape(Tensor t, long[] shape) {
    if (numel(shape) != t.numel()) {
      throw new IllegalArgumentException("reshape: cannot view " + str(t.shape()) + " (" + t.numel()
          + " elements) as " + str(shape) + " (" + numel(shape) + " elements)");
    }
    return shape.clone();
  }

  public static long[] narrow(Tensor t, int dim, long start, long length) {
    long[] s = t.shape();
    int d = axis("narrow", s.length, dim);
    if (start < 0 || length < 0 || start + length > s[d]) {
      throw new IllegalArgumentException("narrow: [" + start + ", " + (start + length) + ") is outside dim " + dim
          + " of " + str(s));
    }
    s[d] = length;
    return s;
  }

  public static long[] concat(int dim, Tensor a, Tensor b) {
    long[] sa = a.shape();
    long[] sb = b.shape();
    int d = axis("concat", sa.length, dim);
    boolean ok = sa.length == sb.length;
    for (int i = 0; ok && i < sa.length; i++) {
      ok = i == d || sa[i] == sb[i];
    }
    if (!ok) {
      throw new IllegalArgumentException("concat along dim " + dim + ": shapes " + str(sa) + " and " + str(sb)
          + " must agree in every other dimension");
    }
    sa[d] += sb[d];
    return sa;
  }

  public static long[] nchwToTokens(Tensor x) {
    long[] s = rank("nchwToTokens", "x", x, 4);
    return new long[] {s[0], s[2] * s[3], s[1]};
  }

  public static long[] tokensToNchw(Tensor x, long height, long width) {
    long[] s = rank("tokensToNchw", "x", x, 3);
    if (height < 1 || width < 1 || height * width != s[1]) {
      throw new IllegalArgumentException("tokensToNchw: " + s[1] + " tokens of " + str(s) + " are not "
          + height + " x " + width);
    }
    return new long[] {s[0], s[2], height, width};
  }

  public static long[] embedding(Tensor table, int[] ids) {
    long[] s = rank("embedding", "table", table, 2);
    for (int id : ids) {
      if (id < 0 || id >= s[0]) {
        throw new IllegalArgumentException("embedding: id " + id + " is outside table " + str(s));
      }
    }
    return new long[] {ids.length, s[1]};
  }

  /** {@code x [..., in]}, {@code weight [out, in]}, {@code bias [out]} -> {@code [..., out]}. */
  public static long[] linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    long[] sx = x.shape();
    long[] sw = rank("linear", "weight", weight, 2);
    if (sx.length < 1 || sx[sx.length - 1] != sw[1]) {
      throw new IllegalArgumentException("linear: x " + str(sx) + " must end in the weight's input size " + sw[1]
          + " (weight " + str(sw) + ")");
    }
    vector("linear", "bias", bias, sw[0]);
    long[] out = sx.clone();
    out[out.length - 1] = sw[0];
    like("linear", residual, out);
    return out;
  }

  /** {@code x [N, C, H, W]}, {@code weight [O, C, kh, kw]}, {@code bias [O]} -> {@code [N, O, H', W']}. */
  public static long[] conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual) {
    long[] sx = rank("conv2d", "x", x, 4);
    long[] sw = rank("conv2d", "weight", weight, 4);
    if (sx[1] != sw[1]) {
      throw new IllegalArgumentException("conv2d: x " + str(sx) + " has " + sx[1] + " channels but weight "
          + str(sw) + " expects " + sw[1]);
    }
    long oh = p.outSize(sx[2], sw[2], p.padTop(), p.padBottom());
    long ow = p.outSize(sx[3], sw[3], p.padLeft(), p.padRight());
    if (sx[2] + p.padTop() + p.padBottom() < sw[2] || sx[3] + p.padLeft() + p.padRight() < sw[3]) {
      throw new IllegalArgumentException("conv2d: kernel " + str(sw) + " is larger than the padded input "
          + str(sx) + " with " + p);
    }
    vector("conv2d", "bias", bias, sw[0]);
    long[] out = {sx[0], sw[0], oh, ow};
    like("conv2d", residual, out);
    return out;
  }

  /** {@code q [B, Nq, heads*d]}, {@code k, v [B, Nk, heads*d]} -> {@code [B, Nq, heads*d]}. */
  public static long[] attention(Tensor q, Tensor k, Tensor v, int heads) {
    long[] sq = rank("attention", "q", q, 3);
    long[] sk = rank("attention", "k", k, 3);
    long[] sv = rank("attention", "v", v, 3);
    if (!Arrays.equals(sk, sv) || sq[0] != sk[0] || sq[2] != sk[2]) {
      throw new IllegalArgumentException("attention: q " + str(sq) + ", k " + str(sk) + ", v " + str(sv)
          + " must be [B, Nq, D], [B, Nk, D], [B, Nk, D]");
    }
    if (heads < 1 || sq[2] % heads != 0) {
      throw new IllegalArgumentException("attention: width " + sq[2] + " of q " + str(sq) + " does not split into "
          + heads + " heads");
    }
    if (sk[1] < 1) {
      throw new IllegalArgumentException("attention: no keys in k " + str(sk));
    }
    return sq;
  }

  /** {@code qkv [B, N, 3*heads*d]} with {@code N >= 1} -> {@code [B, N, heads*d]}. */
  public static long[] selfAttention(Tensor qkv, int heads) {
    long[] s = rank("selfAttention", "qkv", qkv, 3);
    if (heads < 1 || s[2] % (3L * heads) != 0) {
      throw new IllegalArgumentException("selfAttention: width " + s[2] + " of qkv " + str(s)
          + " is not q, k and v of " + heads + " heads each");
    }
    if (s[1] < 1) {
      throw new IllegalArgumentException("selfAttention: no tokens in qkv " + str(s));
    }
    return new long[] {s[0], s[1], s[2] / 3};
  }

  /** {@code q [B, Nq, heads*d]}, {@code kv [B, Nk, 2*heads*d]} with {@code Nk >= 1} -> {@code [B, Nq, heads*d]}. */
  public static long[] crossAttention(Tensor q, Tensor kv, int heads) {
    long[] sq = rank("crossAttention", "q", q, 3);
    long[] skv = rank("crossAttention", "kv", kv, 3);
    if (sq[0] != skv[0] || skv[2] != 2 * sq[2]) {
      throw new IllegalArgumentException("crossAttention: q " + str(sq) + ", kv " + str(skv)
          + " must be [B, Nq, D], [B, Nk, 2*D]");
    }
    if (heads < 1 || sq[2] % heads != 0) {
      throw new IllegalArgumentException("crossAttention: width " + sq[2] + " of q " + str(sq)
          + " does not split into " + heads + " heads");
    }
    if (skv[1] < 1) {
      throw new IllegalArgumentException("crossAttention: no keys in kv " + str(skv));
    }
    return sq;
  }

  /** {@code x [N, C, ...]}, {@code gamma, beta [C]}, {@code C} divisible by {@code groups}. */
  public static long[] groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta) {
    long[] s = x.shape();
    if (s.length < 2) {
      throw new IllegalArgumentException("groupNorm: x " + str(s) + " must be [N, C, ...]");
    }
    if (groups < 1 || s[1] % groups != 0) {
      throw new IllegalArgumentException("groupNorm: " + s[1] + " channels of x " + str(s) + " do not split into "
          + groups + " groups");
    }
    required("groupNorm", "gamma", gamma);
    required("groupNorm", "beta", beta);
    vector("groupNorm", "gamma", gamma, s[1]);
    vector("groupNorm", "beta", beta, s[1]);
    return s;
  }

  /** {@code x [..., D]}, {@code gamma, beta [D]}. */
  public static long[] layerNorm(Tensor x, Tensor gamma, Tensor beta) {
    long[] s = x.shape();
    if (s.length < 1) {
      throw new IllegalArgumentException("layerNorm: x must have at least one dimension");
    }
    required("layerNorm", "gamma", gamma);
    required("layerNorm", "beta", beta);
    vector("layerNorm", "gamma", gamma, s[s.length - 1]);
    vector("layerNorm", "beta", beta, s[s.length - 1]);
    return s;
  }

  /** {@code x [..., 2n] -> [..., n]}. */
  public static long[] geglu(Tensor x) {
    long[] s = x.shape();
    if (s.length < 1 || s[s.length - 1] % 2 != 0) {
      throw new IllegalArgumentException("geglu: last dimension of x " + str(s) + " must be even");
    }
    s[s.length - 1] /= 2;
    return s;
  }

  /** {@code b}'s shape equals {@code a}'s or a suffix of it. */
  public static long[] add(Tensor a, Tensor b) {
    long[] sa = a.shape();
    long[] sb = b.shape();
    int lead = sa.length - sb.length;
    boolean ok = lead >= 0 && Arrays.equals(sa, lead, sa.length, sb, 0, sb.length);
    if (!ok) {
      throw new IllegalArgumentException("add: b " + str(sb) + " must have a's shape " + str(sa)
          + " or a suffix of it");
    }
    return sa;
  }

  /**
   * Checks a type asked of {@code fromHost} or {@code cast}: {@link DType#F32} or the backend's activation type.
   *
   * @return {@code type}
   */
  public static DType latentType(Backend backend, DType type) {
    if (type != DType.F32 && type != backend.activationType()) {
      throw new IllegalArgumentException("backend " + backend.name() + " holds tensors in F32 or its activation type "
          + backend.activationType() + ", not " + type);
    }
    return type;
  }

  /** {@code combine}'s operands: one shape, one type. */
  public static long[] combine(Tensor x, Tensor y) {
    if (!Arrays.equals(x.shape(), y.shape()) || x.dtype() != y.dtype()) {
      throw new IllegalArgumentException("combine: operands " + str(x.shape()) + " " + x.dtype() + " and "
          + str(y.shape()) + " " + y.dtype() + " must have one shape and one type");
    }
    return x.shape();
  }

  /** {@code x [N, C, ...]}, {@code b [N, C]}. */
  public static long[] addPerChannel(Tensor x, Tensor b) {
    long[] sx = x.shape();
    long[] sb = b.shape();
    if (sx.length < 2 || sb.length != 2 || sx[0] != sb[0] || sx[1] != sb[1]) {
      throw new IllegalArgumentException("addPerChannel: b " + str(sb) + " must be [N, C] of x " + str(sx));
    }
    return sx;
  }

  /** {@code x [N, C, ...]}, {@code slopes [C]}. */
  public static long[] prelu(Tensor x, Tensor slopes) {
    long[] sx = x.shape();
    long[] ss = slopes.shape();
    if (sx.length < 2 || ss.length != 1 || ss[0] != sx[1]) {
      throw new IllegalArgumentException("prelu: slopes " + str(ss) + " must be [C] of x " + str(sx));
    }
    return sx;
  }

  /** {@code x [N, C, H, W] -> [N, C, height, width]}. */
  public static long[] upsampleNearest(Tensor x, long height, long width) {
    long[] s = rank("upsampleNearest", "x", x, 4);
    if (height < 1 || width < 1) {
      throw new IllegalArgumentException("upsampleNearest: target size " + height + " x " + width
          + " must be positive (x " + str(s) + ")");
    }
    return new long[] {s[0], s[1], height, width};
  }

  private static long[] rank(String op, String name, Tensor t, int rank) {
    long[] s = t.shape();
    if (s.length != rank) {
      throw new IllegalArgumentException(op + ": " + name + " " + str(s) + " must have rank " + rank);
    }
    return s;
  }

  private static void required(String op, String name, Tensor t) {
    if (t == null) {
      throw new IllegalArgumentException(op + ": " + name + " is required");
    }
  }

  private static void vector(String op, String name, Tensor t, long length) {
    if (t != null && (t.rank() != 1 || t.dim(0) != length)) {
      throw new IllegalArgumentException(op + ": " + name + " " + str(t.shape()) + " must be [" + length + "]");
    }
  }

  private static void like(String op, Tensor residual, long[] out) {
    if (residual != null && !Arrays.equals(residual.shape(), out)) {
      throw new IllegalArgumentException(op + ": residual " + str(residual.shape()) + " must match the result "
          + str(out));
    }
  }
}
