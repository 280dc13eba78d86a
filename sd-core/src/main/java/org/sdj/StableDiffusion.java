package org.sdj;

import java.awt.image.BufferedImage;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.backend.BackendHints;
import org.sdj.backend.Backends;
import org.sdj.io.checkpoint.CheckpointOptions;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.io.checkpoint.SingleFileCheckpoint;
import org.sdj.io.checkpoint.VaeFile;
import org.sdj.io.hub.DownloadListener;
import org.sdj.io.hub.HubFiles;
import org.sdj.io.hub.HubModel;
import org.sdj.io.hub.HubOptions;
import org.sdj.io.ipadapter.IpAdapterFile;
import org.sdj.io.lora.Lora;
import org.sdj.io.model.Component;
import org.sdj.io.model.DiffusersFolder;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.model.ModelSource;
import org.sdj.pipeline.LoadedTinyAutoencoder;
import org.sdj.pipeline.ModelExtras;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;
import org.sdj.prompt.Embedding;

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
  private final AttachedModels attached;
  /** The LoRAs merged at load, which A1111's {@code <lora:name:weight>} prompt tags may name. */
  private final List<Lora> loras;

  private StableDiffusion(Backend backend, PipelineComponents components, String modelName, boolean vaeTiling,
      AttachedModels attached, List<Lora> loras) {
    this.loras = List.copyOf(loras);
    this.backend = backend;
    this.components = components;
    this.pipeline = new StableDiffusionPipeline(components, backend, vaeTiling)
        .withTinyAutoencoder(attached.tinyAutoencoder().map(LoadedTinyAutoencoder::model));
    this.modelName = modelName;
    this.attached = attached;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs one request to the end; see {@link GenerationRequest} for the defaults.
   *
   * @throws InvalidRequestException if the request does not fit the model, before any work
   * @throws SdjException if the Java heap runs out during the run (said so, with what to lower), among other failures
   */
  public GenerationResult generate(GenerationRequest request) {
    if (request.sdUpscale().isPresent()) {
      return SdUpscaleRun.run(request, attached,
          components.unet().config().sampleSize().orElse(64) * components.vae().downscaleFactor(), this::generate);
    }
    Generation generation = new Generation(pipeline, modelName, attached, loras, request);
    try {
      return generation.run();
    } catch (OutOfMemoryError e) {
      // The run's arrays are unreachable once the error has left it, so the caller can go on (with a smaller request).
      throw new SdjException("out of Java heap memory (" + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB) at "
          + generation.describe() + " on the " + backend.name() + " backend: lower the batch size or the image size,"
          + " or give the JVM more heap (-Xmx; for the sdj command SDJ_JAVA_OPTS=-Xmx16g)", e);
    }
  }

  /**
   * The unit-normal latents {@code [batch, 4, height / 8, width / 8]} (flattened) that {@code request} starts from in
   * txt2img: its own initial noise, or its seed's starting noise as its {@link NoiseOptions} draw it: by default
   * exactly as diffusers draws it with {@code generator=torch.Generator("cpu").manual_seed(seed)}.
   *
   * @throws InvalidRequestException if the request has no seed and no initial noise, or does not fit the model
   */
  public float[] initialNoise(GenerationRequest request) {
    if (request.seed().isEmpty() && request.initialNoise().isEmpty()) {
      throw new InvalidRequestException("the request has no seed: without one its noise is random");
    }
    Generation g = new Generation(pipeline, modelName, attached, loras, request);
    return g.initialNoise(g.noise());
  }

  /** {@link #generate(GenerationRequest)} on {@code request.build()}. */
  public GenerationResult generate(GenerationRequest.Builder request) {
    return generate(request.build());
  }

  /** The backend's name ({@code cpu}, {@code cuda}, ...). */
  public String backendName() {
    return backend.name();
  }

  /**
   * {@code image} enlarged {@code scale} times, as AUTOMATIC1111's Extras tab does: by {@value SdUpscale#LANCZOS}, or
   * by an upscaling network loaded with the engine ({@link Builder#upscaler}, by its name), run on the engine's
   * backend tile by tile as A1111 runs it, then fitted by Lanczos to each side times {@code scale} rounded down to a
   * multiple of 8.
   *
   * @return a new {@code TYPE_INT_RGB} image
   * @throws InvalidRequestException if no upscaler has that name, or the scale or result size is out of range
   */
  public BufferedImage upscale(BufferedImage image, String upscaler, double scale) {
    if (!(scale > 0 && scale <= SdUpscale.MAX_SCALE)) {
      throw new InvalidRequestException("upscale factor must be in (0, " + SdUpscale.MAX_SCALE + "], got " + scale);
    }
    return SdUpscaleRun.enlarged(image, upscaler, scale, attached);
  }

  /** The model's name: its folder name or Hub id. */
  public String modelName() {
    return modelName;
  }

  /** Frees the weights and the backend. */
  @Override
  public void close() {
    components.close();
    attached.close();
    backend.close();
  }

  /** Configures and loads a {@link StableDiffusion}. */
  public static final class Builder {
    private Optional<String> model = Optional.empty();
    private String backend = Backends.AUTO;
    private Optional<String> variant = Optional.empty();
    private DownloadListener downloads = DownloadListener.NONE;
    private Optional<HubOptions> hub = Optional.empty();
    private CheckpointOptions checkpoint = CheckpointOptions.defaults();
    private final List<LoraSource> loras = new ArrayList<>();
    private final List<Path> embeddings = new ArrayList<>();
    private Optional<Path> vae = Optional.empty();
    private Optional<String> tinyAutoencoder = Optional.empty();
    private boolean vaeTiling;
    private Optional<String> refiner = Optional.empty();
    private final List<String> controlNets = new ArrayList<>();
    private final List<IpAdapterPaths> ipAdapters = new ArrayList<>();
    private final List<Path> upscalers = new ArrayList<>();

    private Builder() {}

    /**
     * A diffusers pipeline folder, or a single-file checkpoint in the original layout ({@code
     * v1-5-pruned-emaonly.safetensors}; see {@link #config(Path)} and {@link #family(ModelFamily)}).
     */
    public Builder model(Path folderOrFile) {
      this.model = Optional.of(folderOrFile.toString());
      return this;
    }

    /**
     * A diffusers pipeline folder, a single-file checkpoint, or a Hugging Face Hub id ({@code org/name}, optionally
     * {@code @revision}), downloaded into the shared Hub cache unless already there. An existing path wins over a Hub
     * id.
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
     * For a single-file checkpoint whose architecture is not one of the published ones: a diffusers folder whose
     * configs and tokenizer describe it (its weights are not read).
     */
    public Builder config(Path diffusersFolder) {
      this.checkpoint = checkpoint.withConfig(Objects.requireNonNull(diffusersFolder, "diffusersFolder"));
      return this;
    }

    /**
     * For a single-file checkpoint: the published architecture to load it as, instead of the one detected from its
     * tensors (which cannot tell SD 2.x 512-base from 768-v, and takes 768-v).
     */
    public Builder family(ModelFamily family) {
      this.checkpoint = checkpoint.withFamily(Objects.requireNonNull(family, "family"));
      return this;
    }

    /**
     * Reads the VAE's weights from {@code file} instead of the model's ({@code .safetensors} or {@code .ckpt}, in the
     * original layout or diffusers'), as A1111's {@code --vae} does: for checkpoints whose own VAE is worse.
     */
    public Builder vae(Path file) {
      this.vae = Optional.of(Objects.requireNonNull(file, "file"));
      return this;
    }

    /**
     * Runs TAESD, a distilled tiny autoencoder, in place of the model's VAE, as diffusers' {@code pipe.vae =
     * AutoencoderTiny.from_pretrained("madebyollin/taesd")} and stable-diffusion.cpp's {@code --taesd}: pictures
     * decoded (and img2img's encoded) in a few percent of the VAE's time, a little softer. A diffusers folder or Hub id
     * ({@code madebyollin/taesd} for SD 1.x/2.x, {@code madebyollin/taesdxl} for SDXL), its weights file alone, or one
     * of TAESD's own files ({@code taesd_decoder.pth}: the model's VAE then still encodes). With {@link #vaeTiling},
     * TAESD runs tile by tile as diffusers' {@code AutoencoderTiny.enable_tiling()} does.
     */
    public Builder tinyAutoencoder(String folderFileOrHubId) {
      this.tinyAutoencoder = Optional.of(Objects.requireNonNull(folderFileOrHubId, "folderFileOrHubId"));
      return this;
    }

    /** {@link #tinyAutoencoder(String)} of a folder or file. */
    public Builder tinyAutoencoder(Path folderOrFile) {
      return tinyAutoencoder(Objects.requireNonNull(folderOrFile, "folderOrFile").toString());
    }

    /**
     * Merges the LoRA in {@code file} (kohya's or diffusers' {@code .safetensors} layout) into the text encoder's and
     * the UNet's weights at load, at strength {@code weight} (1: as trained); may be called for several.
     */
    public Builder lora(Path file, double weight) {
      return lora(Objects.requireNonNull(file, "file").toString(), weight);
    }

    /**
     * {@link #lora(Path, double)} of a file, or of a file in a Hugging Face Hub repository,
     * {@code org/name/path/in/repo.safetensors} (as diffusers' {@code load_lora_weights(repo, weight_name=...)};
     * see {@link HubFiles}), downloaded once into the shared Hub cache.
     */
    public Builder lora(String fileOrHubFile, double weight) {
      if (!Double.isFinite(weight)) {
        throw new IllegalArgumentException("LoRA weight must be a finite number, got " + weight);
      }
      loras.add(new LoraSource(Objects.requireNonNull(fileOrHubFile, "fileOrHubFile"), weight));
      return this;
    }

    /**
     * A textual-inversion embedding ({@code .safetensors} or {@code .pt}, A1111's or diffusers' layout) that prompts
     * in {@link org.sdj.prompt.PromptSyntax#A1111 A1111's syntax} call by its file name without the extension
     * ({@code EasyNegative.safetensors}: {@code EasyNegative}); may be called for several.
     */
    public Builder embedding(Path file) {
      embeddings.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    /**
     * Runs the VAE tile by tile on pictures larger than its tile ({@code sample_size} pixels: 512 for SD 1.x), as
     * diffusers' {@code enable_vae_tiling()} does: the memory of a decode or an encode then follows the tile, not the
     * picture, at the price of blended seams (off by default, as in diffusers).
     */
    public Builder vaeTiling(boolean tiled) {
      this.vaeTiling = tiled;
      return this;
    }

    /** Told of the progress of Hub downloads (per file, in bytes); none by default. */
    /**
     * A refiner to load beside the model, on the same backend, for the requests that hand it the end of the schedule
     * ({@link GenerationRequest.Builder#refiner(double)}): SDXL's refiner (a diffusers folder or the Hub id
     * {@code stabilityai/stable-diffusion-xl-refiner-1.0}), or any model whose latents are the model's (as
     * AUTOMATIC1111 allows). It takes the model's variant, but no LoRA, embedding or VAE file.
     */
    public Builder refiner(String folderFileOrHubId) {
      this.refiner = Optional.of(Objects.requireNonNull(folderFileOrHubId, "folderFileOrHubId"));
      return this;
    }

    /**
     * A ControlNet to load beside the model, on the same backend, for the requests that give a control image
     * ({@link GenerationRequest.Builder#control}); call it again for more, whose residuals add up, as diffusers'
     * {@code MultiControlNetModel} and A1111's units do. Each is made for the model's UNet: a diffusers ControlNet
     * folder ({@code config.json}, {@code diffusion_pytorch_model.safetensors}, e.g. lllyasviel/sd-controlnet-canny;
     * read in the model's variant where it has one), or one file in the original layout
     * ({@code control_v11p_sd15_canny.pth} or {@code .safetensors}, as AUTOMATIC1111 reads them). A diffusers
     * T2I-Adapter folder ({@code _class_name "T2IAdapter"}, e.g. TencentARC/t2iadapter_canny_sd15v2 or
     * t2i-adapter-canny-sdxl-1.0) is a unit too, as in A1111's ControlNet extension: its feature maps of the control
     * image, times the scale, join the UNet's down blocks (diffusers' {@code StableDiffusionAdapterPipeline}; the
     * window's end is {@code adapter_conditioning_factor}), and the picture's sides must be multiples of its total
     * downscale factor (64 for SD 1.x's, 32 for SDXL's).
     */
    public Builder controlNet(Path folderOrFile) {
      this.controlNets.add(Objects.requireNonNull(folderOrFile, "folderOrFile").toString());
      return this;
    }

    /**
     * {@link #controlNet(Path)} of a folder, a file, or a Hugging Face Hub id of a ControlNet or T2I-Adapter
     * repository ({@code lllyasviel/sd-controlnet-canny}, {@code TencentARC/t2iadapter_canny_sd15v2}; its
     * {@code config.json} and weights, in the model's variant where it has them, downloaded into the shared Hub cache
     * unless already there). An existing path wins over a Hub id.
     */
    public Builder controlNet(String folderFileOrHubId) {
      this.controlNets.add(Objects.requireNonNull(folderFileOrHubId, "folderFileOrHubId"));
      return this;
    }

    /**
     * An upscaling network for the hires fix ({@link HiresFix#withUpscalerModel}): an ESRGAN file, {@code .pth} or
     * {@code .safetensors} (Real-ESRGAN's {@code RealESRGAN_x4plus.pth}, 4x-UltraSharp, ...), known by its
     * {@link org.sdj.upscale.ModelUpscaler#name() name} (A1111's: {@code R-ESRGAN 4x+} for Real-ESRGAN's x4plus,
     * else the file's name without its extension); call it again for more. It runs on the engine's backend.
     */
    public Builder upscaler(Path file) {
      upscalers.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    /**
     * An IP-Adapter to load into the model, for the requests that give an image prompt ({@link
     * GenerationRequest.Builder#imagePrompt}): h94/IP-Adapter's files ({@code ip-adapter_sd15.bin} or
     * {@code .safetensors}, {@code ip-adapter-plus_sd15}, {@code ip-adapter_sdxl}, ...), made for the model's UNet,
     * with the image encoder in the {@code image_encoder} folder beside the file, as that repository lays them out
     * ({@code models/image_encoder} beside {@code models/ip-adapter_sd15.bin}); call it again for more, as diffusers'
     * {@code load_ip_adapter} takes lists. Its projections join the UNet's cross-attention, as diffusers'
     * {@code IPAdapterAttnProcessor}.
     */
    public Builder ipAdapter(Path file) {
      return ipAdapter(file, file.toAbsolutePath().getParent().resolve("image_encoder"));
    }

    /**
     * {@link #ipAdapter(Path)} of a file, or of a file in a Hugging Face Hub repository ({@code
     * h94/IP-Adapter/models/ip-adapter_sd15.safetensors}, as diffusers' {@code load_ip_adapter("h94/IP-Adapter",
     * subfolder="models", weight_name=...)}; see {@link HubFiles}), its image encoder from the {@code image_encoder}
     * folder beside it, in the same repository for a Hub file.
     */
    public Builder ipAdapter(String fileOrHubFile) {
      String source = Objects.requireNonNull(fileOrHubFile, "fileOrHubFile");
      if (!HubFiles.looksLikeReference(source)) {
        return ipAdapter(Path.of(source));
      }
      int slash = source.lastIndexOf('/');
      return ipAdapter(source, source.substring(0, slash + 1) + "image_encoder");
    }

    /**
     * {@link #ipAdapter(Path, Path)} of files or Hub repository paths: the adapter's file, and the image encoder's
     * folder ({@code h94/IP-Adapter/models/image_encoder}, whose {@code config.json} and weights are downloaded).
     */
    public Builder ipAdapter(String fileOrHubFile, String imageEncoderFolderOrHubFolder) {
      ipAdapters.add(new IpAdapterPaths(Objects.requireNonNull(fileOrHubFile, "fileOrHubFile"),
          Objects.requireNonNull(imageEncoderFolderOrHubFolder, "imageEncoderFolderOrHubFolder")));
      return this;
    }

    /**
     * {@link #ipAdapter(Path)} with its image encoder (a transformers {@code CLIPVisionModelWithProjection} folder)
     * where it is not beside the file: the ViT-H one ({@code models/image_encoder}) for the {@code *_vit-h} SDXL
     * adapters, for example.
     */
    public Builder ipAdapter(Path file, Path imageEncoderFolder) {
      return ipAdapter(Objects.requireNonNull(file, "file").toString(),
          Objects.requireNonNull(imageEncoderFolder, "imageEncoderFolder").toString());
    }

    /** {@link #refiner(String)} from a folder or file. */
    public Builder refiner(Path folderOrFile) {
      return refiner(folderOrFile.toString());
    }

    /**
     * Where and how Hugging Face Hub ids and files are fetched: the cache folder, the endpoint, the token, offline
     * mode ({@link HubOptions}; the model's variant and the {@linkplain #downloadListener download listener} still
     * apply). By default they come from the environment, as huggingface_hub reads it ({@code HF_HOME},
     * {@code HF_HUB_CACHE}, {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HUB_OFFLINE}).
     */
    public Builder hub(HubOptions options) {
      this.hub = Optional.of(Objects.requireNonNull(options, "options"));
      return this;
    }

    public Builder downloadListener(DownloadListener listener) {
      this.downloads = Objects.requireNonNull(listener, "listener");
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
      List<Embedding> words = embeddings.stream().map(Embedding::read).toList();
      List<Lora> merged = loras.stream().map(l -> new Lora(localFile(l.file()), l.weight())).toList();
      LoadOptions options = variant.map(LoadOptions.defaults()::withVariant).orElse(LoadOptions.defaults());
      Path location = locate(source);
      ModelSource model = open(location, options);
      ModelSource opened = vae.isPresent() ? VaeFile.replace(model, vae.get()) : model;
      Backend b;
      try {
        // A half-precision backend computes in bf16 for a bf16 checkpoint, whose values may overflow float16.
        b = Backends.open(backend, BackendHints.weights(opened.predominantDtype(Component.UNET)));
      } catch (RuntimeException e) {
        opened.close();
        throw e;
      }
      PipelineComponents components = null;
      List<AttachedModels.IpAdapterSource> adapters = new ArrayList<>();
      boolean attachedOwnsAdapters = false;
      try {
        for (IpAdapterPaths paths : ipAdapters) {
          adapters.add(new AttachedModels.IpAdapterSource(IpAdapterFile.open(localFile(paths.file())),
              localFolder(paths.imageEncoder())));
        }
      } catch (RuntimeException e) {
        adapters.forEach(a -> a.file().close());
        opened.close();
        b.close();
        throw e;
      }
      try {
        components = PipelineComponents.load(opened, b, new ModelExtras(merged, words,
            adapters.stream().map(AttachedModels.IpAdapterSource::file).toList()));
        LOG.log(Level.INFO, "loaded {0} on {1}", source, b.description());
        Optional<AttachedModels.RefinerSource> refinerSource = refiner.map(r -> openRefiner(r, options));
        attachedOwnsAdapters = true;
        AttachedModels attached = AttachedModels.load(refinerSource,
            controlNets.stream().map(this::locateControl).toList(), adapters, variant, b, components, vaeTiling,
            upscalers, tinyAutoencoder.map(this::locateModel));
        return new StableDiffusion(b, components, modelName(source, location), vaeTiling, attached, merged);
      } catch (RuntimeException e) {
        if (components != null) {
          components.close();
        }
        if (!attachedOwnsAdapters) {
          adapters.forEach(a -> a.file().close());
        }
        b.close();
        throw e;
      }
    }

    /** The refiner's model files, opened (a folder, a single file, or a Hub id's snapshot). */
    private AttachedModels.RefinerSource openRefiner(String source, LoadOptions options) {
      Path location = locate(source);
      if (Files.isDirectory(location)) {
        return new AttachedModels.RefinerSource(DiffusersFolder.open(location, options), modelName(source, location));
      }
      if (!SingleFileCheckpoint.isCheckpointFile(location)) {
        throw new SdjException("refiner " + location + " is a file but not a checkpoint: give a diffusers pipeline"
            + " folder, a single-file checkpoint or a Hub id");
      }
      return new AttachedModels.RefinerSource(SingleFileCheckpoint.open(location, CheckpointOptions.defaults()),
          modelName(source, location));
    }

    private ModelSource open(Path path, LoadOptions options) {
      if (Files.isDirectory(path)) {
        if (!checkpoint.equals(CheckpointOptions.defaults())) {
          throw new SdjException("config(...) and family(...) describe single-file checkpoints, but " + path
              + " is a diffusers folder, which has its own configs");
        }
        return DiffusersFolder.open(path, options);
      }
      if (!SingleFileCheckpoint.isCheckpointFile(path)) {
        throw new SdjException("model " + path + " is a file but not a checkpoint (.safetensors, .ckpt, .pt, .pth or"
            + " .bin): give a diffusers pipeline folder, a single-file checkpoint or a Hub id");
      }
      if (variant.isPresent()) {
        throw new SdjException("variant " + variant.get() + " selects files in a diffusers folder, but " + path
            + " is a single file");
      }
      return SingleFileCheckpoint.open(path, checkpoint);
    }

    private Path locate(String source) {
      Path path = Path.of(source);
      if (Files.exists(path) || !HubModel.looksLikeModelId(source)) {
        if (!Files.isDirectory(path) && !Files.isRegularFile(path)) {
          throw new SdjException("model " + source + (Files.exists(path) ? " is not a folder or a file"
              : " does not exist") + ": give a diffusers pipeline folder, a single-file checkpoint or a Hub id");
        }
        return path;
      }
      return HubModel.resolve(source, hubOptions());
    }

    /** A control unit's files: the path as given where it exists, else a Hub id's snapshot (named by the id). */
    private ControlUnits.Source locateControl(String source) {
      Path path = Path.of(source);
      boolean local = Files.exists(path) || !HubModel.looksLikeModelId(source);
      return new ControlUnits.Source(locateModel(source), local ? ModelSource.nameOf(path) : source);
    }

    /**
     * A folder or file as given where it exists (or is no Hub id), else the local copy of a Hub repository of one
     * diffusers model at its root.
     */
    private Path locateModel(String source) {
      Path path = Path.of(source);
      return Files.exists(path) || !HubModel.looksLikeModelId(source) ? path
          : HubModel.resolveModel(source, hubOptions());
    }

    /** Hub downloads in the model's variant, told to the download listener. */
    private HubOptions hubOptions() {
      HubOptions.Builder options = hub.map(HubOptions::toBuilder).orElseGet(HubOptions::builder).listener(downloads);
      variant.ifPresent(options::variant);
      return options.build();
    }

    /** An IP-Adapter file and the folder of its image encoder, each local or in a Hub repository. */
    private record IpAdapterPaths(String file, String imageEncoder) {}

    /** A LoRA's file, local or in a Hub repository, and its weight. */
    private record LoraSource(String file, double weight) {}

    /** A file as given where it exists (or is no Hub reference), else the Hub file's local copy. */
    private Path localFile(String source) {
      return HubFiles.looksLikeReference(source) ? HubFiles.file(source, hubOptions()) : Path.of(source);
    }

    /** A folder as given where it exists (or is no Hub reference), else the Hub folder's local copy. */
    private Path localFolder(String source) {
      return HubFiles.looksLikeReference(source) ? HubFiles.folder(source, hubOptions()) : Path.of(source);
    }

    /** A folder's name, a file's name without its extension (as AUTOMATIC1111 names models), or the Hub id. */
    private static String modelName(String source, Path location) {
      return Files.exists(Path.of(source)) ? ModelSource.nameOf(location) : source;
    }
  }
}
