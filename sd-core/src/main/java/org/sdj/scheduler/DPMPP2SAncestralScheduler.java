package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * DPM-Solver++(2S) with ancestral sampling (k-diffusion's {@code sample_dpmpp_2s_ancestral}, AUTOMATIC1111's
 * "DPM++ 2S a"), on the layout of diffusers' {@code KDPM2AncestralDiscreteScheduler} (diffusers has no class of its
 * own for it; {@code DPMPP2SAncestralScheduler} is sdj's name): the first call of a step goes to the midpoint
 * {@code sqrt(sigma * sigma_down)} as DPM2 does, the second takes the step down as a data-prediction exponential
 * integrator, {@code (sigma_down / sigma) x + (1 - sigma_down / sigma) x0_mid}, then fresh noise of {@code sigma_up}.
 * One instance serves one generation.
 */
public final class DPMPP2SAncestralScheduler extends MidpointAncestralScheduler<DPMPP2SAncestralScheduler.Config> {
  /**
   * @param common       shared fields ({@code rescale_betas_zero_snr} is ignored, as in KDPM2's)
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with KDPM2 Ancestral's defaults. */
    public static Config from(JsonNode json) {
      return readConfig(json, "DPMPP2SAncestralScheduler", Config::new);
    }

    @Override
    public String className() {
      return "DPMPP2SAncestralScheduler";
    }
  }

  public DPMPP2SAncestralScheduler(Config config) {
    super(config);
  }

  /** k-diffusion's {@code x = (sigma_fn(t_next) / sigma_fn(t)) x - expm1(-h) denoised_2}. */
  @Override
  <L> L stepDown(LatentMath<L> math, L start, L mid, L x0, float sigma, float midpoint, float sigmaDown) {
    float ratio = sigmaDown / sigma;
    return math.combine(ratio, start, 1f - ratio, x0);
  }
}
