package org.sdj.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.sdj.SdjException;
import org.sdj.backend.Backend;
import org.sdj.backend.Tensor;
import org.sdj.io.checkpoint.OriginalModuleNames;
import org.sdj.io.lora.LoraSet;
import org.sdj.io.model.ClipTextConfig;
import org.sdj.io.model.Component;
import org.sdj.io.model.DiffusersFolder;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.model.LoadProblems;
import org.sdj.io.model.ModelSource;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipTextModel;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.vae.AutoencoderKL;
import org.sdj.prompt.Embedding;
import org.sdj.tokenizer.ClipTokenizer;

/**
 * The loaded parts of a Stable Diffusion pipeline, as diffusers' {@code components}: tokenizer, text encoder, UNet, VAE
 * and the scheduler config, and for SDXL the second tokenizer and text encoder (SDXL's refiner has only those).
 * Weights stay in the model files (mapped) and on the backend until {@link #close()}. Immutable and shareable across
 * threads.
 */
public final class PipelineComponents implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PipelineComponents.class.getName());

  private final ModelSource source;
  private final Optional<FirstEncoder> first;
  private final UNet2DConditionModel unet;
  private final AutoencoderKL vae;
  private final Optional<SecondEncoder> second;
  private final JsonNode schedulerConfig;
  /** The components' weights, tensors made after loading (the VAE's encoder on first use) included. */
  private final List<Weights> weights;
  private final List<Embedding> embeddings;
  /** The VAE on an {@linkplain Backend#upcast() upcast} backend, built when first needed ({@link #vaeOn}). */
  private AutoencoderKL upcastVae;
  private Backend upcastBackend;
  private final List<Weights> upcastWeights = new ArrayList<>();

  private PipelineComponents(ModelSource source, Optional<FirstEncoder> first, Optional<SecondEncoder> second,
      UNet2DConditionModel unet, AutoencoderKL vae, List<Weights> weights, List<Embedding> embeddings) {
    this.source = source;
    this.first = first;
    this.second = second;
    this.unet = unet;
    this.vae = vae;
    this.schedulerConfig = source.schedulerConfig();
    this.weights = weights;
    this.embeddings = List.copyOf(embeddings);
  }

  /**
   * Loads a diffusers pipeline folder onto {@code backend}. Every problem with the folder (missing files, config values
   * sdj does not support, weights missing or of the wrong shape) is reported in one exception.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every problem found
   */
  public static PipelineComponents load(Path directory, LoadOptions options, Backend backend) {
    return load(DiffusersFolder.open(directory, options), backend);
  }

  /**
   * Loads the models of {@code source} onto {@code backend}, taking ownership of the source: it is closed with the
   * components, or at once if loading fails. Every missing or misshapen weight is reported in one exception.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every problem found
   */
  public static PipelineComponents load(ModelSource source, Backend backend) {
    return load(source, backend, ModelExtras.NONE);
  }

  /**
   * {@link #load(ModelSource, Backend)}, with {@code extras}' LoRAs merged into the text encoder's and the UNet's
   * weights and its embeddings kept for the prompts.
   *
   * @throws org.sdj.io.lora.LoraException if a LoRA cannot be merged into this model
   * @throws org.sdj.SdjException if an embedding was made for another text encoder
   */
  public static PipelineComponents load(ModelSource source, Backend backend, ModelExtras extras) {
    List<Weights> made = new ArrayList<>();
    try (LoraSet merging = LoraSet.open(extras.loras())) {
      EnumSet<Component> present = EnumSet.of(Component.UNET);
      source.textEncoder().ifPresent(t -> present.add(Component.TEXT_ENCODER));
      source.textEncoder2().ifPresent(t -> present.add(Component.TEXT_ENCODER_2));
      merging.requireComponents(present);
      LoadProblems problems = new LoadProblems();
      Optional<ClipTextModel> text = source.textEncoder().map(t -> build(source.weights(Component.TEXT_ENCODER),
          source, Component.TEXT_ENCODER, backend, merging, problems, made, w -> new ClipTextModel(t.config(), w)));
      Optional<ClipTextModel> text2 = source.textEncoder2().map(s -> build(source.weights(Component.TEXT_ENCODER_2),
          source, Component.TEXT_ENCODER_2, backend, merging, problems, made,
          w -> new ClipTextModel(s.config(), w, true)));
      UNet2DConditionModel unet = build(extras.unetWeights(source.weights(Component.UNET)), source, Component.UNET,
          backend, merging, problems, made, w -> new UNet2DConditionModel(source.unetConfig(), w));
      AutoencoderKL vae = build(source.weights(Component.VAE), source, Component.VAE, backend, LoraSet.none(),
          problems, made, w -> new AutoencoderKL(source.vaeConfig(), w));
      checkTextEncoders(source, unet, problems);
      problems.throwIfAny("cannot load the model in " + source.location());
      Optional<FirstEncoder> first = source.textEncoder().map(t -> new FirstEncoder(
          ClipTokenizer.load(t.tokenizerDirectory()), text.orElseThrow()));
      Optional<SecondEncoder> second = source.textEncoder2().map(s -> new SecondEncoder(
          ClipTokenizer.load(s.tokenizerDirectory()), text2.orElseThrow(), s.forceZerosForEmptyPrompt(),
          s.requiresAestheticsScore()));
      checkEmbeddings(extras.embeddings(), source.textEncoder().map(t -> (long) t.config().hiddenSize()).orElse(0L),
          source.textEncoder2().map(s -> (long) s.config().hiddenSize()).orElse(0L),
          first.map(FirstEncoder::tokenizer).orElseGet(() -> second.orElseThrow().tokenizer()).maxLength() - 2);
      return new PipelineComponents(source, first, second, unet, vae, made, extras.embeddings());
    } catch (RuntimeException e) {
      closeAll(made);
      source.close();
      throw e;
    }
  }

  /** Builds {@code component} from {@code weights}, its weights in {@code source} or more. */
  private static <M> M build(TensorSource weights, ModelSource source, Component component, Backend backend,
      LoraSet loras, LoadProblems problems, List<Weights> made, Function<Weights, M> constructor) {
    // LoRAs may name the UNet's layers the original (CompVis) way, as A1111 reads them too.
    Weights w = Weights.of(backend, weights, component == Component.UNET
        ? loras.merger(component, weights.names(), OriginalModuleNames.unet(source.unetConfig()))
        : loras.merger(component, weights.names()));
    made.add(w);
    M model = constructor.apply(w);
    for (String p : w.problems()) {
      problems.add(component.folderName() + ": " + p);
    }
    Set<String> untaken = w.untaken();
    if (!untaken.isEmpty()) {
      LOG.log(Level.DEBUG, "{0}: {1} tensors not used, e.g. {2}", component.folderName(), untaken.size(),
          untaken.iterator().next());
    }
    return model;
  }

  /**
   * An SDXL UNet reads both text encoders' hidden states side by side (the refiner's, the second one's alone) and the
   * second one's pooled projection: their widths must add up, as diffusers would find out only in the first step.
   */
  private static void checkTextEncoders(ModelSource source, UNet2DConditionModel unet, LoadProblems problems) {
    long width = source.textEncoder().map(t -> t.config().hiddenSize()).orElse(0);
    if (unet.takesAddedCondition() && source.textEncoder2().isEmpty()) {
      problems.add("unet: addition_embed_type text_time (SDXL) needs a second text encoder (text_encoder_2), which"
          + " this model does not have");
      return;
    }
    if (source.textEncoder2().isPresent()) {
      ModelSource.SecondTextEncoder spec = source.textEncoder2().get();
      ClipTextConfig second = spec.config();
      width += second.hiddenSize();
      int timeIds = spec.requiresAestheticsScore() ? UNet2DConditionModel.AESTHETIC_TIME_IDS
          : UNet2DConditionModel.TIME_IDS;
      if (!unet.takesAddedCondition()) {
        problems.add("text_encoder_2: a second text encoder (SDXL) needs a UNet with addition_embed_type text_time");
      } else if (unet.pooledTextWidth(timeIds) != second.projectionDim()) {
        int other = timeIds == UNet2DConditionModel.TIME_IDS ? UNet2DConditionModel.AESTHETIC_TIME_IDS
            : UNet2DConditionModel.TIME_IDS;
        problems.add("unet: projection_class_embeddings_input_dim leaves " + unet.pooledTextWidth(timeIds)
            + " values for the pooled text embedding beside " + timeIds + " time ids, but text_encoder_2's"
            + " projection_dim is " + second.projectionDim() + (unet.pooledTextWidth(other) == second.projectionDim()
                ? " (it fits " + other + " time ids: set model_index.json's requires_aesthetics_score to "
                    + (other == UNet2DConditionModel.AESTHETIC_TIME_IDS) + ")" : ""));
      }
    }
    long context = width;
    List<Integer> widths = source.unetConfig().crossAttentionDim();
    if (widths.stream().anyMatch(w -> w != context)) {
      problems.add("unet: cross_attention_dim " + widths.getFirst() + " does not match the text encoders' width "
          + context);
    }
  }

  /**
   * @param hidden the first text encoder's hidden size, 0 for SDXL's refiner (which reads an SDXL embedding's clip_g
   *     vectors)
   * @param hidden2 the second text encoder's hidden size, 0 for a model with one
   */
  private static void checkEmbeddings(List<Embedding> embeddings, long hidden, long hidden2, int chunk) {
    for (Embedding e : embeddings) {
      if (e.forTwoEncoders() != (hidden2 > 0)) {
        throw new SdjException("embedding " + e.name() + (e.forTwoEncoders()
            ? " is an SDXL embedding (clip_l and clip_g), but this model has one text encoder"
            : " has vectors for one text encoder, but this SDXL model has two (an SDXL embedding has clip_l and"
                + " clip_g)"));
      }
      if (e.forTwoEncoders() && e.secondDim() != hidden2) {
        throw new SdjException("embedding " + e.name() + " has clip_g vectors of " + e.secondDim() + " values, but"
            + " this model's second text encoder takes " + hidden2);
      }
      if (hidden > 0 && e.dim() != hidden) {
        throw new SdjException("embedding " + e.name() + " has vectors of " + e.dim() + " values, but this model's"
            + " text encoder takes " + hidden + ": an embedding for another model family");
      }
      if (e.count() > chunk) {
        throw new SdjException("embedding " + e.name() + " has " + e.count() + " vectors; a prompt chunk holds "
            + chunk);
      }
    }
  }

  /** The textual-inversion embeddings prompts in A1111's syntax may call. */
  public List<Embedding> embeddings() {
    return embeddings;
  }

  /**
   * The (first) tokenizer and text encoder: SD 1.x's and 2.x's only one, SDXL base's CLIP ViT-L; empty for SDXL's
   * refiner.
   */
  public Optional<FirstEncoder> first() {
    return first;
  }

  /** A pipeline's {@code tokenizer} and {@code text_encoder}. */
  public record FirstEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder) {}

  /** The tokenizer that bounds a prompt's chunks: the first one's, or the refiner's only one. */
  public ClipTokenizer promptTokenizer() {
    return first.map(FirstEncoder::tokenizer).orElseGet(() -> second.orElseThrow().tokenizer());
  }

  /** The fewest layers of the text encoders: what clip skip can skip. */
  public int textEncoderLayers() {
    return Math.min(first.map(f -> f.textEncoder().layerCount()).orElse(Integer.MAX_VALUE),
        second.map(s -> s.textEncoder().layerCount()).orElse(Integer.MAX_VALUE));
  }

  /** SDXL's second tokenizer and text encoder (with projection); empty for other pipelines. */
  public Optional<SecondEncoder> second() {
    return second;
  }

  /**
   * SDXL's second tokenizer and text encoder.
   *
   * @param forceZerosForEmptyPrompt an empty negative prompt stands for zero embeddings (model_index.json's
   *     {@code force_zeros_for_empty_prompt}; AUTOMATIC1111 does the same)
   * @param requiresAestheticsScore the UNet's time ids end with an aesthetic score (SDXL's refiner;
   *     {@code requires_aesthetics_score})
   */
  public record SecondEncoder(ClipTokenizer tokenizer, ClipTextModel textEncoder, boolean forceZerosForEmptyPrompt,
      boolean requiresAestheticsScore) {}

  public UNet2DConditionModel unet() {
    return unet;
  }

  public AutoencoderKL vae() {
    return vae;
  }

  /**
   * The VAE on {@code wide}, the backend's {@link Backend#upcast()}: built from the model files on the first call
   * (their weights are still mapped), freed with these components.
   */
  public synchronized AutoencoderKL vaeOn(Backend wide) {
    if (upcastVae == null || upcastBackend != wide) {
      LoadProblems problems = new LoadProblems();
      List<Weights> made = new ArrayList<>();
      AutoencoderKL built;
      try {
        built = build(source.weights(Component.VAE), source, Component.VAE, wide, LoraSet.none(), problems, made,
            w -> new AutoencoderKL(source.vaeConfig(), w));
        problems.throwIfAny("cannot load the VAE of " + source.location() + " on " + wide.name());
      } catch (RuntimeException e) {
        closeAll(made);
        throw e;
      }
      closeAll(upcastWeights);
      upcastWeights.clear();
      upcastWeights.addAll(made);
      upcastVae = built;
      upcastBackend = wide;
    }
    return upcastVae;
  }

  /** The model's scheduler config ({@code scheduler/scheduler_config.json} of a diffusers folder; a copy). */
  public JsonNode schedulerConfig() {
    return schedulerConfig.deepCopy();
  }

  /** Where the model was loaded from: a diffusers folder or a single-file checkpoint. */
  public Path location() {
    return source.location();
  }

  /** Frees the weights and unmaps the model files. */
  @Override
  public void close() {
    synchronized (this) {
      closeAll(upcastWeights);
      upcastWeights.clear();
      upcastVae = null;
    }
    closeAll(weights);
    source.close();
  }

  private static void closeAll(List<Weights> weights) {
    for (Weights w : weights) {
      w.tensors().forEach(Tensor::close);
    }
  }

}
