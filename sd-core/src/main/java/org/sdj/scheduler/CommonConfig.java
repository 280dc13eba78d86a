package org.sdj.scheduler;

import java.util.List;
import org.sdj.SdjException;

/**
 * The fields every scheduler shares: the training noise schedule and how inference timesteps are chosen. Defaults
 * differ between schedulers (diffusers gives each class its own), so each scheduler's config reads these with its own
 * {@link #defaults(double, double, BetaSchedule, TimestepSpacing) defaults}.
 *
 * @param numTrainTimesteps    {@code num_train_timesteps}: length of the training schedule, at least 2
 * @param betaStart            {@code beta_start}: first beta
 * @param betaEnd              {@code beta_end}: last beta
 * @param betaSchedule         {@code beta_schedule}
 * @param trainedBetas         {@code trained_betas}: explicit betas that replace the schedule; empty when absent
 * @param predictionType       {@code prediction_type}
 * @param timestepSpacing      {@code timestep_spacing}
 * @param stepsOffset          {@code steps_offset}: added to {@code leading} timesteps (1 for SD 1.x)
 * @param rescaleBetasZeroSnr  {@code rescale_betas_zero_snr}: rescale betas so that the last step is pure noise
 *                             (ignored by PNDM, LMS and Heun, as in diffusers)
 */
public record CommonConfig(
    int numTrainTimesteps,
    double betaStart,
    double betaEnd,
    BetaSchedule betaSchedule,
    List<Double> trainedBetas,
    PredictionType predictionType,
    TimestepSpacing timestepSpacing,
    int stepsOffset,
    boolean rescaleBetasZeroSnr) {

  public CommonConfig {
    trainedBetas = List.copyOf(trainedBetas);
    if (!trainedBetas.isEmpty()) {
      numTrainTimesteps = trainedBetas.size();
    }
    if (numTrainTimesteps < 2) {
      throw new SdjException("num_train_timesteps must be at least 2, got " + numTrainTimesteps);
    }
    if (!(betaStart >= 0 && betaEnd >= 0 && betaStart < 1 && betaEnd < 1)) {
      throw new SdjException("beta_start and beta_end must lie in [0, 1), got " + betaStart + " and " + betaEnd);
    }
    if (stepsOffset < 0) {
      throw new SdjException("steps_offset must not be negative, got " + stepsOffset);
    }
  }

  /** A config of 1000 training steps, epsilon prediction, no offset, with the given betas and spacing. */
  public static CommonConfig defaults(double betaStart, double betaEnd, BetaSchedule schedule,
      TimestepSpacing spacing) {
    return new CommonConfig(1000, betaStart, betaEnd, schedule, List.of(), PredictionType.EPSILON, spacing, 0,
        false);
  }

  static CommonConfig read(ConfigReader reader, CommonConfig defaults) {
    return new CommonConfig(
        reader.integer("num_train_timesteps", defaults.numTrainTimesteps()),
        reader.number("beta_start", defaults.betaStart()),
        reader.number("beta_end", defaults.betaEnd()),
        reader.choice("beta_schedule", BetaSchedule.class, defaults.betaSchedule()),
        reader.numbers("trained_betas"),
        reader.choice("prediction_type", PredictionType.class, defaults.predictionType()),
        reader.choice(TimestepSpacing.CONFIG_KEY, TimestepSpacing.class, defaults.timestepSpacing()),
        reader.integer("steps_offset", defaults.stepsOffset()),
        reader.bool("rescale_betas_zero_snr", defaults.rescaleBetasZeroSnr()));
  }
}
