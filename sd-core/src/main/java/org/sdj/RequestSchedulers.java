package org.sdj;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.LongStream;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.random.RandomSource;
import org.sdj.scheduler.DPMSolverMultistepScheduler;
import org.sdj.scheduler.DPMSolverSDEScheduler;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.Schedulers;
import org.sdj.scheduler.SigmaSpacing;
import org.sdj.scheduler.TimestepSpacing;

/**
 * The schedulers one request runs: its own (else the model's) with its options, and a hires pass's. Each loop gets a
 * fresh one; a name or option that does not fit is the request's error, the model's own config the model's.
 */
final class RequestSchedulers {
  private final GenerationRequest request;
  private final Object brownianSeed;

  /**
   * @param seed the generation's seed, which Brownian-tree noise follows: one tree of it for the batch, or with A1111's
   *     seeding one per picture, of each picture's seed (as A1111 hands k-diffusion its pictures' seeds)
   */
  RequestSchedulers(GenerationRequest request, long seed) {
    this.request = request;
    this.brownianSeed = request.noise().seeding() == Convention.A1111
        ? LongStream.range(seed, seed + request.batchSize()).boxed().toList() : seed;
  }

  /** The request's scheduler (else the model's) for {@code model}'s config. */
  Scheduler first(PipelineComponents model) {
    return create(model, request.scheduler().orElse(modelsOwn(model)), request.schedulerOverrides());
  }

  /**
   * The hires pass's scheduler: the fix's own (with the request's scheduler options only where it is the request's
   * scheduler, whose options another may not read; but its timestep spacing, which every scheduler reads, as A1111
   * walks one schedule of noise levels for both passes), else the request's.
   */
  Scheduler hires(PipelineComponents model, HiresFix fix) {
    if (fix.scheduler().isEmpty() || fix.scheduler().equals(request.scheduler())) {
      return first(model);
    }
    Object spacing = request.schedulerOverrides().get(TimestepSpacing.CONFIG_KEY);
    return create(model, fix.scheduler().get(), spacing != null ? Map.of(TimestepSpacing.CONFIG_KEY, spacing)
        : Map.of());
  }


  private Scheduler create(PipelineComponents model, String name, Map<String, Object> requested) {
    Map<String, Object> overrides = new LinkedHashMap<>(requested);
    // Brownian-tree noise (DPM++ SDE's, and k-diffusion's DPM++ 2M and 3M SDE's where asked) follows the seed, as
    // A1111 seeds it (diffusers would draw a random seed).
    Optional<String> className = Schedulers.classNameOf(name);
    boolean brownian = className.filter("DPMSolverSDEScheduler"::equals).isPresent()
        || className.filter("DPMSolverMultistepScheduler"::equals).isPresent()
            && (Boolean.TRUE.equals(overrides.get(DPMSolverMultistepScheduler.BROWNIAN_NOISE))
                || model.schedulerConfig().path(DPMSolverMultistepScheduler.BROWNIAN_NOISE).asBoolean(false));
    if (brownian && !overrides.containsKey(DPMSolverSDEScheduler.NOISE_SAMPLER_SEED)
        && !model.schedulerConfig().hasNonNull(DPMSolverSDEScheduler.NOISE_SAMPLER_SEED)) {
      overrides.put(DPMSolverSDEScheduler.NOISE_SAMPLER_SEED, brownianSeed);
    }
    // Align Your Steps has levels of its own for SDXL, which A1111 takes for an SDXL model.
    boolean ays = Boolean.TRUE.equals(overrides.get(SigmaSpacing.USE_AYS_SIGMAS)) || name.endsWith("-ays")
        || model.schedulerConfig().path(SigmaSpacing.USE_AYS_SIGMAS).asBoolean(false);
    if (ays && model.unet().takesAddedCondition() && !overrides.containsKey(SigmaSpacing.AYS_MODEL)) {
      overrides.put(SigmaSpacing.AYS_MODEL, "sdxl");
    }
    // The trees grow where the noise would be drawn: on an NVIDIA GPU for torch's CUDA generator (A1111's, and
    // diffusers' GPU pipelines').
    if (brownian && request.noise().source() != RandomSource.CPU
        && !overrides.containsKey(DPMSolverSDEScheduler.NOISE_SAMPLER_RNG)
        && !model.schedulerConfig().hasNonNull(DPMSolverSDEScheduler.NOISE_SAMPLER_RNG)) {
      overrides.put(DPMSolverSDEScheduler.NOISE_SAMPLER_RNG, request.noise().source().name().toLowerCase(Locale.ROOT));
    }
    try {
      return Schedulers.create(name, model.schedulerConfig(), overrides);
    } catch (SdjException e) {
      if (requested.isEmpty() && name.equals(modelsOwn(model)) && request.scheduler().isEmpty()) {
        throw e;
      }
      throw new InvalidRequestException(e.getMessage());
    }
  }

  private static String modelsOwn(PipelineComponents model) {
    return model.schedulerConfig().path("_class_name").asText();
  }
}
