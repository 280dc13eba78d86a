package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.sdj.SdjException;

/**
 * Pseudo numerical methods (Liu et al., 2022), diffusers' {@code PNDMScheduler}: Runge-Kutta warm-up steps (PRK, three
 * inference steps of four model calls each) then linear multistep (PLMS); Stable Diffusion skips the warm-up
 * ({@code skip_prk_steps}). One instance serves one generation.
 */
public final class PNDMScheduler extends AbstractScheduler<PNDMScheduler.Config> {
  private static final CommonConfig DEFAULTS =
      CommonConfig.defaults(0.0001, 0.02, BetaSchedule.LINEAR, TimestepSpacing.LEADING);
  private static final int PNDM_ORDER = 4;

  /**
   * @param common        shared fields ({@code rescale_betas_zero_snr} is ignored, as in diffusers)
   * @param skipPrkSteps  {@code skip_prk_steps}: start PLMS right away with a second-order first step
   * @param setAlphaToOne {@code set_alpha_to_one}: the step past timestep 0 is fully clean (else alpha_cumprod[0])
   */
  public record Config(CommonConfig common, boolean skipPrkSteps, boolean setAlphaToOne) implements SchedulerConfig {
    /** Reads a {@code scheduler_config.json} with diffusers' PNDM defaults. */
    public static Config from(JsonNode json) {
      ConfigReader r = new ConfigReader(json, "PNDMScheduler");
      Config config = new Config(CommonConfig.read(r, DEFAULTS), r.bool("skip_prk_steps", false),
          r.bool("set_alpha_to_one", false));
      if (config.common().predictionType() == PredictionType.SAMPLE) {
        throw r.unsupported("prediction_type", "sample");
      }
      return config;
    }

    @Override
    public String className() {
      return "PNDMScheduler";
    }
  }

  private final double finalAlphaCumprod;
  private int prkCount;
  private int counter;

  /** The model outputs PLMS combines, newest last; a Runge-Kutta step's running sum and its starting sample. */
  private static final class Kept<L> implements StepState<L> {
    final List<L> ets = new ArrayList<>();
    L runningOutput;
    L savedSample;

    @Override
    public void move(UnaryOperator<L> move) {
      ets.replaceAll(move);
      runningOutput = runningOutput == null ? null : move.apply(runningOutput);
      savedSample = savedSample == null ? null : move.apply(savedSample);
    }
  }

  public PNDMScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.IGNORED);
    this.finalAlphaCumprod = schedule.finalAlphaCumprod(config.setAlphaToOne());
  }

  @Override
  public void setTimesteps(int numInferenceSteps) {
    double[] base = Timesteps.reverse(Timesteps.integral(config.common(), numInferenceSteps)); // ascending
    int n = base.length;
    List<Double> all = new ArrayList<>();
    if (config.skipPrkSteps()) {
      // PLMS repeats the second-to-last timestep: its first step is a two-call Heun-like step.
      all.add(base[n - 1]);
      for (int i = n - 2; i >= 0; i--) {
        all.add(base[i]);
        if (i == n - 2) {
          all.add(base[i]);
        }
      }
      prkCount = 0;
    } else {
      if (n < PNDM_ORDER) {
        throw new SdjException("PNDMScheduler with PRK warm-up needs at least " + PNDM_ORDER
            + " inference steps, got " + numInferenceSteps);
      }
      int half = config.common().numTrainTimesteps() / numInferenceSteps / 2;
      List<Double> prk = new ArrayList<>();
      // Each of the last PNDM_ORDER timesteps and its midpoint, counted down, each point visited twice except the ends.
      List<Double> points = new ArrayList<>();
      for (int i = n - PNDM_ORDER; i < n; i++) {
        points.add(base[i]);
        points.add(base[i] + half);
      }
      points.removeLast();
      for (int i = points.size() - 1; i >= 0; i--) {
        prk.add(points.get(i));
        prk.add(points.get(i));
      }
      prk.removeFirst();
      prk.removeLast();
      all.addAll(prk);
      for (int i = n - PNDM_ORDER; i >= 0; i--) {
        all.add(base[i]);
      }
      prkCount = prk.size();
    }
    resetSteps(all.stream().mapToDouble(Double::doubleValue).toArray(), numInferenceSteps);
    counter = 0;
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    requireTimesteps();
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int t = trainIndex(timestep);
    Kept<L> kept = state(math, Kept<L>::new);
    return counter < prkCount ? stepPrk(math, kept, modelOutput, t, sample)
        : stepPlms(math, kept, modelOutput, t, sample);
  }

  private <L> StepResult<L> stepPrk(LatentMath<L> math, Kept<L> kept, L modelOutput, int timestep, L sample) {
    int stride = config.common().numTrainTimesteps() / numInferenceSteps;
    int prevTimestep = timestep - (counter % 2 == 1 ? 0 : stride / 2);
    int baseTimestep = (int) timesteps[counter / 4 * 4];
    L output = modelOutput;
    switch (counter % 4) {
      case 0 -> {
        kept.runningOutput = math.scale(modelOutput, 1f / 6);
        kept.ets.add(modelOutput);
        kept.savedSample = sample;
      }
      case 1, 2 -> kept.runningOutput = math.combine(1f, kept.runningOutput, 1f / 3, modelOutput);
      default -> {
        output = math.combine(1f, kept.runningOutput, 1f / 6, modelOutput);
        kept.runningOutput = null;
      }
    }
    L current = kept.savedSample != null ? kept.savedSample : sample;
    counter++;
    return previousSample(math, current, baseTimestep, prevTimestep, output);
  }

  private <L> StepResult<L> stepPlms(LatentMath<L> math, Kept<L> kept, L modelOutput, int timestep, L sample) {
    int stride = config.common().numTrainTimesteps() / numInferenceSteps;
    int prevTimestep = timestep - stride;
    List<L> ets = kept.ets;
    if (counter != 1) {
      while (ets.size() > 3) {
        ets.removeFirst();
      }
      ets.add(modelOutput);
    } else {
      prevTimestep = timestep;
      timestep += stride;
    }
    L output;
    L current = sample;
    int k = ets.size();
    if (k == 1 && counter == 0) {
      output = modelOutput;
      kept.savedSample = sample;
    } else if (k == 1 && counter == 1) {
      output = math.combine(0.5f, modelOutput, 0.5f, ets.getLast());
      current = kept.savedSample;
      kept.savedSample = null;
    } else if (k == 2) {
      output = multistep(math, ets, new float[] {3, -1}, 2);
    } else if (k == 3) {
      output = multistep(math, ets, new float[] {23, -16, 5}, 12);
    } else {
      output = multistep(math, ets, new float[] {55, -59, 37, -9}, 24);
    }
    counter++;
    return previousSample(math, current, timestep, prevTimestep, output);
  }

  /** {@code sum(weights[j] * ets[-1 - j]) / divisor}. */
  private static <L> L multistep(LatentMath<L> math, List<L> ets, float[] weights, float divisor) {
    WeightedSum<L> sum = new WeightedSum<>();
    for (int j = 0; j < weights.length; j++) {
      sum.add(weights[j] / divisor, ets.get(ets.size() - 1 - j));
    }
    return sum.sum(math);
  }

  /** Formula (9) of the PNDM paper, from the sample at {@code timestep} to {@code prevTimestep}. */
  private <L> StepResult<L> previousSample(LatentMath<L> math, L sample, int timestep, int prevTimestep,
      L modelOutput) {
    float alphaProd = (float) schedule.alphaCumprod(timestep);
    float alphaProdPrev = (float) (prevTimestep >= 0 ? schedule.alphaCumprod(prevTimestep) : finalAlphaCumprod);
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    L eps = config.common().predictionType() == PredictionType.V_PREDICTION
        ? math.combine((float) Math.sqrt(alphaProd), modelOutput, (float) Math.sqrt(betaProd), sample)
        : modelOutput;
    float sampleCoeff = (float) Math.sqrt(alphaProdPrev / alphaProd);
    float denominator = (float) (alphaProd * Math.sqrt(betaProdPrev)
        + Math.sqrt(alphaProd * betaProd * alphaProdPrev));
    float outputCoeff = (alphaProdPrev - alphaProd) / denominator;
    L prev = math.combine(sampleCoeff, sample, -outputCoeff, eps);
    L x0 = AlphaPrediction.originalSample(math, PredictionType.EPSILON, eps, sample, alphaProd);
    return new StepResult<>(prev, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
