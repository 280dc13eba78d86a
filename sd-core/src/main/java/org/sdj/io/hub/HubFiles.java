package org.sdj.io.hub;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Files inside a Hub repository that holds no pipeline or model at its root: a LoRA, an IP-Adapter and its image
 * encoder (diffusers' {@code load_lora_weights(repo, weight_name=...)}, {@code load_ip_adapter(repo, subfolder=...,
 * weight_name=...)}). A reference names the repository and the path within it, as the Hub's file URLs and
 * huggingface_hub's {@code hf://} paths do: {@code org/name/path/in/repo} or {@code org/name@revision/path/in/repo}
 * (a revision without '/'), optionally after {@code hf://}. The files share huggingface_hub's cache with Python tools,
 * cache first, as {@link HubModel} does.
 */
public final class HubFiles {
  private static final String SCHEME = "hf://";

  private HubFiles() {}

  /** A repository and a path in it. */
  private record Reference(ModelId id, String path) {
    static Reference parse(String text) {
      String rest = text.startsWith(SCHEME) ? text.substring(SCHEME.length()) : text;
      int first = rest.indexOf('/');
      int second = first < 0 ? -1 : rest.indexOf('/', first + 1);
      if (second < 0 || second == rest.length() - 1) {
        throw new HubException(HubException.Kind.INVALID_ID, "\"" + text + "\" is not a file in a Hub repository:"
            + " give org/name/path/in/repo, e.g. h94/IP-Adapter/models/ip-adapter_sd15.safetensors");
      }
      String path = rest.substring(second + 1);
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      if (!HubClient.isSafeRepoPath(path)) {
        throw new HubException(HubException.Kind.INVALID_ID, "\"" + path + "\" in " + text + " is not a path inside a"
            + " repository");
      }
      return new Reference(ModelId.parse(rest.substring(0, second)), path);
    }
  }

  /**
   * Whether {@code text} reads as a file or folder in a Hub repository ({@code org/name[@revision]/path}) rather than
   * a local path: it starts with {@code hf://}, or no such local path exists and its first two parts are a valid
   * repository id.
   */
  public static boolean looksLikeReference(String text) {
    if (text == null) {
      return false;
    }
    if (text.startsWith(SCHEME)) {
      return true;
    }
    try {
      if (Files.exists(Path.of(text))) {
        return false;
      }
    } catch (InvalidPathException e) {
      return false;
    }
    String[] parts = text.split("/", 3);
    return parts.length == 3 && !parts[2].isEmpty() && ModelId.isValid(parts[0] + "/" + parts[1]);
  }

  /**
   * The local copy of one file, {@code org/name[@revision]/path/to/file}, from the cache or downloaded.
   *
   * @throws HubException if the reference is malformed, the repository has no such file, or it cannot be had
   */
  public static Path file(String reference, HubOptions options) {
    Reference ref = Reference.parse(reference);
    return fetch(ref, options, "file " + ref.path(),
        available -> available.contains(ref.path()) ? List.of(ref.path()) : List.of()).resolve(ref.path());
  }

  /**
   * The local copy of a model folder in a repository, {@code org/name[@revision]/path/to/folder} (an IP-Adapter's
   * {@code models/image_encoder}): its {@code .json} files and its weights, {@code .safetensors} where it has them,
   * else {@code .bin}.
   *
   * @throws HubException if the reference is malformed, the folder has no {@code config.json} or no weights, or it
   *     cannot be had
   */
  public static Path folder(String reference, HubOptions options) {
    Reference ref = Reference.parse(reference);
    return fetch(ref, options, "model folder " + ref.path() + " (config.json and .safetensors or .bin weights)",
        available -> folderFiles(ref.path(), available)).resolve(ref.path());
  }

  /** The config and weights of {@code folder} among {@code available}; empty where either is missing. */
  private static List<String> folderFiles(String folder, Set<String> available) {
    List<String> json = new ArrayList<>();
    List<String> safetensors = new ArrayList<>();
    List<String> bin = new ArrayList<>();
    for (String file : available) {
      if (!file.startsWith(folder + "/") || file.indexOf('/', folder.length() + 1) >= 0) {
        continue;
      }
      if (file.endsWith(".json")) {
        json.add(file);
      } else if (file.endsWith(".safetensors")) {
        safetensors.add(file);
      } else if (file.endsWith(".bin")) {
        bin.add(file);
      }
    }
    List<String> weights = safetensors.isEmpty() ? bin : safetensors;
    if (!json.contains(folder + "/config.json") || weights.isEmpty()) {
      return List.of();
    }
    List<String> all = new ArrayList<>(json);
    all.addAll(weights);
    return all;
  }

  /** What {@code choose} picks: from the cached snapshot where it has all of it, else downloaded. */
  private static Path fetch(Reference ref, HubOptions options, String what, Chooser choose) {
    Objects.requireNonNull(options, "options");
    HubCache cache = new HubCache(options.cacheDir(), ref.id());
    Optional<String> cached = cache.cachedCommit(ref.id().revision());
    if (cached.isPresent()) {
      List<String> files = choose.pick(cache.files(cached.get()));
      if (!files.isEmpty()) {
        return cache.snapshot(cached.get());
      }
    }
    if (options.offline()) {
      throw new HubException(HubException.Kind.NOT_CACHED, "the " + what + " of " + ref.id() + " is not cached in "
          + options.cacheDir() + " and offline mode is on: download it once without HF_HUB_OFFLINE=1");
    }
    try (HubClient client = new HubClient(options, ref.id())) {
      RepoInfo repo = client.repoInfo();
      List<String> files = choose.pick(repo.files());
      if (files.isEmpty()) {
        throw new HubException(HubException.Kind.NOT_FOUND, ref.id() + " has no " + what);
      }
      cache.writeRef(ref.id().revision(), repo.commit());
      BlobDownloader blobs = new BlobDownloader(client, cache, options);
      for (String file : files) {
        if (!cache.has(repo.commit(), file)) {
          cache.link(repo.commit(), file, blobs.fetch(client.metadata(repo.commit(), file)));
        }
      }
      return cache.snapshot(repo.commit());
    }
  }

  /** Which of a repository's files a reference needs; empty where it cannot be served. */
  @FunctionalInterface
  private interface Chooser {
    List<String> pick(Set<String> available);
  }
}
