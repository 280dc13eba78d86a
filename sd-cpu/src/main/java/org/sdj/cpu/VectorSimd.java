package org.sdj.cpu;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.sdj.backend.ActivationMath;

/**
 * The Vector API {@link Simd}: an 8 x (2 vectors) micro-kernel (16 accumulators, 2 loads and 8 broadcasts per step of
 * depth, within the 32 registers of AVX-512 and the 16 of AVX2) and a polynomial exp. Loaded only by reflection from
 * {@link SimdProvider}, after checking that {@code jdk.incubator.vector} is present.
 */
final class VectorSimd implements Simd {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();
  /** Doubles in a vector of the same bits as {@link #S}'s half: one float vector widens into two of these. */
  private static final VectorSpecies<Double> D =
      VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
  /** Shorts in half the bits of {@link #S}: they widen to one vector of {@link #INTS}, as long as a float vector. */
  private static final VectorSpecies<Short> HALVES =
      VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
  private static final VectorSpecies<Integer> INTS = S.withLanes(int.class);
  private static final int MR = 8;
  private static final int NR = 2 * L;
  private static final FloatVector EVEN_LANES = FloatVector.fromArray(S, lanes(0), 0);
  private static final FloatVector ODD_LANES = FloatVector.fromArray(S, lanes(1), 0);
  private static final ThreadLocal<int[]> GATHER = ThreadLocal.withInitial(() -> new int[L]);
  private static final ThreadLocal<float[]> EDGE = ThreadLocal.withInitial(() -> new float[MR * NR]);

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int rows, int cols,
      boolean add) {
    if (rows == MR && cols == NR) {
      packedTile(kc, a, aOff, b, bOff, c, cOff, ldc, add);
      return;
    }
    // An edge tile: compute the whole tile aside (the packed panels are zero-padded) and use the part that exists.
    float[] t = EDGE.get();
    packedTile(kc, a, aOff, b, bOff, t, 0, NR, false);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        c[cOff + r * ldc + j] = (add ? c[cOff + r * ldc + j] : 0f) + t[r * NR + j];
      }
    }
  }

  /**
   * The register-blocked tile on a packed A panel. Offsets are computed from p in the loop body (with extra induction
   * variables in the loop header C2 boxed the accumulators: 10 instead of 190 GFLOP/s per core). The A stride is a
   * constant: rows of A read in place, a variable stride apart, ran at 140 GFLOP/s, hence the packing of A.
   */
  private static void packedTile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc,
      boolean add) {
    FloatVector z = FloatVector.zero(S);
    FloatVector c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
    FloatVector c40 = z, c41 = z, c50 = z, c51 = z, c60 = z, c61 = z, c70 = z, c71 = z;
    for (int p = 0; p < kc; p++) {
      int ap = aOff + p * MR;
      int bp = bOff + p * NR;
      FloatVector b0 = FloatVector.fromArray(S, b, bp);
      FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
      FloatVector x;
      x = FloatVector.broadcast(S, a[ap]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[ap + 1]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[ap + 2]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[ap + 3]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[ap + 4]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[ap + 5]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[ap + 6]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[ap + 7]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    if (add) {
      FloatVector.fromArray(S, c, cOff + 0 * ldc).add(c00).intoArray(c, cOff + 0 * ldc);
      FloatVector.fromArray(S, c, cOff + 0 * ldc + L).add(c01).intoArray(c, cOff + 0 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 1 * ldc).add(c10).intoArray(c, cOff + 1 * ldc);
      FloatVector.fromArray(S, c, cOff + 1 * ldc + L).add(c11).intoArray(c, cOff + 1 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 2 * ldc).add(c20).intoArray(c, cOff + 2 * ldc);
      FloatVector.fromArray(S, c, cOff + 2 * ldc + L).add(c21).intoArray(c, cOff + 2 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 3 * ldc).add(c30).intoArray(c, cOff + 3 * ldc);
      FloatVector.fromArray(S, c, cOff + 3 * ldc + L).add(c31).intoArray(c, cOff + 3 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 4 * ldc).add(c40).intoArray(c, cOff + 4 * ldc);
      FloatVector.fromArray(S, c, cOff + 4 * ldc + L).add(c41).intoArray(c, cOff + 4 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 5 * ldc).add(c50).intoArray(c, cOff + 5 * ldc);
      FloatVector.fromArray(S, c, cOff + 5 * ldc + L).add(c51).intoArray(c, cOff + 5 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 6 * ldc).add(c60).intoArray(c, cOff + 6 * ldc);
      FloatVector.fromArray(S, c, cOff + 6 * ldc + L).add(c61).intoArray(c, cOff + 6 * ldc + L);
      FloatVector.fromArray(S, c, cOff + 7 * ldc).add(c70).intoArray(c, cOff + 7 * ldc);
      FloatVector.fromArray(S, c, cOff + 7 * ldc + L).add(c71).intoArray(c, cOff + 7 * ldc + L);
      return;
    }
    c00.intoArray(c, cOff + 0 * ldc);
    c01.intoArray(c, cOff + 0 * ldc + L);
    c10.intoArray(c, cOff + 1 * ldc);
    c11.intoArray(c, cOff + 1 * ldc + L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
    c40.intoArray(c, cOff + 4 * ldc);
    c41.intoArray(c, cOff + 4 * ldc + L);
    c50.intoArray(c, cOff + 5 * ldc);
    c51.intoArray(c, cOff + 5 * ldc + L);
    c60.intoArray(c, cOff + 6 * ldc);
    c61.intoArray(c, cOff + 6 * ldc + L);
    c70.intoArray(c, cOff + 7 * ldc);
    c71.intoArray(c, cOff + 7 * ldc + L);
  }

  // The column loops below run unmasked over whole vectors: attention's panels are whole vectors wide, and masked
  // loads and stores were not intrinsified here (each one allocated a boxed vector). A ragged tail takes the scalar path.

  @Override
  public void columnMax(float[] s, int off, int rows, int width, float[] max, int mOff) {
    int j = 0;
    for (; j <= width - L; j += L) {
      // Four running maxima: a vector max with Java's NaN and -0 rules is several dependent instructions, so one
      // chain ran at a third of the loads' pace.
      FloatVector m0 = FloatVector.fromArray(S, max, mOff + j);
      FloatVector m1 = m0;
      FloatVector m2 = m0;
      FloatVector m3 = m0;
      int r = 0;
      for (; r <= rows - 4; r += 4) {
        int i = off + r * width + j;
        m0 = m0.max(FloatVector.fromArray(S, s, i));
        m1 = m1.max(FloatVector.fromArray(S, s, i + width));
        m2 = m2.max(FloatVector.fromArray(S, s, i + 2 * width));
        m3 = m3.max(FloatVector.fromArray(S, s, i + 3 * width));
      }
      for (; r < rows; r++) {
        m0 = m0.max(FloatVector.fromArray(S, s, off + r * width + j));
      }
      m0.max(m1).max(m2.max(m3)).intoArray(max, mOff + j);
    }
    for (; j < width; j++) {
      for (int r = 0; r < rows; r++) {
        max[mOff + j] = Math.max(max[mOff + j], s[off + r * width + j]);
      }
    }
  }

  @Override
  public void expColumns(float[] s, int off, int rows, int width, float[] shift, float[] sum, int mOff) {
    int j = 0;
    for (; j <= width - L; j += L) {
      FloatVector sh = FloatVector.fromArray(S, shift, mOff + j);
      FloatVector acc = FloatVector.fromArray(S, sum, mOff + j);
      for (int r = 0; r < rows; r++) {
        int i = off + r * width + j;
        FloatVector e = exp(FloatVector.fromArray(S, s, i).sub(sh));
        e.intoArray(s, i);
        acc = acc.add(e);
      }
      acc.intoArray(sum, mOff + j);
    }
    for (; j < width; j++) {
      for (int r = 0; r < rows; r++) {
        int i = off + r * width + j;
        s[i] = (float) Math.exp(s[i] - shift[mOff + j]);
        sum[mOff + j] += s[i];
      }
    }
  }

  @Override
  public void exp(float[] x, int from, int to) {
    int i = from;
    for (; i <= to - L; i += L) {
      exp(FloatVector.fromArray(S, x, i)).intoArray(x, i);
    }
    for (; i < to; i++) {
      x[i] = (float) Math.exp(x[i]);
    }
  }

  @Override
  public void scaleColumns(float[] o, int off, int rows, int width, float[] f, int fOff) {
    int j = 0;
    for (; j <= width - L; j += L) {
      FloatVector fv = FloatVector.fromArray(S, f, fOff + j);
      for (int r = 0; r < rows; r++) {
        int i = off + r * width + j;
        FloatVector.fromArray(S, o, i).mul(fv).intoArray(o, i);
      }
    }
    for (; j < width; j++) {
      for (int r = 0; r < rows; r++) {
        o[off + r * width + j] *= f[fOff + j];
      }
    }
  }

  @Override
  public void normalizeRow(float[] x, int from, int len, float mean, float mul, float[] gamma, float[] beta,
      float[] y) {
    int i = 0;
    for (; i <= len - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, from + i).sub(mean).mul(mul);
      v.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(y, from + i);
    }
    ScalarSimd.normalizeRowLoop(x, from, i, len, mean, mul, gamma, beta, y);
  }

  /** Both passes on vectors: each float vector widened into two double vectors, whose lanes are the partial sums. */
  @Override
  public float[] meanAndInvStd(float[] x, int from, int len, float eps) {
    int end = from + len;
    DoubleVector lo = DoubleVector.zero(D);
    DoubleVector hi = DoubleVector.zero(D);
    int i = from;
    for (; i <= end - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, i);
      lo = lo.add(v.convertShape(VectorOperators.F2D, D, 0));
      hi = hi.add(v.convertShape(VectorOperators.F2D, D, 1));
    }
    double sum = lo.add(hi).reduceLanes(VectorOperators.ADD);
    for (int t = i; t < end; t++) {
      sum += x[t];
    }
    double mean = sum / len;
    lo = DoubleVector.zero(D);
    hi = DoubleVector.zero(D);
    for (i = from; i <= end - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, i);
      DoubleVector a = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).sub(mean);
      DoubleVector b = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).sub(mean);
      lo = a.fma(a, lo);
      hi = b.fma(b, hi);
    }
    double sq = lo.add(hi).reduceLanes(VectorOperators.ADD);
    for (int t = i; t < end; t++) {
      double dev = x[t] - mean;
      sq += dev * dev;
    }
    return new float[] {(float) mean, (float) (1 / Math.sqrt(sq / len + eps))};
  }

  @Override
  public void normalize(float[] x, int from, int to, float mean, float mul, float add, boolean silu, float[] y) {
    int i = from;
    for (; i <= to - L; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, i).sub(mean).fma(mul, add);
      (silu ? silu(v) : v).intoArray(y, i);
    }
    for (; i < to; i++) {
      float v = (x[i] - mean) * mul + add;
      y[i] = silu ? v / (1 + (float) Math.exp(-v)) : v;
    }
  }

  @Override
  public void silu(float[] x, int from, int to, float[] y) {
    int i = from;
    for (; i <= to - L; i += L) {
      silu(FloatVector.fromArray(S, x, i)).intoArray(y, i);
    }
    for (; i < to; i++) {
      y[i] = x[i] / (1 + (float) Math.exp(-x[i]));
    }
  }

  private static FloatVector silu(FloatVector v) {
    return v.div(exp(v.neg()).add(1f));
  }

  @Override
  public void geglu(float[] x, int xOff, int n, float[] y, int yOff) {
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector a = FloatVector.fromArray(S, x, xOff + i);
      FloatVector g = FloatVector.fromArray(S, x, xOff + n + i);
      a.mul(gelu(g)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = x[xOff + i] * (float) ActivationMath.gelu(x[xOff + n + i]);
    }
  }

  /**
   * Exact GELU as {@code 0.5 x erfc(-x / sqrt 2)}, with the same erfc approximation as the scalar path
   * ({@code ActivationMath.erfc}: {@code t exp(-z^2 + P(t))}, {@code t = 1 / (1 + z/2)}), evaluated in float.
   */
  private static FloatVector gelu(FloatVector x) {
    FloatVector u = x.mul(-0.70710678f);
    FloatVector z = u.abs();
    FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(FloatVector.broadcast(S, 0.5f),
        FloatVector.broadcast(S, 1f)));
    FloatVector p = FloatVector.broadcast(S, 0.17087277f);
    for (float c : ERFC) {
      p = p.fma(t, FloatVector.broadcast(S, c));
    }
    FloatVector r = t.mul(exp(z.mul(z).neg().add(p)));
    FloatVector erfc = r.blend(FloatVector.broadcast(S, 2f).sub(r), u.lt(0f));
    return x.mul(0.5f).mul(erfc);
  }

  /** The erfc polynomial's coefficients after the leading one, from the highest power down. */
  private static final float[] ERFC = {-0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f,
      0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f};

  // exp(x) = 2^n e^r with n = round(x log2 e) and |r| <= ln2 / 2; e^r by its Taylor polynomial to degree 7, whose
  // truncation error (r^8 / 8!) is below 5e-9, so the result is within about one ulp of the float exp.
  private static final float LOG2E = 1.44269504f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer in the low bits
  private static final float LO = -87.33f; // below this exp underflows; the result is 0 (also for -inf)
  private static final float HI = 88.37f;

  static FloatVector exp(FloatVector x) {
    VectorMask<Float> under = x.lt(LO);
    FloatVector xc = x.max(LO).min(HI);
    FloatVector t = xc.fma(LOG2E, ROUND);
    FloatVector n = t.sub(ROUND);
    // n * LN2_HI is exact (few significant bits in both), so r carries no error from the reduction; each step is one
    // fused multiply-add.
    FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), xc);
    r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
    FloatVector p = FloatVector.broadcast(S, 1f / 5040);
    p = p.fma(r, FloatVector.broadcast(S, 1f / 720));
    p = p.fma(r, FloatVector.broadcast(S, 1f / 120));
    p = p.fma(r, FloatVector.broadcast(S, 1f / 24));
    p = p.fma(r, FloatVector.broadcast(S, 1f / 6));
    p = p.fma(r, FloatVector.broadcast(S, 0.5f));
    p = p.fma(r, FloatVector.broadcast(S, 1f));
    p = p.fma(r, FloatVector.broadcast(S, 1f));
    IntVector bits = t.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
    FloatVector scaled = p.mul(bits.reinterpretAsFloats());
    return scaled.blend(0f, under);
  }

  @Override
  public void winogradIn(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int yStride, int n) {
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector a = FloatVector.fromArray(S, x, x0 + i);
      FloatVector b = FloatVector.fromArray(S, x, x1 + i);
      FloatVector c = FloatVector.fromArray(S, x, x2 + i);
      FloatVector d = FloatVector.fromArray(S, x, x3 + i);
      a.sub(c).intoArray(y, y0 + i);
      b.add(c).intoArray(y, y0 + yStride + i);
      c.sub(b).intoArray(y, y0 + 2 * yStride + i);
      b.sub(d).intoArray(y, y0 + 3 * yStride + i);
    }
    ScalarSimd.winogradInLoop(x, x0 + i, x1 + i, x2 + i, x3 + i, y, y0 + i, yStride, n - i);
  }

  @Override
  public void winogradOut(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int y1, int n) {
    int i = 0;
    for (; i <= n - L; i += L) {
      FloatVector b = FloatVector.fromArray(S, x, x1 + i);
      FloatVector c = FloatVector.fromArray(S, x, x2 + i);
      FloatVector.fromArray(S, x, x0 + i).add(b).add(c).intoArray(y, y0 + i);
      b.sub(c).sub(FloatVector.fromArray(S, x, x3 + i)).intoArray(y, y1 + i);
    }
    ScalarSimd.winogradOutLoop(x, x0 + i, x1 + i, x2 + i, x3 + i, y, y0 + i, y1 + i, n - i);
  }

  /**
   * A full panel ({@code count == width}) a whole number of vectors wide is filled by gathers, one vector of rows per
   * load; one that divides a vector (an 8-row panel of A in 16 lanes) gathers that many steps of depth per load (A's
   * packing 40% faster than element by element); anything else goes element by element.
   */
  @Override
  public void transpose(float[] src, int sOff, int ld, int count, int kc, float[] dst, int dOff, int width) {
    if (count == width && width % L == 0) {
      int[] rows = gatherIndex(width, ld);
      for (int v = 0; v < width; v += L) {
        int base = sOff + v * ld;
        for (int p = 0; p < kc; p++) {
          FloatVector.fromArray(S, src, base + p, rows, 0).intoArray(dst, dOff + p * width + v);
        }
      }
    } else if (count == width && L % width == 0) {
      int[] rows = gatherIndex(width, ld);
      int steps = L / width;
      int p = 0;
      for (; p <= kc - steps; p += steps) {
        FloatVector.fromArray(S, src, sOff + p, rows, 0).intoArray(dst, dOff + p * width);
      }
      Panels.transposeRows(src, sOff + p, ld, count, kc - p, dst, dOff + p * width, width);
    } else {
      Panels.transposeRows(src, sOff, ld, count, kc, dst, dOff, width);
    }
  }

  /**
   * Lane {@code l} reads row {@code l % width} (rows {@code ld} apart) at depth {@code l / width}: rows side by side,
   * then the next step of depth.
   */
  private static int[] gatherIndex(int width, int ld) {
    int[] rows = GATHER.get();
    for (int lane = 0; lane < L; lane++) {
      rows[lane] = lane % width * ld + lane / width;
    }
    return rows;
  }

  /** Two vectors of the row at a time, their even and odd lanes picked by two-vector selects. */
  @Override
  public void deinterleave(float[] x, int from, int pairs, float[] even, int eOff, float[] odd, int oOff) {
    int m = 0;
    for (; m <= pairs - L; m += L) {
      FloatVector lo = FloatVector.fromArray(S, x, from + 2 * m);
      FloatVector hi = FloatVector.fromArray(S, x, from + 2 * m + L);
      EVEN_LANES.selectFrom(lo, hi).intoArray(even, eOff + m);
      ODD_LANES.selectFrom(lo, hi).intoArray(odd, oOff + m);
    }
    ScalarSimd.deinterleaveLoop(x, from + 2 * m, pairs - m, even, eOff + m, odd, oOff + m);
  }

  /** {@code first, first + 2, ...}: lane indices into two concatenated vectors. */
  private static float[] lanes(int first) {
    float[] v = new float[L];
    for (int i = 0; i < L; i++) {
      v[i] = first + 2 * i;
    }
    return v;
  }

  /** Sign-extended to ints and shifted into the upper half: the scalar loop does not vectorize (0.3 ns per element). */
  @Override
  public void bf16ToFloat(short[] src, int n, float[] dst, int dOff) {
    int i = 0;
    for (; i <= n - L; i += L) {
      ((IntVector) ShortVector.fromArray(HALVES, src, i).convertShape(VectorOperators.S2I, INTS, 0))
          .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
    }
    ScalarSimd.bf16ToFloatLoop(src, i, n, dst, dOff);
  }

  @Override
  public String describe() {
    return "Vector API kernels, " + S.vectorBitSize() + "-bit";
  }
}
