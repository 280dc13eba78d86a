package org.sdj.scheduler;

/**
 * How a sigma-based scheduler spaces its noise levels: diffusers' {@code use_karras_sigmas} /
 * {@code use_exponential_sigmas} flags, of which at most one may be set.
 */
public enum SigmaSpacing {
  /** The sigmas of the chosen timesteps. */
  TIMESTEPS,
  /** Karras et al. (2022), rho = 7, between the smallest and largest sigma. */
  KARRAS,
  /** Evenly spaced in log sigma. */
  EXPONENTIAL,
  /**
   * Lee et al. (2024), "Beta Sampling is All You Need": {@code sigma_min + ppf(1 - i / (n - 1)) * (sigma_max -
   * sigma_min)}, {@code ppf} the quantile of Beta(0.6, 0.6) (diffusers' {@code use_beta_sigmas}, A1111's Beta).
   */
  BETA,
  /**
   * NVIDIA's Align Your Steps noise levels for SD 1.5 (Sabour et al., 2024), as AUTOMATIC1111 lays them out: its
   * eleven levels from 14.615 to 0.029, interpolated log-linearly to the steps asked ({@code use_ays_sigmas}, sdj's
   * key).
   */
  ALIGN_YOUR_STEPS,
  /** {@link #ALIGN_YOUR_STEPS} with the levels for SDXL ({@code ays_model: sdxl}). */
  ALIGN_YOUR_STEPS_SDXL;

  /** sdj's config keys of Align Your Steps: the flag, and whose levels ({@code sd1}, the default, or {@code sdxl}). */
  public static final String USE_AYS_SIGMAS = "use_ays_sigmas";
  public static final String AYS_MODEL = "ays_model";
}
