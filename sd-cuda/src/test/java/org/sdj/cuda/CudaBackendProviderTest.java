package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sdj.SdjException;
import org.sdj.backend.Backend;
import org.sdj.backend.BackendHints;
import org.sdj.backend.BackendProvider;
import org.sdj.backend.Backends;
import org.sdj.backend.DType;

/** The provider on any machine: found by ServiceLoader, preferred when usable, and never fatal when not. */
class CudaBackendProviderTest {
  private final CudaBackendProvider provider = new CudaBackendProvider();

  @Test
  void isRegisteredAsCudaWithPriority200() {
    BackendProvider found = Backends.providers().stream().filter(p -> p.name().equals("cuda")).findFirst()
        .orElseThrow(() -> new AssertionError("cuda provider not found by ServiceLoader"));
    assertEquals(200, found.priority());
    assertEquals("cuda", provider.name());
  }

  @Test
  void availabilityIsProbedOnceAndGivesAReason() {
    BackendProvider.Availability a = provider.availability();
    assertSame(a, provider.availability());
    assertFalse(a.reason().isBlank());
  }

  @Test
  void withoutAGpuAutoFallsBackAndCudaSaysWhy() {
    BackendProvider.Availability a = provider.availability();
    if (a.usable()) {
      try (Backend b = Backends.open("auto")) {
        assertEquals("cuda", b.name());
      }
      return;
    }
    try (Backend b = Backends.open("auto")) {
      assertNotEquals("cuda", b.name());
    }
    var e = assertThrows(SdjException.class, () -> Backends.open("cuda"));
    assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
    assertThrows(SdjException.class, provider::create);
  }

  @Test
  void missingDriverIsNamedPlainly() {
    var e = new UnsatisfiedLinkError("/x/libjnicudart.so: libcuda.so.1: cannot open shared object file");
    assertTrue(CudaProbe.missing("the CUDA driver", e).startsWith("no CUDA driver / no GPU"));
    var blas = new UnsatisfiedLinkError("/x/libjnicublas.so: libcublasLt.so.13: cannot open shared object file");
    String why = CudaProbe.missing("cuBLAS 13", new NoClassDefFoundError("cublas").initCause(blas));
    assertTrue(why.contains("libcublasLt.so.13") && why.contains("LD_LIBRARY_PATH"), why);
  }

  @Test
  void computesInBf16ForABf16CheckpointAndInF16Otherwise() {
    assertEquals(DType.BF16, CudaOptions.forModel(BackendHints.weights(DType.BF16)).computeType());
    for (DType d : new DType[] {DType.F16, DType.F32}) {
      assertEquals(DType.F16, CudaOptions.forModel(BackendHints.weights(d)).computeType());
    }
    assertEquals(CudaOptions.defaults(), CudaOptions.forModel(BackendHints.none()));
  }
}
