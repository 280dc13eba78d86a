package org.sdj.prompt;

import java.nio.file.Path;
import java.util.Set;
import org.sdj.SdjException;
import org.sdj.io.ckpt.TensorFiles;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/**
 * A textual-inversion embedding: vectors that stand in the text encoder's input where a prompt names the embedding
 * (AUTOMATIC1111's {@code embeddings/} folder: {@code EasyNegative.safetensors} is used by writing
 * {@code EasyNegative} in a prompt). An SDXL embedding has vectors for both text encoders, at the same positions.
 *
 * @param name the word that calls it, the file's name without its extension
 * @param vectors {@code [count, dim]} flattened
 * @param count how many input positions it takes
 * @param dim the (first) text encoder's hidden size it was trained for
 * @param secondVectors SDXL's {@code clip_g}: {@code [count, secondDim]} flattened; empty for one encoder
 * @param secondDim the second text encoder's hidden size; 0 for one encoder
 */
public record Embedding(String name, float[] vectors, int count, int dim, float[] secondVectors, int secondDim) {
  /** Where its vectors are, in the layouts A1111 and diffusers save: A1111's two, then diffusers' one-entry file. */
  private static final Set<String> KEYS = Set.of("emb_params", "*");
  /** SDXL embeddings' vectors for the first (CLIP ViT-L) and second (OpenCLIP bigG) text encoder. */
  private static final String CLIP_L = "clip_l";
  private static final String CLIP_G = "clip_g";

  public Embedding {
    vectors = vectors.clone();
    secondVectors = secondVectors.clone();
    if (count < 1 || dim < 1 || vectors.length != count * dim) {
      throw new IllegalArgumentException("an embedding of " + count + " x " + dim + " cannot hold " + vectors.length
          + " values");
    }
    if (secondDim < 0 || secondVectors.length != count * secondDim) {
      throw new IllegalArgumentException("an embedding of " + count + " x " + secondDim + " second vectors cannot"
          + " hold " + secondVectors.length + " values");
    }
  }

  /** An embedding for one text encoder. */
  public Embedding(String name, float[] vectors, int count, int dim) {
    this(name, vectors, count, dim, new float[0], 0);
  }

  @Override
  public float[] vectors() {
    return vectors.clone();
  }

  @Override
  public float[] secondVectors() {
    return secondVectors.clone();
  }

  /** Whether it has vectors for SDXL's second text encoder. */
  public boolean forTwoEncoders() {
    return secondDim > 0;
  }

  /** Vector {@code i} for the second text encoder, {@code [secondDim]}. */
  public float[] secondVector(int i) {
    float[] v = new float[secondDim];
    System.arraycopy(secondVectors, i * secondDim, v, 0, secondDim);
    return v;
  }

  /** Vector {@code i}, {@code [dim]}. */
  public float[] vector(int i) {
    float[] v = new float[dim];
    System.arraycopy(vectors, i * dim, v, 0, dim);
    return v;
  }

  /**
   * Reads an embedding file: A1111's {@code .safetensors} ({@code emb_params}) or {@code .pt}
   * ({@code string_to_param}), diffusers' ({@code learned_embeds}: one tensor named after its token), or SDXL's
   * ({@code clip_l} and {@code clip_g}, for the first and second text encoder).
   *
   * @throws SdjException if the file is none of these
   */
  public static Embedding read(Path file) {
    String fileName = file.getFileName().toString();
    int dot = fileName.lastIndexOf('.');
    String name = dot > 0 ? fileName.substring(0, dot) : fileName;
    try (TensorSource tensors = TensorFiles.open(file)) {
      if (tensors.contains(CLIP_L) && tensors.contains(CLIP_G)) {
        float[] first = matrix(file, tensors.get(CLIP_L));
        float[] second = matrix(file, tensors.get(CLIP_G));
        long count = tensors.get(CLIP_L).shape()[0];
        if (tensors.get(CLIP_G).shape()[0] != count) {
          throw new SdjException("embedding " + file + ": clip_l has " + count + " vectors but clip_g "
              + tensors.get(CLIP_G).shape()[0]);
        }
        return new Embedding(name, first, (int) count, (int) tensors.get(CLIP_L).shape()[1], second,
            (int) tensors.get(CLIP_G).shape()[1]);
      }
      String key = tensors.names().stream().filter(KEYS::contains).findFirst()
          .orElse(tensors.names().size() == 1 ? tensors.names().iterator().next() : null);
      if (key == null) {
        throw new SdjException("embedding " + file + ": no emb_params or string_to_param tensor, and not one tensor"
            + " alone (" + tensors.names().size() + " tensors" + (tensors.names().contains("clip_l")
                ? ", clip_l without clip_g" : "") + ")");
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

  /** A 2-D tensor's values, {@code [vectors, dim]}. */
  private static float[] matrix(Path file, SafeTensor t) {
    if (t.shape().length != 2 || t.numel() == 0) {
      throw new SdjException("embedding " + file + ": tensor " + t.name() + " has shape "
          + java.util.Arrays.toString(t.shape()) + ", not [vectors, dim]");
    }
    return t.toFloatArray();
  }
}
