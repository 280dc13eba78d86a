package org.sdj.bench.torch;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.pytorch.global.torch;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;

/**
 * The baseline the benchmarks measure sdj's CPU backend against: the same {@link Backend} contract run by libtorch
 * (JavaCPP's pytorch preset, CPU build), op for op with torch's own kernels ({@code linear}, {@code conv2d},
 * {@code scaled_dot_product_attention}, {@code group_norm}, ...). Weights are widened to float32 at load, as torch
 * computes on the CPU. Not a product backend: it lives in the benchmarks module only.
 */
public final class TorchBackend implements Backend {
  private final int threads;
  private final Set<TorchTensor> weights = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /**
   * A backend whose intra-op pool (and OpenBLAS, through {@code OPENBLAS_NUM_THREADS}/{@code OMP_NUM_THREADS} set by
   * the launcher) uses {@code threads} threads, to match sdj's pool.
   */
  public TorchBackend(int threads) {
    this.threads = threads;
    torch.set_num_threads(threads);
  }

  @Override
  public String name() {
    return "libtorch";
  }

  @Override
  public String description() {
    return "libtorch " + torch.get_num_threads() + " threads (asked " + threads + ")";
  }

  @Override
  public Tensor weight(WeightData data) {
    check();
    float[] values = WeightFloats.toArray(data);
    TorchTensor t = new TorchTensor(this, TorchOps.tensorOf(values, data.shape()), data.shape(), weights::remove);
    weights.add(t);
    return t;
  }

  @Override
  public Ops ops() {
    check();
    return new TorchOps(this);
  }

  void check() {
    if (closed) {
      throw new IllegalStateException("backend libtorch is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    for (TorchTensor t : List.copyOf(weights)) {
      t.close();
    }
  }
}
