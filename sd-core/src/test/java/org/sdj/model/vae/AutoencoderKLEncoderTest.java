package org.sdj.model.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.backend.WeightData;
import org.sdj.model.Weights;

/** The VAE's encoder reaches the backend only when first used, and its problems are still found at build time. */
class AutoencoderKLEncoderTest {
  private static final Path VAE = TestFixtures.root().resolve("tiny-sd1/vae");

  @Test
  void encoderWeightsAreMadeOnTheFirstEncodeOnly() throws IOException {
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile file = SafeTensorsFile.open(VAE.resolve("diffusion_pytorch_model.safetensors"))) {
      Weights w = Weights.of(backend, file);
      AutoencoderKL vae = new AutoencoderKL(AutoencoderKLConfig.read(VAE.resolve("config.json")), w);
      assertEquals(List.of(), w.problems());
      assertEquals(Set.of(), w.untaken(), "the encoder's weights count as taken at build time");
      int decoderOnly = w.tensors().size();
      assertTrue(w.tensors().stream().noneMatch(t -> t == null));
      int channels = vae.config().inChannels();
      try (Ops ops = backend.ops()) {
        Tensor image = ops.fromHost(new float[channels * 16 * 16], 1, channels, 16, 16);
        vae.encodeMoments(ops, image).close();
        int afterFirst = w.tensors().size();
        assertTrue(afterFirst > decoderOnly, afterFirst + " tensors after encoding, " + decoderOnly + " before");
        vae.encodeMoments(ops, image).close();
        assertEquals(afterFirst, w.tensors().size(), "the encoder is built once");
      }
      w.tensors().forEach(Tensor::close);
    }
  }

  @Test
  void aMissingEncoderWeightIsReportedWhenTheModelIsBuilt() throws IOException {
    try (ReferenceBackend backend = new ReferenceBackend();
        SafeTensorsFile file = SafeTensorsFile.open(VAE.resolve("diffusion_pytorch_model.safetensors"))) {
      Set<String> names = new HashSet<>(file.names());
      String dropped = "encoder.conv_in.weight";
      assertTrue(names.remove(dropped));
      Weights w = new Weights(backend, names, name -> {
        SafeTensor t = file.get(name);
        return new WeightData(name, t.dtype(), t.shape(), t.data());
      });
      new AutoencoderKL(AutoencoderKLConfig.read(VAE.resolve("config.json")), w);
      assertEquals(1, w.problems().size(), w.problems().toString());
      assertTrue(w.problems().getFirst().contains(dropped), w.problems().toString());
      w.tensors().forEach(Tensor::close);
    }
  }
}
