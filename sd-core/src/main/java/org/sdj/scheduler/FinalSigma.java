package org.sdj.scheduler;

/** The noise level a scheduler ends on: diffusers' {@code final_sigmas_type}. */
public enum FinalSigma implements ConfigValue {
  /** End fully denoised. */
  ZERO("zero"),
  /** End at the smallest training sigma. */
  SIGMA_MIN("sigma_min");

  private final String configName;

  FinalSigma(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
