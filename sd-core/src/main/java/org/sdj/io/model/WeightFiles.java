package org.sdj.io.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Picks a component's weight file the way diffusers does: a sharded index before a single file, the requested variant
 * before the plain weights. Pickles ({@code .bin}) are recognized only to say that they cannot be read yet.
 */
final class WeightFiles {
  private static final System.Logger LOG = System.getLogger(WeightFiles.class.getName());

  private WeightFiles() {}

  /**
   * The weights of {@code component} in {@code folder}: a {@code .safetensors} file or a {@code .json} shard index.
   * Records a problem and returns empty when there are none sdj can read.
   */
  static Optional<Path> locate(Path folder, Component component, Optional<String> variant, LoadProblems problems) {
    String base = component.weightsBaseName();
    String where = component.folderName() + "/";
    if (variant.isPresent()) {
      String v = variant.get();
      Optional<Path> found = firstExisting(folder, base + ".safetensors.index." + v + ".json", base + "." + v
          + ".safetensors");
      if (found.isPresent()) {
        return found;
      }
      LOG.log(System.Logger.Level.WARNING, "{0} has no {1} weights; reading its plain weights instead", where, v);
    }
    Optional<Path> found = firstExisting(folder, base + ".safetensors.index.json", base + ".safetensors");
    if (found.isPresent()) {
      return found;
    }
    String pickle = component.pickleBaseName();
    Optional<Path> pickleFile = firstExisting(folder, Stream.concat(
        variant.stream().flatMap(v -> Stream.of(pickle + "." + v + ".bin", pickle + ".bin.index." + v + ".json")),
        Stream.of(pickle + ".bin", pickle + ".bin.index.json")).toArray(String[]::new));
    if (pickleFile.isPresent()) {
      problems.add(where + pickleFile.get().getFileName() + ": PyTorch pickle weights are not read by this version of"
          + " sdj (a later version will read them); for now convert them to " + base + ".safetensors");
      return Optional.empty();
    }
    List<String> variants = variantsPresent(folder, base);
    problems.add(where + ": no weights found: expected " + base + ".safetensors or " + base
        + ".safetensors.index.json" + (variants.isEmpty() || variant.isPresent() ? ""
            : "; the folder has the variant(s) " + variants + ": load with that variant"));
    return Optional.empty();
  }

  private static Optional<Path> firstExisting(Path folder, String... names) {
    return Stream.of(names).map(folder::resolve).filter(Files::isRegularFile).findFirst();
  }

  /** Whether {@code weights}, a file {@link #locate} returned, holds {@code variant}'s weights. */
  static boolean isVariant(Path weights, String variant) {
    String name = weights.getFileName().toString();
    return name.endsWith("." + variant + ".safetensors") || name.endsWith(".index." + variant + ".json");
  }

  /** Variants such as {@code fp16} that have weight files ({@code base.fp16.safetensors} or a variant index). */
  static List<String> variantsPresent(Path folder, String base) {
    Pattern file = Pattern.compile(Pattern.quote(base) + "\\.([A-Za-z0-9_]+)\\.safetensors");
    Pattern index = Pattern.compile(Pattern.quote(base) + "\\.safetensors\\.index\\.([A-Za-z0-9_-]+)\\.json");
    TreeSet<String> variants = new TreeSet<>();
    try (Stream<Path> files = Files.list(folder)) {
      files.map(p -> p.getFileName().toString()).forEach(name -> {
        for (Pattern pattern : List.of(file, index)) {
          Matcher m = pattern.matcher(name);
          if (m.matches()) {
            variants.add(m.group(1));
          }
        }
      });
    } catch (IOException e) {
      // Only a hint for the message: without the listing the message is still right, just less helpful.
    }
    return List.copyOf(variants);
  }
}
