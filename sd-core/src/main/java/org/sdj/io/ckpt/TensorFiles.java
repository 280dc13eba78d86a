package org.sdj.io.ckpt;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;

/** Opens a file of named tensors by its extension: a PyTorch pickle ({@link CkptFile}) or safetensors. */
public final class TensorFiles {
  /** What {@code torch.save} files are called: checkpoints, embeddings, IP-Adapters, transformers' weights. */
  public static final List<String> PICKLE_EXTENSIONS = List.of(".ckpt", ".pt", ".pth", ".bin");

  private TensorFiles() {}

  /** {@code file} as a {@link CkptFile} if its extension is a pickle's, else as a safetensors file. */
  public static TensorSource open(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return PICKLE_EXTENSIONS.stream().anyMatch(name::endsWith) ? CkptFile.open(file) : SafeTensorsFile.open(file);
  }
}
