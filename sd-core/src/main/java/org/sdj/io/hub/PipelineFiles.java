package org.sdj.io.hub;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which files of a diffusers repository a Stable Diffusion pipeline needs. A whitelist: only the components below,
 * only their config / tokenizer files and one set of weights each, so that safety checkers, ONNX and Flax exports,
 * single-file checkpoints and images are never fetched.
 */
final class PipelineFiles {
  static final String MODEL_INDEX = "model_index.json";
  /**
   * The repository's root as a component: a single diffusers model (a ControlNet, a T2I-Adapter), its
   * {@code config.json} and {@code diffusion_pytorch_model} weights at the top level.
   */
  static final String ROOT = "";
  private static final String ROOT_WEIGHTS = "diffusion_pytorch_model.";

  /** Components a pipeline needs, with the files each must have besides weights. SDXL's second encoder included. */
  private static final Map<String, List<String>> REQUIRED_CONFIGS =
      Map.of(
          "unet", List.of("config.json"),
          "vae", List.of("config.json"),
          "text_encoder", List.of("config.json"),
          "text_encoder_2", List.of("config.json"),
          "tokenizer", List.of("vocab.json", "merges.txt"),
          "tokenizer_2", List.of("vocab.json", "merges.txt"),
          "scheduler", List.of("scheduler_config.json"));

  private static final List<String> ALWAYS_NEEDED = List.of("unet", "vae", "text_encoder", "tokenizer", "scheduler");
  /** What SDXL's refiner goes without, having only text_encoder_2 and tokenizer_2. */
  private static final Set<String> FIRST_ENCODER = Set.of("text_encoder", "tokenizer");
  private static final Set<String> WEIGHTED = Set.of("unet", "vae", "text_encoder", "text_encoder_2");
  private static final List<String> CONFIG_FILES =
      List.of(
          "config.json",
          "scheduler_config.json",
          "vocab.json",
          "merges.txt",
          "tokenizer_config.json",
          "special_tokens_map.json");

  // Shards are reached through their index; a shard name must never pass for a single-file checkpoint.
  private static final Pattern SHARD = Pattern.compile(".*-\\d+-of-\\d+\\.[a-z]+");

  private PipelineFiles() {}

  /** One acceptable kind of weights, e.g. fp16 safetensors; tried best first. */
  record Tier(String extension, Optional<String> variant) {
    boolean isSingleFile(String name) {
      return name.endsWith(singleSuffix()) && !SHARD.matcher(name).matches() && plainStem(name, singleSuffix());
    }

    boolean isIndex(String name) {
      return name.endsWith(indexSuffix()) && plainStem(name, indexSuffix());
    }

    /** The name {@code path} (a file of this tier) would have in {@code other}: same stem, other suffix. */
    String counterpart(String path, Tier other) {
      int slash = path.lastIndexOf('/') + 1;
      String name = path.substring(slash);
      boolean single = isSingleFile(name);
      String stem = name.substring(0, name.length() - (single ? singleSuffix() : indexSuffix()).length());
      return path.substring(0, slash) + stem + (single ? other.singleSuffix() : other.indexSuffix());
    }

    private String singleSuffix() {
      return variant.map(v -> "." + v).orElse("") + "." + extension;
    }

    private String indexSuffix() {
      return "." + extension + ".index" + variant.map(v -> "." + v).orElse("") + ".json";
    }

    private static boolean plainStem(String name, String suffix) {
      return name.length() > suffix.length() && name.indexOf('.') == name.length() - suffix.length();
    }
  }

  /** A component's chosen weights: single files, or one shard index. */
  record Weights(Tier tier, List<String> files) {}

  /**
   * Weight kinds best first: the variant's safetensors, plain safetensors, then the same as pickles ({@code .bin}),
   * which a component gets only when it has no safetensors at all.
   */
  static List<Tier> tiers(Optional<String> variant) {
    List<Tier> tiers = new ArrayList<>();
    for (String extension : List.of("safetensors", "bin")) {
      variant.ifPresent(v -> tiers.add(new Tier(extension, Optional.of(v))));
      tiers.add(new Tier(extension, Optional.empty()));
    }
    return List.copyOf(tiers);
  }

  /**
   * The components a repository's files make: {@code model_index.json}'s for a pipeline ({@link #components(JsonNode,
   * ModelId)}), or the root alone for a single model.
   *
   * @param modelIndex the pipeline's {@code model_index.json}; empty for a single model
   */
  static List<String> components(Optional<JsonNode> modelIndex, ModelId id) {
    return modelIndex.isPresent() ? components(modelIndex.get(), id) : List.of(ROOT);
  }

  /**
   * The pipeline components that {@code model_index.json} declares and a pipeline needs.
   *
   * @throws HubException (UNSUPPORTED_MODEL) if one of unet, vae, text_encoder, tokenizer, scheduler is missing (SDXL's
   *     refiner declares text_encoder_2 and tokenizer_2 instead of text_encoder and tokenizer)
   */
  static List<String> components(JsonNode modelIndex, ModelId id) {
    List<String> components = new ArrayList<>();
    boolean second = declared(modelIndex, "text_encoder_2");
    for (String name : REQUIRED_CONFIGS.keySet().stream().sorted().toList()) {
      if (declared(modelIndex, name)) {
        components.add(name);
      } else if (ALWAYS_NEEDED.contains(name) && !(second && FIRST_ENCODER.contains(name))) {
        throw new HubException(
            HubException.Kind.UNSUPPORTED_MODEL,
            id.repoId() + " is not a Stable Diffusion pipeline: its " + MODEL_INDEX + " declares no " + name);
      }
    }
    return List.copyOf(components);
  }

  private static boolean declared(JsonNode modelIndex, String name) {
    JsonNode entry = modelIndex.path(name);
    return entry.isArray() && !entry.isEmpty() && !entry.get(0).isNull();
  }

  /** The component's files that must exist besides weights, e.g. {@code unet/config.json}. */
  static List<String> requiredConfigs(String component) {
    return component.equals(ROOT) ? List.of("config.json")
        : REQUIRED_CONFIGS.get(component).stream().map(f -> component + "/" + f).toList();
  }

  /** The component's config and tokenizer files among {@code available} (repository paths). */
  static List<String> configs(String component, Set<String> available) {
    return CONFIG_FILES.stream().map(f -> prefix(component) + f).filter(available::contains).toList();
  }

  static boolean hasWeights(String component) {
    return component.equals(ROOT) || WEIGHTED.contains(component);
  }

  /** A component's folder with its slash; nothing for the root. */
  private static String prefix(String component) {
    return component.equals(ROOT) ? "" : component + "/";
  }

  /**
   * The component's weights from the first of {@code tiers} that {@code available} has: its single files if any,
   * else its shard index (whose shards the caller reads from the index). Empty if no tier matches.
   */
  static Optional<Weights> weights(String component, Set<String> available, List<Tier> tiers) {
    String prefix = prefix(component);
    List<String> inFolder =
        available.stream()
            .filter(p -> p.startsWith(prefix) && p.indexOf('/', prefix.length()) < 0)
            .map(p -> p.substring(prefix.length()))
            // At the root, beside single-file checkpoints and other models' files, only diffusers' weight names.
            .filter(n -> !component.equals(ROOT) || n.startsWith(ROOT_WEIGHTS))
            .sorted()
            .toList();
    for (Tier tier : tiers) {
      List<String> singles = inFolder.stream().filter(tier::isSingleFile).map(n -> prefix + n).toList();
      if (!singles.isEmpty()) {
        return Optional.of(new Weights(tier, singles));
      }
      List<String> indexes = inFolder.stream().filter(tier::isIndex).map(n -> prefix + n).toList();
      if (!indexes.isEmpty()) {
        return Optional.of(new Weights(tier, indexes));
      }
    }
    return Optional.empty();
  }

  /**
   * The files whose absence makes {@code chosen} the right choice: the same stems in every better tier. The downloader
   * records them in the cache's {@code .no_exist/} so that a later run can trust cached fallback weights offline.
   */
  static List<String> betterCounterparts(Weights chosen, List<Tier> tiers) {
    List<String> names = new ArrayList<>();
    for (Tier better : tiers.subList(0, tiers.indexOf(chosen.tier()))) {
      chosen.files().forEach(f -> names.add(chosen.tier().counterpart(f, better)));
    }
    return names;
  }

  /** Whether {@code path} is a shard index ({@code *.index.json} / {@code *.index.<variant>.json}). */
  static boolean isIndex(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.contains(".index.") && name.endsWith(".json");
  }

  /**
   * The shard files a weight index names in its {@code weight_map}, as repository paths beside the index.
   *
   * @throws HubException (BAD_RESPONSE) if the index is malformed or names a path outside the component folder
   */
  static List<String> shards(String indexPath, JsonNode index) {
    JsonNode map = index.path("weight_map");
    if (!map.isObject() || map.isEmpty()) {
      throw new HubException(HubException.Kind.BAD_RESPONSE, indexPath + " has no weight_map object");
    }
    String folder = indexPath.substring(0, indexPath.lastIndexOf('/') + 1);
    List<String> shards = new ArrayList<>();
    for (JsonNode value : map) {
      String shard = value.asText("");
      if (!value.isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
        throw new HubException(
            HubException.Kind.BAD_RESPONSE, indexPath + " names the shard \"" + shard + "\", not a plain file name");
      }
      if (!shards.contains(folder + shard)) {
        shards.add(folder + shard);
      }
    }
    return List.copyOf(shards);
  }
}
