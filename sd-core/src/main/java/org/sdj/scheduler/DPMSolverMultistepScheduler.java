package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalDouble;
import org.sdj.SdjException;

/**
 * DPM-Solver++ multistep (Lu et al., 2022), diffusers' {@code DPMSolverMultistepScheduler}: "DPM++ 2M" with the
 * defaults, "DPM++ 2M Karras" with Karras sigmas, "DPM++ 2M SDE" with {@code algorithm_type = sde-dpmsolver++} (which
 * draws noise every step). One instance serves one generation.
 */
public final class DPMSolverMultistepScheduler extends MultistepScheduler {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);
  /** Below this many steps diffusers drops to lower orders at the end, for stability. */
  private static final int LOWER_ORDER_FINAL_BELOW = 15;

  /** diffusers' {@code algorithm_type}; the deprecated noise-prediction variants are not supported. */
  public enum Algorithm implements ConfigValue {
    /** Deterministic DPM-Solver++ (data prediction). */
    DPMSOLVER_PLUS_PLUS("dpmsolver++"),
    /** Stochastic DPM-Solver++: fresh noise every step. */
    SDE_DPMSOLVER_PLUS_PLUS("sde-dpmsolver++");

    private final String configName;

    Algorithm(String configName) {
      this.configName = configName;
    }

    @Override
    public String configName() {
      return configName;
    }
  }

  /** diffusers' {@code solver_type} for the second-order step. */
  public enum SolverType implements ConfigValue {
    MIDPOINT("midpoint"),
    HEUN("heun");

    private final String configName;

    SolverType(String configName) {
      this.configName = configName;
    }

    @Override
    public String configName() {
      return configName;
    }
  }

  /**
   * @param common           shared fields
   * @param solverOrder      {@code solver_order}: 1, 2 or 3
   * @param algorithm        {@code algorithm_type} ({@code deis} reads as dpmsolver++, as in diffusers)
   * @param solverType       {@code solver_type} (UniPC's {@code bh1}/{@code bh2} and {@code logrho} read as midpoint)
   * @param lowerOrderFinal  {@code lower_order_final}: lower orders for the last steps when there are fewer than 15
   * @param eulerAtFinal     {@code euler_at_final}: a first-order last step
   * @param sigmaSpacing     {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   * @param finalSigma       {@code final_sigmas_type}
   * @param lambdaMinClipped {@code lambda_min_clipped}: drop timesteps whose half-log-SNR is below this
   */
  public record Config(CommonConfig common, int solverOrder, Algorithm algorithm, SolverType solverType,
      boolean lowerOrderFinal, boolean eulerAtFinal, SigmaSpacing sigmaSpacing, FinalSigma finalSigma,
      double lambdaMinClipped) implements SchedulerConfig {
    public Config {
      if (solverOrder < 1 || solverOrder > 3) {
        throw new SdjException("DPMSolverMultistepScheduler config key 'solver_order' must be 1, 2 or 3, got "
            + solverOrder);
      }
    }

    /** Reads a {@code scheduler_config.json} with diffusers' DPM-Solver multistep defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "DPMSolverMultistepScheduler");
      r.rejectIfTrue("thresholding");
      r.rejectIfTrue("use_lu_lambdas");
      r.rejectIfTrue("use_flow_sigmas");
      r.rejectIfTrue("use_dynamic_shifting");
      String variance = r.text("variance_type", null);
      if (variance != null) {
        throw r.unsupported("variance_type", variance);
      }
      String algorithm = r.text("algorithm_type", "dpmsolver++");
      String solver = r.text("solver_type", "midpoint");
      return new Config(CommonConfig.read(r, DEFAULTS), r.integer("solver_order", 2),
          algorithm.equals("deis") ? Algorithm.DPMSOLVER_PLUS_PLUS : r.choice("algorithm_type", Algorithm.class, Algorithm.DPMSOLVER_PLUS_PLUS),
          switch (solver) {
            case "bh1", "bh2", "logrho" -> SolverType.MIDPOINT;
            default -> r.choice("solver_type", SolverType.class, SolverType.MIDPOINT);
          },
          r.bool("lower_order_final", true), r.bool("euler_at_final", false), r.sigmaSpacing(),
          r.choice("final_sigmas_type", FinalSigma.class, FinalSigma.ZERO),
          r.number("lambda_min_clipped", Double.NEGATIVE_INFINITY));
    }

    @Override
    public String className() {
      return "DPMSolverMultistepScheduler";
    }
  }

  private final Config config;
  /** Data predictions of the last {@code solverOrder} steps, newest last. */
  private float[][] history;
  private int lowerOrderNums;

  public DPMSolverMultistepScheduler(Config config) {
    super(new NoiseSchedule(config.common(), NoiseSchedule.ZeroSnr.RESCALE_CLAMP_LAST));
    this.config = config;
    this.history = new float[config.solverOrder()][];
  }

  @Override
  public Config config() {
    return config;
  }

  @Override
  CommonConfig common() {
    return config.common();
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    double[] trainSigmas = schedule.trainSigmas();
    // Timesteps whose lambda is below the clip are dropped from the top of the schedule.
    int clipped = 0;
    for (int t = trainSigmas.length - 1; t >= 0 && lambda(trainSigmas[t]) < config.lambdaMinClipped(); t--) {
      clipped++;
    }
    int lastTimestep = config.common().numTrainTimesteps() - clipped;
    double[] base = Timesteps.multistep(config.common(), numInferenceSteps, lastTimestep);
    boolean round = config.sigmaSpacing() == SigmaSpacing.KARRAS
        && config.common().betaSchedule() != BetaSchedule.SQUAREDCOS_CAP_V2;
    SigmaScheduler.Layout layout = layout(base, config.sigmaSpacing(), numInferenceSteps, OptionalDouble.empty(),
        OptionalDouble.empty(), round);
    double last = config.finalSigma() == FinalSigma.SIGMA_MIN ? trainSigmas[0] : 0.0;
    resetSteps(layout.timesteps(), layout.timesteps().length);
    sigmas = Sigmas.withFinal(layout.sigmas(), last);
    history = new float[config.solverOrder()][];
    lowerOrderNums = 0;
  }

  @Override
  public StepResult step(float[] modelOutput, double timestep, float[] sample, NoiseSource noise) {
    Latents.checkSameLength(sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, true);
    int n = timesteps.length;
    boolean fewSteps = config.lowerOrderFinal() && n < LOWER_ORDER_FINAL_BELOW;
    boolean firstOrderFinal = index == n - 1
        && (config.eulerAtFinal() || fewSteps || config.finalSigma() == FinalSigma.ZERO);
    boolean secondOrderFinal = index == n - 2 && fewSteps;

    float[] x0 = dataPrediction(modelOutput, sample, sigmas[index]);
    System.arraycopy(history, 1, history, 0, history.length - 1);
    history[history.length - 1] = x0;
    float[] fresh = config.algorithm() == Algorithm.SDE_DPMSOLVER_PLUS_PLUS
        ? Latents.noise(noise, sample.length) : null;

    int order = config.solverOrder() == 1 || lowerOrderNums < 1 || firstOrderFinal ? 1
        : config.solverOrder() == 2 || lowerOrderNums < 2 || secondOrderFinal ? 2 : 3;
    float[] prev = update(order, index, sample, fresh);
    lowerOrderNums = Math.min(lowerOrderNums + 1, config.solverOrder());
    stepIndex++;
    return new StepResult(prev, x0);
  }

  /** One multistep update of the given order from noise level {@code sigmas[index]} to {@code sigmas[index + 1]}. */
  private float[] update(int order, int index, float[] sample, float[] fresh) {
    double sigmaTo = sigmas[index + 1];
    double alphaT = alphaT(sigmaTo);
    double sigmaT = sigmaT(sigmaTo);
    double lambdaS0 = lambda(sigmas[index]);
    double h = lambda(sigmaTo) - lambdaS0;
    boolean sde = fresh != null;
    double expH = Math.exp(-h);
    double exp2H = Math.exp(-2 * h);
    float cSample = (float) (sigmaT / sigmaT(sigmas[index]) * (sde ? expH : 1));
    double base = sde ? alphaT * (1 - exp2H) : -alphaT * (expH - 1);
    float cD0 = (float) base;
    float cNoise = sde ? (float) (sigmaT * Math.sqrt(1 - exp2H)) : 0f;
    float cD1 = 0;
    float cD2 = 0;
    if (order == 2) {
      cD1 = (float) (config.solverType() == SolverType.MIDPOINT ? 0.5 * base
          : sde ? alphaT * ((1 - exp2H) / (-2 * h) + 1) : alphaT * ((expH - 1) / h + 1));
    } else if (order == 3) {
      cD1 = (float) (sde ? alphaT * ((1 - exp2H) / (-2 * h) + 1) : alphaT * ((expH - 1) / h + 1));
      cD2 = (float) (sde ? alphaT * ((1 - exp2H - 2 * h) / (4 * h * h) - 0.5)
          : -alphaT * ((expH - 1 + h) / (h * h) - 0.5));
    }
    float r0 = order >= 2 ? (float) ((lambdaS0 - lambda(sigmas[index - 1])) / h) : 1f;
    float r1 = order == 3 ? (float) ((lambda(sigmas[index - 1]) - lambda(sigmas[index - 2])) / h) : 1f;
    float[] m0 = history[history.length - 1];
    float[] m1 = order >= 2 ? history[history.length - 2] : null;
    float[] m2 = order == 3 ? history[history.length - 3] : null;
    float[] out = new float[sample.length];
    for (int i = 0; i < out.length; i++) {
      float value = cSample * sample[i] + cD0 * m0[i];
      if (order == 2) {
        value += cD1 * ((m0[i] - m1[i]) / r0);
      } else if (order == 3) {
        float d10 = (m0[i] - m1[i]) / r0;
        float d11 = (m1[i] - m2[i]) / r1;
        value += cD1 * (d10 + r0 / (r0 + r1) * (d10 - d11)) + cD2 * ((d10 - d11) / (r0 + r1));
      }
      if (sde) {
        value += cNoise * fresh[i];
      }
      out[i] = value;
    }
    return out;
  }
}
