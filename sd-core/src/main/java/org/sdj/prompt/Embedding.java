package org.sdj.prompt;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.sdj.SdjException;
import org.sdj.io.ckpt.CkptFile;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;

/**
 * A textual-inversion embedding: vectors that stand in the text encoder's input where a prompt names the embedding
 * (AUTOMATIC1111's {@code embeddings/} folder: {@code EasyNegative.safetensors} is used by writing
 * {@code EasyNegative} in a prompt).
 *
 * @param name the word that calls it, the file's name without its extension
 * @param vectors {@code [count, dim]} flattened
 * @param count how many input positions it takes
 * @param dim the text encoder's hidden size it was trained for
 */
public record Embedding(String name, float[] vectors, int count, int dim) {
  /** Where its vectors are, in the layouts A1111 and diffusers save: A1111's two, then diffusers' one-entry file. */
  private static final Set<String> KEYS = Set.of("emb_params", "*");

  public Embedding {
    vectors = vectors.clone();
    if (count < 1 || dim < 1 || vectors.length != count * dim) {
      throw new IllegalArgumentException("an embedding of " + count + " x " + dim + " cannot hold " + vectors.length
          + " values");
    }
  }

  @Override
  public float[] vectors() {
    return vectors.clone();
  }

  /** Vector {@code i}, {@code [dim]}. */
  public float[] vector(int i) {
    float[] v = new float[dim];
    System.arraycopy(vectors, i * dim, v, 0, dim);
    return v;
  }

  /**
   * Reads an embedding file: A1111's {@code .safetensors} ({@code emb_params}) or {@code .pt}
   * ({@code string_to_param}), or diffusers' ({@code learned_embeds}: one tensor named after its token).
   *
   * @throws SdjException if the file is none of these (SDXL's two-encoder embeddings included)
   */
  public static Embedding read(Path file) {
    String fileName = file.getFileName().toString();
    int dot = fileName.lastIndexOf('.');
    String name = dot > 0 ? fileName.substring(0, dot) : fileName;
    String lower = fileName.toLowerCase(Locale.ROOT);
    try (TensorSource tensors = lower.endsWith(".safetensors") ? SafeTensorsFile.open(file) : CkptFile.open(file)) {
      String key = tensors.names().stream().filter(KEYS::contains).findFirst()
          .orElse(tensors.names().size() == 1 ? tensors.names().iterator().next() : null);
      if (key == null) {
        throw new SdjException("embedding " + file + ": no emb_params or string_to_param tensor, and not one tensor"
            + " alone (" + tensors.names().size() + " tensors" + (tensors.names().contains("clip_l")
                ? ", clip_l and clip_g: an SDXL embedding" : "") + ")");
      }
      SafeTensor t = tensors.get(key);
      long[] shape = t.shape();
      if (shape.length > 2 || shape.length == 0 || t.numel() == 0) {
        throw new SdjException("embedding " + file + ": tensor " + key + " has shape "
            + java.util.Arrays.toString(shape) + ", not [vectors, dim]");
      }
      int dim = (int) shape[shape.length - 1];
      int count = shape.length == 2 ? (int) shape[0] : 1;
      return new Embedding(name, t.toFloatArray(), count, dim);
    }
  }
}
