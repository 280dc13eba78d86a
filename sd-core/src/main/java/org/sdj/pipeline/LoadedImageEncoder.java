package org.sdj.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.SdjException;
import org.sdj.backend.Backend;
import org.sdj.io.ckpt.CkptFile;
import org.sdj.io.model.ClipVisionConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.clip.ClipVisionModel;

/**
 * IP-Adapters' image encoder on a backend: a transformers {@code CLIPVisionModelWithProjection} folder
 * ({@code config.json}, {@code model.safetensors} or {@code pytorch_model.bin}), such as h94/IP-Adapter's
 * {@code models/image_encoder}. Loaded once for all the adapters that share it, as a diffusers pipeline holds one.
 */
public final class LoadedImageEncoder implements AutoCloseable {
  private final Path folder;
  private final ClipVisionModel model;
  private final HeldWeights weights;

  private LoadedImageEncoder(Path folder, HeldWeights.Built<ClipVisionModel> built) {
    this.folder = folder;
    this.model = built.model();
    this.weights = built.weights();
  }

  /**
   * Loads the encoder in {@code folder} onto {@code backend}.
   *
   * @param user what needs it, for the message if the folder is not an image encoder
   * @throws SdjException if the folder is not an image encoder, or its weights are missing or misshapen
   */
  public static LoadedImageEncoder load(Path folder, String user, Backend backend) {
    Path safetensors = folder.resolve("model.safetensors");
    Path bin = folder.resolve("pytorch_model.bin");
    if (!Files.isRegularFile(folder.resolve("config.json"))
        || !(Files.isRegularFile(safetensors) || Files.isRegularFile(bin))) {
      throw new SdjException(user + " needs its image encoder, a CLIPVisionModelWithProjection folder (config.json,"
          + " model.safetensors), which " + folder + " is not: give it (h94/IP-Adapter's models/image_encoder for SD"
          + " 1.5 and the *_vit-h SDXL adapters, sdxl_models/image_encoder for the other SDXL ones)");
    }
    ClipVisionConfig config = ClipVisionConfig.read(folder.resolve("config.json"));
    TensorSource file = Files.isRegularFile(safetensors) ? SafeTensorsFile.open(safetensors) : CkptFile.open(bin);
    return new LoadedImageEncoder(folder, HeldWeights.build(Weights.of(backend, file), file,
        w -> new ClipVisionModel(config, w), "Cannot load the image encoder in " + folder, false));
  }

  public ClipVisionModel model() {
    return model;
  }

  /** The folder it was loaded from. */
  public Path folder() {
    return folder;
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.close();
  }
}
