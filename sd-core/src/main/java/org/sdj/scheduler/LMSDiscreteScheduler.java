package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;

/**
 * Linear multistep (order 4) on the probability-flow ODE, diffusers' {@code LMSDiscreteScheduler}. Deterministic. One
 * instance serves one generation.
 */
public final class LMSDiscreteScheduler extends SigmaScheduler<LMSDiscreteScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);
  private static final int ORDER = 4;
  /** Gauss-Legendre nodes and weights on [-1, 1]; four points integrate the cubic Lagrange bases exactly. */
  private static final double[] GAUSS_NODES = {-0.8611363115940526, -0.3399810435848563, 0.3399810435848563,
      0.8611363115940526};
  private static final double[] GAUSS_WEIGHTS = {0.3478548451374538, 0.6521451548625461, 0.6521451548625461,
      0.3478548451374538};

  /**
   * @param common       shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing) implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' LMS defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "LMSDiscreteScheduler");
      return new Config(CommonConfig.read(r, DEFAULTS), r.sigmaSpacing());
    }

    @Override
    public String className() {
      return "LMSDiscreteScheduler";
    }
  }


  /** The derivatives of the last {@code ORDER} steps, oldest first. */
  private static final class Derivatives<L> implements StepState<L> {
    final List<L> list = new ArrayList<>();

    @Override
    public void move(UnaryOperator<L> move) {
      list.replaceAll(move);
    }
  }

  public LMSDiscreteScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    // diffusers' LMS has no sigma_min / sigma_max settings: re-spaced sigmas span the chosen timesteps' range.
    Layout layout = layout(numInferenceSteps, config.sigmaSpacing(), OptionalDouble.empty(), OptionalDouble.empty());
    install(layout.timesteps(), Sigmas.withFinal(layout.sigmas(), 0.0), numInferenceSteps);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    List<L> derivatives = state(math, Derivatives<L>::new).list;
    float sigma = (float) sigmas[index];
    L x0 = originalSample(math, modelOutput, sample, sigma);
    derivatives.add(derivative(math, sample, x0, sigma));
    if (derivatives.size() > ORDER) {
      derivatives.removeFirst();
    }
    int order = Math.min(index + 1, ORDER);
    WeightedSum<L> prev = new WeightedSum<L>().add(1f, sample);
    // A loop begun past the first step (img2img) has fewer derivatives than its order: diffusers zips the order's
    // coefficients with the derivatives it has, so the first ones alone count.
    for (int k = 0; k < Math.min(order, derivatives.size()); k++) {
      prev.add((float) lmsCoefficient(order, index, k), derivatives.get(derivatives.size() - 1 - k));
    }
    stepIndex++;
    return new StepResult<>(prev.sum(math), x0);
  }

  /** Integral over [sigma_t, sigma_t+1] of the Lagrange basis polynomial of point {@code current} among the last. */
  private double lmsCoefficient(int order, int t, int current) {
    double from = sigmas[t];
    double to = sigmas[t + 1];
    double half = (to - from) / 2;
    double mid = (to + from) / 2;
    double sum = 0;
    for (int g = 0; g < GAUSS_NODES.length; g++) {
      double tau = mid + half * GAUSS_NODES[g];
      double product = 1;
      for (int k = 0; k < order; k++) {
        if (k != current) {
          product *= (tau - sigmas[t - k]) / (sigmas[t - current] - sigmas[t - k]);
        }
      }
      sum += GAUSS_WEIGHTS[g] * product;
    }
    return sum * half;
  }
}
