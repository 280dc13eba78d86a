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
  EXPONENTIAL
}
