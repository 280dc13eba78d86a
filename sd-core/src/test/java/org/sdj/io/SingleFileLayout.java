package org.sdj.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;

/**
 * A checkpoint in an original single-file layout written from a diffusers folder, as a layout made (and checked by
 * diffusers' {@code from_single_file}) by a generator script says: the tests' single files without their weights in
 * the repository twice.
 */
public final class SingleFileLayout {
  private SingleFileLayout() {}

  /**
   * Writes {@code file} from the weights of the diffusers folder {@code folder} as the layout resource says: a JSON
   * list of entries {@code {"name", "component", "from": [diffusers names], "op"}}, each original tensor made from
   * its component's weights (the component's folder under {@code folder}, {@code "."} for {@code folder} itself) as
   * they are ({@code same}), as a 1x1 convolution ({@code conv}), transposed, or concatenated.
   *
   * @return {@code file}
   */
  public static Path write(Path folder, String layoutResource, Path file) {
    Map<String, SafeTensorsFile> components = new HashMap<>();
    try {
      JsonNode layout = new ObjectMapper().readTree(SingleFileLayout.class.getResource(layoutResource));
      SafeTensorsWriter writer = SafeTensorsWriter.create();
      for (JsonNode entry : layout) {
        String component = entry.get("component").asText();
        SafeTensorsFile weights = components.computeIfAbsent(component, c -> SafeTensorsFile.open(folder.resolve(c)
            .resolve(c.startsWith("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors")));
        List<SafeTensor> from = new ArrayList<>();
        entry.get("from").forEach(source -> from.add(weights.get(source.asText())));
        SafeTensor first = from.getFirst();
        long[] shape = first.shape().clone();
        float[] values;
        switch (entry.get("op").asText()) {
          case "same" -> values = first.toFloatArray();
          case "conv" -> {
            values = first.toFloatArray();
            shape = new long[] {shape[0], shape[1], 1, 1};
          }
          case "transpose" -> {
            float[] v = first.toFloatArray();
            int rows = (int) shape[0];
            int cols = (int) shape[1];
            values = new float[v.length];
            for (int r = 0; r < rows; r++) {
              for (int c = 0; c < cols; c++) {
                values[c * rows + r] = v[r * cols + c];
              }
            }
            shape = new long[] {cols, rows};
          }
          case "concat" -> {
            values = new float[0];
            for (SafeTensor part : from) {
              float[] v = part.toFloatArray();
              float[] joined = Arrays.copyOf(values, values.length + v.length);
              System.arraycopy(v, 0, joined, values.length, v.length);
              values = joined;
            }
            shape[0] *= from.size();
          }
          default -> throw new IllegalStateException("unknown op in the layout: " + entry);
        }
        writer.add(entry.get("name").asText(), first.dtype(), shape, values);
      }
      writer.write(file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      components.values().forEach(SafeTensorsFile::close);
    }
  }
}
