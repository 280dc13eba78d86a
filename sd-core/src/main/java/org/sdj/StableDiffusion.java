package org.sdj;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;
import org.sdj.io.hub.HubModel;
import org.sdj.io.hub.HubOptions;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.random.TorchGenerator;

/**
 * A loaded Stable Diffusion model on a backend: the entry point of sdj.
 *
 * <pre>{@code
 * try (StableDiffusion sd = StableDiffusion.builder().model(Path.of("stable-diffusion-v1-5")).build()) {
 *   BufferedImage otter = sd.generate(GenerationRequest.prompt("a cute otter").steps(20).seed(42)).images().get(0);
 * }
 * }</pre>
 *
 * <p>{@link #generate} is thread-safe: one engine serves many requests at once, each with its own memory. Closing the
 * engine frees the weights; do it once no request runs.
 */
public final class StableDiffusion implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StableDiffusion.class.getName());

  private final Backend backend;
  private final PipelineComponents components;
  private final StableDiffusionPipeline pipeline;
  private final String modelName;

  private StableDiffusion(Backend backend, PipelineComponents components, String modelName) {
    this.backend = backend;
    this.components = components;
    this.pipeline = new StableDiffusionPipeline(components, backend);
    this.modelName = modelName;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs one request to the end; see {@link GenerationRequest} for the defaults. */
  public GenerationResult generate(GenerationRequest request) {
    return new Generation(pipeline, modelName, request).run();
  }

  /**
   * The unit-normal latents {@code [batch, 4, height / 8, width / 8]} (flattened) that {@code request} starts from in
   * txt2img: its own initial noise, or the first draw of the torch-compatible generator seeded with its seed, exactly
   * as diffusers draws them with {@code generator=torch.Generator("cpu").manual_seed(seed)}.
   *
   * @throws InvalidRequestException if the request has no seed and no initial noise, or does not fit the model
   */
  public float[] initialNoise(GenerationRequest request) {
    if (request.seed().isEmpty() && request.initialNoise().isEmpty()) {
      throw new InvalidRequestException("the request has no seed: without one its noise is random");
    }
    Generation g = new Generation(pipeline, modelName, request);
    return g.initialNoise(new TorchGenerator(g.seed()));
  }

  /** {@link #generate(GenerationRequest)} on {@code request.build()}. */
  public GenerationResult generate(GenerationRequest.Builder request) {
    return generate(request.build());
  }

  /** The backend's name ({@code cpu}, {@code cuda}, ...). */
  public String backendName() {
    return backend.name();
  }

  /** The model's name: its folder name or Hub id. */
  public String modelName() {
    return modelName;
  }

  /** Frees the weights and the backend. */
  @Override
  public void close() {
    components.close();
    backend.close();
  }

  /** Configures and loads a {@link StableDiffusion}. */
  public static final class Builder {
    private Optional<String> model = Optional.empty();
    private String backend = Backends.AUTO;
    private Optional<String> variant = Optional.empty();

    private Builder() {}

    /** A diffusers pipeline folder. */
    public Builder model(Path folder) {
      this.model = Optional.of(folder.toString());
      return this;
    }

    /**
     * A diffusers pipeline folder, or a Hugging Face Hub id ({@code org/name}, optionally {@code @revision}),
     * downloaded into the shared Hub cache unless already there. An existing path wins over a Hub id.
     */
    public Builder model(String folderOrHubId) {
      this.model = Optional.of(Objects.requireNonNull(folderOrHubId, "folderOrHubId"));
      return this;
    }

    /** {@code auto} (default: the best usable), {@code cpu}, {@code cuda}, {@code reference}. */
    public Builder backend(String name) {
      this.backend = Objects.requireNonNull(name, "name");
      return this;
    }

    /** A weights variant, such as {@code fp16} ({@code *.fp16.safetensors}). */
    public Builder variant(String variant) {
      this.variant = Optional.of(variant);
      return this;
    }

    /**
     * Loads the model.
     *
     * @throws org.sdj.io.model.ModelLoadException listing every problem with the model files
     * @throws SdjException when the backend cannot run here or the model cannot be found
     */
    public StableDiffusion build() {
      String source = model.orElseThrow(() -> new SdjException("no model given: call model(...) first"));
      LoadOptions options = variant.map(LoadOptions.defaults()::withVariant).orElse(LoadOptions.defaults());
      Path folder = locate(source);
      Backend b = Backends.open(backend);
      try {
        PipelineComponents components = PipelineComponents.load(folder, options, b);
        LOG.log(Level.INFO, "loaded {0} on {1}", source, b.description());
        return new StableDiffusion(b, components, modelName(source, folder));
      } catch (RuntimeException e) {
        b.close();
        throw e;
      }
    }

    private Path locate(String source) {
      Path path = Path.of(source);
      if (Files.exists(path) || !HubModel.looksLikeModelId(source)) {
        if (!Files.isDirectory(path)) {
          throw new SdjException("model " + source + " is not a folder"
              + (Files.exists(path) ? "" : " (it does not exist)") + ": give a diffusers pipeline folder or a Hub id");
        }
        return path;
      }
      HubOptions.Builder hub = HubOptions.builder();
      variant.ifPresent(hub::variant);
      return HubModel.resolve(source, hub.build());
    }

    private static String modelName(String source, Path folder) {
      return Files.exists(Path.of(source)) ? String.valueOf(folder.toAbsolutePath().normalize().getFileName())
          : source;
    }
  }
}
