package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;

/**
 * A tuning run's kernels in place of the table's ({@link TunedKernels}, {@code -Dsdj.cuda.wgmmaTuned=DIR}): what the
 * directory must hold, what a bad one says, and which launches the tuned kernels take (no GPU needed).
 */
class TunedKernelsTest {
  @TempDir
  Path dir;

  private Properties naming(Path d) {
    Properties p = new Properties();
    p.setProperty(TunedKernels.PROPERTY, d.toString());
    return p;
  }

  @Test
  void noneWhereThePropertyIsUnset() {
    assertEquals(Map.of(), TunedKernels.images(new Properties()));
    assertEquals(List.of(), TunedKernels.kernels(new Properties(), "_f16"));
  }

  @Test
  void readsTheImagesAndTheKernelsOfTheStorageType() throws IOException {
    Files.write(dir.resolve("sweep0_attention_tune_0.cubin"), new byte[] {1, 2, 3});
    Files.write(dir.resolve("notes.txt"), new byte[] {9});
    Files.writeString(dir.resolve(TunedKernels.LIST),
        "sdj_tune_f16_d48_k128_s3_c3_w0_x2_f1\n\nsdj_tune_f16_d128_k176_s2_c2_w128_x0_f37\n"
            + "sdj_tune_bf16_d128_k128_s2_c2_w128_x0_f1\n");
    Map<String, byte[]> images = TunedKernels.images(naming(dir));
    assertEquals(List.of("tuned/sweep0_attention_tune_0.cubin"), List.copyOf(images.keySet()));
    assertArrayEquals(new byte[] {1, 2, 3}, images.get("tuned/sweep0_attention_tune_0.cubin"));
    List<WgmmaKernel> f16 = TunedKernels.kernels(naming(dir), "_f16");
    assertEquals(List.of("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f1", "sdj_tune_f16_d128_k176_s2_c2_w128_x0_f37"),
        f16.stream().map(WgmmaKernel::name).toList());
    WgmmaKernel k = f16.get(1);
    assertEquals(new WgmmaKernel.Shape(176, 2, 2), k.shape());
    assertEquals(128, k.swizzle());
    assertTrue(k.persistent() && k.cluster() == 1, "flags 37: turns, no fence, persistent");
    assertTrue(f16.get(0).ones(), "packed float16 exponentials take their sums from a column of ones");
    assertEquals(List.of("sdj_tune_bf16_d128_k128_s2_c2_w128_x0_f1"),
        TunedKernels.kernels(naming(dir), "_bf16").stream().map(WgmmaKernel::name).toList());
  }

  @Test
  void badDirectoriesSayWhatToFix() throws IOException {
    CudaException none = assertThrows(CudaException.class, () -> TunedKernels.images(naming(dir)));
    assertTrue(none.getMessage().contains("holds no kernel image"), none.getMessage());
    CudaException list = assertThrows(CudaException.class, () -> TunedKernels.kernels(naming(dir), "_f16"));
    assertTrue(list.getMessage().contains("cannot read") && list.getMessage().contains(TunedKernels.LIST),
        list.getMessage());
    Files.writeString(dir.resolve(TunedKernels.LIST), "sdj_flash_attention_wgmma_f16_d128\n");
    CudaException name = assertThrows(CudaException.class, () -> TunedKernels.kernels(naming(dir), "_f16"));
    assertTrue(name.getMessage().contains("not a tuning kernel's name: 'sdj_flash_attention_wgmma_f16_d128'"),
        name.getMessage());
    Files.writeString(dir.resolve(TunedKernels.LIST),
        "sdj_tune_f16_d128_k128_s2_c2_w128_x0_f1\nsdj_tune_f16_d128_k176_s2_c2_w128_x0_f1\n");
    CudaException two = assertThrows(CudaException.class, () -> TunedKernels.kernels(naming(dir), "_f16"));
    assertTrue(two.getMessage().contains("two kernels for padded head size 128"), two.getMessage());
    CudaException missing = assertThrows(CudaException.class,
        () -> TunedKernels.images(naming(dir.resolve("absent"))));
    assertTrue(missing.getMessage().contains("cannot read its kernel images"), missing.getMessage());
  }

  /** Each tuned kernel takes the launches of the table's kernel of its padded head size, where it fits the head. */
  @Test
  void tunedKernelsTakeTheirHeadSizesLaunches() {
    Launcher launcher = new Launcher(new EverythingDispatch(), DType.F16);
    WgmmaKernel ones = WgmmaKernel.tuning("sdj_tune_f16_d48_k128_s3_c3_w0_x2_f1");
    WgmmaKernel wide = WgmmaKernel.tuning("sdj_tune_f16_d128_k176_s2_c2_w128_x0_f5");
    AttentionKernels kernels = new AttentionKernels(launcher, CudaOptions.Attention.WGMMA,
        AttentionKernels.Copies.TMA_CHUNKS, List.of(ones, wide));
    assertEquals(ones, kernels.wgmmaKernel(40).orElseThrow());
    assertEquals("sdj_flash_attention_wgmma_f16_d64", kernels.wgmmaKernel(48).orElseThrow().name(),
        "head size 48 has no spare chunk for the column of ones, the tuned kernel's or the table's");
    assertEquals(wide, kernels.wgmmaKernel(128).orElseThrow());
    assertEquals(wide, kernels.wgmmaKernel(100).orElseThrow(), "the table's d 128 kernel runs 97-128 too");
    assertEquals("sdj_flash_attention_wgmma_f16_d80", kernels.wgmmaKernel(80).orElseThrow().name());
    assertTrue(kernels.wgmmaKernel(96).isEmpty(), "96 stays on the mma.sync kernel");
    assertTrue(kernels.tunedNote().contains(wide.name()), kernels.tunedNote());
    assertEquals("", new AttentionKernels(launcher, CudaOptions.Attention.WGMMA, AttentionKernels.Copies.TMA_CHUNKS)
        .tunedNote());
  }

  /**
   * A persistent kernel takes launches with tensor maps and a positive scale only (its producer neither negates the
   * query tiles nor copies without maps): otherwise the table's kernel runs.
   */
  @Test
  void persistentKernelsTakePositiveScalesWithMapsOnly() {
    EverythingDispatch dispatch = new EverythingDispatch();
    WgmmaKernel persistent = WgmmaKernel.tuning("sdj_tune_f16_d48_k128_s3_c3_w0_x0_f33");
    for (AttentionKernels.Copies copies : AttentionKernels.Copies.values()) {
      AttentionKernels kernels = new AttentionKernels(new Launcher(dispatch, DType.F16), CudaOptions.Attention.WGMMA,
          copies, List.of(persistent));
      for (float scale : new float[] {0.125f, -0.125f}) {
        kernels.attention(1 << 20, 2 << 20, 3 << 20, 4 << 20, 2, 4096, 4096, 8, 40, 960, 960, scale, false);
        boolean runs = scale > 0 && copies != AttentionKernels.Copies.CP_ASYNC;
        assertEquals(runs ? persistent.name() : "sdj_flash_attention_wgmma_f16_d48", dispatch.launched,
            copies + ", scale " + scale);
        assertEquals(runs ? 132 / 2 : 4096 / 256, dispatch.grid[0],
            "grid of " + dispatch.launched + " (the table's: 256 rows a block)");
      }
    }
  }

  /** A dispatch that has every kernel, makes empty tensor maps and records the last launch instead of running it. */
  private static final class EverythingDispatch implements Launcher.Dispatch {
    String launched = "";
    int[] grid = {};

    @Override
    public boolean has(String name) {
      return true;
    }

    @Override
    public void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args) {
      launched = name;
      this.grid = grid.clone();
    }

    @Override
    public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
      return TensorMap.NONE;
    }

    @Override
    public int multiprocessors() {
      return 132;
    }
  }
}
