package org.sdj.scheduler;

/** A config whose scheduler can re-space its noise levels ({@code use_karras_sigmas}, {@code use_exponential_sigmas}). */
interface SigmaSpacedConfig {
  SigmaSpacing sigmaSpacing();
}
