package org.sdj.backend;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Optional;
import java.util.Set;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * The reference backend with a GPU's storage: weights and every activation an op returns are rounded to a 16-bit type
 * (float16 by default, or bfloat16), as the CUDA backend stores them, while the denoising loop's float32 latents stay
 * exact. Its conformance run predicts, on the CPU, how much a 16-bit backend loses to storage alone (the CUDA kernels
 * then add their own rounding of products and sums, which float32 accumulation keeps small); as the reference of a
 * 16-bit backend's op suite it leaves that backend's own rounding to be measured.
 */
public final class HalfStorageBackend implements Backend {
  /** Ops that keep float32 latents exact when their (first) operand is one. */
  private static final Set<String> LATENT_OPS = Set.of("scale", "combine", "narrow", "concat", "reshape");

  private final ReferenceBackend inner = new ReferenceBackend();
  private final DType storage;
  private HalfStorageBackend upcast;

  /** Float16 storage. */
  public HalfStorageBackend() {
    this(DType.F16);
  }

  /** Storage in {@code storage}, F16 or BF16. */
  public HalfStorageBackend(DType storage) {
    if (storage != DType.F16 && storage != DType.BF16) {
      throw new IllegalArgumentException("16-bit storage is F16 or BF16, not " + storage);
    }
    this.storage = storage;
  }

  @Override
  public String name() {
    return "half-storage";
  }

  @Override
  public String description() {
    return "reference ops with " + storage + " storage (an emulation of a GPU backend's rounding)";
  }

  @Override
  public DType activationType() {
    return storage;
  }

  /** As the CUDA backend: float16 storage offers bfloat16 storage for activations that overflow it. */
  @Override
  public synchronized Optional<Backend> upcast() {
    if (storage != DType.F16) {
      return Optional.empty();
    }
    if (upcast == null) {
      upcast = new HalfStorageBackend(DType.BF16);
    }
    return Optional.of(upcast);
  }

  /** As the CUDA backend: its model runs take the fused-projection path. */
  @Override
  public boolean fusedProjections() {
    return true;
  }

  @Override
  public Tensor weight(WeightData data) {
    float[] v = WeightFloats.toArray(data);
    round(v);
    return inner.weight(new WeightData(data.name(), DType.F32, data.shape(), MemorySegment.ofArray(v)));
  }

  @Override
  public Ops ops() {
    Ops real = inner.ops();
    Set<Tensor> exact = Collections.newSetFromMap(new IdentityHashMap<>());
    HalfStorageBackend self = this;
    return (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class},
        (proxy, method, args) -> {
          String name = method.getName();
          if (name.equals("backend")) {
            return self;
          }
          boolean toHalf = name.equals("cast") && args[1] == storage;
          Object result = call(method, real, toHalf ? new Object[] {args[0], DType.F32} : args);
          if (!(result instanceof Tensor t)) {
            return result;
          }
          boolean keep = switch (name) {
            case "fromHost" -> args.length == 3 && args[1] == DType.F32;
            case "cast" -> !toHalf;
            default -> LATENT_OPS.contains(name) && exact.contains(firstTensor(args));
          };
          if (keep) {
            exact.add(t);
            return t;
          }
          float[] v = real.toHost(t);
          round(v);
          Tensor rounded = real.fromHost(v, t.shape());
          t.close();
          return rounded;
        });
  }

  private static Object call(Method method, Ops target, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static Tensor firstTensor(Object[] args) {
    for (Object a : args) {
      if (a instanceof Tensor t) {
        return t;
      }
    }
    return null;
  }

  private void round(float[] v) {
    for (int i = 0; i < v.length; i++) {
      v[i] = HalfPrecision.round(v[i], storage);
    }
  }

  @Override
  public synchronized void close() {
    if (upcast != null) {
      upcast.close();
    }
    inner.close();
  }
}
