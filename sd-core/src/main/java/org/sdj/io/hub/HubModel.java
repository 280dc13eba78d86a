package org.sdj.io.hub;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Resolves a Hugging Face Hub model id such as {@code stable-diffusion-v1-5/stable-diffusion-v1-5} to a local folder
 * in the diffusers layout ({@code model_index.json}, {@code unet/}, {@code vae/}, {@code text_encoder/},
 * {@code tokenizer/}, {@code scheduler/}), downloading only what a Stable Diffusion pipeline needs.
 *
 * <p>Files live in huggingface_hub's cache, shared with diffusers and other Python tools: a model they downloaded is
 * used as it is, with no network access, and what sdj downloads they use too.
 */
public final class HubModel {
  private static final System.Logger LOG = System.getLogger(HubModel.class.getName());

  private HubModel() {}

  /**
   * The snapshot folder of {@code modelId}: from the cache when it holds every needed file, else downloaded (resuming
   * interrupted downloads, checking LFS files' sha256). When the Hub cannot be reached, a cached snapshot with other
   * weights than the preferred ones (e.g. fp32 when fp16 was asked for) is used instead.
   *
   * @param modelId {@code org/name} or {@code org/name@revision} (branch, tag or commit; default {@code main})
   * @return the folder {@code {cache}/models--org--name/snapshots/{commit}}
   * @throws HubException with a {@link HubException#kind()} saying what went wrong and a message saying what to do
   */
  public static Path resolve(String modelId, HubOptions options) {
    return resolve(modelId, options, true);
  }

  /**
   * {@link #resolve} for a repository of one diffusers model at its root ({@code config.json} and
   * {@code diffusion_pytorch_model[.variant].safetensors}): a ControlNet such as
   * {@code lllyasviel/sd-controlnet-canny}, a T2I-Adapter such as {@code TencentARC/t2iadapter_canny_sd15v2}.
   *
   * @return the snapshot folder, holding {@code config.json} and the weights
   */
  public static Path resolveModel(String modelId, HubOptions options) {
    return resolve(modelId, options, false);
  }

  private static Path resolve(String modelId, HubOptions options, boolean pipeline) {
    Objects.requireNonNull(options, "options");
    ModelId id = ModelId.parse(modelId);
    HubCache cache = new HubCache(options.cacheDir(), id);
    List<PipelineFiles.Tier> tiers = PipelineFiles.tiers(options.variant());
    if (options.offline()) {
      CachedSnapshot cached = CachedSnapshot.check(cache, id, tiers, true, pipeline);
      return cached.snapshot().orElseThrow(() -> notCached(id, options, cached.missing()));
    }
    Optional<Path> complete = CachedSnapshot.check(cache, id, tiers, false, pipeline).snapshot();
    if (complete.isPresent()) {
      return complete.get();
    }
    try (HubClient client = new HubClient(options, id)) {
      return new SnapshotDownloader(client, cache, id, options, pipeline).download();
    } catch (HubException e) {
      if (e.kind() != HubException.Kind.NETWORK) {
        throw e;
      }
      Optional<Path> usable = CachedSnapshot.check(cache, id, tiers, true, pipeline).snapshot();
      if (usable.isEmpty()) {
        throw e;
      }
      LOG.log(System.Logger.Level.WARNING, "The Hub is unreachable; using the cached {0}: {1}", id, e.getMessage());
      return usable.get();
    }
  }

  /**
   * Whether {@code text} is a Hub model id ({@code org/name[@revision]}) rather than a local path. An existing file or
   * folder of that name wins: then this is false.
   */
  public static boolean looksLikeModelId(String text) {
    if (text == null || !ModelId.isValid(text)) {
      return false;
    }
    try {
      return !Files.exists(Path.of(text));
    } catch (InvalidPathException e) {
      return true;
    }
  }

  private static HubException notCached(ModelId id, HubOptions options, String missing) {
    return new HubException(
        HubException.Kind.NOT_CACHED,
        "model " + id + " is not cached in " + options.cacheDir() + " (missing: " + missing + ") and offline mode is"
            + " on: download it once without HF_HUB_OFFLINE=1");
  }
}
