package org.sdj.backend;

import java.util.List;

/**
 * A computation run many times on inputs of the same shapes (one denoising step of the UNet), which a backend may
 * record once and replay: the CUDA backend captures the device work of a call into a CUDA graph and then launches the
 * graph instead of enqueuing each op again. Made by {@link Backend#replay}; not for concurrent use.
 *
 * <p>A backend that cannot record runs the body every time. One that can runs it directly on the first call (so that
 * every plan, kernel and buffer it needs exists), records the second, and replays for later calls whose inputs have
 * the recorded shapes; inputs of other shapes start over. The body must enqueue the same work for every call with
 * the same shapes, read its inputs only through the tensors it is given, and must not read device data back to the
 * host ({@link Ops#toHost}).
 */
public interface Replay extends AutoCloseable {

  /**
   * The body's result for {@code inputs}, as a new tensor of {@code ops}' scope.
   *
   * @param ops the caller's scope, which owns the result
   * @param inputs tensors of {@code ops}' backend, read but not kept
   */
  Tensor run(Ops ops, List<Tensor> inputs);

  /** Frees the recording and the device memory it keeps; the replay cannot run any more. */
  @Override
  void close();

  /** What a replay runs: ops on its inputs, returning one tensor of {@code ops}' scope. */
  @FunctionalInterface
  interface Body {
    Tensor apply(Ops ops, List<Tensor> inputs);
  }

  /** A replay that runs {@code body} in the caller's scope on every call: what a backend without recording uses. */
  static Replay direct(Body body) {
    return new Replay() {
      private boolean closed;

      @Override
      public Tensor run(Ops ops, List<Tensor> inputs) {
        if (closed) {
          throw new IllegalStateException("this replay is closed");
        }
        return body.apply(ops, inputs);
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }
}
