package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.Tensor;

/** What {@link CudaBackend} does on {@link HostDevice} beyond the ops: replays, upcast, memory accounting. */
class HostDeviceTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @Test
  void describesTheHost() {
    try (CudaBackend b = HostDevice.backend(CudaOptions.defaults())) {
      assertTrue(b.description().startsWith("cuda: the host"), b.description());
      assertThrows(IllegalStateException.class, b::cuda);
    }
  }

  /**
   * The description names the mma.sync attention kernel where it runs, and why where the wgmma one was asked for; the
   * host (the emulator) has the wgmma kernel, the default.
   */
  @Test
  void describesTheAttentionKernel() {
    try (CudaBackend b = HostDevice.backend(CudaOptions.defaults().withAttention(CudaOptions.Attention.WGMMA))) {
      assertTrue(!b.description().contains("attention"), b.description());
      assertEquals(CudaOptions.Attention.WGMMA, b.attention().kernel());
    }
    try (CudaBackend b = HostDevice.backend(CudaOptions.defaults().withAttention(CudaOptions.Attention.MMA))) {
      assertTrue(b.description().endsWith(", mma attention"), b.description());
    }
    String fallback = CudaBackend.attentionNote(CudaOptions.Attention.WGMMA, CudaOptions.Attention.MMA);
    assertTrue(fallback.contains("wgmma needs compute capability 9.0"), fallback);
  }

  /** No CUDA graphs on the host: a replay runs its body op by op, even with graphs on. */
  @Test
  void replaysRunTheBodyEveryTime() {
    try (CudaBackend b = HostDevice.backend(CudaOptions.defaults()); Ops ops = b.ops()) {
      int[] calls = new int[1];
      try (Replay r = b.replay((scope, in) -> {
        calls[0]++;
        return scope.scale(in.getFirst(), 2);
      })) {
        assertTrue(b.options().graphs());
        for (int i = 1; i <= 3; i++) {
          Tensor y = r.run(ops, List.of(ops.fromHost(new float[] {1, i}, 2)));
          assertArrayEquals(new float[] {2, 2 * i}, ops.toHost(y));
        }
      }
      assertEquals(3, calls[0]);
    }
  }

  @Test
  void upcastIsABf16BackendOnTheHost() {
    try (CudaBackend b = HostDevice.backend(CudaOptions.defaults())) {
      Backend up = b.upcast().orElseThrow();
      CudaBackend cuda = assertInstanceOf(CudaBackend.class, up);
      assertEquals(DType.BF16, cuda.computeType());
      assertTrue(cuda.description().startsWith("cuda: the host"), cuda.description());
      try (Ops ops = up.ops()) {
        assertArrayEquals(new float[] {-3, 1.5f}, ops.toHost(ops.scale(ops.fromHost(new float[] {2, -1}, 2), -1.5f)));
      }
    }
  }

  /** Weights and activations count on the backend's meter, and closing gives every byte back. */
  @Test
  void closingFreesEveryByte() {
    CudaBackend b = HostDevice.backend(CudaOptions.defaults());
    try (Ops ops = b.ops()) {
      Tensor x = ops.fromHost(new float[1000], 10, 100);
      ops.toHost(ops.scale(x, 3));
      assertTrue(b.allocations().inUse().current() >= 2000, "in use: " + b.allocations().inUse().current());
    }
    assertTrue(b.allocations().reserved().current() > 0);
    b.close();
    assertEquals(0, b.allocations().reserved().current());
    assertEquals(0, b.allocations().inUse().current());
  }
}
