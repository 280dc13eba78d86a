package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
  void unknownNamesListTheKnownOnes() {
    var e = assertThrows(SdjException.class, () -> Backends.open("tpu"));
    assertTrue(e.getMessage().contains("reference"), e.getMessage());
  }
}
