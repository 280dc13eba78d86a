package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.model.ModelLoadException;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.SafeTensorsWriter;
import org.sdj.model.vae.AutoencoderTiny;
import org.sdj.random.TorchGenerator;

/**
 * TAESD's encoder and decoder against diffusers' {@code AutoencoderTiny} ({@code src/test/resources/taesd}, made by its
 * {@code make_taesd_reference.py.txt}), loaded from a diffusers folder, its weights file alone and TAESD's own files
 * (written from the folder's weights).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public class LoadedTinyAutoencoderTest {
  private Backend backend;

  @BeforeAll
  void open() {
    backend = Backends.open("reference");
  }

  @AfterAll
  void close() {
    backend.close();
  }

  @Test
  void folderMatchesDiffusers() throws URISyntaxException {
    try (LoadedTinyAutoencoder taesd = LoadedTinyAutoencoder.load(resource("tiny-taesd"), Optional.empty(), backend)) {
      assertTrue(taesd.model().hasEncoder() && taesd.model().hasDecoder());
      assertDecodes(taesd.model(), "folder");
      assertEncodes(taesd.model(), "folder");
    }
  }

  /**
   * diffusers' own tiling of AutoencoderTiny ({@code enable_tiling}) on a decode of 72x130 latents and an encode of a
   * 600x520 picture, partial tiles at both edges; the inputs drawn again from the script's seeded generators, the
   * decode compared on every 7th row and column (as the fixture keeps it).
   */
  @Test
  void tilesAsDiffusersDoes() throws URISyntaxException {
    try (LoadedTinyAutoencoder taesd = LoadedTinyAutoencoder.load(resource("tiny-taesd"), Optional.empty(), backend)) {
      TinyTiles tiles = new TinyTiles(8);
      float[] latents = new TorchGenerator(9).randn(4 * 72 * 130);
      for (int i = 0; i < latents.length; i++) {
        latents[i] *= 2;
      }
      float[] decoded = tiles.decode(latents, new long[] {1, 4, 72, 130}, 3,
          (x, shape) -> pass(shape, ops -> taesd.model().decode(ops, ops.fromHost(x, shape))));
      float[] sample = new float[3 * 83 * 149];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 83; y++) {
          for (int x = 0; x < 149; x++) {
            // diffusers' DecoderTiny gives 2 x - 1 of TAESD's [0, 1].
            sample[(c * 83 + y) * 149 + x] = 2 * decoded[(c * 576 + 7 * y) * 1040 + 7 * x] - 1;
          }
        }
      }
      TensorAssert.assertTensorClose(sample, expected("tiled decode every 7th"), "tiled decode");
      float[] picture = new TorchGenerator(10).randn(3 * 600 * 520);
      for (int i = 0; i < picture.length; i++) {
        picture[i] = (Math.clamp(picture[i] * 0.5f, -1f, 1f) + 1) / 2;
      }
      float[] encoded = tiles.encode(picture, new long[] {1, 3, 600, 520}, 4,
          (x, shape) -> pass(shape, ops -> taesd.model().encode(ops, ops.fromHost(x, shape))));
      TensorAssert.assertTensorClose(encoded, expected("tiled encode"), "tiled encode");
    }
  }

  private float[] pass(long[] shape, Function<Ops, Tensor> run) {
    try (Ops ops = backend.ops()) {
      return ops.toHost(run.apply(ops));
    }
  }

  @Test
  void weightsFileAloneMatchesDiffusers() throws URISyntaxException {
    Path file = resource("tiny-taesd/diffusion_pytorch_model.safetensors");
    try (LoadedTinyAutoencoder taesd = LoadedTinyAutoencoder.load(file, Optional.empty(), backend)) {
      assertDecodes(taesd.model(), "weights file");
      assertEncodes(taesd.model(), "weights file");
    }
  }

  @Test
  void taesdsOwnFilesHoldOnePartEach(@TempDir Path dir) throws URISyntaxException {
    Path decoderFile = writeOriginal(dir.resolve("taesd_decoder.safetensors"), false);
    Path encoderFile = writeOriginal(dir.resolve("taesd_encoder.safetensors"), true);
    try (LoadedTinyAutoencoder decoder = LoadedTinyAutoencoder.load(decoderFile, Optional.empty(), backend);
        LoadedTinyAutoencoder encoder = LoadedTinyAutoencoder.load(encoderFile, Optional.empty(), backend)) {
      assertTrue(decoder.model().hasDecoder());
      assertFalse(decoder.model().hasEncoder());
      assertDecodes(decoder.model(), "taesd_decoder.safetensors");
      assertTrue(encoder.model().hasEncoder());
      assertFalse(encoder.model().hasDecoder());
      assertEncodes(encoder.model(), "taesd_encoder.safetensors");
      try (Ops ops = backend.ops()) {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> encoder.model().decode(ops, ops.fromHost(new float[4 * 8 * 8], 1, 4, 8, 8)));
        assertTrue(e.getMessage().contains("no decoder"), e.getMessage());
      }
    }
  }

  /**
   * The fixture's encoder or decoder in TAESD's own layout ({@code taesd_encoder.pth}, {@code taesd_decoder.pth}: an
   * {@code nn.Sequential} each, the decoder's indices one higher for its leading {@code Clamp}).
   */
  public static Path writeOriginal(Path file, boolean encoder) throws URISyntaxException {
    String prefix = encoder ? "encoder.layers." : "decoder.layers.";
    SafeTensorsWriter out = SafeTensorsWriter.create();
    try (SafeTensorsFile folder = SafeTensorsFile.open(resource("tiny-taesd/diffusion_pytorch_model.safetensors"))) {
      for (String name : folder.names()) {
        if (name.startsWith(prefix)) {
          String rest = name.substring(prefix.length());
          int dot = rest.indexOf('.');
          int index = Integer.parseInt(rest.substring(0, dot)) + (encoder ? 0 : 1);
          SafeTensor t = folder.get(name);
          out.add(index + rest.substring(dot), DType.F32, t.shape(), t.toFloatArray());
        }
      }
    }
    out.write(file);
    return file;
  }

  @Test
  void badInputIsReported(@TempDir Path dir) throws IOException, URISyntaxException {
    ModelLoadException e = assertThrows(ModelLoadException.class,
        () -> LoadedTinyAutoencoder.load(dir.resolve("missing"), Optional.empty(), backend));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    e = assertThrows(ModelLoadException.class, () -> LoadedTinyAutoencoder.load(dir, Optional.empty(), backend));
    assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    Files.copy(resource("tiny-taesd/config.json"), dir.resolve("config.json"));
    e = assertThrows(ModelLoadException.class, () -> LoadedTinyAutoencoder.load(dir, Optional.empty(), backend));
    assertTrue(e.getMessage().contains("diffusion_pytorch_model.safetensors: file not found"), e.getMessage());
    // An ESRGAN's weights are no TAESD's.
    Path esrgan = Path.of(LoadedTinyAutoencoderTest.class.getResource("/esrgan/tiny-x2.safetensors").toURI());
    e = assertThrows(ModelLoadException.class, () -> LoadedTinyAutoencoder.load(esrgan, Optional.empty(), backend));
    assertTrue(e.getMessage().contains("no TAESD weights"), e.getMessage());
    Path broken = dir.resolve("broken.safetensors");
    Files.write(broken, new byte[] {1, 2, 3});
    assertThrows(RuntimeException.class, () -> LoadedTinyAutoencoder.load(broken, Optional.empty(), backend));
    // A config whose blocks do not match the weights: every misshapen or missing weight is named.
    Path other = dir.resolve("other");
    Files.createDirectories(other);
    Files.writeString(other.resolve("config.json"), Files.readString(resource("tiny-taesd/config.json"))
        .replaceAll("\"num_decoder_blocks\": \\[[^]]*]", "\"num_decoder_blocks\": [2, 3, 3, 1]"));
    Files.copy(resource("tiny-taesd/diffusion_pytorch_model.safetensors"),
        other.resolve("diffusion_pytorch_model.safetensors"));
    e = assertThrows(ModelLoadException.class, () -> LoadedTinyAutoencoder.load(other, Optional.empty(), backend));
    assertTrue(e.getMessage().contains("decoder.layers"), e.getMessage());
  }

  private void assertDecodes(AutoencoderTiny taesd, String what) throws URISyntaxException {
    try (Ops ops = backend.ops()) {
      float[] latents = expected("decode latents");
      float[] out = ops.toHost(taesd.decode(ops, ops.fromHost(latents, 1, 4, 5, 6)));
      // diffusers' DecoderTiny gives 2 x - 1 of TAESD's [0, 1].
      for (int i = 0; i < out.length; i++) {
        out[i] = 2 * out[i] - 1;
      }
      TensorAssert.assertTensorClose(out, expected("decode"), what + " decode");
    }
  }

  private void assertEncodes(AutoencoderTiny taesd, String what) throws URISyntaxException {
    try (Ops ops = backend.ops()) {
      float[] picture = expected("encode picture");
      // diffusers' EncoderTiny halves [-1, 1] into TAESD's [0, 1] first.
      for (int i = 0; i < picture.length; i++) {
        picture[i] = (picture[i] + 1) / 2;
      }
      float[] latents = ops.toHost(taesd.encode(ops, ops.fromHost(picture, 1, 3, 48, 40)));
      TensorAssert.assertTensorClose(latents, expected("encode"), what + " encode");
    }
  }

  static float[] expected(String name) throws URISyntaxException {
    try (SafeTensorsFile file = SafeTensorsFile.open(resource("expected.safetensors"))) {
      return file.get(name).toFloatArray();
    }
  }

  static Path resource(String name) throws URISyntaxException {
    return Path.of(LoadedTinyAutoencoderTest.class.getResource("/taesd/" + name).toURI());
  }
}
