package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.sdj.SdjException;

/**
 * Pseudo numerical methods (Liu et al., 2022), diffusers' {@code PNDMScheduler}: Runge-Kutta warm-up steps (PRK, three
 * inference steps of four model calls each) then linear multistep (PLMS); Stable Diffusion skips the warm-up
 * ({@code skip_prk_steps}). One instance serves one generation.
 */
public final class PNDMScheduler extends AbstractScheduler {
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

  private final Config config;
  private final double finalAlphaCumprod;
  private int prkCount;
  private int counter;
  private final List<float[]> ets = new ArrayList<>();
  private float[] runningOutput;
  private float[] savedSample;

  public PNDMScheduler(Config config) {
    super(new NoiseSchedule(config.common(), NoiseSchedule.ZeroSnr.IGNORED));
    this.config = config;
    this.finalAlphaCumprod = schedule.finalAlphaCumprod(config.setAlphaToOne());
  }

  @Override
  public Config config() {
    return config;
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
    ets.clear();
    runningOutput = null;
    savedSample = null;
  }

  @Override
  public StepResult step(float[] modelOutput, double timestep, float[] sample, NoiseSource noise) {
    requireTimesteps();
    Latents.checkSameLength(sample, modelOutput, "modelOutput");
    int t = trainIndex(timestep);
    return counter < prkCount ? stepPrk(modelOutput, t, sample) : stepPlms(modelOutput, t, sample);
  }

  private StepResult stepPrk(float[] modelOutput, int timestep, float[] sample) {
    int stride = config.common().numTrainTimesteps() / numInferenceSteps;
    int prevTimestep = timestep - (counter % 2 == 1 ? 0 : stride / 2);
    int baseTimestep = (int) timesteps[counter / 4 * 4];
    float[] output = modelOutput;
    switch (counter % 4) {
      case 0 -> {
        runningOutput = Latents.scale(modelOutput, 1f / 6);
        ets.add(modelOutput);
        savedSample = sample;
      }
      case 1, 2 -> runningOutput = Latents.addScaled(runningOutput, modelOutput, 1f / 3);
      default -> {
        output = Latents.addScaled(runningOutput, modelOutput, 1f / 6);
        runningOutput = null;
      }
    }
    float[] current = savedSample != null ? savedSample : sample;
    counter++;
    return previousSample(current, baseTimestep, prevTimestep, output);
  }

  private StepResult stepPlms(float[] modelOutput, int timestep, float[] sample) {
    int stride = config.common().numTrainTimesteps() / numInferenceSteps;
    int prevTimestep = timestep - stride;
    if (counter != 1) {
      while (ets.size() > 3) {
        ets.removeFirst();
      }
      ets.add(modelOutput);
    } else {
      prevTimestep = timestep;
      timestep += stride;
    }
    float[] output;
    float[] current = sample;
    int k = ets.size();
    if (k == 1 && counter == 0) {
      output = modelOutput;
      savedSample = sample;
    } else if (k == 1 && counter == 1) {
      output = Latents.combine(0.5f, modelOutput, 0.5f, ets.getLast());
      current = savedSample;
      savedSample = null;
    } else if (k == 2) {
      output = multistep(new float[] {3, -1}, 2);
    } else if (k == 3) {
      output = multistep(new float[] {23, -16, 5}, 12);
    } else {
      output = multistep(new float[] {55, -59, 37, -9}, 24);
    }
    counter++;
    return previousSample(current, timestep, prevTimestep, output);
  }

  /** {@code sum(weights[j] * ets[-1 - j]) / divisor}. */
  private float[] multistep(float[] weights, float divisor) {
    int n = ets.getFirst().length;
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      float acc = 0;
      for (int j = 0; j < weights.length; j++) {
        acc += weights[j] * ets.get(ets.size() - 1 - j)[i];
      }
      out[i] = acc / divisor;
    }
    return out;
  }

  /** Formula (9) of the PNDM paper, from the sample at {@code timestep} to {@code prevTimestep}. */
  private StepResult previousSample(float[] sample, int timestep, int prevTimestep, float[] modelOutput) {
    float alphaProd = (float) schedule.alphaCumprod(timestep);
    float alphaProdPrev = (float) (prevTimestep >= 0 ? schedule.alphaCumprod(prevTimestep) : finalAlphaCumprod);
    float betaProd = 1f - alphaProd;
    float betaProdPrev = 1f - alphaProdPrev;
    float[] eps = config.common().predictionType() == PredictionType.V_PREDICTION
        ? Latents.combine((float) Math.sqrt(alphaProd), modelOutput, (float) Math.sqrt(betaProd), sample)
        : modelOutput;
    float sampleCoeff = (float) Math.sqrt(alphaProdPrev / alphaProd);
    float denominator = (float) (alphaProd * Math.sqrt(betaProdPrev)
        + Math.sqrt(alphaProd * betaProd * alphaProdPrev));
    float outputCoeff = (alphaProdPrev - alphaProd) / denominator;
    float[] prev = Latents.combine(sampleCoeff, sample, -outputCoeff, eps);
    float[] x0 = AlphaPrediction.originalSample(PredictionType.EPSILON, eps, sample, alphaProd);
    return new StepResult(prev, x0);
  }

  @Override
  public float[] addNoise(float[] original, float[] noise, double timestep) {
    return addNoiseAtTrainStep(original, noise, timestep);
  }
}
