package org.sdj.backend.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

class ResultArraysTest {
  /** Long enough to be reused with or without assertions (shorter arrays are reused only under them). */
  private static final int N = 1 << 14;

  @Test
  void reusesAnArrayOnceItsLastHolderIsClosed() {
    ResultArrays arrays = new ResultArrays(4L * N);
    float[] a = arrays.take(N, true);
    arrays.hold(a);
    arrays.hold(a);
    arrays.release(a);
    assertNotSame(a, arrays.take(N, true), "a view still holds it");
    arrays.release(a);
    a[3] = 7;
    float[] again = arrays.take(N, true);
    assertSame(a, again);
    assertArrayEquals(new float[N], again, "zeroed when asked");
  }

  @Test
  void neverReusesArraysItDidNotHandOut() {
    ResultArrays arrays = new ResultArrays(4L * N);
    float[] foreign = new float[N];
    arrays.hold(foreign);
    arrays.release(foreign);
    assertNotSame(foreign, arrays.take(N, false));
  }

  @Test
  void keepsNoMoreThanItsCapacity() {
    ResultArrays arrays = new ResultArrays(N + N / 2);
    float[] a = arrays.take(N, false);
    float[] b = arrays.take(N, false);
    arrays.hold(a);
    arrays.hold(b);
    arrays.release(a);
    arrays.release(b);
    assertSame(a, arrays.take(N, false));
    assertNotSame(b, arrays.take(N, false), "b did not fit");
  }

  @Test
  void aReshapedWeightOrHostCopyIsNotOverwrittenByLaterResults() {
    try (ReferenceBackend backend = new ReferenceBackend(); Ops ops = backend.ops()) {
      Tensor x = ops.fromHost(new float[] {1, 2, 3, 4}, 4);
      ops.reshape(x, 2, 2).close();
      Tensor scaled = ops.scale(x, 2);
      ops.reshape(scaled, 2, 2).close();
      assertArrayEquals(new float[] {2, 4, 6, 8}, ops.toHost(scaled), "a view's close leaves its source alone");
      scaled.close();
      Tensor other = ops.scale(x, 3);
      assertArrayEquals(new float[] {1, 2, 3, 4}, ops.toHost(x));
      assertArrayEquals(new float[] {3, 6, 9, 12}, ops.toHost(other));
    }
  }
}
