package org.sdj.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Downloads the files a pipeline (or a single model) needs from one revision of a repository into the cache's snapshot
 * of it.
 */
final class SnapshotDownloader {
  private final HubClient client;
  private final HubCache cache;
  private final BlobDownloader blobs;
  private final ModelId id;
  private final HubOptions options;

  /** Whether the repository is a pipeline ({@code model_index.json}) or one model at its root. */
  private final boolean pipeline;

  SnapshotDownloader(HubClient client, HubCache cache, ModelId id, HubOptions options, boolean pipeline) {
    this.pipeline = pipeline;
    this.client = client;
    this.cache = cache;
    this.id = id;
    this.options = options;
    this.blobs = new BlobDownloader(client, cache, options);
  }

  /** Fetches what is missing and returns the snapshot folder. */
  Path download() {
    RepoInfo repo = client.repoInfo();
    String commit = repo.commit();
    cache.writeRef(id.revision(), commit);
    String marker = pipeline ? PipelineFiles.MODEL_INDEX : "config.json";
    if (!repo.files().contains(marker)) {
      throw new HubException(
          HubException.Kind.UNSUPPORTED_MODEL,
          id.repoId() + " has no " + marker + ": it is not a diffusers " + (pipeline ? "pipeline" : "model")
              + " (single-file checkpoints are not supported)");
    }
    fetch(commit, marker);
    List<PipelineFiles.Tier> tiers = PipelineFiles.tiers(options.variant());
    List<String> files = new ArrayList<>();
    List<PipelineFiles.Weights> chosen = new ArrayList<>();
    Optional<JsonNode> modelIndex = pipeline ? Optional.of(cache.readJson(commit, marker)) : Optional.empty();
    for (String component : PipelineFiles.components(modelIndex, id)) {
      for (String config : PipelineFiles.requiredConfigs(component)) {
        if (!repo.files().contains(config)) {
          throw unsupported(component + " has no " + config);
        }
      }
      files.addAll(PipelineFiles.configs(component, repo.files()));
      if (PipelineFiles.hasWeights(component)) {
        PipelineFiles.Weights weights =
            PipelineFiles.weights(component, repo.files(), tiers)
                .orElseThrow(() -> unsupported((component.isEmpty() ? "it" : component)
                    + " has no .safetensors or .bin weights"));
        files.addAll(weights.files());
        chosen.add(weights);
      }
    }
    checkVariantFound(chosen);
    chosen.forEach(w -> PipelineFiles.betterCounterparts(w, tiers).forEach(m -> cache.markMissing(commit, m)));
    List<String> indexes = new ArrayList<>();
    for (String file : files) {
      fetch(commit, file);
      if (PipelineFiles.isIndex(file)) {
        indexes.add(file);
      }
    }
    for (String index : indexes) {
      for (String shard : PipelineFiles.shards(index, cache.readJson(commit, index))) {
        if (!repo.files().contains(shard)) {
          throw new HubException(
              HubException.Kind.NOT_FOUND,
              index + " of " + id.repoId() + " names the shard " + shard + ", which the repository does not have");
        }
        fetch(commit, shard);
      }
    }
    return cache.snapshot(commit);
  }

  /**
   * Components without the variant fall back to their plain weights, but a variant that none has is refused before
   * anything large is downloaded, as diffusers refuses it: most likely a typo, or a repository without such weights.
   */
  private void checkVariantFound(List<PipelineFiles.Weights> chosen) {
    options.variant().ifPresent(v -> {
      if (!chosen.isEmpty() && chosen.stream().allMatch(w -> w.tier().variant().isEmpty())) {
        throw new HubException(HubException.Kind.NOT_FOUND, id.repoId() + " has no " + v + " weights (such as "
            + (pipeline ? "unet/" : "") + "diffusion_pytorch_model." + v + ".safetensors): load it without the"
            + " variant");
      }
    });
  }

  private void fetch(String commit, String path) {
    if (cache.has(commit, path)) {
      return;
    }
    RemoteFile remote = client.metadata(commit, path);
    cache.link(commit, path, blobs.fetch(remote));
  }

  private HubException unsupported(String problem) {
    return new HubException(
        HubException.Kind.UNSUPPORTED_MODEL,
        id.repoId() + " is not a usable " + (pipeline ? "Stable Diffusion pipeline" : "diffusers model") + ": "
            + problem);
  }
}
