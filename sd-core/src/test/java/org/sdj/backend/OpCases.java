package org.sdj.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The conformance cases: every op of {@link Ops} at several shapes, including sizes 1, 3, 13, 77 and 257, odd spatial
 * sizes, strides 1 and 2, asymmetric padding, causal and non-causal attention with {@code Nq != Nk}, and weights in
 * F32, F16 and BF16.
 */
public final class OpCases {
  private static final DType[] WEIGHT_TYPES = {DType.F32, DType.F16, DType.BF16};

  private final List<OpCase> cases = new ArrayList<>();

  private OpCases() {}

  /** Every case, in a fixed order. */
  public static List<OpCase> all() {
    OpCases c = new OpCases();
    c.dataMovement();
    c.linear();
    c.conv2d();
    c.attention();
    c.packedAttention();
    c.norms();
    c.pointwise();
    return List.copyOf(c.cases);
  }

  private void add(String name, Function<CaseInputs, Tensor> run) {
    cases.add(new OpCase(name, name.hashCode(), run));
  }

  private void dataMovement() {
    add("reshape [2,3,13] -> [6,13]", in -> in.ops().reshape(in.act(2, 3, 13), 6, 13));
    add("narrow [3,77,13] dim 1 [5,+13)", in -> in.ops().narrow(in.act(3, 77, 13), 1, 5, 13));
    add("narrow [2,257] dim -1 [128,+129)", in -> in.ops().narrow(in.act(2, 257), -1, 128, 129));
    add("narrow [4,3] dim 0 [3,+1)", in -> in.ops().narrow(in.act(4, 3), 0, 3, 1));
    add("concat dim 1 [2,3,5,7]+[2,13,5,7]", in -> in.ops().concat(1, in.act(2, 3, 5, 7), in.act(2, 13, 5, 7)));
    add("concat dim 0 [1,77]+[3,77]", in -> in.ops().concat(0, in.act(1, 77), in.act(3, 77)));
    add("concat dim -1 [3,1]+[3,257]", in -> in.ops().concat(-1, in.act(3, 1), in.act(3, 257)));
    add("nchwToTokens [2,13,5,7]", in -> in.ops().nchwToTokens(in.act(2, 13, 5, 7)));
    add("nchwToTokens [1,1,1,1]", in -> in.ops().nchwToTokens(in.act(1, 1, 1, 1)));
    add("tokensToNchw [2,35,13] 5x7", in -> in.ops().tokensToNchw(in.act(2, 35, 13), 5, 7));
    // past one 32 x 32 block each way, ragged at both ends
    add("nchwToTokens [2,45,7,11]", in -> in.ops().nchwToTokens(in.act(2, 45, 7, 11)));
    add("tokensToNchw [2,77,45] 7x11", in -> in.ops().tokensToNchw(in.act(2, 77, 45), 7, 11));
    // Rows and columns multiples of 8 (a backend's vectorized paths), batch 3, tiles both whole and ragged.
    add("concat dim 1 [3,16,4,5]+[3,8,4,5]", in -> in.ops().concat(1, in.act(3, 16, 4, 5), in.act(3, 8, 4, 5)));
    add("concat dim 1 [2,40,16,16]+[2,24,16,16]",
        in -> in.ops().concat(1, in.act(2, 40, 16, 16), in.act(2, 24, 16, 16)));
    add("nchwToTokens [2,72,8,10]", in -> in.ops().nchwToTokens(in.act(2, 72, 8, 10)));
    add("tokensToNchw [3,128,136] 8x16", in -> in.ops().tokensToNchw(in.act(3, 128, 136), 8, 16));
    for (DType t : WEIGHT_TYPES) {
      add("embedding " + t + " [257,13] x 77 ids", in -> in.ops().embedding(in.weight(t, 1, 257, 13), in.ids(77, 257)));
    }
    add("embedding [3,1] x 1 id", in -> in.ops().embedding(in.weight(DType.F32, 1, 3, 1), in.ids(1, 3)));
    add("upsampleNearest [2,3,5,7] -> 10x14", in -> in.ops().upsampleNearest(in.act(2, 3, 5, 7), 10, 14));
    add("upsampleNearest [1,2,3,3] -> 5x5", in -> in.ops().upsampleNearest(in.act(1, 2, 3, 3), 5, 5));
    add("upsampleNearest [1,1,13,7] -> 7x13", in -> in.ops().upsampleNearest(in.act(1, 1, 13, 7), 7, 13));
    // planes large enough to be split among threads one by one
    add("upsampleNearest [1,5,130,129] -> 260x258", in -> in.ops().upsampleNearest(in.act(1, 5, 130, 129), 260, 258));
    add("upsampleNearest [1,3,1,1] -> 3x1", in -> in.ops().upsampleNearest(in.act(1, 3, 1, 1), 3, 1));
    add("circularPad [2,3,5,7] 1x1", in -> in.ops().circularPad(in.act(2, 3, 5, 7), 1, 1));
    add("circularPad [1,16,4,6] 0x2", in -> in.ops().circularPad(in.act(1, 16, 4, 6), 0, 2));
    add("circularPad [1,5,3,2] 3x2 (whole sides)", in -> in.ops().circularPad(in.act(1, 5, 3, 2), 3, 2));
    // Channels a multiple of 8: a channels-last backend's vectorized path.
    add("upsampleNearest [2,16,5,7] -> 10x14", in -> in.ops().upsampleNearest(in.act(2, 16, 5, 7), 10, 14));
  }

  private void linear() {
    long[][] shapes = {{1, 1, 1}, {3, 13, 77}, {77, 257, 3}, {2, 13, 257}, {5, 320, 64}, {37, 64, 600}};
    for (long[] s : shapes) {
      for (DType t : WEIGHT_TYPES) {
        long rows = s[0];
        long inF = s[1];
        long outF = s[2];
        add("linear " + t + " [" + rows + "," + inF + "] -> " + outF,
            in -> in.ops().linear(in.act(rows, inF), in.weight(t, 1 / Math.sqrt(inF), outF, inF), null, null));
        // Two outputs of x w + b + r: terms that cannot cancel (CaseInputs.positiveAct).
        boolean few = rows * outF == 1;
        add("linear+bias+residual " + t + " [2," + rows + "," + inF + "] -> " + outF,
            in -> in.ops().linear(few ? in.positiveAct(2, rows, inF) : in.act(2, rows, inF),
                few ? in.positiveWeight(t, 1, outF, inF) : in.weight(t, 1 / Math.sqrt(inF), outF, inF),
                few ? in.positiveWeight(t, 1, outF) : in.weight(t, 1, outF),
                few ? in.positiveAct(2, rows, outF) : in.act(2, rows, outF)));
      }
    }
  }

  private void conv2d() {
    conv("3x3 s1 p1", new long[] {1, 3, 13, 13}, 5, 3, 3, Conv2dParams.of(1, 1), false);
    conv("3x3 s1 p1 bias", new long[] {2, 4, 9, 7}, 13, 3, 3, Conv2dParams.of(1, 1), true);
    conv("3x3 s2 p1", new long[] {2, 5, 13, 9}, 3, 3, 3, Conv2dParams.of(2, 1), true);
    conv("3x3 s2 pad bottom/right", new long[] {1, 4, 8, 9}, 6, 3, 3, new Conv2dParams(2, 0, 1, 0, 1), true);
    conv("1x1 s1 p0", new long[] {2, 13, 5, 7}, 77, 1, 1, Conv2dParams.of(1, 0), true);
    conv("3x1 asymmetric pad", new long[] {1, 3, 6, 5}, 4, 3, 1, new Conv2dParams(1, 2, 0, 0, 3), true);
    conv("4x4 s2 p0", new long[] {1, 2, 11, 11}, 3, 4, 4, Conv2dParams.of(2, 0), false);
    // One output: terms that cannot cancel (CaseInputs.positiveAct).
    add("conv2d 3x3 s1 p0 1x1 output [1, 1, 3, 3] -> 1", in -> in.ops().conv2d(in.positiveAct(1, 1, 3, 3),
        in.positiveWeight(DType.F32, 1.0 / 9, 1, 1, 3, 3), in.positiveWeight(DType.F32, 1, 1), Conv2dParams.of(1, 0),
        null));
    conv("3x3 s1 p1 many pixels", new long[] {1, 3, 27, 29}, 5, 3, 3, Conv2dParams.of(1, 1), true);
    conv("3x3 s1 p1 wide", new long[] {1, 32, 16, 16}, 64, 3, 3, Conv2dParams.of(1, 1), true);
    // Big enough (channels and pixels) for a backend's fast 3x3 algorithm (the CPU's Winograd), with odd sizes.
    conv("3x3 s1 p1 large odd", new long[] {2, 17, 37, 31}, 19, 3, 3, Conv2dParams.of(1, 1), true);
    conv("3x3 s1 asymmetric pad large", new long[] {1, 24, 45, 52}, 33, 3, 3, new Conv2dParams(1, 0, 1, 1, 0), false);
    // Many output pixels in all, for a backend that treats few-pixel convolutions differently.
    conv("1x1 s1 p0 many pixels", new long[] {2, 7, 48, 45}, 9, 1, 1, Conv2dParams.of(1, 0), true);
    conv("3x3 s2 p1 many pixels", new long[] {2, 5, 130, 70}, 6, 3, 3, Conv2dParams.of(2, 1), true);
    circularConv("both 3x3 s1 p1", new long[] {2, 5, 9, 11}, 6, Conv2dParams.of(1, 1), true, true);
    circularConv("width 3x3 s2 p1", new long[] {1, 4, 13, 10}, 3, Conv2dParams.of(2, 1), true, false);
    circularConv("height 3x3 s1 p1 wide", new long[] {1, 32, 16, 16}, 64, Conv2dParams.of(1, 1), false, true);
    circularConv("both 3x3 s2 pad bottom/right (stays zeros)", new long[] {1, 4, 8, 9}, 6,
        new Conv2dParams(2, 0, 1, 0, 1), true, true);
    for (DType t : WEIGHT_TYPES) {
      long[] x = {2, 4, 9, 7};
      add("conv2d+residual " + t + " 3x3 s1 p1 " + Shapes.str(x) + " -> 13",
          in -> in.ops().conv2d(in.act(x), in.weight(t, 1.0 / 6, 13, 4, 3, 3), in.weight(t, 1, 13),
              Conv2dParams.of(1, 1), in.act(2, 13, 9, 7)));
    }
  }

  /** Convolutions of a seamless view ({@link SeamlessOps}): wrapped inputs, built from narrows and concatenations. */
  private void circularConv(String what, long[] x, long out, Conv2dParams p, boolean alongWidth, boolean alongHeight) {
    double std = 1 / Math.sqrt(x[1] * 9);
    add("conv2d circular " + what + " " + Shapes.str(x) + " -> " + out,
        in -> SeamlessOps.wrap(in.ops(), alongWidth, alongHeight).conv2d(in.act(x),
            in.weight(DType.F32, std, out, x[1], 3, 3), in.weight(DType.F32, 1, out), p, null));
  }

  private void conv(String what, long[] x, long out, long kh, long kw, Conv2dParams p, boolean bias) {
    double std = 1 / Math.sqrt(x[1] * kh * kw);
    add("conv2d " + what + " " + Shapes.str(x) + " -> " + out,
        in -> in.ops().conv2d(in.act(x), in.weight(DType.F32, std, out, x[1], kh, kw),
            bias ? in.weight(DType.F32, 1, out) : null, p, null));
  }

  private void attention() {
    // batch, Nq, Nk, heads, head size
    attn(1, 1, 1, 1, 1, false);
    attn(2, 13, 77, 3, 8, false);
    attn(1, 77, 77, 2, 16, true);
    attn(1, 13, 9, 1, 40, true);
    attn(1, 9, 13, 1, 40, true);
    attn(2, 5, 13, 4, 3, true);
    attn(1, 257, 257, 1, 8, false);
    attn(1, 257, 77, 8, 5, false);
    attn(2, 64, 300, 2, 64, false);
    // Heads wider than a GPU's tensor-core kernel takes (the VAE's is 512).
    attn(1, 70, 45, 1, 200, true);
    attn(2, 37, 77, 1, 512, false);
  }

  /** Attention on packed projections: q, k, v (or k, v) side by side in one tensor's rows. */
  private void packedAttention() {
    // batch, N (or Nq, Nk), heads, head size
    add("selfAttention B=1 N=1 heads=1 d=1", in -> in.ops().selfAttention(in.act(1, 1, 3), 1, 1f, false));
    add("selfAttention B=2 N=77 heads=8 d=40", in -> in.ops().selfAttention(in.act(2, 77, 3 * 320), 8,
        (float) (1 / Math.sqrt(40)), false));
    add("selfAttention causal B=1 N=77 heads=2 d=16", in -> in.ops().selfAttention(in.act(1, 77, 3 * 32), 2, 0.25f,
        true));
    add("selfAttention B=2 N=130 heads=3 d=5", in -> in.ops().selfAttention(in.act(2, 130, 3 * 15), 3,
        (float) (1 / Math.sqrt(5)), false));
    add("selfAttention B=1 N=45 heads=1 d=200", in -> in.ops().selfAttention(in.act(1, 45, 3 * 200), 1,
        (float) (1 / Math.sqrt(200)), false));
    add("crossAttention B=2 Nq=257 Nk=77 heads=8 d=40", in -> in.ops().crossAttention(in.act(2, 257, 320),
        in.act(2, 77, 2 * 320), 8, (float) (1 / Math.sqrt(40))));
    add("crossAttention B=1 Nq=9 Nk=13 heads=2 d=64", in -> in.ops().crossAttention(in.act(1, 9, 128),
        in.act(1, 13, 2 * 128), 2, 0.125f));
    add("crossAttention B=2 Nq=5 Nk=3 heads=4 d=3", in -> in.ops().crossAttention(in.act(2, 5, 12),
        in.act(2, 3, 24), 4, (float) (1 / Math.sqrt(3))));
  }

  private void attn(long b, long nq, long nk, int heads, long d, boolean causal) {
    float scale = (float) (1 / Math.sqrt(d));
    add("attention " + (causal ? "causal " : "") + "B=" + b + " Nq=" + nq + " Nk=" + nk + " heads=" + heads + " d=" + d,
        in -> in.ops().attention(in.act(b, nq, heads * d), in.act(b, nk, heads * d), in.act(b, nk, heads * d),
            heads, scale, causal));
  }

  private void norms() {
    for (DType t : WEIGHT_TYPES) {
      add("groupNorm " + t + " [2,32,9,7] groups 8", in -> in.ops().groupNorm(in.act(2, 32, 9, 7), 8,
          in.weight(t, 1, 32), in.weight(t, 1, 32), 1e-5f, false));
      add("layerNorm " + t + " [2,5,257]", in -> in.ops().layerNorm(in.act(2, 5, 257), in.weight(t, 1, 257),
          in.weight(t, 1, 257), 1e-5f));
    }
    add("groupNorm+silu [2,32,9,7] groups 8", in -> in.ops().groupNorm(in.act(2, 32, 9, 7), 8,
        in.weight(DType.F32, 1, 32), in.weight(DType.F32, 1, 32), 1e-6f, true));
    add("groupNorm [1,6,13] groups 3", in -> in.ops().groupNorm(in.act(1, 6, 13), 3,
        in.weight(DType.F32, 1, 6), in.weight(DType.F32, 1, 6), 1e-5f, false));
    add("groupNorm+silu [1,3,1,1] groups 3", in -> in.ops().groupNorm(in.act(1, 3, 1, 1), 3,
        in.weight(DType.F32, 1, 3), in.weight(DType.F32, 1, 3), 1e-5f, true));
    // Channels-last layouts: groups of 10 and of 2 channels, so that 8-channel vectors straddle groups, and channels
    // that are no multiple of 8.
    add("groupNorm+silu [2,320,8,8] groups 32", in -> in.ops().groupNorm(in.act(2, 320, 8, 8), 32,
        in.weight(DType.F32, 1, 320), in.weight(DType.F32, 1, 320), 1e-5f, true));
    add("groupNorm [2,64,5,5] groups 32", in -> in.ops().groupNorm(in.act(2, 64, 5, 5), 32,
        in.weight(DType.F32, 1, 64), in.weight(DType.F32, 1, 64), 1e-6f, false));
    add("groupNorm [2,12,9,7] groups 4", in -> in.ops().groupNorm(in.act(2, 12, 9, 7), 4,
        in.weight(DType.F32, 1, 12), in.weight(DType.F32, 1, 12), 1e-5f, false));
    add("groupNorm [1,77,3,3] groups 1", in -> in.ops().groupNorm(in.act(1, 77, 3, 3), 1,
        in.weight(DType.F32, 1, 77), in.weight(DType.F32, 1, 77), 1e-5f, false));
    // Groups of tens of thousands of elements, as the VAE's at full resolution (a GPU may split them over blocks).
    add("groupNorm [1,32,96,96] groups 8", in -> in.ops().groupNorm(in.ops().scale(in.act(1, 32, 96, 96), 3), 8,
        in.weight(DType.F32, 1, 32), in.weight(DType.F32, 1, 32), 1e-6f, false));
    add("groupNorm+silu [2,8,97,95] groups 2", in -> in.ops().groupNorm(in.act(2, 8, 97, 95), 2,
        in.weight(DType.F32, 1, 8), in.weight(DType.F32, 1, 8), 1e-6f, true));
    add("layerNorm [3,77]", in -> in.ops().layerNorm(in.act(3, 77), in.weight(DType.F32, 1, 77),
        in.weight(DType.F32, 1, 77), 1e-5f));
    add("layerNorm [13,1]", in -> in.ops().layerNorm(in.act(13, 1), in.weight(DType.F32, 1, 1),
        in.weight(DType.F32, 1, 1), 1e-5f));
  }

  private void pointwise() {
    for (Activation a : Activation.values()) {
      add("activation " + a + " [3,257]", in -> in.ops().activation(in.ops().scale(in.act(3, 257), 4), a));
      // One element where the functions are well conditioned: at x near -3 GELU's relative error is ten times its
      // input's, and one element has nothing to average it with.
      add("activation " + a + " [1]", in -> in.ops().activation(in.positiveAct(1), a));
    }
    add("prelu [2,5,3,7]", in -> in.ops().prelu(in.act(2, 5, 3, 7), in.weight(DType.F32, 0.5, 5)));
    add("prelu [1,64,9,11]", in -> in.ops().prelu(in.act(1, 64, 9, 11), in.weight(DType.F32, 0.5, 64)));
    add("prelu [3,2]", in -> in.ops().prelu(in.act(3, 2), in.weight(DType.F32, 1, 2)));
    add("geglu [2,3,26]", in -> in.ops().geglu(in.ops().scale(in.act(2, 3, 26), 3)));
    add("geglu [1,514]", in -> in.ops().geglu(in.act(1, 514)));
    // Halves a multiple of 8: a backend's vectorized path.
    add("geglu [3,7,80]", in -> in.ops().geglu(in.ops().scale(in.act(3, 7, 80), 2)));
    add("add same shape [2,13,7]", in -> in.ops().add(in.act(2, 13, 7), in.act(2, 13, 7)));
    add("add suffix [2,77,13]+[77,13]", in -> in.ops().add(in.act(2, 77, 13), in.act(77, 13)));
    add("add suffix [3,257]+[257]", in -> in.ops().add(in.act(3, 257), in.act(257)));
    // Images: a channels-last backend adds them in its own layout, or converts one for a broadcast.
    add("add same shape [2,24,5,7]", in -> in.ops().add(in.act(2, 24, 5, 7), in.act(2, 24, 5, 7)));
    add("add suffix [2,24,5,7]+[24,5,7]", in -> in.ops().add(in.act(2, 24, 5, 7), in.act(24, 5, 7)));
    add("activation SILU [2,16,5,7]", in -> in.ops().activation(in.act(2, 16, 5, 7), Activation.SILU));
    add("scale [2,16,5,7] x 0.5", in -> in.ops().scale(in.act(2, 16, 5, 7), 0.5f));
    add("addPerChannel [2,13,5,7]+[2,13]", in -> in.ops().addPerChannel(in.act(2, 13, 5, 7), in.act(2, 13)));
    add("addPerChannel [1,3,1]+[1,3]", in -> in.ops().addPerChannel(in.act(1, 3, 1), in.act(1, 3)));
    // Planes a multiple of 8: a backend's vectorized path.
    add("addPerChannel [3,5,4,6]+[3,5]", in -> in.ops().addPerChannel(in.act(3, 5, 4, 6), in.act(3, 5)));
    add("addPerChannel [2,40,8,8]+[2,40]", in -> in.ops().addPerChannel(in.act(2, 40, 8, 8), in.act(2, 40)));
    add("addPerChannel [2,16,3,5]+[2,16]", in -> in.ops().addPerChannel(in.act(2, 16, 3, 5), in.act(2, 16)));
    add("scale [3,77] x -0.18215", in -> in.ops().scale(in.act(3, 77), -0.18215f));
    add("combine [2,4,9,7] 0.7x - 1.3y", in -> in.ops().combine(0.7f, in.act(2, 4, 9, 7), -1.3f, in.act(2, 4, 9, 7)));
    // One element: terms that cannot cancel (CaseInputs.positiveAct).
    add("combine [1] x + 2.5y", in -> in.ops().combine(1f, in.positiveAct(1), 2.5f, in.positiveAct(1)));
    add("combine [3,1031] 156x - 156y", in -> in.ops().combine(156f, in.act(3, 1031), -156f, in.act(3, 1031)));
    latents();
  }

  /** The float32 latents of the denoising loop: every backend takes them in these ops. */
  private void latents() {
    add("f32 fromHost [2,4,9,7]", in -> in.latent(2, 4, 9, 7));
    add("f32 combine [2,4,9,7] 156x - 156y",
        in -> in.ops().combine(156f, in.latent(2, 4, 9, 7), -156f, in.latent(2, 4, 9, 7)));
    add("f32 scale [3,257] x 0.18215", in -> in.ops().scale(in.latent(3, 257), 0.18215f));
    add("f32 concat dim 0 [1,4,5,3]+[1,4,5,3]", in -> in.ops().concat(0, in.latent(1, 4, 5, 3), in.latent(1, 4, 5, 3)));
    add("f32 narrow dim 0 [4,3,5] 1..3", in -> in.ops().narrow(in.latent(4, 3, 5), 0, 1, 2));
    add("f32 narrow dim 2 [2,3,7] 2..6", in -> in.ops().narrow(in.latent(2, 3, 7), 2, 2, 4));
    add("f32 reshape [2,3,4] -> [6,4]", in -> in.ops().reshape(in.latent(2, 3, 4), 6, 4));
    add("f32 cast to activations [2,4,9,7]",
        in -> in.ops().cast(in.latent(2, 4, 9, 7), in.ops().backend().activationType()));
    add("activations cast to f32 [3,257]", in -> in.ops().cast(in.act(3, 257), DType.F32));
    add("f32 cast to f32 [5]", in -> in.ops().cast(in.latent(5), DType.F32));
  }
}
