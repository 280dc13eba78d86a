package org.sdj.io.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.T2IAdapterConfig;
import org.sdj.io.model.T2IAdapterConfig.AdapterType;
import org.sdj.io.safetensors.TensorSource;

/**
 * A T2I-Adapter in TencentARC's original single-file layout ({@code t2iadapter_canny_sd15v2.pth}, the files A1111's
 * ControlNet extension loads), read as diffusers' {@code convert_original_t2i_adapter.py} maps it: the full adapter's
 * {@code conv_in} and flat {@code body.i} (resnet {@code r} of block {@code b} at {@code i = b * num_res_blocks + r},
 * the first of a wider block with its {@code in_conv}), or the light adapter's {@code body.b.in_conv},
 * {@code body.b.body.r} and {@code body.b.out_conv}, under diffusers' {@code adapter.} names. The config is read off
 * the shapes (downscale factor 8: these files are SD 1.x's).
 */
public final class T2IAdapterFile {
  private static final Pattern FULL = Pattern.compile("body\\.(\\d+)\\.(block1|block2|in_conv)\\.(weight|bias)");
  private static final Pattern LIGHT = Pattern.compile("body\\.(\\d+)\\.(?:body\\.(\\d+)\\.(block1|block2)|(in_conv|"
      + "out_conv))\\.(weight|bias)");
  private static final int FACTOR = 8;

  private T2IAdapterFile() {}

  /**
   * An opened adapter file: its config and its weights under diffusers' names, views of the file's tensors, which
   * {@link #close()} unmaps.
   */
  public record Opened(T2IAdapterConfig config, TensorSource weights, TensorSource file) implements AutoCloseable {
    @Override
    public void close() {
      file.close();
    }
  }

  /** Whether {@code tensors} hold a T2I-Adapter in the original layout, full or light. */
  public static boolean isAdapter(TensorSource tensors) {
    return tensors.contains("conv_in.weight") && tensors.contains("body.0.block1.weight")
        || tensors.contains("body.0.in_conv.weight") && tensors.contains("body.0.body.0.block1.weight");
  }

  /** Whether {@code file} holds a T2I-Adapter in the original layout (its names alone are read). */
  public static boolean isAdapterFile(Path file) {
    try (TensorSource tensors = SingleFileCheckpoint.openTensors(file)) {
      return isAdapter(tensors);
    }
  }

  /**
   * Opens {@code file} ({@code .safetensors}, or {@code .pth} read without running code from it).
   *
   * @throws ModelLoadException if it is not a T2I-Adapter in the original layout, or one of a shape sdj cannot read
   */
  public static Opened open(Path file) {
    TensorSource tensors = SingleFileCheckpoint.openTensors(file);
    try {
      String context = "Cannot load the T2I-Adapter " + file;
      if (!isAdapter(tensors)) {
        throw new ModelLoadException(context, List.of("it has neither conv_in.weight with body.0.block1.weight (a full"
            + " adapter) nor body.0.in_conv.weight with body.0.body.0.block1.weight (a light one): not a T2I-Adapter in"
            + " TencentARC's layout (the style adapter is not read)"));
      }
      Map<String, SourceKey> keys = new HashMap<>();
      List<String> unknown = new ArrayList<>();
      T2IAdapterConfig config;
      try {
        config = tensors.contains("conv_in.weight") ? full(tensors, keys, unknown) : light(tensors, keys, unknown);
      } catch (IllegalArgumentException e) {
        throw new ModelLoadException(context, List.of(e.getMessage()));
      }
      if (!unknown.isEmpty()) {
        throw new ModelLoadException(context, List.of("names outside the adapter's layout: " + String.join(", ",
            unknown.subList(0, Math.min(4, unknown.size()))) + (unknown.size() > 4 ? " and more" : "")));
      }
      return new Opened(config, new RemappedTensorSource(tensors, file, keys), tensors);
    } catch (RuntimeException e) {
      tensors.close();
      throw e;
    }
  }

  private static T2IAdapterConfig full(TensorSource tensors, Map<String, SourceKey> keys, List<String> unknown) {
    int resnets = 0;
    int count = 0;
    for (String name : tensors.names()) {
      Matcher m = FULL.matcher(name);
      if (m.matches()) {
        int i = Integer.parseInt(m.group(1));
        count = Math.max(count, i + 1);
        if (m.group(2).equals("in_conv") && i > 0 && (resnets == 0 || i < resnets)) {
          resnets = i;
        }
      }
    }
    // The first wider block's in_conv says how many resnets a block has (2 in every published adapter).
    int perBlock = resnets > 0 ? resnets : 2;
    List<Integer> channels = new ArrayList<>();
    for (int b = 0; b * perBlock < count; b++) {
      channels.add(Math.toIntExact(tensors.get("body." + b * perBlock + ".block1.weight").shape()[0]));
    }
    for (String name : tensors.names()) {
      Matcher m = FULL.matcher(name);
      if (name.startsWith("conv_in.")) {
        keys.put("adapter." + name, SourceKey.same(name));
      } else if (m.matches()) {
        int i = Integer.parseInt(m.group(1));
        String part = m.group(2).equals("in_conv") ? "in_conv"
            : "resnets." + i % perBlock + "." + m.group(2);
        keys.put("adapter.body." + i / perBlock + "." + part + "." + m.group(3), SourceKey.same(name));
      } else {
        unknown.add(name);
      }
    }
    long in = tensors.get("conv_in.weight").shape()[1];
    return new T2IAdapterConfig(Math.toIntExact(in / (FACTOR * FACTOR)), channels, perBlock, FACTOR,
        AdapterType.FULL);
  }

  private static T2IAdapterConfig light(TensorSource tensors, Map<String, SourceKey> keys, List<String> unknown) {
    int blocks = 0;
    int resnets = 0;
    for (String name : tensors.names()) {
      Matcher m = LIGHT.matcher(name);
      if (!m.matches()) {
        unknown.add(name);
        continue;
      }
      int b = Integer.parseInt(m.group(1));
      blocks = Math.max(blocks, b + 1);
      String part;
      if (m.group(2) != null) {
        int r = Integer.parseInt(m.group(2));
        resnets = Math.max(resnets, r + 1);
        part = "resnets." + r + "." + m.group(3);
      } else {
        part = m.group(4);
      }
      keys.put("adapter.body." + b + "." + part + "." + m.group(5), SourceKey.same(name));
    }
    if (blocks < 2) {
      throw new IllegalArgumentException("a light adapter has a block per width and one more; this one has " + blocks);
    }
    // One block per width and a last one that keeps the last width.
    List<Integer> channels = new ArrayList<>();
    for (int b = 0; b < blocks - 1; b++) {
      channels.add(Math.toIntExact(tensors.get("body." + b + ".out_conv.weight").shape()[0]));
    }
    long in = tensors.get("body.0.in_conv.weight").shape()[1];
    return new T2IAdapterConfig(Math.toIntExact(in / (FACTOR * FACTOR)), channels, resnets, FACTOR,
        AdapterType.LIGHT);
  }
}
