package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import org.sdj.SdjException;

/**
 * UniPC (Zhao et al., 2023), diffusers' {@code UniPCMultistepScheduler}: a multistep predictor (UniP) followed, from
 * the second step on, by a corrector (UniC) that reuses the new model output. Deterministic. One instance serves one
 * generation.
 */
public final class UniPCMultistepScheduler extends MultistepScheduler<UniPCMultistepScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /** diffusers' {@code solver_type}: the B(h) function of the UniPC paper. */
  public enum SolverType implements ConfigValue {
    /** B(h) = h. */
    BH1("bh1"),
    /** B(h) = e^h - 1. */
    BH2("bh2");

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
   * @param predictX0        {@code predict_x0}: solve in the data-prediction form (else noise prediction)
   * @param solverType       {@code solver_type} (DPM-Solver's {@code midpoint}/{@code heun}/{@code logrho} read as
   *                         bh2, as in diffusers)
   * @param lowerOrderFinal  {@code lower_order_final}: lower orders for the last steps
   * @param disableCorrector {@code disable_corrector}: step indices whose corrector is skipped
   * @param sigmaSpacing     {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   * @param sigmaMin         {@code sigma_min}: lower bound of re-spaced sigmas; empty for the schedule's own
   * @param sigmaMax         {@code sigma_max}: upper bound of re-spaced sigmas; empty for the schedule's own
   * @param finalSigma       {@code final_sigmas_type}
   */
  public record Config(CommonConfig common, int solverOrder, boolean predictX0, SolverType solverType,
      boolean lowerOrderFinal, List<Integer> disableCorrector, SigmaSpacing sigmaSpacing, OptionalDouble sigmaMin,
      OptionalDouble sigmaMax, FinalSigma finalSigma) implements SchedulerConfig {
    public Config {
      disableCorrector = List.copyOf(disableCorrector);
      if (solverOrder < 1 || solverOrder > 3) {
        throw new SdjException("UniPCMultistepScheduler config key 'solver_order' must be 1, 2 or 3, got "
            + solverOrder);
      }
    }

    /** Reads a {@code scheduler_config.json} with diffusers' UniPC defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "UniPCMultistepScheduler");
      r.rejectIfTrue("thresholding");
      r.rejectIfTrue("use_flow_sigmas");
      r.rejectIfTrue("use_dynamic_shifting");
      if (json.hasNonNull("solver_p")) {
        throw r.unsupported("solver_p", json.get("solver_p").toString());
      }
      String solver = r.text("solver_type", "bh2");
      return new Config(CommonConfig.read(r, DEFAULTS), r.integer("solver_order", 2), r.bool("predict_x0", true),
          switch (solver) {
            case "midpoint", "heun", "logrho" -> SolverType.BH2;
            default -> r.choice("solver_type", SolverType.class, SolverType.BH2);
          },
          r.bool("lower_order_final", true), r.integers("disable_corrector"), r.sigmaSpacing(),
          r.optionalNumber("sigma_min"), r.optionalNumber("sigma_max"),
          r.choice("final_sigmas_type", FinalSigma.class, FinalSigma.ZERO));
    }

    @Override
    public String className() {
      return "UniPCMultistepScheduler";
    }
  }

  private int lowerOrderNums;
  private int thisOrder;

  /** Converted model outputs of the last {@code solverOrder} steps (newest last) and the last step's sample. */
  private static final class Kept<L> implements StepState<L> {
    final List<L> history = new ArrayList<>();
    L lastSample;

    @Override
    public void move(UnaryOperator<L> move) {
      history.replaceAll(move);
      lastSample = lastSample == null ? null : move.apply(lastSample);
    }
  }

  public UniPCMultistepScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE_CLAMP_LAST);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    double[] base = Timesteps.multistep(config.common(), numInferenceSteps, config.common().numTrainTimesteps());
    SigmaScheduler.Layout layout = layout(base, config.sigmaSpacing(), numInferenceSteps, config.sigmaMin(),
        config.sigmaMax(), config.sigmaSpacing() == SigmaSpacing.KARRAS);
    double[] sigmas = layout.sigmas();
    double last = switch (config.finalSigma()) {
      case ZERO -> 0.0;
      case SIGMA_MIN -> config.sigmaSpacing() == SigmaSpacing.TIMESTEPS
          ? schedule.trainSigmas()[0] : sigmas[sigmas.length - 1];
    };
    resetSteps(layout.timesteps(), layout.timesteps().length);
    this.sigmas = Sigmas.withFinal(sigmas, last);
    lowerOrderNums = 0;
    thisOrder = 0;
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, true);
    Kept<L> kept = state(math, Kept<L>::new);
    boolean useCorrector = index > 0 && !config.disableCorrector().contains(index - 1) && kept.lastSample != null;
    L converted = config.predictX0()
        ? dataPrediction(math, modelOutput, sample, sigmas[index])
        : noisePrediction(math, modelOutput, sample, sigmas[index]);
    L current = sample;
    if (useCorrector) {
      current = update(math, kept.history, index - 1, kept.lastSample, thisOrder, converted);
    }
    kept.history.add(converted);
    if (kept.history.size() > config.solverOrder()) {
      kept.history.removeFirst();
    }
    int order = config.lowerOrderFinal()
        ? Math.min(config.solverOrder(), timesteps.length - index) : config.solverOrder();
    thisOrder = Math.min(order, lowerOrderNums + 1);
    kept.lastSample = current;
    L prev = update(math, kept.history, index, current, thisOrder, null);
    lowerOrderNums = Math.min(lowerOrderNums + 1, config.solverOrder());
    stepIndex++;
    L x0 = config.predictX0() ? converted : dataPrediction(math, modelOutput, sample, sigmas[index]);
    return new StepResult<>(prev, x0);
  }

  /**
   * One UniPC update from {@code sigmas[from]} to {@code sigmas[from + 1]} using the history's newest output as the
   * anchor: the predictor when {@code corrected} is null, else the corrector that also uses the newer output
   * {@code corrected} at the target.
   *
   * @param history converted model outputs, newest last
   */
  private <L> L update(LatentMath<L> math, List<L> history, int from, L x, int order, L corrected) {
    boolean corrector = corrected != null;
    double sigmaTo = sigmas[from + 1];
    double alphaT = alphaT(sigmaTo);
    double sigmaT = sigmaT(sigmaTo);
    double lambdaS0 = lambda(sigmas[from]);
    double h = lambda(sigmaTo) - lambdaS0;
    int previous = order - 1;
    double[] rks = new double[order];
    for (int i = 1; i < order; i++) {
      rks[i - 1] = (lambda(sigmas[from - i]) - lambdaS0) / h;
    }
    rks[order - 1] = 1.0;

    double hh = config.predictX0() ? -h : h;
    double hPhi1 = Math.expm1(hh);
    double bH = config.solverType() == SolverType.BH1 ? hh : Math.expm1(hh);
    double[][] r = new double[order][order];
    double[] b = new double[order];
    double hPhiK = hPhi1 / hh - 1;
    double factorial = 1;
    for (int i = 1; i <= order; i++) {
      for (int k = 0; k < order; k++) {
        r[i - 1][k] = Math.pow(rks[k], i - 1);
      }
      b[i - 1] = hPhiK * factorial / bH;
      factorial *= i + 1;
      hPhiK = hPhiK / hh - 1 / factorial;
    }
    double[] rhos;
    if (corrector) {
      rhos = order == 1 ? new double[] {0.5} : LinearSolve.solve(r, b, order);
    } else {
      rhos = previous == 0 ? new double[0] : order == 2 ? new double[] {0.5} : LinearSolve.solve(r, b, previous);
    }

    // x_t = cX * x + cM0 * m0 - scale * B(h) * (sum_k rho_k * (m_k - m0) / r_k  [+ rho_last * (m_t - m0)])
    double scale = config.predictX0() ? alphaT : sigmaT;
    float cX = (float) (config.predictX0() ? sigmaT / sigmaT(sigmas[from]) : alphaT / alphaT(sigmas[from]));
    float cRes = (float) (-scale * bH);
    L m0 = history.getLast();
    WeightedSum<L> out = new WeightedSum<L>().add(cX, x).add((float) (-scale * hPhi1), m0);
    for (int k = 0; k < previous; k++) {
      float rk = (float) rks[k];
      out.add(cRes * (float) rhos[k], math.combine(1f / rk, history.get(history.size() - 2 - k), -1f / rk, m0));
    }
    if (corrector) {
      out.add(cRes * (float) rhos[order - 1], math.combine(1f, corrected, -1f, m0));
    }
    return out.sum(math);
  }
}
