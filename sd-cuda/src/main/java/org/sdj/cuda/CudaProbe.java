package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;
import static org.bytedeco.cuda.global.cudart.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetAttribute;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetCount;
import static org.bytedeco.cuda.global.cudart.cuDeviceGetName;
import static org.bytedeco.cuda.global.cudart.cuDeviceTotalMem;
import static org.bytedeco.cuda.global.cudart.cuDriverGetVersion;
import static org.bytedeco.cuda.global.cudart.cuInit;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import org.bytedeco.javacpp.SizeTPointer;
import org.sdj.backend.BackendProvider.Availability;

/**
 * Finds out whether the CUDA backend can run here, step by step, and says which step failed: the JNI wrappers and the
 * driver (libcuda.so.1), a GPU, its compute capability, cuBLASLt, cuDNN, and sdj's own kernels. Nothing here may
 * take the JVM down: a missing library surfaces as a {@link LinkageError} from JavaCPP's loader, which is caught.
 */
final class CudaProbe {
  /** The CUDA 13 runtime, cuBLAS and cuDNN start on a driver of CUDA 13.0 or newer. */
  static final int MIN_DRIVER = 13000;

  /** mma.sync m16n8k16 on bf16 and cp.async need Ampere or newer. */
  private static final int MIN_CAPABILITY = 80;

  private CudaProbe() {}

  static Availability probe(int device) {
    try {
      Class.forName("org.bytedeco.cuda.global.cudart");
    } catch (ClassNotFoundException e) {
      return Availability.unusable("JavaCPP's CUDA preset (org.bytedeco:cuda) is not on the class path");
    } catch (LinkageError e) {
      return Availability.unusable(missing("the CUDA driver and runtime", e));
    }
    int rc = cuInit(0);
    if (rc == 100) {
      return Availability.unusable("no GPU: the CUDA driver is installed but cuInit finds no CUDA device"
          + " (CUDA_ERROR_NO_DEVICE)");
    }
    if (rc != 0) {
      return Availability.unusable("no usable CUDA driver: cuInit failed with " + Cu.errorName(rc) + " (" + rc + ")");
    }
    int[] count = new int[1];
    rc = cuDeviceGetCount(count);
    if (rc != 0 || count[0] == 0) {
      return Availability.unusable("no GPU: cuDeviceGetCount finds no CUDA device");
    }
    if (device >= count[0]) {
      return Availability.unusable("CUDA device " + device + " asked for, but only " + count[0] + " present");
    }
    int major = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
    int minor = attribute(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
    String gpu = name(device) + " (sm_" + major + minor + ", " + attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
        device) + " SMs, " + totalMemory(device) / (1L << 30) + " GiB)";
    if (major * 10 + minor < MIN_CAPABILITY) {
      return Availability.unusable(gpu + " is older than compute capability 8.0, which sdj's kernels need");
    }
    String blas;
    try {
      Class.forName("org.bytedeco.cuda.global.cublas");
      blas = "cuBLASLt " + org.bytedeco.cuda.global.cublas.cublasLtGetVersion();
    } catch (ClassNotFoundException | LinkageError e) {
      return Availability.unusable(missing("cuBLAS 13 (libcublas.so.13, libcublasLt.so.13)", e));
    }
    String dnn;
    try {
      Class.forName("org.bytedeco.cuda.global.cudnn");
      dnn = "cuDNN " + org.bytedeco.cuda.global.cudnn.cudnnGetVersion();
    } catch (ClassNotFoundException | LinkageError e) {
      return Availability.unusable(missing("cuDNN 9 (libcudnn*.so.9)", e));
    }
    if (KernelModule.fatbins().isEmpty()) {
      return Availability.unusable("sd-cuda was built without nvcc, so it carries no CUDA kernels; rebuild it where"
          + " /usr/local/cuda/bin/nvcc exists (or with -Pcuda-kernels -Dsdj.nvcc=PATH)");
    }
    int[] driver = new int[1];
    cuDriverGetVersion(driver);
    if (driver[0] < MIN_DRIVER) {
      return Availability.unusable("the NVIDIA driver supports CUDA " + driver[0] / 1000 + "." + driver[0] % 1000 / 10
          + ", older than the CUDA 13 libraries need: update the driver (R580 or newer)");
    }
    return Availability.usable("CUDA driver " + driver[0] / 1000 + "." + driver[0] % 1000 / 10 + ", " + gpu + ", "
        + blas + ", " + dnn);
  }

  /** What failed to load, from the loader's messages (the first names the missing shared library). */
  static String missing(String what, Throwable e) {
    Set<String> messages = new LinkedHashSet<>();
    for (Throwable t = e; t != null && messages.size() < 4; t = t.getCause()) {
      if (t.getMessage() != null) {
        messages.add(t.getMessage());
      }
    }
    String detail = String.join("; ", messages);
    if (detail.contains("libcuda.so")) {
      return "no CUDA driver / no GPU: libcuda.so.1 (the NVIDIA driver) is not installed on this machine";
    }
    return what + " could not be loaded: " + (detail.isEmpty() ? e.toString() : detail)
        + " (put the libraries on LD_LIBRARY_PATH)";
  }

  /** The streaming multiprocessors of CUDA device {@code device} (the driver initialised). */
  static int multiprocessors(int device) {
    return attribute(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
  }

  private static int attribute(int attribute, int device) {
    int[] v = new int[1];
    Cu.check(cuDeviceGetAttribute(v, attribute, device), "cuDeviceGetAttribute");
    return v[0];
  }

  private static String name(int device) {
    byte[] b = new byte[256];
    Cu.check(cuDeviceGetName(b, b.length, device), "cuDeviceGetName");
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  private static long totalMemory(int device) {
    try (SizeTPointer bytes = new SizeTPointer(1)) {
      Cu.check(cuDeviceTotalMem(bytes, device), "cuDeviceTotalMem");
      return bytes.get();
    }
  }
}
