package org.sdj.cuda;

import java.util.Properties;
import java.util.function.Consumer;
import org.sdj.backend.BackendHints;
import org.sdj.backend.DType;

/**
 * How a {@link CudaBackend} runs.
 *
 * @param device CUDA device ordinal
 * @param computeType storage type of weights and activations on the device: {@link DType#F16} (the default) or
 *     {@link DType#BF16} (for checkpoints saved in bf16, or models whose activations overflow float16)
 * @param graphs whether a denoising step's UNet is recorded into a CUDA graph and replayed ({@link CudaBackend#replay});
 *     on by default, off to run every op by itself (to compare, or to profile op by op)
 * @param convWorkspace the most device memory, in bytes, that a convolution's algorithm may ask for as workspace
 *     before a leaner one is preferred (a faster algorithm can want hundreds of MB at the VAE's full resolution)
 * @param gemmConvPixels convolutions whose output has at most this many pixels per channel run as im2col and one
 *     cuBLASLt product per image instead of on cuDNN (whose NCHW algorithms reached only 30-110 TFLOP/s on an H200
 *     at the UNet's 8x8 and 16x16 levels), and 1x1 ones at any size as one product per image; 0 leaves every
 *     convolution to cuDNN
 * @param attention which kernel runs fused attention: {@link Attention#WGMMA} (the default; the mma.sync kernel where
 *     the GPU is not compute capability 9.0) or {@link Attention#MMA}
 * @param fusedProjections whether models stack the projections that read one input (attention's q, k and v; a
 *     cross-attention's k and v) into one weight, whose product the attention kernels read in place
 *     ({@link org.sdj.backend.Backend#fusedProjections()}); on by default
 * @param channelsLast whether images stay channels-last ({@code [N, H, W, C]} in memory, PyTorch's
 *     {@code channels_last}) from the first convolution on: convolutions on cuDNN's NHWC algorithms with filters
 *     uploaded as {@code [O, kh, kw, C]}, 1x1 ones as one product over all pixels, group norm, upsampling, concat
 *     and the per-channel add on channels-last kernels, and the transformer's tokens a view of the image; every other
 *     op reads a row-major copy. On by default: on an H200 the UNet step took 6.83 ms against 8.03 ms in NCHW, the
 *     VAE decode 15.8 ms against 75.0 ms (benchmarks/RESULTS.md, run 8); off keeps NCHW images, cuDNN's NCHW
 *     algorithms and per-image products
 */
public record CudaOptions(int device, DType computeType, boolean graphs, long convWorkspace, int gemmConvPixels,
    Attention attention, boolean fusedProjections, boolean channelsLast) {
  /** System property that turns CUDA graphs off with {@code false} (for a run that cannot be rebuilt). */
  public static final String GRAPHS_PROPERTY = "sdj.cuda.graphs";
  /** System property for {@link #convWorkspace} in MiB. */
  public static final String CONV_WORKSPACE_PROPERTY = "sdj.cuda.convWorkspaceMiB";
  /** System property for {@link #gemmConvPixels}. */
  public static final String GEMM_CONV_PIXELS_PROPERTY = "sdj.cuda.gemmConvPixels";
  /** System property for {@link #attention}: {@code wgmma} (the default) or {@code mma}. */
  public static final String ATTENTION_PROPERTY = "sdj.cuda.attention";
  /** System property for {@link #fusedProjections}: {@code true} or {@code false}. */
  public static final String FUSED_PROJECTIONS_PROPERTY = "sdj.cuda.fusedProjections";
  /** System property for {@link #channelsLast}: {@code true} or {@code false}. */
  public static final String CHANNELS_LAST_PROPERTY = "sdj.cuda.channelsLast";
  /**
   * 16x16: the levels where cuDNN was slowest (see {@link #gemmConvPixels}); at 32x32 cuDNN was faster (UNet step 10.50
   * ms with 1024, 9.45 ms with 256 on an H200).
   */
  private static final int DEFAULT_GEMM_CONV_PIXELS = 256;
  /**
   * 64 MiB: a 512x512 txt2img needs ~1.98 GiB of fp16 weights and ~320 MiB of live VAE activations (counted on the
   * CPU), which leaves little of the 2.5 GB budget to a convolution's workspace; tensor-core algorithms want a few MB.
   */
  private static final long DEFAULT_CONV_WORKSPACE_MIB = 64;

  /**
   * The fused attention kernels. The Hopper one (flash_attention_wgmma.cu, warpgroup MMA) runs where the GPU is compute
   * capability 9.0 and the padded head size is one it provides; elsewhere the mma.sync kernel does.
   */
  public enum Attention {
    /** flash_attention.cu: FlashAttention-2 on mma.sync, any GPU from sm_80. */
    MMA("mma"),
    /**
     * flash_attention_wgmma.cu: FlashAttention-3 on warpgroup MMA (a producer warpgroup copying the tiles by TMA,
     * consumer warpgroups taking turns), 1.1-1.6x the mma.sync kernel on an H200; the mma.sync kernel elsewhere.
     */
    WGMMA("wgmma");

    private final String property;

    Attention(String property) {
      this.property = property;
    }

    /** The value of {@value CudaOptions#ATTENTION_PROPERTY} that picks this kernel. */
    public String property() {
      return property;
    }

    static Attention fromProperty(String value) {
      for (Attention a : values()) {
        if (a.property.equals(value)) {
          return a;
        }
      }
      throw new IllegalArgumentException(ATTENTION_PROPERTY + "=" + value + ": use wgmma or mma");
    }
  }

  public CudaOptions {
    if (attention == null) {
      throw new IllegalArgumentException("attention kernel must be given (Attention.WGMMA by default)");
    }
    if (device < 0) {
      throw new IllegalArgumentException("CUDA device ordinal " + device + " must be 0 or more");
    }
    if (computeType != DType.F16 && computeType != DType.BF16) {
      throw new IllegalArgumentException("CUDA compute type " + computeType + " must be F16 or BF16");
    }
    if (gemmConvPixels < 0) {
      throw new IllegalArgumentException("gemmConvPixels " + gemmConvPixels + " must be 0 or more");
    }
    if (convWorkspace < 0) {
      throw new IllegalArgumentException("convolution workspace " + convWorkspace + " bytes must be 0 or more");
    }
  }

  /**
   * Device 0, float16, CUDA graphs, 64 MiB of convolution workspace, convolutions up to 16x16 on cuBLASLt (where
   * images are NCHW), attention on the wgmma kernel where the GPU has it, fused projections, channels-last images;
   * the system properties {@value #GRAPHS_PROPERTY}, {@value #CONV_WORKSPACE_PROPERTY},
   * {@value #GEMM_CONV_PIXELS_PROPERTY}, {@value #ATTENTION_PROPERTY}, {@value #FUSED_PROJECTIONS_PROPERTY} and
   * {@value #CHANNELS_LAST_PROPERTY} override the last six.
   */
  public static CudaOptions defaults() {
    return fromProperties(System.getProperties());
  }

  /**
   * {@link #defaults()} as {@code properties} override them.
   *
   * @throws IllegalArgumentException for a value that is not {@code true}/{@code false}, a whole number of MiB, a
   *     whole number of pixels, or an {@link Attention} property value
   */
  static CudaOptions fromProperties(Properties properties) {
    boolean graphs = flag(properties, GRAPHS_PROPERTY, true);
    boolean fused = flag(properties, FUSED_PROJECTIONS_PROPERTY, true);
    boolean channelsLast = flag(properties, CHANNELS_LAST_PROPERTY, true);
    String mib = properties.getProperty(CONV_WORKSPACE_PROPERTY, Long.toString(DEFAULT_CONV_WORKSPACE_MIB)).trim();
    long workspace;
    try {
      workspace = Long.parseLong(mib) << 20;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(CONV_WORKSPACE_PROPERTY + "=" + mib + ": use a whole number of MiB");
    }
    String pixels = properties.getProperty(GEMM_CONV_PIXELS_PROPERTY, Integer.toString(DEFAULT_GEMM_CONV_PIXELS)).trim();
    int gemmConvPixels;
    try {
      gemmConvPixels = Integer.parseInt(pixels);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(GEMM_CONV_PIXELS_PROPERTY + "=" + pixels + ": use a whole number of pixels");
    }
    Attention attention =
        Attention.fromProperty(properties.getProperty(ATTENTION_PROPERTY, Attention.WGMMA.property()).trim());
    return new CudaOptions(0, DType.F16, graphs, workspace, gemmConvPixels, attention, fused, channelsLast);
  }

  /** The boolean property {@code name}, {@code absent} where unset; any value but true or false is refused. */
  static boolean flag(Properties properties, String name, boolean absent) {
    String value = properties.getProperty(name, Boolean.toString(absent)).trim();
    if (!value.equals("true") && !value.equals("false")) {
      throw new IllegalArgumentException(name + "=" + value + ": use true or false");
    }
    return Boolean.parseBoolean(value);
  }

  /**
   * Device 0, in bfloat16 for a model whose weights are mostly bf16 (their values need not fit float16's range) and
   * in float16 for any other.
   */
  public static CudaOptions forModel(BackendHints hints) {
    return defaults().withComputeType(hints.weightDtype().filter(d -> d == DType.BF16).orElse(DType.F16));
  }

  public CudaOptions withDevice(int ordinal) {
    return with(c -> c.device = ordinal);
  }

  public CudaOptions withComputeType(DType type) {
    return with(c -> c.computeType = type);
  }

  public CudaOptions withGraphs(boolean on) {
    return with(c -> c.graphs = on);
  }

  public CudaOptions withConvWorkspace(long bytes) {
    return with(c -> c.convWorkspace = bytes);
  }

  public CudaOptions withGemmConvPixels(int pixels) {
    return with(c -> c.gemmConvPixels = pixels);
  }

  public CudaOptions withAttention(Attention kernel) {
    return with(c -> c.attention = kernel);
  }

  public CudaOptions withChannelsLast(boolean on) {
    return with(c -> c.channelsLast = on);
  }

  public CudaOptions withFusedProjections(boolean on) {
    return with(c -> c.fusedProjections = on);
  }

  /** A copy with {@code change} applied to its components (the constructor validates the result). */
  private CudaOptions with(Consumer<Components> change) {
    Components c = new Components(this);
    change.accept(c);
    return new CudaOptions(c.device, c.computeType, c.graphs, c.convWorkspace, c.gemmConvPixels, c.attention,
        c.fusedProjections, c.channelsLast);
  }

  /** The components of a {@link CudaOptions}, mutable: each wither changes one. */
  private static final class Components {
    int device;
    DType computeType;
    boolean graphs;
    long convWorkspace;
    int gemmConvPixels;
    Attention attention;
    boolean fusedProjections;
    boolean channelsLast;

    Components(CudaOptions o) {
      device = o.device;
      computeType = o.computeType;
      graphs = o.graphs;
      convWorkspace = o.convWorkspace;
      gemmConvPixels = o.gemmConvPixels;
      attention = o.attention;
      fusedProjections = o.fusedProjections;
      channelsLast = o.channelsLast;
    }
  }
}
