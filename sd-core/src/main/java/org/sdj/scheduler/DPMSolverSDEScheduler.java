package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import org.sdj.SdjException;
import org.sdj.random.RandomSource;

/**
 * DPM-Solver++ (stochastic, second order) as diffusers' {@code DPMSolverSDEScheduler} ports k-diffusion's
 * {@code sample_dpmpp_sde} (AUTOMATIC1111's "DPM++ SDE"): each step but the last calls the model at its level and at
 * the midpoint in {@code t = -log sigma}, each call an exponential-integrator step down to {@code sigma_down} plus
 * noise of {@code sigma_up}; the noise is the increment of a {@link org.sdj.random.BrownianTree} over the step,
 * seeded by {@code noise_sampler_seed}, so that it depends on the seed alone, not on the number of steps. The last
 * step is one Euler step to zero. The generation's generator is never drawn from. One instance serves one generation.
 */
public final class DPMSolverSDEScheduler extends SigmaScheduler<DPMSolverSDEScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.00085, 0.012, BetaSchedule.LINEAR, TimestepSpacing.LINSPACE);

  /**
   * @param common           shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param sigmaSpacing     {@code use_karras_sigmas} / {@code use_exponential_sigmas}
   * @param noiseSamplerSeed {@code noise_sampler_seed}, the Brownian tree's entropy: one seed for the batch, or one
   *                         per picture, each picture's noise its own tree's (diffusers' {@code BatchedBrownianTree}
   *                         with a list); diffusers draws a random one where it is absent, sdj's engine gives the
   *                         generation's seed (A1111's seeding: the pictures')
   * @param noiseSamplerRng  {@code noise_sampler_rng}, sdj's key: the trees' generators, torch's CPU ones (where
   *                         diffusers grows them on the CPU) or its CUDA ones (grown on an NVIDIA GPU, as diffusers'
   *                         GPU pipelines and A1111 grow them)
   */
  public record Config(CommonConfig common, SigmaSpacing sigmaSpacing, List<Long> noiseSamplerSeed,
      RandomSource noiseSamplerRng)
      implements SchedulerConfig, SigmaSpacedConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' defaults; {@code sample} prediction refused, as there. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "DPMSolverSDEScheduler");
      CommonConfig common = CommonConfig.read(r, DEFAULTS);
      if (common.predictionType() == PredictionType.SAMPLE) {
        throw r.unsupported("prediction_type", "sample");
      }
      return new Config(common, r.sigmaSpacing(), r.wholes(NOISE_SAMPLER_SEED), r.noiseSamplerRng());
    }

    @Override
    public String className() {
      return "DPMSolverSDEScheduler";
    }
  }

  /** The config key of the Brownian tree's seed. */
  public static final String NOISE_SAMPLER_SEED = "noise_sampler_seed";
  /** sdj's config key of the Brownian trees' generator: {@code cpu} or {@code nv}. */
  public static final String NOISE_SAMPLER_RNG = "noise_sampler_rng";

  /** Between a step's two calls: the sample it started from and the midpoint level the second call sees. */
  private static final class Midpoint<L> implements StepState<L> {
    L start;
    float sigma;

    @Override
    public void move(UnaryOperator<L> move) {
      if (start != null) {
        start = move.apply(start);
      }
    }
  }

  private BrownianNoise noise;

  public DPMSolverSDEScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
  }

  @Override
  public int order() {
    return 2;
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    Layout layout = layout(numInferenceSteps, config.sigmaSpacing(), OptionalDouble.empty(), OptionalDouble.empty());
    double[] levels = layout.sigmas();
    double[] logTrainSigmas = schedule.logTrainSigmas();
    // diffusers' _second_order_timesteps, in float64: the timestep of exp(-(t + (t_next - t) / 2)), t = -log sigma.
    installPaired(layout, i -> {
      double t = -Math.log(levels[i - 1]);
      double midpoint = Math.exp(-(t + (-Math.log(levels[i]) - t) * 0.5));
      return Sigmas.toTimesteps(new double[] {midpoint}, logTrainSigmas)[0];
    }, numInferenceSteps);
    if (noise != null) {
      noise.reset();
    }
  }

  @Override
  public <L> L scaleModelInput(LatentMath<L> math, L sample, double timestep) {
    int index = currentStepIndex(timestep, false);
    Midpoint<L> held = state(math, Midpoint::new);
    float sigma = held.start == null ? (float) sigmas[index] : held.sigma;
    return inputAt(math, sample, sigma);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource unused) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, false);
    Midpoint<L> held = state(math, Midpoint::new);
    boolean first = held.start == null;
    float sigma = (float) sigmas[first ? index : index - 1];
    float sigmaNext = (float) sigmas[first ? index + 1 : index];
    // float32 throughout, as diffusers computes on its float32 sigmas.
    float t = -log(sigma);
    float tNext = -log(sigmaNext);
    float tProposed = t + (tNext - t) * 0.5f;
    L x0 = originalSample(math, modelOutput, sample, first ? sigma : exp(-tProposed));
    L prev;
    if (sigmaNext == 0) {
      prev = math.combine(1f, sample, sigmaNext - sigma, derivative(math, sample, x0, sigma));
    } else {
      if (first) {
        tNext = tProposed;
      }
      L start = first ? sample : held.start;
      float sigmaFrom = exp(-t);
      float sigmaTo = exp(-tNext);
      float sigmaUp = Math.min(sigmaTo,
          (float) Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo) / (sigmaFrom * sigmaFrom)));
      float sigmaDown = (float) Math.sqrt(sigmaTo * sigmaTo - sigmaUp * sigmaUp);
      float ancestralT = -log(sigmaDown);
      float keep = exp(-ancestralT) / sigmaFrom;
      float towardX0 = -(float) Math.expm1(t - ancestralT);
      prev = math.combine(keep, start, towardX0, x0);
      float[] w = brownian().between(sigmas, math.size(sample), sigmaFrom, sigmaTo);
      prev = math.combine(1f, prev, sigmaUp, math.noise(NoiseSource.once(w), sample));
      if (first) {
        held.start = sample;
        held.sigma = sigmaTo;
      } else {
        held.start = null;
      }
    }
    stepIndex++;
    return new StepResult<>(prev, x0);
  }

  /** The Brownian noise of the config's seed. */
  private BrownianNoise brownian() {
    if (noise == null) {
      if (config.noiseSamplerSeed().isEmpty()) {
        throw new SdjException("DPMSolverSDEScheduler draws its noise from a Brownian tree seeded by "
            + NOISE_SAMPLER_SEED + ": set it in the config (sdj's engine sets the generation's seed)");
      }
      noise = new BrownianNoise(config.noiseSamplerSeed(), config.noiseSamplerRng());
    }
    return noise;
  }

  private static float log(float x) {
    return (float) Math.log(x);
  }

  private static float exp(float x) {
    return (float) Math.exp(x);
  }
}
