package org.sdj.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;

/**
 * The suite picks up a case set it has never seen: a temp fixtures root with the tiny model beside a hand-written
 * {@code cases.json} (other cases, in another order, under another folder name) runs with no code change.
 */
class HandMadeCaseSetTest extends ConformanceSuite {
  @TempDir
  static Path root;

  @Override
  protected Backend createBackend() {
    return new ReferenceBackend();
  }

  @Override
  protected Path fixturesRoot() throws IOException {
    Path shared = TestFixtures.root();
    copyTree(shared.resolve("tiny-sd1"), root.resolve("tiny-sd1"));
    Path set = Files.createDirectories(root.resolve("my-cases"));
    Files.copy(shared.resolve("tiny-sd1-expected/expected.safetensors"), set.resolve("expected.safetensors"));
    Files.writeString(set.resolve("cases.json"), """
        {
          "model": "tiny-sd1",
          "cases": [
            {"kind": "unet", "timestep": 501, "sample": "unet.sample",
             "encoder_hidden_states": "unet.encoder_hidden_states", "output": "unet.t501.out"},
            {"kind": "text_encoder", "prompt": "", "input_ids": "text.1.input_ids",
             "output": "text.1.last_hidden_state"},
            {"kind": "txt2img", "scheduler": "ddim", "steps": 5, "guidance_scale": 7.5,
             "prompt": "A cute otter in a rainbow whirlpool holding shells, watercolor", "negative_prompt": "",
             "init_noise": "pipe.init_noise", "final_latents": "pipe.ddim.latents", "image": "pipe.ddim.image"}
          ]
        }
        """);
    return root;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }
}
