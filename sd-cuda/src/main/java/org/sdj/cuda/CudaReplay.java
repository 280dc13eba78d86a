package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CU_STREAM_CAPTURE_MODE_RELAXED;
import static org.bytedeco.cuda.global.cudart.CU_STREAM_NON_BLOCKING;
import static org.bytedeco.cuda.global.cudart.cuGraphDestroy;
import static org.bytedeco.cuda.global.cudart.cuGraphExecDestroy;
import static org.bytedeco.cuda.global.cudart.cuGraphInstantiate;
import static org.bytedeco.cuda.global.cudart.cuGraphLaunch;
import static org.bytedeco.cuda.global.cudart.cuStreamBeginCapture;
import static org.bytedeco.cuda.global.cudart.cuStreamCreate;
import static org.bytedeco.cuda.global.cudart.cuStreamDestroy;
import static org.bytedeco.cuda.global.cudart.cuStreamEndCapture;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.Tensor;

/**
 * {@link Replay} on a CUDA graph. The first call with new input shapes copies the inputs into buffers of its own and
 * runs the body on them, directly; the second captures the same work (and a copy of the result into an output buffer
 * of its own) from the stream into a graph; later calls copy their inputs in, launch the graph and copy the result
 * out: one launch instead of the ~1000 kernel, cuBLASLt and cuDNN calls of a UNet step.
 *
 * <p>A graph replays fixed addresses, so every block the body touches must stay reserved for it: the body's scopes
 * take their blocks from a cache of the replay's own (the calls before the capture fill it, so the capture's requests
 * are met from it), and nobody else takes them until the replay closes; that cache borrows its blocks from the
 * backend's activation cache and gives them back there. The capture records from a stream of its own
 * ({@link CudaDevice#captureOn}), so that ops other threads enqueue meanwhile run instead of being recorded. If the
 * capture fails (an op that cannot be captured, such as reading a tensor back), the replay logs why and runs the body
 * directly from then on.
 */
final class CudaReplay implements Replay {
  private static final System.Logger LOG = System.getLogger(CudaReplay.class.getName());

  private final CudaBackend backend;
  private final CudaDevice device;
  private final Body body;
  private final BlockCache cache;
  /** Owns the input and output buffers, from {@link #cache}. */
  private final CudaOps buffers;
  /** Where the capture records (other threads' work goes on to the backend's stream meanwhile); made on first use. */
  private CUstream_st captureStream;
  private List<long[]> shapes = List.of();
  private List<DeviceTensor> inputs = List.of();
  private DeviceTensor output;
  private CUgraphExec_st exec;
  private boolean direct;
  private boolean closed;

  CudaReplay(CudaBackend backend, CudaDevice device, Body body) {
    this.backend = backend;
    this.device = device;
    this.body = body;
    this.cache = backend.newReplayCache();
    this.buffers = new CudaOps(backend, cache);
  }

  @Override
  public synchronized Tensor run(Ops ops, List<Tensor> in) {
    if (closed) {
      throw new IllegalStateException("this replay is closed");
    }
    if (!(ops instanceof CudaOps caller) || caller.backend() != backend) {
      throw new IllegalArgumentException("a replay of backend cuda needs a scope of the same backend, not " + ops);
    }
    backend.enter();
    if (direct) {
      return runBody(caller, in);
    }
    if (output == null || !sameShapes(in)) {
      reset();
      shapes = in.stream().map(Tensor::shape).toList();
      List<DeviceTensor> made = new ArrayList<>();
      for (Tensor t : in) {
        made.add(buffers.copy(t));
      }
      inputs = made;
      try (CudaOps scope = new CudaOps(backend, cache)) {
        output = buffers.copy(body.apply(scope, List.copyOf(inputs)));
      }
      return caller.copy(output);
    }
    copyInputs(in);
    if (exec == null && !capture()) {
      direct = true;
      return runBody(caller, in);
    }
    Cu.check(cuGraphLaunch(exec, device.mainStream()), "cuGraphLaunch");
    return caller.copy(output);
  }

  /** The body run directly in a scope of the replay's blocks, its result copied into {@code caller}'s scope. */
  private Tensor runBody(CudaOps caller, List<Tensor> in) {
    try (CudaOps scope = new CudaOps(backend, cache)) {
      return caller.copy(body.apply(scope, in));
    }
  }

  private boolean sameShapes(List<Tensor> in) {
    if (in.size() != shapes.size()) {
      return false;
    }
    for (int i = 0; i < in.size(); i++) {
      if (!Arrays.equals(in.get(i).shape(), shapes.get(i))) {
        return false;
      }
    }
    return true;
  }

  private void copyInputs(List<Tensor> in) {
    for (int i = 0; i < in.size(); i++) {
      buffers.copy(in.get(i), inputs.get(i));
    }
  }

  /**
   * Records the body on the input buffers into {@link #exec}; false (logged) when the stream could not be captured.
   * Nothing of the capture runs: the caller launches the graph.
   */
  private boolean capture() {
    CUgraph_st graph = new CUgraph_st();
    boolean capturing = false;
    try (CudaOps scope = new CudaOps(backend, cache)) {
      if (captureStream == null) {
        CUstream_st s = new CUstream_st();
        Cu.check(cuStreamCreate(s, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        captureStream = s;
      }
      Cu.check(cuStreamBeginCapture(captureStream, CU_STREAM_CAPTURE_MODE_RELAXED), "cuStreamBeginCapture");
      capturing = true;
      device.captureOn(captureStream);
      scope.copy(body.apply(scope, List.copyOf(inputs)), output);
      device.captureOn(null);
      capturing = false;
      Cu.check(cuStreamEndCapture(captureStream, graph), "cuStreamEndCapture");
      CUgraphExec_st made = new CUgraphExec_st();
      Cu.check(cuGraphInstantiate(made, graph, 0), "cuGraphInstantiate");
      exec = made;
      return true;
    } catch (RuntimeException e) {
      device.captureOn(null);
      if (capturing) {
        cuStreamEndCapture(captureStream, graph);
      }
      LOG.log(System.Logger.Level.WARNING, "CUDA graph capture of a replay failed; running its ops one by one: "
          + e.getMessage());
      return false;
    } finally {
      if (!graph.isNull()) {
        cuGraphDestroy(graph);
      }
    }
  }

  /** Whether calls with the current shapes replay a graph. */
  synchronized boolean recorded() {
    return exec != null;
  }

  /** Drops the graph and the buffers (new input shapes). */
  private void reset() {
    if (exec != null) {
      backend.sync();
      cuGraphExecDestroy(exec);
      exec = null;
    }
    for (DeviceTensor t : inputs) {
      t.close();
    }
    inputs = List.of();
    if (output != null) {
      output.close();
      output = null;
    }
  }

  /** Waits for the device, then frees the graph and every block of the replay. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    backend.closed(this);
    if (backend.isClosed()) {
      return;
    }
    backend.enter();
    backend.sync();
    if (exec != null) {
      cuGraphExecDestroy(exec);
      exec = null;
    }
    buffers.close();
    cache.close();
    if (captureStream != null) {
      cuStreamDestroy(captureStream);
    }
  }
}
