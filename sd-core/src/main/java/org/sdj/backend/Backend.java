package org.sdj.backend;

import java.util.Optional;

/**
 * A place where tensors live and operations run: the CPU, a GPU. Thread-safe: many forward passes may run at once,
 * each in its own {@link Ops} scope.
 */
public interface Backend extends AutoCloseable {

  /** Short name, as {@link BackendProvider#name()}. */
  String name();

  /** A human-readable description of the device, for logs ("CPU, 16 threads, AVX-512"). */
  String description();

  /**
   * Makes a weight available to the ops, in the file's dtype where the backend can compute on it directly. The weight
   * lives until it is closed or the backend closes; the caller keeps {@code data} readable for as long.
   */
  Tensor weight(WeightData data);

  /**
   * The element type of activations, which ops return and models take: {@link DType#F32} by default, a 16-bit type
   * on a GPU.
   */
  default DType activationType() {
    return DType.F32;
  }

  /**
   * Whether models should stack projections that read the same input into one weight (attention's q, k and v; a
   * cross-attention's k and v) and call {@link Ops#selfAttention} / {@link Ops#crossAttention} on the packed result:
   * one larger matrix product instead of two or three, for a host copy of those weights at load. False by default: a
   * backend that computes on the file's mapped bytes would lose more to the copy than it gains.
   */
  default boolean fusedProjections() {
    return false;
  }

  /**
   * A backend on the same device whose activations have float32's range, for a model whose 16-bit activations
   * overflow (SD's VAE can in float16, as AUTOMATIC1111's "revert VAE to 32-bit floats" knows): made on the first call,
   * owned and closed by this backend. Empty by default, and wherever activations already have that range.
   */
  default Optional<Backend> upcast() {
    return Optional.empty();
  }

  /** Opens a scope for one forward pass. */
  Ops ops();

  /**
   * A computation that this backend may record once and replay ({@link Replay}); by default, one that runs
   * {@code body} on every call.
   */
  default Replay replay(Replay.Body body) {
    return Replay.direct(body);
  }

  /** Frees every weight still open. */
  @Override
  void close();
}
