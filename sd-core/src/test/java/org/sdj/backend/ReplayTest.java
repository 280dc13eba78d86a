package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.backend.reference.ReferenceBackend;

/** A backend that cannot record runs a replay's body on every call, until the replay closes. */
class ReplayTest {
  @Test
  void directReplayRunsTheBodyEachCall() {
    try (Backend backend = new ReferenceBackend(); Ops ops = backend.ops()) {
      Replay replay = backend.replay((o, in) -> o.scale(in.get(0), 2f));
      for (float v : new float[] {1, 5, -3}) {
        Tensor x = ops.fromHost(new float[] {v, v + 1}, 2);
        assertArrayEquals(new float[] {2 * v, 2 * v + 2}, ops.toHost(replay.run(ops, List.of(x))));
      }
      replay.close();
      Tensor x = ops.fromHost(new float[] {1}, 1);
      assertThrows(IllegalStateException.class, () -> replay.run(ops, List.of(x)));
    }
  }
}
