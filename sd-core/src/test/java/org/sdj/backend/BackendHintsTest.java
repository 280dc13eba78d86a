package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.StableDiffusion;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.Component;
import org.sdj.io.model.DiffusersFolder;
import org.sdj.io.model.LoadOptions;
import org.sdj.io.model.ModelSource;
import org.sdj.pipeline.RandomModelFolder;

/** A model's weight dtype reaches the backend it is opened on, so that a GPU backend can compute in bf16 for bf16. */
class BackendHintsTest {
  @TempDir Path dir;

  @Test
  void theUNetsPredominantDtypeIsPassedToTheProvider() throws Exception {
    Path f32 = TestFixtures.path("tiny-sd1");
    Path bf16 = dir.resolve("tiny-bf16");
    Files.createDirectories(bf16);
    RandomModelFolder.write(bf16, RandomModelFolder.Configs.read(f32), DType.BF16, 1, "test");
    for (Path model : new Path[] {f32, bf16}) {
      DType expected = model == f32 ? DType.F32 : DType.BF16;
      try (ModelSource source = DiffusersFolder.open(model, LoadOptions.defaults())) {
        assertEquals(expected, source.predominantDtype(Component.UNET));
      }
      try (StableDiffusion sd = StableDiffusion.builder().model(model).backend("hint-recorder").build()) {
        assertEquals(Optional.of(expected), HintRecordingProvider.LAST.get().weightDtype());
      }
    }
  }

  @Test
  void openingByNameAloneGivesNoHints() {
    try (Backend b = Backends.open("hint-recorder")) {
      assertEquals(BackendHints.none(), HintRecordingProvider.LAST.get());
    }
  }
}
