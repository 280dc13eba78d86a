package org.sdj.io.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.JsonNode;
import org.sdj.io.ckpt.TensorFiles;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.Component;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.TensorSource;

/**
 * A Stable Diffusion 1.x/2.x/XL model saved as one file in the original CompVis / AUTOMATIC1111 layout
 * ({@code v1-5-pruned-emaonly.safetensors}, {@code sd_xl_base_1.0.safetensors}): {@code model.diffusion_model.*}
 * (UNet), {@code first_stage_model.*} (VAE) and {@code cond_stage_model.*} (CLIP or OpenCLIP text encoder; SDXL:
 * both, as {@code conditioner.embedders.0/1.*}) in one state dict.
 *
 * <p>The file carries no configs: they come from a config folder ({@link CheckpointOptions#configDirectory()}) or are
 * the published configs of the {@linkplain ModelFamily family} detected from the tensors. Weights are shown under
 * their diffusers names as zero-copy views of the mapped file; EMA weights ({@code model_ema.*}) are read when the
 * file has a full set. Thread-safe.
 */
public final class SingleFileCheckpoint implements ModelSource {
  private static final System.Logger LOG = System.getLogger(SingleFileCheckpoint.class.getName());
  private static final String SAFETENSORS_EXTENSION = ".safetensors";

  /** Whether {@code file}'s name says it is a checkpoint sdj reads ({@code .safetensors}, {@code .ckpt}, ...). */
  public static boolean isCheckpointFile(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(SAFETENSORS_EXTENSION) || TensorFiles.PICKLE_EXTENSIONS.stream().anyMatch(name::endsWith);
  }

  private final Path location;
  private final TensorSource file;
  private final Optional<ModelFamily> family;
  private final ModelConfigs configs;
  private final Map<Component, TensorSource> weights;
  private final Optional<Path> temporaryConfigs;
  private boolean closed;

  private SingleFileCheckpoint(Path location, TensorSource file, Optional<ModelFamily> family, ModelConfigs configs,
      Map<Component, TensorSource> weights, Optional<Path> temporaryConfigs) {
    this.location = location;
    this.file = file;
    this.family = family;
    this.configs = configs;
    this.weights = weights;
    this.temporaryConfigs = temporaryConfigs;
  }

  /** {@link #open(Path, CheckpointOptions)} with {@link CheckpointOptions#defaults()}. */
  public static SingleFileCheckpoint open(Path file) {
    return open(file, CheckpointOptions.defaults());
  }

  /**
   * Maps a {@code .safetensors} checkpoint and checks that it holds every weight its configs imply.
   *
   * @throws ModelLoadException listing every missing or misshapen weight, or saying why the file is not a checkpoint
   *     sdj can configure
   * @throws org.sdj.io.safetensors.SafetensorsException if the file is not a valid safetensors file
   */
  public static SingleFileCheckpoint open(Path file, CheckpointOptions options) {
    return of(openTensors(file), file, options);
  }

  /**
   * A checkpoint over tensors already opened (a {@code .ckpt} reader's, say), taking ownership of them: they are
   * closed with the checkpoint, or at once if it cannot be loaded.
   *
   * @param location the file the tensors come from, for messages
   * @throws ModelLoadException listing every missing or misshapen weight, or saying why the tensors are not a
   *     checkpoint sdj can configure
   */
  public static SingleFileCheckpoint of(TensorSource tensors, Path location, CheckpointOptions options) {
    Optional<Path> temporary = Optional.empty();
    try {
      Optional<ModelFamily> family = Optional.empty();
      ModelConfigs configs;
      if (options.configDirectory().isPresent()) {
        configs = ConfigFolder.read(options.configDirectory().get());
      } else {
        FamilyDetector.Detection detected = FamilyDetector.detect(tensors.names(), n -> tensors.get(n).shape(),
            tensors.metadata(), options.family(), location.toString());
        family = Optional.of(detected.family());
        temporary = Optional.of(Files.createTempDirectory("sdj-" + detected.family().id() + "-configs-"));
        PublishedConfigs.write(detected.family(), detected.linearProjection(), detected.unetInChannels(),
            temporary.get());
        configs = ConfigFolder.read(temporary.get());
        LOG.log(Level.INFO, "{0}: loading as {1}{2}", location, detected.family().id(),
            detected.unetInChannels() == 4 ? "" : " (inpainting UNet)");
      }
      Map<Component, TensorSource> views = CheckpointMapping.map(tensors, location, configs);
      return new SingleFileCheckpoint(location, tensors, family, configs, views, temporary);
    } catch (IOException e) {
      tensors.close();
      temporary.ifPresent(SingleFileCheckpoint::deleteTree);
      throw new UncheckedIOException("cannot write the configs of " + location + " to a temporary folder", e);
    } catch (RuntimeException e) {
      tensors.close();
      temporary.ifPresent(SingleFileCheckpoint::deleteTree);
      throw e;
    }
  }

  static TensorSource openTensors(Path file) {
    return TensorFiles.open(file);
  }

  /** The published family the checkpoint is loaded as; empty when a config folder describes it. */
  public Optional<ModelFamily> family() {
    return family;
  }

  @Override
  public Path location() {
    return location;
  }

  @Override
  public UNet2DConditionConfig unetConfig() {
    return configs.unet();
  }

  @Override
  public AutoencoderKLConfig vaeConfig() {
    return configs.vae();
  }

  /** The text encoder's config, and the config folder's {@code tokenizer/} or one with the bundled CLIP vocabulary. */
  @Override
  public Optional<TextEncoder> textEncoder() {
    return configs.textEncoder();
  }

  @Override
  public Optional<SecondTextEncoder> textEncoder2() {
    return configs.textEncoder2();
  }

  @Override
  public synchronized TensorSource weights(Component component) {
    if (closed) {
      throw new IllegalStateException("SingleFileCheckpoint " + location + " is closed");
    }
    return weights.get(component);
  }

  @Override
  public JsonNode schedulerConfig() {
    return configs.scheduler().deepCopy();
  }

  /** Unmaps the file and deletes the temporary config folder. Idempotent. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      file.close();
      temporaryConfigs.ifPresent(SingleFileCheckpoint::deleteTree);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete the temporary folder {0}: {1}", dir, e);
    }
  }

  @Override
  public String toString() {
    return "SingleFileCheckpoint[" + location + family.map(f -> ", " + f.id()).orElse("") + "]";
  }
}
