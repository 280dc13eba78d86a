package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.cuEventCreate;
import static org.bytedeco.cuda.global.cudart.cuEventDestroy;
import static org.bytedeco.cuda.global.cudart.cuEventElapsedTime;
import static org.bytedeco.cuda.global.cudart.cuEventRecord;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.bytedeco.cuda.cudart.CUevent_st;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * The device time of each op of one forward pass, from CUDA events around every {@link Ops} call, for the GPU check's
 * report: where a UNet step's time goes (GEMMs, convolutions, attention, norms, the rest). The device is first given
 * ~0.1 s of matrix products to chew on, so that the host has enqueued the whole pass before the device reaches it and
 * the events time the device, not the host's launches.
 */
final class CudaOpProfile {
  /** Calls that enqueue no device work of their own. */
  private static final Set<String> UNTIMED = Set.of("backend", "close", "reshape", "toHost");

  private record Mark(String op, String shapes, CUevent_st start, CUevent_st end) {}

  private CudaOpProfile() {}

  /** Runs {@code forward} once on a timing scope and returns the report, op kinds first, then the costliest calls. */
  static String run(CudaBackend backend, Function<Ops, Tensor> forward) {
    List<Mark> marks = new ArrayList<>();
    try (Ops real = backend.ops()) {
      keepBusy(real);
      Ops timed = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class},
          (proxy, method, args) -> {
            if (UNTIMED.contains(method.getName())) {
              return call(method, real, args);
            }
            CUevent_st start = record(backend);
            Object result = call(method, real, args);
            marks.add(new Mark(method.getName(), shapes(args), start, record(backend)));
            return result;
          });
      forward.apply(timed);
      backend.sync();
    }
    try {
      return report(marks);
    } finally {
      for (Mark m : marks) {
        cuEventDestroy(m.start());
        cuEventDestroy(m.end());
      }
    }
  }

  private static Object call(Method method, Ops target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** A new event, recorded on the backend's main stream. */
  static CUevent_st record(CudaBackend backend) {
    CUevent_st event = new CUevent_st();
    Cu.check(cuEventCreate(event, 0), "cuEventCreate");
    Cu.check(cuEventRecord(event, backend.cuda().mainStream()), "cuEventRecord");
    return event;
  }

  /** About 0.1 s of an H100's time (80 TFLOP of 4096^3 products) that takes the host ~10 ms to enqueue. */
  static void keepBusy(Ops ops) {
    Tensor a = ops.fromHost(new float[4096 * 4096], 4096, 4096);
    for (int i = 0; i < 600; i++) {
      ops.linear(a, a, null, null).close();
    }
  }

  private static String shapes(Object[] args) {
    List<String> out = new ArrayList<>();
    for (Object a : args == null ? new Object[0] : args) {
      if (a instanceof Tensor t) {
        out.add(Arrays.toString(t.shape()));
      }
    }
    return String.join(" ", out);
  }

  private static float millis(Mark m) {
    return millis(m.start(), m.end());
  }

  /** Milliseconds from {@code start} to {@code end}, two completed events. */
  static float millis(CUevent_st start, CUevent_st end) {
    float[] ms = new float[1];
    Cu.check(cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
    return ms[0];
  }

  private static String report(List<Mark> marks) {
    if (marks.isEmpty()) {
      return "no ops";
    }
    Map<String, double[]> byOp = new LinkedHashMap<>();
    Map<String, double[]> byCall = new LinkedHashMap<>();
    double sum = 0;
    for (Mark m : marks) {
      double ms = millis(m);
      sum += ms;
      byOp.computeIfAbsent(m.op(), k -> new double[2])[0] += ms;
      byOp.get(m.op())[1]++;
      byCall.computeIfAbsent(m.op() + " " + m.shapes(), k -> new double[2])[0] += ms;
      byCall.get(m.op() + " " + m.shapes())[1]++;
    }
    StringBuilder sb = new StringBuilder(String.format(
        "op profile: %d calls, %.3f ms in ops, %.3f ms from first to last (gaps: host launches)%n", marks.size(), sum,
        millis(marks.getFirst().start(), marks.getLast().end())));
    append(sb, byOp, sum, byOp.size());
    sb.append("costliest calls:\n");
    append(sb, byCall, sum, 20);
    return sb.toString();
  }

  private static void append(StringBuilder sb, Map<String, double[]> rows, double sum, int limit) {
    rows.entrySet().stream()
        .sorted(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> e.getValue()[0]).reversed())
        .limit(limit)
        .forEach(e -> sb.append(String.format("  %8.3f ms %5.1f%% %5d x  %s%n", e.getValue()[0],
            100 * e.getValue()[0] / sum, (long) e.getValue()[1], e.getKey())));
  }
}
