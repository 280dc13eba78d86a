package org.sdj.io.ckpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The checkpoints torch 2.13 wrote for these tests (see make_fixtures.py.txt beside them) and their expected values. */
final class CkptFixtures {
  static final String SD_STYLE = "sd_style.ckpt";
  static final String VIEWS = "views.pt";
  static final String PROTOCOL4 = "protocol4.bin";
  static final String MODULE = "module.pt";
  static final String LEGACY = "legacy.pt";

  private CkptFixtures() {}

  static Path path(String name) {
    try {
      return Path.of(CkptFixtures.class.getResource(name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(String name) {
    try {
      return Files.readAllBytes(path(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code {file: {tensors: {name: {dtype, shape, contiguous, values}}, metadata: {...}}}}. */
  static JsonNode expected() {
    try {
      return new ObjectMapper().readTree(path("expected.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
