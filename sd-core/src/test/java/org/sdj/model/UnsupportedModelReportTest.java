package org.sdj.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.model.ModelLoadException;
import org.sdj.pipeline.PipelineComponents;

/**
 * A model with several things wrong, in two components, fails with one {@link ModelLoadException} that names every
 * one of them: unsupported UNet config values, the UNet weights its config then expects but the file lacks, and VAE
 * weights whose shapes the changed VAE config contradicts.
 */
class UnsupportedModelReportTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void everyProblemOfEveryComponentIsInOneException() throws IOException {
    Path model = dir.resolve("broken-sd1");
    TestFixtures.copy("tiny-sd1", model);
    edit(model.resolve("unet/config.json"), unet -> {
      unet.putArray("down_block_types")
          .add("SimpleCrossAttnDownBlock2D").add("CrossAttnDownBlock2D").add("DownBlock2D");
      unet.put("layers_per_block", 3);
      unet.put("addition_embed_type", "text_time");
    });
    edit(model.resolve("vae/config.json"), vae -> vae.putArray("block_out_channels").add(16).add(16).add(32).add(48));

    try (ReferenceBackend backend = new ReferenceBackend()) {
      ModelLoadException e = assertThrows(ModelLoadException.class,
          () -> PipelineComponents.load(model, LoadOptions.defaults(), backend));
      List<String> problems = e.problems();
      String message = e.getMessage();
      assertHas(problems, "unet:", "down_block_types[0] SimpleCrossAttnDownBlock2D", message);
      assertHas(problems, "unet:", "addition_embed_type text_time", message);
      // layers_per_block 3: a third resnet in each down block and a fourth in each up block.
      assertHas(problems, "unet:", "missing weight down_blocks.1.resnets.2.conv1.weight", message);
      assertHas(problems, "unet:", "missing weight up_blocks.0.resnets.3.conv1.weight", message);
      // block_out_channels ending in 48 instead of 32: the encoder's last block and the decoder's first are misshapen.
      assertHas(problems, "vae:", "weight encoder.conv_out.weight has shape", message);
      assertHas(problems, "vae:", "weight decoder.conv_in.weight has shape", message);
      assertTrue(message.contains(problems.size() + " problems"), message);
    }
  }

  private static void assertHas(List<String> problems, String component, String text, String message) {
    assertTrue(problems.stream().anyMatch(p -> p.startsWith(component) && p.contains(text)),
        "no problem '" + component + " ... " + text + "' in:\n" + message);
  }

  private interface Edit {
    void apply(ObjectNode config);
  }

  private static void edit(Path configJson, Edit edit) throws IOException {
    ObjectNode config = (ObjectNode) JSON.readTree(configJson.toFile());
    edit.apply(config);
    Files.writeString(configJson, JSON.writeValueAsString(config));
  }
}
