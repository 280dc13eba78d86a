package org.sdj.io.ckpt;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.sdj.backend.DType;

/**
 * The allowlist: the only Python globals a checkpoint's pickle may name, each with the role it plays. It follows
 * torch's own {@code weights_only} unpickler, minus what state dicts never hold, plus the inert classes that real
 * Stable Diffusion checkpoints carry beside their weights (numpy scalars, a Lightning callback). Any other global
 * refuses the file.
 */
final class TorchGlobals {
  /** What an allowlisted global is. */
  enum Kind {
    ORDERED_DICT,
    REBUILD_TENSOR_V2,
    REBUILD_TENSOR_V3,
    REBUILD_PARAMETER,
    REBUILD_PARAMETER_WITH_STATE,
    REBUILD_FROM_TYPE_V2,
    /** A {@code torch.*Storage} class, named only inside persistent ids. */
    STORAGE_TYPE,
    /** A {@code torch.<dtype>} value. */
    DTYPE,
    TORCH_SIZE,
    /** {@code torch.Tensor} or {@code torch.nn.parameter.Parameter}, named as the type of a rebuilt tensor. */
    TENSOR_CLASS,
    CODECS_ENCODE,
    /** Data-only classes kept as opaque placeholders; their arguments are never interpreted. */
    INERT
  }

  /** The element type of each torch storage class and dtype name sdj reads. */
  private static final Map<String, DType> SUPPORTED_STORAGES = Map.of(
      "FloatStorage", DType.F32, "HalfStorage", DType.F16, "BFloat16Storage", DType.BF16,
      "DoubleStorage", DType.F64, "LongStorage", DType.I64, "IntStorage", DType.I32,
      "ByteStorage", DType.U8, "BoolStorage", DType.BOOL);
  private static final Set<String> OTHER_STORAGES = Set.of(
      "ShortStorage", "CharStorage", "ComplexFloatStorage", "ComplexDoubleStorage", "QInt8Storage",
      "QInt32Storage", "QUInt8Storage", "QUInt4x2Storage", "QUInt2x4Storage");
  private static final Map<String, DType> SUPPORTED_DTYPES = Map.ofEntries(
      Map.entry("float32", DType.F32), Map.entry("float", DType.F32), Map.entry("float16", DType.F16),
      Map.entry("half", DType.F16), Map.entry("bfloat16", DType.BF16), Map.entry("float64", DType.F64),
      Map.entry("double", DType.F64), Map.entry("int64", DType.I64), Map.entry("long", DType.I64),
      Map.entry("int32", DType.I32), Map.entry("int", DType.I32), Map.entry("uint8", DType.U8),
      Map.entry("bool", DType.BOOL));
  private static final Set<String> OTHER_DTYPES = Set.of(
      "int8", "int16", "short", "uint16", "uint32", "uint64", "complex32", "complex64", "complex128", "chalf",
      "cfloat", "cdouble", "float8_e5m2", "float8_e4m3fn", "float8_e5m2fnuz", "float8_e4m3fnuz", "float8_e8m0fnu",
      "float4_e2m1fn_x2", "qint8", "qint32", "quint8", "quint4x2", "quint2x4", "bits8", "bits16", "bits1x8",
      "bits2x4", "bits4x2", "int1", "int2", "int3", "int4", "int5", "int6", "int7", "uint1", "uint2", "uint3",
      "uint4", "uint5", "uint6", "uint7");

  private static final Map<String, Kind> NAMED = buildNamed();

  private TorchGlobals() {}

  private static Map<String, Kind> buildNamed() {
    Map<String, Kind> named = new HashMap<>();
    named.put("collections.OrderedDict", Kind.ORDERED_DICT);
    named.put("torch._utils._rebuild_tensor_v2", Kind.REBUILD_TENSOR_V2);
    named.put("torch._utils._rebuild_tensor_v3", Kind.REBUILD_TENSOR_V3);
    named.put("torch._utils._rebuild_parameter", Kind.REBUILD_PARAMETER);
    named.put("torch._utils._rebuild_parameter_with_state", Kind.REBUILD_PARAMETER_WITH_STATE);
    named.put("torch._tensor._rebuild_from_type_v2", Kind.REBUILD_FROM_TYPE_V2);
    named.put("torch.storage.UntypedStorage", Kind.STORAGE_TYPE);
    named.put("torch.Size", Kind.TORCH_SIZE);
    named.put("torch.Tensor", Kind.TENSOR_CLASS);
    named.put("torch.nn.parameter.Parameter", Kind.TENSOR_CLASS);
    named.put("_codecs.encode", Kind.CODECS_ENCODE);
    for (String inert : new String[] {
        "torch.device", "numpy.dtype", "numpy.ndarray",
        "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar",
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct",
        "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint"}) {
      named.put(inert, Kind.INERT);
    }
    SUPPORTED_STORAGES.keySet().forEach(name -> named.put("torch." + name, Kind.STORAGE_TYPE));
    OTHER_STORAGES.forEach(name -> named.put("torch." + name, Kind.STORAGE_TYPE));
    SUPPORTED_DTYPES.keySet().forEach(name -> named.put("torch." + name, Kind.DTYPE));
    OTHER_DTYPES.forEach(name -> named.put("torch." + name, Kind.DTYPE));
    return Map.copyOf(named);
  }

  /** The allowlisted global {@code module.name}, if it is one. */
  static Optional<Pickled.Global> resolve(String module, String name) {
    Kind kind = NAMED.get(module + "." + name);
    return kind == null ? Optional.empty() : Optional.of(new Pickled.Global(module, name, kind));
  }

  /**
   * The element type of a storage class, if sdj reads it. {@code torch.storage.UntypedStorage} holds bytes (U8): the
   * tensors on it name their own dtype.
   */
  static Optional<DType> storageDType(Pickled.Global storageType) {
    if (storageType.name().equals("UntypedStorage")) {
      return Optional.of(DType.U8);
    }
    return Optional.ofNullable(SUPPORTED_STORAGES.get(storageType.name()));
  }

  /** The element type of a {@code torch.<dtype>} global, if sdj reads it. */
  static Optional<DType> dtype(Pickled.Global dtype) {
    return Optional.ofNullable(SUPPORTED_DTYPES.get(dtype.name()));
  }
}
