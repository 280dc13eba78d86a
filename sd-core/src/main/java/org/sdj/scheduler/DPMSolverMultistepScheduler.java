package org.sdj.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.UnaryOperator;
import org.sdj.SdjException;
import org.sdj.random.RandomSource;

/**
 * DPM-Solver++ multistep (Lu et al., 2022), diffusers' {@code DPMSolverMultistepScheduler}: "DPM++ 2M" with the
 * defaults, "DPM++ 2M Karras" with Karras sigmas, "DPM++ 2M SDE" with {@code algorithm_type = sde-dpmsolver++} (which
 * draws noise every step). One instance serves one generation.
 */
public final class DPMSolverMultistepScheduler extends MultistepScheduler<DPMSolverMultistepScheduler.Config> {
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
   * @param noiseSamplerSeed {@code noise_sampler_seed} with {@code brownian_noise: true}, sdj's keys: the SDE
   *                         variant as k-diffusion's samplers run it (AUTOMATIC1111's DPM++ 2M SDE and 3M SDE): its
   *                         noise from a Brownian tree of this seed (or one tree per picture, of each picture's seed)
   *                         instead of the generator's draws (sdj's engine gives the generation's seed), and at order
   *                         3 k-diffusion's update, which differs from diffusers' third order; empty: diffusers' form
   * @param noiseSamplerRng  with {@code brownian_noise}: the trees' generators ({@code noise_sampler_rng}, see
   *                         {@link DPMSolverSDEScheduler.Config})
   * @param kDiffusion       {@code k_diffusion: true}, sdj's key: the solver as k-diffusion's samplers run it
   *                         (AUTOMATIC1111's DPM++ samplers): the model sees each re-spaced level's fractional
   *                         timestep, which diffusers rounds (Karras) or truncates, and a txt2img loop starts from
   *                         {@code noise * sigma_max} (in diffusers' terms an {@code init_noise_sigma} of
   *                         {@code sigma_max / sqrt(sigma_max^2 + 1)}), where diffusers starts from the noise itself
   */
  public record Config(CommonConfig common, int solverOrder, Algorithm algorithm, SolverType solverType,
      boolean lowerOrderFinal, boolean eulerAtFinal, SigmaSpacing sigmaSpacing, FinalSigma finalSigma,
      double lambdaMinClipped, List<Long> noiseSamplerSeed, RandomSource noiseSamplerRng, boolean kDiffusion)
      implements SchedulerConfig {
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
          r.number("lambda_min_clipped", Double.NEGATIVE_INFINITY), brownianSeed(r),
          r.bool(BROWNIAN_NOISE, false) ? r.noiseSamplerRng() : RandomSource.CPU, r.bool(K_DIFFUSION, false));
    }

    @Override
    public String className() {
      return "DPMSolverMultistepScheduler";
    }

    /** The Brownian tree's seed where {@code brownian_noise} asks for one; refused without it. */
    private static List<Long> brownianSeed(ConfigReader r) {
      if (!r.bool(BROWNIAN_NOISE, false)) {
        return List.of();
      }
      List<Long> seed = r.wholes(DPMSolverSDEScheduler.NOISE_SAMPLER_SEED);
      if (seed.isEmpty()) {
        throw new SdjException("DPMSolverMultistepScheduler's " + BROWNIAN_NOISE + " needs "
            + DPMSolverSDEScheduler.NOISE_SAMPLER_SEED + ", the Brownian tree's seed (sdj's engine sets the"
            + " generation's)");
      }
      return seed;
    }
  }

  /** sdj's config key that turns on Brownian-tree noise for the SDE variant. */
  public static final String BROWNIAN_NOISE = "brownian_noise";
  /** sdj's config key for k-diffusion's timesteps and start ({@link Config#kDiffusion()}). */
  public static final String K_DIFFUSION = "k_diffusion";

  private int lowerOrderNums;
  /** The SDE variant's Brownian noise, where the config seeds one. */
  private final Optional<BrownianNoise> brownian;

  public DPMSolverMultistepScheduler(Config config) {
    super(config, NoiseSchedule.ZeroSnr.RESCALE_CLAMP_LAST);
    brownian = config.noiseSamplerSeed().isEmpty() ? Optional.empty()
        : Optional.of(new BrownianNoise(config.noiseSamplerSeed(), config.noiseSamplerRng()));
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
    if (config.kDiffusion() && config.sigmaSpacing() != SigmaSpacing.TIMESTEPS) {
      layout = new SigmaScheduler.Layout(Timesteps.toFloat32(Sigmas.toTimesteps(layout.sigmas(),
          schedule.logTrainSigmas())), layout.sigmas());
    }
    double last = config.finalSigma() == FinalSigma.SIGMA_MIN ? trainSigmas[0] : 0.0;
    resetSteps(layout.timesteps(), layout.timesteps().length);
    sigmas = Sigmas.withFinal(layout.sigmas(), last);
    lowerOrderNums = 0;
    brownian.ifPresent(BrownianNoise::reset);
  }

  /** 1 as diffusers starts; with {@code k_diffusion}, {@code sigma_max} in these (variance-preserving) terms. */
  @Override
  public double initNoiseSigma() {
    if (!config.kDiffusion()) {
      return super.initNoiseSigma();
    }
    requireTimesteps();
    return (float) sigmaT(sigmas[0]);
  }

  @Override
  public <L> StepResult<L> step(LatentMath<L> math, L modelOutput, double timestep, L sample, NoiseSource noise) {
    checkSameSize(math, sample, modelOutput, "modelOutput");
    int index = currentStepIndex(timestep, true);
    int n = timesteps.length;
    boolean fewSteps = config.lowerOrderFinal() && n < LOWER_ORDER_FINAL_BELOW;
    boolean firstOrderFinal = index == n - 1
        && (config.eulerAtFinal() || fewSteps || config.finalSigma() == FinalSigma.ZERO);
    // k-diffusion's samplers (brownian_noise) keep their order up to the last step.
    boolean secondOrderFinal = index == n - 2 && fewSteps && brownian.isEmpty();

    L x0 = dataPrediction(math, modelOutput, sample, sigmas[index]);
    List<L> history = state(math, History<L>::new).outputs;
    history.add(x0);
    if (history.size() > config.solverOrder()) {
      history.removeFirst();
    }
    L fresh = config.algorithm() != Algorithm.SDE_DPMSOLVER_PLUS_PLUS ? null
        : brownian.isEmpty() ? math.noise(noise, sample)
        : math.noise(NoiseSource.once(sigmas[index + 1] == 0 ? new float[Math.toIntExact(math.size(sample))]
            : brownian.get().between(sigmas, math.size(sample), (float) sigmas[index], (float) sigmas[index + 1])),
            sample);

    int order = config.solverOrder() == 1 || lowerOrderNums < 1 || firstOrderFinal ? 1
        : config.solverOrder() == 2 || lowerOrderNums < 2 || secondOrderFinal ? 2 : 3;
    L prev = update(math, history, order, index, sample, fresh);
    lowerOrderNums = Math.min(lowerOrderNums + 1, config.solverOrder());
    stepIndex++;
    return new StepResult<>(prev, x0);
  }

  /**
   * One multistep update of the given order from noise level {@code sigmas[index]} to {@code sigmas[index + 1]}.
   *
   * @param history the data predictions of the last steps, newest last
   * @param fresh   the SDE variant's noise, else null
   */
  private <L> L update(LatentMath<L> math, List<L> history, int order, int index, L sample, L fresh) {
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
    WeightedSum<L> sum = new WeightedSum<L>().add(cSample, sample).add((float) base, history.getLast());
    if (order >= 2) {
      float r0 = (float) ((lambdaS0 - lambda(sigmas[index - 1])) / h);
      L m1 = history.get(history.size() - 2);
      // D1_0 = (m0 - m1) / r0
      L d10 = math.combine(1f / r0, history.getLast(), -1f / r0, m1);
      // k-diffusion's DPM++ 3M SDE (brownian_noise at order 3) takes phi_2 = (1 - e^-2h) / (-2h) + 1 at order 2
      // whatever the solver type, and + 1/2 where diffusers' third order has - 1/2.
      boolean kdiffusion3m = brownian.isPresent() && config.solverOrder() == 3;
      if (order == 2) {
        sum.add((float) (config.solverType() == SolverType.MIDPOINT && !kdiffusion3m ? 0.5 * base
            : sde ? alphaT * ((1 - exp2H) / (-2 * h) + 1) : alphaT * ((expH - 1) / h + 1)), d10);
      } else {
        float r1 = (float) ((lambda(sigmas[index - 1]) - lambda(sigmas[index - 2])) / h);
        L d11 = math.combine(1f / r1, m1, -1f / r1, history.get(history.size() - 3));
        float r = r0 / (r0 + r1);
        // D1 = D1_0 + r0 / (r0 + r1) * (D1_0 - D1_1), D2 = (D1_0 - D1_1) / (r0 + r1)
        sum.add((float) (sde ? alphaT * ((1 - exp2H) / (-2 * h) + 1) : alphaT * ((expH - 1) / h + 1)),
            math.combine(1f + r, d10, -r, d11));
        sum.add((float) (sde ? alphaT * ((1 - exp2H - 2 * h) / (4 * h * h) + (kdiffusion3m ? 0.5 : -0.5))
            : -alphaT * ((expH - 1 + h) / (h * h) - 0.5)), math.combine(1f / (r0 + r1), d10, -1f / (r0 + r1), d11));
      }
    }
    if (sde) {
      sum.add((float) (sigmaT * Math.sqrt(1 - exp2H)), fresh);
    }
    return sum.sum(math);
  }

  /** Data predictions of the last {@code solverOrder} steps, newest last. */
  private static final class History<L> implements StepState<L> {
    final List<L> outputs = new ArrayList<>();

    @Override
    public void move(UnaryOperator<L> move) {
      outputs.replaceAll(move);
    }
  }
}
