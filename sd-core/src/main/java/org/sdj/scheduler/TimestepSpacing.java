package org.sdj.scheduler;

/** How inference timesteps are picked among the training timesteps: diffusers' {@code timestep_spacing}. */
public enum TimestepSpacing implements ConfigValue {
  /** Evenly spaced over {@code [0, num_train_timesteps - 1]}, both ends included. */
  LINSPACE("linspace"),
  /** Multiples of {@code num_train_timesteps / steps} from 0, plus {@code steps_offset}. */
  LEADING("leading"),
  /** Counting down from {@code num_train_timesteps - 1} in steps of {@code num_train_timesteps / steps}. */
  TRAILING("trailing"),
  /**
   * sdj's, AUTOMATIC1111's SGM Uniform schedule: {@code steps} of {@code steps + 1} points evenly from
   * {@code num_train_timesteps - 1} down to 0, the last (0) dropped; fractional, as k-diffusion keeps them.
   */
  SGM_UNIFORM("sgm_uniform"),
  /**
   * sdj's, AUTOMATIC1111's Simple schedule: {@code num_train_timesteps - 1 - int(i * num_train_timesteps / steps)},
   * whole training timesteps counting down from the last.
   */
  SIMPLE("simple");

  /** The config key, diffusers' {@code timestep_spacing}. */
  public static final String CONFIG_KEY = "timestep_spacing";

  private final String configName;

  TimestepSpacing(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
