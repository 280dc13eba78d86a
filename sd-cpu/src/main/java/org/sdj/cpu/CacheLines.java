package org.sdj.cpu;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

/**
 * Where a packed panel should start so that the micro-kernel's 64-byte loads of it fall on cache lines: a panel that
 * starts off a line makes every load touch two lines, which cost 3-7% of a whole GEMM here (and 6-8% of the kernel).
 *
 * <p>Java neither controls nor shows a heap array's address, with one exception: a critical downcall of the FFM API
 * may hand a heap array to native code, and libc's {@code memset(p, 0, 0)} returns {@code p}. Downcalls are restricted
 * methods, so this is done only where the JVM was started with {@code --enable-native-access} (the {@code sdj}
 * launcher and the benchmarks are); elsewhere panels start at element 0 as they always did, and embedding
 * applications never see the JVM's restricted-method warning. An address holds until a garbage collection moves the
 * array, which only costs speed: callers ask again for every block they pack.
 */
final class CacheLines {
  /** Floats per 64-byte line: the most a caller adds to a buffer's length for {@link #firstAligned}. */
  static final int FLOATS = 16;

  private static final MethodHandle IDENTITY = identity();

  private CacheLines() {}

  /** Whether {@link #firstAligned} can see addresses here (native access was granted). */
  static boolean known() {
    return IDENTITY != null;
  }

  /** The index of {@code a}'s first element on a 64-byte boundary, in {@code [0, FLOATS)}; 0 when unknown. */
  static int firstAligned(float[] a) {
    if (IDENTITY == null) {
      return 0;
    }
    try {
      long address = ((MemorySegment) IDENTITY.invokeExact(MemorySegment.ofArray(a), 0, 0L)).address();
      return (int) (-address & 63) / Float.BYTES;
    } catch (Throwable e) {
      return 0;
    }
  }

  /** {@code memset} as a critical downcall that takes heap arrays, or null where native access was not granted. */
  private static MethodHandle identity() {
    boolean granted = ProcessHandle.current().info().arguments()
        .map(args -> Arrays.stream(args).anyMatch(CacheLines::grantsNativeAccess)).orElse(false);
    if (!granted) {
      return null;
    }
    try {
      Linker linker = Linker.nativeLinker();
      return linker.defaultLookup().find("memset").map(f -> linker.downcallHandle(f,
          FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG),
          Linker.Option.critical(true))).orElse(null);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Whether a launcher argument enables native access for this class's module. */
  private static boolean grantsNativeAccess(String arg) {
    if (!arg.startsWith("--enable-native-access=")) {
      return false;
    }
    Module module = CacheLines.class.getModule();
    String wanted = module.isNamed() ? module.getName() : "ALL-UNNAMED";
    return Arrays.asList(arg.substring(arg.indexOf('=') + 1).split(",")).contains(wanted);
  }
}
