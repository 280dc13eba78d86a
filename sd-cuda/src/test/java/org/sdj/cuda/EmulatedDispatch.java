package org.sdj.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Launches on the CPU emulator (src/test/emu, built by {@link EmulatedKernels}): the kernels of layout.cu, norms.cu,
 * group_norm_cluster_sm90.cu, pointwise.cu, attention_wide.cu, flash_attention.cu and flash_attention_wgmma.cu run
 * on host threads over host memory, so addresses are host addresses. Arguments are checked against the kernel's
 * parameters, which a GPU launch cannot do: a {@code Long} where the kernel takes an int would silently pass its low
 * half there.
 */
final class EmulatedDispatch implements Launcher.Dispatch {
  private static final Linker LINKER = Linker.nativeLinker();

  private final MethodHandle launch;
  private final MethodHandle signature;
  private final MethodHandle error;
  /** Launches so far by kernel name, for tests that check which kernels an op took. */
  private final Map<String, LongAdder> launched = new ConcurrentHashMap<>();

  /** The emulator library at {@code library}, loaded for the rest of the JVM's life. */
  EmulatedDispatch(Path library) {
    SymbolLookup lib = SymbolLookup.libraryLookup(library, Arena.global());
    ValueLayout.OfInt i = ValueLayout.JAVA_INT;
    launch = LINKER.downcallHandle(lib.findOrThrow("sdj_emu_launch"),
        FunctionDescriptor.of(i, ValueLayout.ADDRESS, i, i, i, i, i, i, i, i, ValueLayout.ADDRESS));
    signature = LINKER.downcallHandle(lib.findOrThrow("sdj_emu_signature"),
        FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    error = LINKER.downcallHandle(lib.findOrThrow("sdj_emu_error"), FunctionDescriptor.of(ValueLayout.ADDRESS));
  }

  /** How many times kernel {@code name} has been launched through this dispatch. */
  long launches(String name) {
    LongAdder n = launched.get(name);
    return n == null ? 0 : n.sum();
  }

  @Override
  public boolean has(String name) {
    return signature(name) != null;
  }

  /** One: the emulator runs a block at a time, and a persistent kernel's one block per batch item takes every head. */
  @Override
  public int multiprocessors() {
    return 1;
  }

  /**
   * The kernel's parameter kinds, one character each ('p' pointer, 'l' long long, 'i' int, 'f' float, 'm' tensor map),
   * or null.
   */
  private String signature(String name) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment s = (MemorySegment) signature.invokeExact(arena.allocateFrom(name));
      return s.equals(MemorySegment.NULL) ? null : s.reinterpret(Long.MAX_VALUE).getString(0);
    } catch (Throwable t) {
      throw new IllegalStateException("emulator call failed", t);
    }
  }

  @Override
  public void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args) {
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) {
      return;  // as KernelModule.launch
    }
    String kinds = signature(name);
    if (kinds == null) {
      throw new CudaException("kernel " + name + " is not in the emulator's kernels");
    }
    check(name, kinds, args);
    launched.computeIfAbsent(name, k -> new LongAdder()).increment();
    int rc;
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment cells = arena.allocate(8L * Math.max(1, args.length), 8);
      MemorySegment pointers = arena.allocate(ValueLayout.ADDRESS, Math.max(1, args.length));
      for (int i = 0; i < args.length; i++) {
        MemorySegment cell = cells.asSlice(8L * i, 8);
        switch (args[i]) {
          case Long l -> cell.set(ValueLayout.JAVA_LONG, 0, l);
          case Integer n -> cell.set(ValueLayout.JAVA_INT, 0, n);
          case Float x -> cell.set(ValueLayout.JAVA_FLOAT, 0, x);
          case TensorMap m -> {
            cell = arena.allocate(8L * TensorMap.WORDS, 64);  // CUtensorMap's alignment
            MemorySegment.copy(m.words(), 0, cell, ValueLayout.JAVA_LONG, 0, TensorMap.WORDS);
          }
          default -> throw new IllegalArgumentException("kernel argument of type " + args[i].getClass());
        }
        pointers.setAtIndex(ValueLayout.ADDRESS, i, cell);
      }
      rc = (int) launch.invokeExact(arena.allocateFrom(name), grid[0], grid[1], grid[2], block[0], block[1],
          block[2], cluster, sharedBytes, pointers);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("emulator call failed", t);
    }
    if (rc != 0) {
      throw new CudaException("emulated launch of " + name + " failed (" + rc + "): " + lastError());
    }
  }

  /**
   * The emulator's tensor map (struct TensorMap in emu.h): address; rank and element size; five dimensions; five
   * strides in bytes (dimensions 1 and up); five box sizes; the swizzle width.
   */
  @Override
  public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
    int rank = dims.length;
    if (rank < 1 || rank > 5 || strides.length != rank - 1 || box.length != rank) {
      throw new CudaException("a tensor map of rank " + rank + " with " + strides.length + " strides and "
          + box.length + " box sizes");
    }
    // The driver's documented bounds (cuTensorMapEncodeTiled): a 16-byte aligned address, strides whole 16 bytes
    // below 2^40, box sizes 1 to 256 with whole 16-byte rows, dimensions 1 to 2^32.
    // A swizzle of 32, 64 or 128 bytes, box rows no wider than it.
    boolean ok = address % 16 == 0 && box[0] * 2L % 16 == 0;
    ok &= swizzle == 0 || (swizzle == 32 || swizzle == 64 || swizzle == 128) && box[0] * 2L <= swizzle;
    for (long stride : strides) {
      ok &= stride % 16 == 0 && stride > 0 && stride < 1L << 40;
    }
    for (int i = 0; i < rank; i++) {
      ok &= box[i] >= 1 && box[i] <= 256 && dims[i] >= 1 && dims[i] <= 1L << 32;
    }
    if (!ok) {
      throw new CudaException("cuTensorMapEncodeTiled would refuse dims " + Arrays.toString(dims) + ", strides "
          + Arrays.toString(strides) + ", box " + Arrays.toString(box) + ", swizzle " + swizzle + " at "
          + Long.toHexString(address));
    }
    long[] w = new long[TensorMap.WORDS];
    w[0] = address;
    w[1] = rank | 2L << 32;
    for (int i = 0; i < rank; i++) {
      w[2 + i] = dims[i];
      w[12 + i / 2] |= (box[i] & 0xffffffffL) << (32 * (i % 2));
    }
    System.arraycopy(strides, 0, w, 7, rank - 1);
    w[14] |= (long) swizzle << 32;
    return new TensorMap(w);
  }

  /**
   * Each argument's Java type must be what its parameter takes: Long for pointers and long long, Integer, Float,
   * TensorMap.
   */
  private static void check(String name, String kinds, Object[] args) {
    if (kinds.length() != args.length) {
      throw new IllegalArgumentException("kernel " + name + " takes " + kinds.length() + " parameters, launched with "
          + args.length);
    }
    for (int i = 0; i < args.length; i++) {
      char k = kinds.charAt(i);
      boolean fits = switch (args[i]) {
        case Long l -> k == 'p' || k == 'l';
        case Integer n -> k == 'i';
        case Float x -> k == 'f';
        case TensorMap m -> k == 'm';
        default -> false;
      };
      if (!fits) {
        throw new IllegalArgumentException("kernel " + name + " parameter " + i + " is of kind '" + k
            + "' (p pointer, l long long, i int, f float, m tensor map), launched with a "
            + args[i].getClass().getSimpleName());
      }
    }
  }

  private String lastError() {
    try {
      MemorySegment s = (MemorySegment) error.invokeExact();
      return s.reinterpret(Long.MAX_VALUE).getString(0);
    } catch (Throwable t) {
      return "(no message: " + t + ")";
    }
  }
}
