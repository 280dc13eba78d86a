package org.sdj.backend.reference;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;

/**
 * The oracle backend: plain loops over heap float arrays, accumulating in double precision, following torch's
 * semantics op by op. It is meant to be obviously correct, not fast; other backends are tested against it.
 *
 * <p>Weights are decoded to float32 when {@linkplain #weight wrapped}, whatever their file dtype. Subclasses (the CPU
 * backend) keep this memory model and replace the kernels by overriding {@link #ops()}.
 */
public class ReferenceBackend implements Backend {
  private final Set<HeapTensor> weights = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  @Override
  public String name() {
    return "reference";
  }

  @Override
  public String description() {
    return "reference: plain Java loops, float64 accumulation, single thread";
  }

  /** Decodes {@code data} to a float32 heap copy; the segment is not needed afterwards. */
  @Override
  public Tensor weight(WeightData data) {
    checkOpen();
    HeapTensor t = new HeapTensor(this, data.shape(), WeightFloats.toArray(data),
        (closed, array) -> weights.remove(closed));
    weights.add(t);
    return t;
  }

  @Override
  public Ops ops() {
    checkOpen();
    return new ReferenceOps(this);
  }

  @Override
  public void close() {
    closed = true;
    for (HeapTensor t : List.copyOf(weights)) {
      t.close();
    }
  }

  /** @throws IllegalStateException once the backend is closed */
  protected final void checkOpen() {
    if (closed) {
      throw new IllegalStateException("backend " + name() + " is closed");
    }
  }
}
