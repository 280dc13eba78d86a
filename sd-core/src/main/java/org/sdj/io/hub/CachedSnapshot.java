package org.sdj.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides, without the network, whether the cache already holds everything a pipeline needs from a model, whoever
 * downloaded it (sdj, diffusers, the {@code hf} CLI).
 *
 * @param snapshot the complete snapshot folder, if there is one
 * @param missing what is missing otherwise, for the error message
 */
record CachedSnapshot(Optional<Path> snapshot, String missing) {

  /**
   * Checks the cached snapshot of {@code id}.
   *
   * @param tiers the weight kinds wanted, best first
   * @param anyTier accept any tier the snapshot has (offline); otherwise a lower tier counts only where an earlier
   *     download recorded in {@code .no_exist/} that the repository lacks the better ones, so that an fp16 request
   *     does not settle for cached fp32 weights that diffusers happened to download
   */
  static CachedSnapshot check(HubCache cache, ModelId id, List<PipelineFiles.Tier> tiers, boolean anyTier) {
    return check(cache, id, tiers, anyTier, true);
  }

  /** {@link #check(HubCache, ModelId, List, boolean)} of a pipeline, or of a single model at the root. */
  static CachedSnapshot check(HubCache cache, ModelId id, List<PipelineFiles.Tier> tiers, boolean anyTier,
      boolean pipeline) {
    Optional<String> commit = cache.cachedCommit(id.revision());
    if (commit.isEmpty()) {
      return missing("no snapshot of revision " + id.revision());
    }
    String sha = commit.get();
    Set<String> files = cache.files(sha);
    String marker = pipeline ? PipelineFiles.MODEL_INDEX : "config.json";
    if (!files.contains(marker)) {
      return missing(marker);
    }
    Optional<JsonNode> modelIndex = pipeline ? Optional.of(cache.readJson(sha, marker)) : Optional.empty();
    for (String component : PipelineFiles.components(modelIndex, id)) {
      for (String config : PipelineFiles.requiredConfigs(component)) {
        if (!files.contains(config)) {
          return missing(config);
        }
      }
      if (!PipelineFiles.hasWeights(component)) {
        continue;
      }
      Optional<PipelineFiles.Weights> weights = PipelineFiles.weights(component, files, tiers);
      boolean acceptable =
          weights.isPresent()
              && (anyTier
                  || PipelineFiles.betterCounterparts(weights.get(), tiers).stream()
                      .allMatch(better -> cache.isMarkedMissing(sha, better)));
      if (!acceptable) {
        return missing("the " + describe(tiers.getFirst()) + " weights" + (component.isEmpty() ? "" : " of "
            + component));
      }
      for (String file : weights.get().files()) {
        if (PipelineFiles.isIndex(file)) {
          for (String shard : PipelineFiles.shards(file, cache.readJson(sha, file))) {
            if (!files.contains(shard)) {
              return missing(shard);
            }
          }
        }
      }
    }
    return new CachedSnapshot(Optional.of(cache.snapshot(sha)), "");
  }

  private static CachedSnapshot missing(String what) {
    return new CachedSnapshot(Optional.empty(), what);
  }

  private static String describe(PipelineFiles.Tier best) {
    return best.variant().map(v -> v + " ").orElse("") + best.extension();
  }
}
