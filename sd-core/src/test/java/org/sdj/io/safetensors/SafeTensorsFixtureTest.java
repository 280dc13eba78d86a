package org.sdj.io.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;
import org.sdj.io.TestFixtures;

/** Files written by the Python safetensors library read back with the exact values numpy reads from them. */
class SafeTensorsFixtureTest {

  @Test
  void tinyUnetWeights() {
    try (SafeTensorsFile unet = SafeTensorsFile.open(
        TestFixtures.path("tiny-sd1/unet/diffusion_pytorch_model.safetensors"))) {
      assertEquals(494, unet.names().size());
      SafeTensor bias = unet.get("conv_in.bias");
      assertEquals(DType.F32, bias.dtype());
      assertArrayEquals(new long[] {32}, bias.shape());
      assertEquals((float) 0.041155822575092316, bias.getFloat(0));
      assertEquals((float) 0.07436399161815643, bias.toFloatArray()[1]);
      assertArrayEquals(new long[] {32, 4, 3, 3}, unet.get("conv_in.weight").shape());
      assertTrue(unet.metadata().isEmpty());
    }
  }

  @Test
  void tinyTextEncoderEmbeddingOfThreeMegabytes() {
    try (SafeTensorsFile encoder = SafeTensorsFile.open(TestFixtures.path("tiny-sd1/text_encoder/model.safetensors"))) {
      SafeTensor embedding = encoder.get("text_model.embeddings.token_embedding.weight");
      assertArrayEquals(new long[] {49408, 32}, embedding.shape());
      float[] values = embedding.toFloatArray();
      assertEquals((float) -0.1019255742430687, values[values.length - 1]);
    }
  }

  @Test
  void expectedOutputs() {
    try (SafeTensorsFile expected = SafeTensorsFile.open(
        TestFixtures.path("tiny-sd1-expected/expected.safetensors"))) {
      assertEquals(22, expected.names().size());
      SafeTensor latents = expected.get("pipe.ddim.latents");
      assertArrayEquals(new long[] {1, 4, 16, 16}, latents.shape());
      float[] values = latents.toFloatArray();
      assertEquals((float) -3.7057883739471436, values[0]);
      double sum = 0;
      for (float v : values) {
        sum += v;
      }
      assertEquals(-3035.086262310215, sum, 1e-9);
    }
  }
}
