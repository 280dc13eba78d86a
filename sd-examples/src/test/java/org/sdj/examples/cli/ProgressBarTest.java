package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Download progress: one line per tenth of a file when standard error is not a terminal. */
class ProgressBarTest {
  @Test
  void downloadProgressPrintsOneLinePerTenthOfEachFile() {
    StringWriter text = new StringWriter();
    ProgressBar bar = new ProgressBar(new PrintWriter(text), false);
    for (long done = 0; done <= 1000; done += 50) {
      bar.progress("unet/diffusion_pytorch_model.safetensors", done, 1000);
    }
    bar.progress("vae/config.json", 10, 10);
    List<String> lines = text.toString().lines().toList();
    assertEquals(12, lines.size(), text.toString());
    assertTrue(lines.get(0).startsWith("downloading unet/diffusion_pytorch_model.safetensors  0.0 of 0.0 MB"),
        lines.get(0));
    assertTrue(lines.get(11).startsWith("downloading vae/config.json"), lines.get(11));
  }
}
