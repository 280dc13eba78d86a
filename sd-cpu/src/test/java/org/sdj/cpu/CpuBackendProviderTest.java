package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;

class CpuBackendProviderTest {
  @Test
  void autoPicksTheCpuBackend() {
    try (Backend b = Backends.open(Backends.AUTO)) {
      assertEquals("cpu", b.name());
      assertTrue(b.description().contains("threads"), b.description());
    }
  }
}
