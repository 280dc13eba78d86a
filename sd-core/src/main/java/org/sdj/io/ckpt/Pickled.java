package org.sdj.io.ckpt;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.DType;

/**
 * The values a restricted unpickle yields. Python's str, int, float, bool, None and bytes become String, Long (or
 * BigInteger), Double, Boolean, null and byte[]; lists and dicts become {@link ArrayList} and {@link LinkedHashMap};
 * the rest are the records below. Nothing here runs code or loads a class named by the file.
 *
 * <p>No method of these types recurses into nested values (toString, equals and hashCode stay shallow or bounded),
 * because a hostile pickle can nest values a million deep.
 */
final class Pickled {
  /** Tuples of at most this many values in all, nested at most this deep, are dict keys by value; others by identity. */
  private static final int KEY_ELEMENTS = 64;
  private static final int KEY_DEPTH = 4;

  private Pickled() {}

  /** A Python tuple: immutable. */
  record Tuple(List<Object> items) {
    Tuple {
      items = Collections.unmodifiableList(items);
    }

    @Override
    public String toString() {
      return "tuple of " + items.size();
    }
  }

  /** A Python set or frozenset; sdj never reads one, so its elements are kept in order without deduplication. */
  record PySet(List<Object> items) {
    @Override
    public String toString() {
      return "set of " + items.size();
    }
  }

  /** An allowlisted global: a class or function that is only ever named, never loaded. */
  record Global(String module, String name, TorchGlobals.Kind kind) {
    String qualifiedName() {
      return module + "." + name;
    }

    @Override
    public String toString() {
      return qualifiedName();
    }
  }

  /** An object of an inert allowlisted class (numpy scalars, Lightning callbacks): its arguments and state, unused. */
  static final class Opaque {
    final Global type;
    final Tuple args;
    Object state;

    Opaque(Global type, Tuple args) {
      this.type = type;
      this.args = args;
    }

    @Override
    public String toString() {
      return type + " object";
    }
  }

  /**
   * A storage named by a persistent id: {@code numel} elements of {@code dtype} in archive record {@code data/<key>}.
   * The dtype is empty for storage classes sdj has no element type for; {@code elementSize} is then 1 and unused.
   */
  record Storage(String key, Optional<DType> dtype, String typeName, long numel, int elementSize) {
    long byteSize() {
      return Math.multiplyExact(numel, (long) elementSize);
    }
  }

  /**
   * A tensor: {@code size}/{@code stride} in elements from {@code offset} in its storage. {@code problem} says why sdj
   * cannot use it (an unsupported dtype or a tensor flag), if it cannot.
   */
  record Tensor(Storage storage, Optional<DType> dtype, String dtypeName, long offset, long[] size, long[] stride,
      Optional<String> problem) {
    @Override
    public String toString() {
      return "tensor of " + dtypeName;
    }
  }

  /** A dict key that compares by identity: any key that is not a small tuple of scalars. */
  static final class IdentityKey {
    @Override
    public String toString() {
      return "unhashable key";
    }
  }

  /** {@code value} as a dict key: itself when it is a scalar or a small tuple of them, else a fresh identity key. */
  static Object key(Object value) {
    int[] budget = {KEY_ELEMENTS};
    return isValueKey(value, 0, budget) ? value : new IdentityKey();
  }

  private static boolean isValueKey(Object value, int depth, int[] budget) {
    if (--budget[0] < 0) {
      return false;
    }
    if (value == null || value instanceof String || value instanceof Long || value instanceof BigInteger
        || value instanceof Double || value instanceof Boolean) {
      return true;
    }
    if (value instanceof Tuple(List<Object> items) && depth < KEY_DEPTH) {
      for (Object item : items) {
        if (!isValueKey(item, depth + 1, budget)) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** A short description of a value's type, for messages (never its contents). */
  static String typeOf(Object value) {
    return switch (value) {
      case null -> "None";
      case String s -> "str";
      case Long l -> "int";
      case BigInteger b -> "int";
      case Double d -> "float";
      case Boolean b -> "bool";
      case byte[] b -> "bytes";
      case ArrayList<?> l -> "list";
      case LinkedHashMap<?, ?> m -> "dict";
      default -> value.toString();
    };
  }
}
