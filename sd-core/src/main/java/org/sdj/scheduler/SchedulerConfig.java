package org.sdj.scheduler;

/**
 * The immutable configuration of one scheduler: the shared {@link CommonConfig} plus the scheduler's own fields. Each
 * scheduler class nests its record ({@code DDIMScheduler.Config}, ...), read from {@code scheduler_config.json} with
 * diffusers' defaults for absent keys.
 */
public sealed interface SchedulerConfig
    permits DDIMScheduler.Config, PNDMScheduler.Config, EulerDiscreteScheduler.Config,
        EulerAncestralDiscreteScheduler.Config, DPMSolverMultistepScheduler.Config, LMSDiscreteScheduler.Config,
        HeunDiscreteScheduler.Config, UniPCMultistepScheduler.Config, LCMScheduler.Config, TCDScheduler.Config,
        DDPMScheduler.Config, KDPM2DiscreteScheduler.Config, KDPM2AncestralDiscreteScheduler.Config,
        DPMPP2SAncestralScheduler.Config, DPMSolverSDEScheduler.Config, RestartScheduler.Config {

  /** The fields every scheduler has. */
  CommonConfig common();

  /** diffusers' class name of the scheduler this config builds, for instance {@code "EulerDiscreteScheduler"}. */
  String className();
}
