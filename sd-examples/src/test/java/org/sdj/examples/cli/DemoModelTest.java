package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.examples.demo.DemoModel;

/** {@code --model demo}: written on first use into the cache, then reused, and runs the whole pipeline. */
class DemoModelTest {
  @TempDir Path dir;

  @AfterEach
  void forgetLocation() {
    System.clearProperty(DemoModel.LOCATION_PROPERTY);
  }

  @Test
  void generatesEndToEndFromAFreshCache() throws IOException {
    Path cache = dir.resolve("cache/sdj/demo-model-v1");
    System.setProperty(DemoModel.LOCATION_PROPERTY, cache.toString());
    assertEquals(cache, DemoModel.defaultLocation());

    Path png = dir.resolve("demo.png");
    Sdj.Run run = Sdj.run("generate", "--model", "demo", "--backend", "cpu", "--quiet", "--prompt", "a demo",
        "--steps", "2", "--seed", "3", "--output", png.toString());
    run.assertSuccess();
    assertEquals("", run.err());
    assertTrue(Files.isRegularFile(png));
    assertTrue(Files.isRegularFile(cache.resolve("model_index.json")), "the demo model was written to the cache");
    FileTime written = Files.getLastModifiedTime(cache.resolve("unet/diffusion_pytorch_model.safetensors"));

    Sdj.Run info = Sdj.run("info", png.toString());
    info.assertSuccess();
    assertTrue(info.out().contains("Steps: 2, Sampler: PLMS, CFG scale: 7.5, Seed: 3, Size: 128x128, Model: "),
        info.out());
    Sdj.Run tokens = Sdj.run("tokenize", "--model", "demo", "a demo");
    tokens.assertSuccess();
    assertTrue(tokens.out().startsWith("[49406,"), tokens.out());

    Path again = dir.resolve("again.png");
    Sdj.run("generate", "--model", "demo", "--backend", "cpu", "--quiet", "--prompt", "a demo", "--steps", "2",
        "--seed", "3", "--output", again.toString()).assertSuccess();
    assertEquals(written, Files.getLastModifiedTime(cache.resolve("unet/diffusion_pytorch_model.safetensors")),
        "the second run reuses the cached model");
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(png), Files.readAllBytes(again)),
        "same seed, same demo weights, same PNG");
  }
}
