package org.sdj.scheduler;

/** How the training noise levels (betas) were laid out: diffusers' {@code beta_schedule}. */
public enum BetaSchedule implements ConfigValue {
  /** Betas evenly spaced from {@code beta_start} to {@code beta_end}. */
  LINEAR("linear"),
  /** Square roots of the betas evenly spaced (Stable Diffusion's schedule). */
  SCALED_LINEAR("scaled_linear"),
  /** The cosine schedule of Nichol and Dhariwal, each beta capped at 0.999. */
  SQUAREDCOS_CAP_V2("squaredcos_cap_v2");

  private final String configName;

  BetaSchedule(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
