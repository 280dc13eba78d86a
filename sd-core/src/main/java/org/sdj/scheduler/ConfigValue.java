package org.sdj.scheduler;

/** An enum constant that diffusers' {@code scheduler_config.json} spells as a string. */
interface ConfigValue {
  /** The spelling in {@code scheduler_config.json}, for instance {@code "scaled_linear"}. */
  String configName();
}
