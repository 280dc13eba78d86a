package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.SdjException;

class BackendsTest {
  @Test
  void findsTheReferenceBackend() {
    assertTrue(Backends.providers().stream().anyMatch(p -> p.name().equals("reference")));
    try (Backend b = Backends.open("reference")) {
      assertEquals("reference", b.name());
    }
  }

  @Test
  void autoPassesOverABackendThatIsUsableButFailsToStart() {
    BackendProvider broken = new BackendProvider() {
      @Override
      public String name() {
        return "broken-gpu";
      }

      @Override
      public int priority() {
        return 1000;
      }

      @Override
      public Availability availability() {
        return Availability.usable("libraries load");
      }

      @Override
      public Backend create() {
        throw new SdjException("cublasLtCreate failed: CUBLAS_STATUS_NOT_INITIALIZED");
      }
    };
    BackendProvider reference = Backends.providers().stream().filter(p -> p.name().equals("reference")).findFirst()
        .orElseThrow();
    try (Backend b = Backends.openBest(List.of(broken, reference), BackendHints.none())) {
      assertEquals("reference", b.name());
    }
    var none = assertThrows(SdjException.class, () -> Backends.openBest(List.of(broken), BackendHints.none()));
    assertTrue(none.getMessage().contains("no usable backend"), none.getMessage());
  }

  @Test
  void unknownNamesListTheKnownOnes() {
    var e = assertThrows(SdjException.class, () -> Backends.open("tpu"));
    assertTrue(e.getMessage().contains("reference"), e.getMessage());
  }
}
