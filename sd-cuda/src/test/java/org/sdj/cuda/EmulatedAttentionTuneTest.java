package org.sdj.cuda;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.backend.DType;

/**
 * The attention tuning image's kernels (src/test/tune/attention_tune.cu, which AttentionTune times on a GPU) on the
 * CPU emulator, as AttentionTune launches them, against the reference attention and FlashAttention's rule: so that a
 * tuning run times kernels that compute attention, and a winner can join sdj's table as it is (build-emu.sh builds
 * the image into the emulator).
 */
class EmulatedAttentionTuneTest {
  private static final Path SOURCE = moduleFile("src/test/tune/attention_tune.cu");

  /** A file of this module, from the module (Maven's working directory) or the repository root (gpu-check.sh's). */
  static Path moduleFile(String path) {
    Path here = Path.of(path);
    return Files.exists(here) ? here : Path.of("sd-cuda").resolve(path);
  }

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }
  private static final Pattern ROW =
      Pattern.compile("^SDJ_TUNE\\((\\d+), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+)\\)");

  /** The names of the image's kernels, from its SDJ_TUNE rows. */
  static List<String> kernels() throws IOException {
    return Files.readAllLines(SOURCE).stream().map(ROW::matcher).filter(Matcher::find)
        .map(m -> new WgmmaKernel.Row("_f16", Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
            Integer.parseInt(m.group(6)), Integer.parseInt(m.group(7))).tuningName())
        .toList();
  }

  /** The image's kernels that compute attention (not the diagnostics: {@link WgmmaKernel.Row#diagnostic}). */
  static List<String> attentionKernels() throws IOException {
    return kernels().stream().filter(n -> !WgmmaKernel.Row.ofTuning(n).diagnostic()).toList();
  }

  /** The image's diagnostics (copies alone, products alone), which write NaN. */
  static List<String> diagnosticKernels() throws IOException {
    return kernels().stream().filter(n -> WgmmaKernel.Row.ofTuning(n).diagnostic()).toList();
  }

  @Test
  void namesReadBack() throws IOException {
    List<String> names = kernels();
    assertFalse(names.isEmpty(), "SDJ_TUNE rows in " + SOURCE);
    WgmmaKernel k = WgmmaKernel.tuning("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f7");
    assertEquals(new WgmmaKernel("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f7", 128,
        new WgmmaKernel.Shape(176, 2, 2), 128, false, 1, false), k);
    assertEquals(2, WgmmaKernel.tuning("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f15").cluster());
  }

  /**
   * AttentionTune's run on the emulator, at a small size and one call per kernel: per head size a line for sdj's
   * kernel, then one per tuning kernel, whose output matches sdj's kernel's to float16 rounding.
   */
  @Test
  void tuneRunPrintsALinePerKernel() {
    List<String> names = List.of("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f5", "sdj_tune_f16_d48_k64_s4_c3_w0_x0_f1",
        "sdj_tune_f16_d128_k176_s2_c2_w128_x0_f6", "sdj_tune_f16_d128_k128_s2_c2_w128_x0_f15");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (CudaBackend backend = HostDevice.backend(CudaOptions.defaults())) {
      AttentionTune.run(new AttentionTune.Bench(backend, backend.launcher(), backend::sync, 1, 200, 2), names,
          new AttentionTune.Settings(0, Pattern.compile(".*"), true, false, 1, 1), new PrintStream(bytes, true, UTF_8));
    }
    List<String> lines = bytes.toString(UTF_8).lines().toList();
    assertEquals(7, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).startsWith("kernel"), lines.get(0));
    for (int i : new int[] {1, 4}) {
      assertTrue(lines.get(i).matches("table +" + (i == 1 ? 40 : 128) + " .*"), lines.get(i));
    }
    for (int i : new int[] {2, 3, 5, 6}) {
      String[] f = lines.get(i).trim().split(" +");
      assertEquals(names.get(i < 4 ? i - 2 : i - 3), f[0]);
      assertTrue(Double.parseDouble(f[6]) < 5e-3, "max diff " + lines.get(i));
    }
    // --no-clusters, as gpu-check passes it after a cluster kernel hung: every kernel but those in clusters.
    ByteArrayOutputStream rest = new ByteArrayOutputStream();
    try (CudaBackend backend = HostDevice.backend(CudaOptions.defaults())) {
      AttentionTune.run(new AttentionTune.Bench(backend, backend.launcher(), backend::sync, 1, 200, 2),
          names.subList(2, 4), AttentionTune.Settings.parse(List.of("--no-clusters", "--once")),
          new PrintStream(rest, true, UTF_8));
    }
    List<String> left = rest.toString(UTF_8).lines().toList();
    assertEquals(3, left.size(), String.join("\n", left));
    assertTrue(left.get(2).startsWith(names.get(2)), left.get(2));
  }

  /**
   * Each kernel at its benchmark head size with bulk copies, as it runs on a GPU, causal and with a negative scale
   * (which the producer folds into the query tile; a positive one for persistent kernels, which take no other): a
   * first block of queries whole and a second cut short, enough key tiles to refill every stage twice and a last one
   * cut short; one head, so that FlashAttention's rule is checked too. (The cp.async and plain-load paths:
   * {@link #layoutsMatchChunked}.)
   */
  @ParameterizedTest
  @MethodSource("attentionKernels")
  void computesAttention(String name) {
    checkAttention(name, 1);
  }

  /** {@link #computesAttention}'s check of kernel {@code name}, its scale {@code times} the usual 1 / sqrt(d). */
  private static void checkAttention(String name, double times) {
    WgmmaKernel kernel = WgmmaKernel.tuning(name);
    int d = AttentionTune.headSize(kernel.dp());
    WgmmaKernel.Shape shape = kernel.shape();
    try (HostRun run = new HostRun(DType.F16, name)) {
      AttentionKernels kernels = new AttentionKernels(run.launcher, AttentionKernels.Copies.TMA_CHUNKS, kernel);
      assertEquals(kernel, kernels.wgmmaKernel(d).orElseThrow(), name + " runs head size " + d);
      EmulatedFlashAttentionTest.check(run, kernels, 1, shape.rows() + 70, 2 * shape.stages() * shape.keys() + 37, 1,
          d, true, (float) ((kernel.persistent() ? 1 : -1) * times / Math.sqrt(d)), false);
    }
  }

  /**
   * Whether a tuning kernel's softmax takes its exponentials otherwise: stale maxima (FLAG_LAZY_RESCALE in
   * wgmma_kernel.cuh) or some exponentials by polynomial (FLAG_POLY_EXP).
   */
  private static boolean otherExponentials(WgmmaKernel k) {
    return (TuneCombinations.Row.of(k.name()).orElseThrow().flags() & (2048 | 4096)) != 0;
  }

  /** The image's kernels with stale maxima or polynomial exponentials. */
  static List<String> otherExponentialKernels() throws IOException {
    return attentionKernels().stream().filter(n -> otherExponentials(WgmmaKernel.tuning(n))).toList();
  }

  /**
   * Kernels with stale maxima or polynomial exponentials at a scale eight times the usual, where a row's scores climb
   * by more than 2^8 over the maximum it keeps after the first tile (about once in two rows at these sizes, by a
   * simulation of the rule), so that they take new maxima and rescale O mid-row as well as run on probabilities above
   * 1 (which the usual scale gives: up to 2^4), and exponents fall far below -126 (the polynomial's clamp).
   */
  @ParameterizedTest
  @MethodSource("otherExponentialKernels")
  void largeScores(String name) {
    checkAttention(name, 8);
  }

  /**
   * The diagnostics (copies alone, products alone) hand every stage over as the kernel they come from does, so that
   * they run to the end (the emulator fails a launch that deadlocks), with bulk copies and with cp.async, causal and
   * not, and every output row they write is NaN: no tuning run takes them for attention.
   */
  @ParameterizedTest
  @MethodSource("diagnosticKernels")
  void diagnosticsRunToTheEndAndWriteNaN(String name) {
    WgmmaKernel kernel = WgmmaKernel.tuning(name);
    int d = AttentionTune.headSize(kernel.dp());
    int n = 2 * kernel.shape().stages() * kernel.shape().keys() + 37;
    try (HostRun run = new HostRun(DType.F16, name)) {
      float[] qkv = run.random(n * 3 * d);
      long p = run.put(qkv);
      for (AttentionKernels.Copies copies : List.of(AttentionKernels.Copies.TMA_CHUNKS,
          AttentionKernels.Copies.CP_ASYNC)) {
        for (boolean causal : new boolean[] {false, true}) {
          long o = run.output(n * d);
          new AttentionKernels(run.launcher, copies, kernel).attention(p, p + 2L * d, p + 4L * d, o, 1, n, n, 1, d,
              3 * d, 3 * d, 0.125f, causal);
          float[] got = run.get(o, n * d);
          for (int i = 0; i < got.length; i++) {
            assertTrue(Float.isNaN(got[i]), name + ", " + copies + (causal ? ", causal" : "") + ": output " + i);
          }
        }
      }
    }
  }

  /**
   * Whether a tuning kernel moves its data otherwise than the chunked, one-block, by-thread kernel of its shape: with
   * swizzled tiles, in clusters, in persistent blocks, or giving stages back by warp (its name's flags:
   * FLAG_WARP_RELEASE). Turns and fences the emulator does not tell apart.
   */
  private static boolean movesDataOtherwise(WgmmaKernel k) {
    int flags = TuneCombinations.Row.of(k.name()).orElseThrow().flags();
    return k.swizzle() != 0 || k.cluster() > 1 || k.persistent() || (flags & 16) != 0;
  }

  /**
   * Tuning kernels with swizzled K and V tiles (the query tile too, where their flags say), and those whose flags
   * change the schedule alone (clusters sharing their copies, persistent blocks, stages given back by warp), give
   * outputs bit-identical to those of the chunked kernel with the same keys, stages, consumers and softmax, which is
   * close to the reference: at each padded head size, with a zero-filled part of the last column block (40 of 48, 72 of
   * 80), with bulk copies, with cp.async and with plain loads (44, 100), causal and not, two batch items and two heads
   * read in place from a packed q/k/v projection, a last key tile cut short and the stages refilled, three blocks of
   * query rows (a cluster kernel's grid takes a fourth, past the last row; a persistent kernel's one block per batch
   * item takes its six (query block, head) pairs in turn, with bulk copies only: without them the table's kernel
   * runs). The emulator's dynamic shared memory starts off a 1024-byte boundary, so the kernels' own alignment of
   * swizzled tiles is what puts them on one. Kernels with stale maxima or polynomial exponentials are left out: their
   * probabilities are taken against other bases or computed otherwise, so they round otherwise
   * ({@link #computesAttention} and {@link #largeScores} check them against the reference).
   */
  @ParameterizedTest
  @EnumSource(value = AttentionKernels.Copies.class, names = {"CP_ASYNC", "TMA_CHUNKS"})
  void layoutsMatchChunked(AttentionKernels.Copies copies) throws IOException {
    List<WgmmaKernel> all = attentionKernels().stream().map(WgmmaKernel::tuning).toList();
    int[] sizes = copies == AttentionKernels.Copies.CP_ASYNC ? new int[] {44, 64, 72, 100, 160}
        : new int[] {40, 64, 72, 128, 160};
    int compared = 0;
    try (HostRun run = new HostRun(DType.F16, "tuneLayouts" + copies)) {
      for (WgmmaKernel base : all) {
        if (base.swizzle() != 0 || base.ones() || !base.name().endsWith("_f1")) {
          continue;
        }
        // (A persistent kernel without bulk copies leaves its launches to the table's kernel, of another shape.)
        List<WgmmaKernel> same = all.stream().filter(k -> k != base && k.dp() == base.dp() && !k.ones()
            && k.shape().equals(base.shape()) && movesDataOtherwise(k) && !otherExponentials(k)
            && !(k.persistent() && copies == AttentionKernels.Copies.CP_ASYNC)).toList();
        for (int d : sizes) {
          if (same.isEmpty() || WgmmaKernel.forHead("_f16", d).orElseThrow().dp() != base.dp()) {
            continue;
          }
          int b = 2;
          int heads = 2;
          int n = base.shape().stages() * base.shape().keys() + 20;
          int width = heads * d;
          float[] qkv = run.random(b * n * 3 * width);
          long p = run.put(qkv);
          long bytes = 2L * width;
          boolean causal = d % 3 != 0;
          float scale = (float) (1 / Math.sqrt(d));
          float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, causal));
          float[] first = null;
          for (WgmmaKernel k : Stream.concat(Stream.of(base), same.stream()).toList()) {
            long o = run.output(b * n * width);
            new AttentionKernels(run.launcher, copies, k).attention(p, p + bytes, p + 2 * bytes, o, b, n, n, heads, d,
                3 * width, 3 * width, scale, causal);
            float[] got = run.get(o, b * n * width);
            if (first == null) {
              run.assertClose(want, got, base.name() + " at d " + d);
              first = got;
            } else {
              assertArrayEquals(first, got, k.name() + " against " + base.name() + " at d " + d + ", " + copies);
              compared++;
            }
          }
        }
      }
    }
    assertTrue(compared >= 15, "kernels compared: " + compared);
  }
}
