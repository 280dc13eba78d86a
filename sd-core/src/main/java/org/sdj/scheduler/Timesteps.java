package org.sdj.scheduler;

import org.sdj.SdjException;

/**
 * The inference timestep layouts of diffusers' {@code set_timesteps}, reproduced with numpy's float64 arithmetic and
 * its round-half-to-even so that the chosen integers match. Every result counts down.
 */
final class Timesteps {
  private Timesteps() {}

  static void checkSteps(int steps, CommonConfig config) {
    if (steps < 1) {
      throw new SdjException("num_inference_steps must be at least 1, got " + steps);
    }
    if (steps > config.numTrainTimesteps()) {
      throw new SdjException("num_inference_steps (" + steps + ") cannot exceed num_train_timesteps ("
          + config.numTrainTimesteps() + ")");
    }
  }

  /** Integer timesteps of DDIM, DDPM and PNDM: {@code steps} values among the training timesteps. */
  static double[] integral(CommonConfig config, int steps) {
    checkSteps(steps, config);
    int train = config.numTrainTimesteps();
    return switch (config.timestepSpacing()) {
      case LINSPACE -> roundAll(reverse(linspace(0, train - 1, steps)));
      case LEADING -> leading(steps, train / steps, config.stepsOffset());
      case TRAILING -> trailing(train, train, steps);
      case SGM_UNIFORM -> roundAll(sgmUniform(train, steps));
      case SIMPLE -> simple(train, steps);
    };
  }

  /**
   * Timesteps of the sigma-based schedulers (Euler, LMS, Heun): {@code linspace} keeps fractional values, and all are
   * float32 as diffusers stores them.
   */
  static double[] fractional(CommonConfig config, int steps) {
    checkSteps(steps, config);
    int train = config.numTrainTimesteps();
    double[] timesteps = switch (config.timestepSpacing()) {
      case LINSPACE -> reverse(linspace(0, train - 1, steps));
      case LEADING -> leading(steps, train / steps, config.stepsOffset());
      case TRAILING -> trailing(train, train, steps);
      case SGM_UNIFORM -> sgmUniform(train, steps);
      case SIMPLE -> simple(train, steps);
    };
    return toFloat32(timesteps);
  }

  /**
   * Integer timesteps of the multistep solvers (DPM-Solver, UniPC), which lay out {@code steps + 1} points and drop
   * the last.
   *
   * @param lastTimestep one past the largest usable training timestep
   */
  static double[] multistep(CommonConfig config, int steps, int lastTimestep) {
    checkSteps(steps, config);
    int train = config.numTrainTimesteps();
    return switch (config.timestepSpacing()) {
      case LINSPACE -> dropLast(roundAll(reverse(linspace(0, lastTimestep - 1, steps + 1))));
      case LEADING -> dropLast(leading(steps + 1, lastTimestep / (steps + 1), config.stepsOffset()));
      case TRAILING -> trailing(lastTimestep, train, steps);
      case SGM_UNIFORM -> roundAll(sgmUniform(lastTimestep, steps));
      case SIMPLE -> simple(lastTimestep, steps);
    };
  }

  /** AUTOMATIC1111's SGM Uniform: {@code linspace(last, 0, steps + 1)} without its final 0. */
  private static double[] sgmUniform(int train, int steps) {
    double[] all = reverse(linspace(0, train - 1, steps + 1));
    double[] out = new double[steps];
    System.arraycopy(all, 0, out, 0, steps);
    return out;
  }

  /** AUTOMATIC1111's Simple: training timestep {@code last - int(i * train / steps)} for step {@code i}. */
  private static double[] simple(int train, int steps) {
    double stride = (double) train / steps;
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = train - 1 - (int) (i * stride);
    }
    return out;
  }

  private static double[] leading(int count, int stepRatio, int offset) {
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      out[i] = (double) (count - 1 - i) * stepRatio + offset;
    }
    return out;
  }

  /** {@code round(arange(start, 0, -train / steps)) - 1}, with numpy's element count. */
  private static double[] trailing(int start, int train, int steps) {
    double stepRatio = (double) train / steps;
    int count = (int) Math.ceil((0.0 - start) / -stepRatio);
    double[] out = new double[count];
    for (int i = 0; i < count; i++) {
      out[i] = Math.rint(start + i * -stepRatio) - 1;
    }
    return out;
  }

  /** Refuses an {@code original_inference_steps} (LCM's, TCD's) outside {@code [1, num_train_timesteps]}. */
  static void checkOriginalSteps(String scheduler, int original, CommonConfig common) {
    if (original < 1 || original > common.numTrainTimesteps()) {
      throw new SdjException(scheduler + " config key 'original_inference_steps' must be in [1, "
          + common.numTrainTimesteps() + "], got " + original);
    }
  }

  /**
   * LCM's and TCD's schedule: {@code steps} of the distillation timesteps {@code k i - 1} ({@code k = train /
   * original}, {@code i = original ... 1}), counted down, at evenly spaced positions among them.
   *
   * @throws SdjException unless {@code steps} is in {@code [1, original]}
   */
  static double[] distilled(String scheduler, int train, int original, int steps) {
    if (steps < 1 || steps > original) {
      throw new SdjException(scheduler + " takes 1 to original_inference_steps (" + original + ") steps, got "
          + steps);
    }
    int k = train / original;
    double[] positions = linspace(0, original, steps + 1);
    double[] out = new double[steps];
    for (int i = 0; i < steps; i++) {
      out[i] = (double) (original - (int) Math.floor(positions[i])) * k - 1;
    }
    return out;
  }

  /** numpy.linspace with the end point included. */
  static double[] linspace(double start, double stop, int num) {
    double[] out = new double[num];
    if (num == 1) {
      out[0] = start;
      return out;
    }
    double step = (stop - start) / (num - 1);
    for (int i = 0; i < num; i++) {
      out[i] = i * step + start;
    }
    out[num - 1] = stop;
    return out;
  }

  static double[] reverse(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[values.length - 1 - i];
    }
    return out;
  }

  static double[] roundAll(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.rint(values[i]);
    }
    return out;
  }

  static double[] toFloat32(double[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }

  private static double[] dropLast(double[] values) {
    return java.util.Arrays.copyOf(values, values.length - 1);
  }
}
