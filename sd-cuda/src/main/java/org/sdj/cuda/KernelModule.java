package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES;
import static org.bytedeco.cuda.global.cudart.cuFuncSetAttribute;
import static org.bytedeco.cuda.global.cudart.cuLaunchKernel;
import static org.bytedeco.cuda.global.cudart.cuModuleGetFunction;
import static org.bytedeco.cuda.global.cudart.cuModuleLoadData;
import static org.bytedeco.cuda.global.cudart.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * sdj's own kernels: the fatbins that nvcc built from {@code src/main/cuda} at build time, loaded with
 * cuModuleLoadData (the driver picks the machine code for the GPU, or JIT-compiles the PTX on newer ones) and
 * launched with cuLaunchKernel by their {@code extern "C"} names.
 */
final class KernelModule implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(KernelModule.class.getName());
  private static final String DIR = "/org/sdj/cuda/kernels/";

  private final List<CUmod_st> modules = new ArrayList<>();
  /** Images that carry no code for this GPU (built for one architecture only, such as sm_90a's wgmma kernels). */
  private final List<String> skipped = new ArrayList<>();
  private final Map<String, CUfunc_st> functions = new ConcurrentHashMap<>();
  /** Dynamic shared memory each kernel has been allowed beyond the default, by name. */
  private final Map<String, Integer> sharedAllowed = new ConcurrentHashMap<>();

  /** Dynamic shared memory any kernel may take without opting in (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES). */
  static final int DEFAULT_SHARED_BYTES = 48 * 1024;

  /** The fatbins in the jar, or an empty list when sd-cuda was built without nvcc. */
  static List<String> fatbins() {
    try (InputStream in = KernelModule.class.getResourceAsStream(DIR + "kernels.list")) {
      if (in == null) {
        return List.of();
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(s -> !s.isBlank()).toList();
    } catch (IOException e) {
      throw new CudaException("cannot read sd-cuda's kernel list: " + e.getMessage());
    }
  }

  /** cuModuleLoadData's answer for an image without machine code or PTX that this GPU can run. */
  static final int NO_BINARY_FOR_GPU = 209;

  /**
   * Whether a failure to load image {@code fatbin} leaves the backend usable: build-kernels.sh's {@code *_wgmma}
   * images hold kernels for one architecture (sm_90a), which the backend replaces with the mma.sync ones elsewhere, and
   * its {@code *_sm90} images kernels for 9.0 and newer (thread block clusters), which it replaces with older forms.
   */
  static boolean archSpecific(String fatbin) {
    return fatbin.endsWith("_wgmma.fatbin") || fatbin.endsWith("_sm90.fatbin");
  }

  /**
   * Loads {@code images} (fatbin or cubin bytes by name, in order: the jar's, {@link #jarImages}, and any others) into
   * the current context, skipping an image without code for this GPU (its kernels are then absent: {@link #has}); the
   * sd-cuda tests' tuning run loads its own this way.
   */
  KernelModule(Map<String, byte[]> images) {
    for (Map.Entry<String, byte[]> e : images.entrySet()) {
      String name = e.getKey();
      CUmod_st module = new CUmod_st();
      try (BytePointer data = new BytePointer(e.getValue())) {
        int rc = cuModuleLoadData(module, data);
        if (rc == NO_BINARY_FOR_GPU || (rc != 0 && archSpecific(name))) {
          if (rc != NO_BINARY_FOR_GPU) {
            LOG.log(System.Logger.Level.WARNING, "kernel image {0} did not load (CUDA error {1}); the kernels for"
                + " every GPU run in its place", name, rc);
          }
          skipped.add(name);
          continue;
        }
        Cu.check(rc, "cuModuleLoadData(" + name + ")");
      }
      modules.add(module);
    }
  }

  /** The jar's fatbins by name, in {@link #fatbins}' order (a map the caller may add to). */
  static Map<String, byte[]> jarImages() {
    List<String> names = fatbins();
    if (names.isEmpty()) {
      throw new CudaException("sd-cuda was built without nvcc and carries no CUDA kernels");
    }
    Map<String, byte[]> images = new LinkedHashMap<>();
    for (String name : names) {
      try (InputStream in = KernelModule.class.getResourceAsStream(DIR + name)) {
        if (in == null) {
          throw new CudaException("kernel image " + name + " is listed but missing from sd-cuda's jar");
        }
        images.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new CudaException("cannot read kernel image " + name + ": " + e.getMessage());
      }
    }
    return images;
  }

  private CUfunc_st function(String name) {
    CUfunc_st f = find(name);
    if (f == null) {
      throw new CudaException("kernel " + name + " is not in sd-cuda's kernel images"
          + (skipped.isEmpty() ? "" : " (" + String.join(", ", skipped) + " carry no code for this GPU)"));
    }
    return f;
  }

  /** Kernel {@code name}, or null where no loaded image has it. */
  private CUfunc_st find(String name) {
    return functions.computeIfAbsent(name, n -> {
      for (CUmod_st m : modules) {
        CUfunc_st f = new CUfunc_st();
        if (cuModuleGetFunction(f, m, n) == 0) {
          return f;
        }
      }
      return null;
    });
  }

  /** Whether kernel {@code name} is loaded: false for one whose image has no code for this GPU. */
  boolean has(String name) {
    return find(name) != null;
  }

  /**
   * Lets kernel {@code name} take {@code bytes} of dynamic shared memory, more than the default 48 KiB, once per
   * kernel and size (the attribute stays with the function).
   */
  private void allowShared(String name, CUfunc_st f, int bytes) {
    sharedAllowed.compute(name, (n, allowed) -> {
      if (allowed != null && allowed >= bytes) {
        return allowed;
      }
      Cu.check(cuFuncSetAttribute(f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
          "cuFuncSetAttribute(" + n + ", max dynamic shared memory " + bytes + ")");
      return bytes;
    });
  }

  /** Most parameters of one of sdj's kernels (flash attention takes the most, well under this). */
  static final int MAX_ARGS = 32;
  /** Most {@link TensorMap} parameters of one kernel. */
  static final int MAX_MAPS = 4;

  /**
   * A thread's parameter slots (8 bytes each) and the array of pointers to them that cuLaunchKernel reads: made once
   * per thread, not per launch, since the driver copies the values when it enqueues the launch.
   */
  private static final class Args {
    final LongPointer values = new LongPointer(MAX_ARGS);
    final PointerPointer<?> params = new PointerPointer<>(MAX_ARGS);
    /** 128-byte slots, 64-byte aligned as CUtensorMap is, for {@link TensorMap} parameters. */
    final LongPointer maps = new LongPointer(MAX_MAPS * TensorMap.WORDS + 8);
    final DevicePointer[] scalarSlots = new DevicePointer[MAX_ARGS];
    final LongPointer[] mapSlots = new LongPointer[MAX_MAPS];
    /** What params points at now, per parameter: re-pointed only where a launch needs the other kind of slot. */
    final Pointer[] pointed = new Pointer[MAX_ARGS];

    Args() {
      for (int i = 0; i < MAX_ARGS; i++) {
        scalarSlots[i] = new DevicePointer(values.address() + 8L * i);
        params.put(i, scalarSlots[i]);
        pointed[i] = scalarSlots[i];
      }
      long aligned = (maps.address() + 63) & ~63L;
      for (int i = 0; i < MAX_MAPS; i++) {
        mapSlots[i] = new LongPointer(new DevicePointer(aligned + 8L * TensorMap.WORDS * i));
      }
    }

    void point(int i, Pointer slot) {
      if (pointed[i] != slot) {
        params.put(i, slot);
        pointed[i] = slot;
      }
    }
  }

  private static final ThreadLocal<Args> ARGS = ThreadLocal.withInitial(Args::new);

  /**
   * Enqueues kernel {@code name} on {@code stream}. Arguments are {@link Long} (device addresses and 64-bit
   * integers), {@link Integer}, {@link Float} or {@link TensorMap} (128 bytes by value), in the kernel's parameter
   * order. Empty grids launch nothing. More than
   * {@link #DEFAULT_SHARED_BYTES} of dynamic shared memory is allowed for the kernel first.
   */
  void launch(CUstream_st stream, String name, int[] grid, int[] block, int sharedBytes, Object... args) {
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0) {
      return;
    }
    if (args.length > MAX_ARGS) {
      throw new IllegalArgumentException("kernel " + name + " given " + args.length + " arguments; at most "
          + MAX_ARGS);
    }
    CUfunc_st f = function(name);
    if (sharedBytes > DEFAULT_SHARED_BYTES) {
      allowShared(name, f, sharedBytes);
    }
    Args slots = ARGS.get();
    int maps = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof TensorMap m) {
        if (maps == MAX_MAPS) {
          throw new IllegalArgumentException("kernel " + name + " given more than " + MAX_MAPS + " tensor maps");
        }
        LongPointer slot = slots.mapSlots[maps++];
        slot.put(m.words());
        slots.point(i, slot);
        continue;
      }
      // Each other parameter gets an 8-byte slot; 4-byte ones sit in its low half (little-endian).
      long v = switch (args[i]) {
        case Long l -> l;
        case Integer n -> n & 0xffffffffL;
        case Float x -> Float.floatToRawIntBits(x) & 0xffffffffL;
        default -> throw new IllegalArgumentException("kernel argument of type " + args[i].getClass());
      };
      slots.values.put(i, v);
      slots.point(i, slots.scalarSlots[i]);
    }
    Cu.check(cuLaunchKernel(f, grid[0], grid[1], grid[2], block[0], block[1], block[2], sharedBytes, stream,
        slots.params, (PointerPointer<?>) null), "cuLaunchKernel(" + name + ")");
  }

  @Override
  public void close() {
    for (CUmod_st m : modules) {
      cuModuleUnload(m);
    }
    modules.clear();
    skipped.clear();
    functions.clear();
    sharedAllowed.clear();
  }
}
