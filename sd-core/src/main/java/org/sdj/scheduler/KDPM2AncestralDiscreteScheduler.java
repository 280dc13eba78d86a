package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * DPM-Solver-2 with ancestral sampling (k-diffusion's {@code sample_dpm_2_ancestral}, AUTOMATIC1111's "DPM2 a"),
 * diffusers' {@code KDPM2AncestralDiscreteScheduler}: as {@link KDPM2DiscreteScheduler}, but each step goes down to
 * {@code sigma_down} through the midpoint between the level and {@code sigma_down}, then adds fresh noise of
 * {@code sigma_up}, as Euler Ancestral splits its steps. The noise comes from the loop's {@link NoiseSource}, one draw
 * per step. One instance serves one generation.
 */
public final class KDPM2AncestralDiscreteScheduler
    extends MidpointAncestralScheduler<KDPM2AncestralDiscreteScheduler.Config> {
  /**
   * @param common       shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' KDPM2 Ancestral defaults. */
    public static Config from(JsonNode json) {
      return readConfig(json, "KDPM2AncestralDiscreteScheduler", Config::new);
    }

    @Override
    public String className() {
      return "KDPM2AncestralDiscreteScheduler";
    }
  }

  public KDPM2AncestralDiscreteScheduler(Config config) {
    super(config);
  }

  /** DPM2's: an Euler step from the level along the midpoint's derivative. */
  @Override
  <L> L stepDown(LatentMath<L> math, L start, L mid, L x0, float sigma, float midpoint, float sigmaDown) {
    return math.combine(1f, start, sigmaDown - sigma, derivative(math, mid, x0, midpoint));
  }
}
