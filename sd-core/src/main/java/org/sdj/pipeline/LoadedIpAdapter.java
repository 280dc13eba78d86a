package org.sdj.pipeline;

import org.sdj.SdjException;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.io.ipadapter.IpAdapterFile;
import org.sdj.io.model.ClipVisionConfig;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipVisionModel;
import org.sdj.model.ipadapter.IPAdapterFullImageProjection;
import org.sdj.model.ipadapter.IPAdapterPlusImageProjection;
import org.sdj.model.ipadapter.ImageProjection;
import org.sdj.model.ipadapter.ImagePromptProjection;

/**
 * An IP-Adapter's image side on a backend: its image encoder (transformers' {@code CLIPVisionModelWithProjection}, a
 * folder such as h94/IP-Adapter's {@code models/image_encoder}) and its image projection, which together turn an
 * image prompt into the tokens the UNet's cross-attention reads (its attention side is loaded into the UNet's weights,
 * {@link IpAdapterFile#intoUNet}).
 */
public final class LoadedIpAdapter implements AutoCloseable {
  private final IpAdapterFile file;
  private final ClipVisionModel encoder;
  private final ImagePromptProjection projection;
  private final Weights weights;

  private LoadedIpAdapter(IpAdapterFile file, ClipVisionModel encoder, ImagePromptProjection projection,
      Weights weights) {
    this.file = file;
    this.encoder = encoder;
    this.projection = projection;
    this.weights = weights;
  }

  /**
   * Loads the image projection of {@code file} onto {@code backend}, to read the output of {@code encoder}. The file
   * and the encoder stay the caller's.
   *
   * @param crossAttentionDim the UNet's, which the image tokens must match
   * @throws SdjException if the projection is missing, misshapen or made for another encoder or model
   */
  public static LoadedIpAdapter load(IpAdapterFile file, LoadedImageEncoder encoder, long crossAttentionDim,
      Backend backend) {
    TensorSource tensors = file.imageProjection();
    Weights weights = Weights.of(backend, tensors);
    try {
      ImagePromptProjection projection = projection(file, tensors, weights, encoder, crossAttentionDim);
      if (!weights.problems().isEmpty()) {
        throw new ModelLoadException("Cannot load the image projection of IP-Adapter " + file.file(),
            weights.problems());
      }
      return new LoadedIpAdapter(file, encoder.model(), projection, weights);
    } catch (RuntimeException e) {
      weights.tensors().forEach(Tensor::close);
      throw e;
    }
  }

  /** The projection the file's kind says, sized from its tensors and checked against the encoder and the UNet. */
  private static ImagePromptProjection projection(IpAdapterFile file, TensorSource tensors, Weights w,
      LoadedImageEncoder encoder, long crossAttentionDim) {
    ImagePromptProjection projection = switch (file.kind()) {
      case PLAIN -> {
        long[] proj = tensors.get("image_embeds.weight").shape();
        long tokens = 4;
        yield new ImageProjection(w, proj[1], tokens, proj[0] / tokens);
      }
      case PLUS -> {
        long[] latents = tensors.get("latents").shape();
        long[] out = tensors.get("proj_out.weight").shape();
        yield new IPAdapterPlusImageProjection(w, tensors.get("proj_in.weight").shape()[1], latents[1], latents[2],
            out[0]);
      }
      case FULL -> new IPAdapterFullImageProjection(w, tensors.get("ff.net.0.proj.weight").shape()[1],
          encoder.model().config().tokenCount(), tensors.get("ff.net.2.weight").shape()[0]);
    };
    ClipVisionConfig config = encoder.model().config();
    ImagePromptProjection.Shape shape = projection.shape();
    long encoderWidth = shape.input() == ImagePromptProjection.Input.IMAGE_EMBEDS ? config.projectionDim()
        : config.hiddenSize();
    if (shape.inputWidth() != encoderWidth) {
      throw new SdjException("IP-Adapter " + file.name() + " takes image features " + shape.inputWidth()
          + " wide, but the image encoder in " + encoder.folder() + " gives " + encoderWidth + ": give the encoder it"
          + " was trained with (ViT-H, models/image_encoder, gives 1024 and 1280; ViT-bigG, sdxl_models/image_encoder,"
          + " 1280 and 1664)");
    }
    if (shape.crossAttentionDim() != crossAttentionDim) {
      throw new SdjException("IP-Adapter " + file.name() + " makes image tokens " + shape.crossAttentionDim()
          + " wide, but the UNet reads text " + crossAttentionDim + " wide: it was made for another model");
    }
    return projection;
  }
  /** Its name: the file's, without the extension. */
  public String name() {
    return file.name();
  }

  /** The side of the square pictures its image encoder takes ({@code image_size}). */
  public int imageSize() {
    return encoder.config().imageSize();
  }

  /**
   * The image tokens of an image prompt and of its unconditional counterpart, as diffusers'
   * {@code prepare_ip_adapter_image_embeds} makes them: the plain kind's from zero image embeddings, the resampler's
   * from the encoder's features of an all-zero picture.
   *
   * @param pixels the image prompt as the image processor makes it, {@code [3, S, S]} flattened
   * @param type the backend's activation type, which the encoder computes in
   * @return {@code [2, T, cross_attention_dim]}: the unconditional tokens, then the conditional ones
   */
  public Tensor tokens(Ops ops, float[] pixels, DType type) {
    int size = imageSize();
    if (pixels.length != 3 * size * size) {
      throw new IllegalArgumentException("the image prompt has " + pixels.length + " values, not 3 x " + size + " x "
          + size);
    }
    Tensor features = switch (projection.shape().input()) {
      case IMAGE_EMBEDS -> {
        Tensor image = ops.fromHost(pixels, type, 1, 3, size, size);
        Tensor embeds = encoder.imageEmbeds(ops, image);
        image.close();
        // diffusers' unconditional image embeddings are zeros, not those of a blank picture.
        Tensor zero = ops.fromHost(new float[Math.toIntExact(embeds.dim(1))], type, 1, embeds.dim(1));
        Tensor out = ops.concat(0, zero, embeds);
        embeds.close();
        zero.close();
        yield out;
      }
      case PENULTIMATE_HIDDEN_STATES -> {
        // The unconditional features are those of an all-zero picture, in one batch with the image's.
        float[] both = new float[2 * pixels.length];
        System.arraycopy(pixels, 0, both, pixels.length, pixels.length);
        Tensor images = ops.fromHost(both, type, 2, 3, size, size);
        Tensor states = encoder.hiddenState(ops, images, encoder.layerCount() - 1);
        images.close();
        yield states;
      }
    };
    Tensor tokens = projection.forward(ops, features);
    features.close();
    return tokens;
  }

  /** Frees the projection's weights; the IP-Adapter file and the image encoder stay open. */
  @Override
  public void close() {
    weights.tensors().forEach(Tensor::close);
  }
}
