package org.sdj.io.ckpt;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.DType;

/**
 * What calling an allowlisted global yields (pickle's REDUCE and NEWOBJ) and what a persistent id stands for. Each
 * call is interpreted from its arguments alone: nothing is looked up, loaded or run.
 */
final class Calls {
  /** Tensors of more dimensions than this are refused as corrupt. */
  private static final int MAX_RANK = 64;

  private Calls() {}

  /** {@code callable(*args)}. */
  static Object reduce(Pickled.Global callable, Pickled.Tuple args) {
    List<Object> a = args.items();
    return switch (callable.kind()) {
      case ORDERED_DICT -> {
        if (!a.isEmpty()) {
          throw new PickleError("collections.OrderedDict called with " + a.size() + " arguments; torch passes none");
        }
        yield new LinkedHashMap<Object, Object>();
      }
      case REBUILD_TENSOR_V2 -> rebuildTensor(a, false);
      case REBUILD_TENSOR_V3 -> rebuildTensor(a, true);
      case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
        int arguments = callable.kind() == TorchGlobals.Kind.REBUILD_PARAMETER ? 3 : 4;
        arity(callable, a, arguments, arguments);
        yield as(Pickled.Tensor.class, a.get(0), "the data of a Parameter");
      }
      case REBUILD_FROM_TYPE_V2 -> rebuildFromType(a);
      case TORCH_SIZE -> {
        arity(callable, a, 0, 1);
        yield a.isEmpty() ? new Pickled.Tuple(List.of()) : as(Pickled.Tuple.class, a.get(0), "a torch.Size");
      }
      case CODECS_ENCODE -> encode(callable, a);
      case INERT -> new Pickled.Opaque(callable, args);
      case STORAGE_TYPE, DTYPE, TENSOR_CLASS -> throw new PickleError(callable + " is called, which torch never does");
    };
  }

  /** {@code cls.__new__(cls, *args)}. */
  static Object newObject(Pickled.Global cls, Pickled.Tuple args) {
    return switch (cls.kind()) {
      case ORDERED_DICT -> new LinkedHashMap<Object, Object>();
      case INERT -> new Pickled.Opaque(cls, args);
      default -> throw new PickleError(cls + " is instantiated with NEWOBJ, which torch never does");
    };
  }

  /** The storage a persistent id {@code ('storage', storage_type, key, location, numel)} names. */
  static Pickled.Storage persistentLoad(Object pid) {
    Pickled.Tuple id = as(Pickled.Tuple.class, pid, "a persistent id");
    List<Object> f = id.items();
    if (f.size() != 5 || !"storage".equals(f.get(0))) {
      throw new PickleError("persistent id is not ('storage', type, key, location, numel)");
    }
    Pickled.Global type = as(Pickled.Global.class, f.get(1), "a storage type");
    if (type.kind() != TorchGlobals.Kind.STORAGE_TYPE) {
      throw new PickleError("persistent id names " + type + ", not a storage type");
    }
    String key = as(String.class, f.get(2), "a storage key");
    long numel = nonNegative(f.get(4), "storage numel");
    Optional<DType> dtype = TorchGlobals.storageDType(type);
    return new Pickled.Storage(key, dtype, type.qualifiedName(), numel, dtype.map(DType::byteSize).orElse(1));
  }

  /**
   * {@code _rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])}, or v3 with a {@code
   * dtype} after the hooks.
   */
  private static Pickled.Tensor rebuildTensor(List<Object> a, boolean v3) {
    int fixed = v3 ? 7 : 6;
    if (a.size() != fixed && a.size() != fixed + 1) {
      throw new PickleError("tensor rebuild with " + a.size() + " arguments (expected " + fixed + " or "
          + (fixed + 1) + ")");
    }
    Pickled.Storage storage = as(Pickled.Storage.class, a.get(0), "a tensor's storage");
    long offset = nonNegative(a.get(1), "storage offset");
    long[] size = dims(a.get(2), "size");
    long[] stride = dims(a.get(3), "stride");
    if (size.length != stride.length) {
      throw new PickleError("tensor size has " + size.length + " dimensions but stride " + stride.length);
    }
    Optional<DType> dtype = storage.dtype();
    String dtypeName = storage.typeName();
    if (v3) {
      Pickled.Global named = as(Pickled.Global.class, a.get(6), "a tensor dtype");
      if (named.kind() != TorchGlobals.Kind.DTYPE) {
        throw new PickleError("tensor dtype is " + named + ", not a torch dtype");
      }
      dtype = TorchGlobals.dtype(named);
      dtypeName = named.qualifiedName();
    }
    Optional<String> problem = dtype.isEmpty()
        ? Optional.of(dtypeName + " tensors are not supported (sdj reads F32, F16, BF16, F64, I64, I32, U8, BOOL)")
        : flagProblem(a.size() > fixed ? a.get(fixed) : null);
    return new Pickled.Tensor(storage, dtype, dtypeName, offset, size, stride, problem);
  }

  /** torch marks conjugated or negated views in the metadata dict; sdj does not apply those, so such tensors fail. */
  private static Optional<String> flagProblem(Object metadata) {
    if (metadata instanceof LinkedHashMap<?, ?> flags) {
      for (Map.Entry<?, ?> flag : flags.entrySet()) {
        if (!Boolean.FALSE.equals(flag.getValue())) {
          return Optional.of("the tensor has torch flag '" + (flag.getKey() instanceof String name ? name : "?") + "' set, which sdj does "
              + "not apply; save it with .resolve_conj().resolve_neg()");
        }
      }
      return Optional.empty();
    }
    if (metadata != null) {
      throw new PickleError("tensor metadata is a " + Pickled.typeOf(metadata) + ", not a dict");
    }
    return Optional.empty();
  }

  /** {@code _rebuild_from_type_v2(func, new_type, args, state)}: a tensor (or Parameter) with Python attributes. */
  private static Object rebuildFromType(List<Object> a) {
    if (a.size() != 4) {
      throw new PickleError("_rebuild_from_type_v2 with " + a.size() + " arguments (expected 4)");
    }
    Pickled.Global func = as(Pickled.Global.class, a.get(0), "a rebuild function");
    Pickled.Global type = as(Pickled.Global.class, a.get(1), "a tensor type");
    if (type.kind() != TorchGlobals.Kind.TENSOR_CLASS) {
      throw new PickleError("_rebuild_from_type_v2 makes a " + type + ", not a tensor");
    }
    if (func.kind() != TorchGlobals.Kind.REBUILD_TENSOR_V2 && func.kind() != TorchGlobals.Kind.REBUILD_TENSOR_V3
        && func.kind() != TorchGlobals.Kind.REBUILD_PARAMETER
        && func.kind() != TorchGlobals.Kind.REBUILD_PARAMETER_WITH_STATE) {
      throw new PickleError("_rebuild_from_type_v2 with " + func + ", not a tensor rebuild function");
    }
    // The attributes in the state are Python-side extras (e.g. on subclasses); the data does not depend on them.
    return reduce(func, as(Pickled.Tuple.class, a.get(2), "rebuild arguments"));
  }

  /** {@code _codecs.encode(text, 'latin1')}, which protocol 2 uses for bytes: the bytes; anything else stays opaque. */
  private static Object encode(Pickled.Global callable, List<Object> a) {
    if (a.size() == 2 && a.get(0) instanceof String text && ("latin1".equals(a.get(1))
        || "latin-1".equals(a.get(1)))) {
      byte[] bytes = new byte[text.length()];
      for (int i = 0; i < bytes.length; i++) {
        char c = text.charAt(i);
        if (c > 0xFF) {
          throw new PickleError("_codecs.encode of a character outside latin-1");
        }
        bytes[i] = (byte) c;
      }
      return bytes;
    }
    return new Pickled.Opaque(callable, new Pickled.Tuple(new ArrayList<>(a)));
  }

  private static long[] dims(Object value, String what) {
    List<Object> items = as(Pickled.Tuple.class, value, "a tensor " + what).items();
    if (items.size() > MAX_RANK) {
      throw new PickleError("tensor " + what + " has " + items.size() + " dimensions (at most " + MAX_RANK + ")");
    }
    long[] dims = new long[items.size()];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = nonNegative(items.get(i), "tensor " + what);
    }
    return dims;
  }

  private static long nonNegative(Object value, String what) {
    if (value instanceof Long n && n >= 0) {
      return n;
    }
    if (value instanceof BigInteger) {
      throw new PickleError(what + " is out of range");
    }
    throw new PickleError(what + " is " + (value instanceof Long ? "negative" : "a " + Pickled.typeOf(value))
        + ", not a non-negative int");
  }

  private static void arity(Pickled.Global callable, List<Object> a, int min, int max) {
    if (a.size() < min || a.size() > max) {
      throw new PickleError(callable + " called with " + a.size() + " arguments");
    }
  }

  static <T> T as(Class<T> type, Object value, String what) {
    if (!type.isInstance(value)) {
      throw new PickleError("expected " + what + " but found a " + Pickled.typeOf(value));
    }
    return type.cast(value);
  }
}
