package org.sdj.io.ipadapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sdj.SdjException;
import org.sdj.io.TestFixtures;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;

class IpAdapterFileTest {

  /** diffusers numbers the processors in its modules' order: down blocks, up blocks, mid block; numbers as numbers. */
  @Test
  void crossAttentionBlocksFollowDiffusersOrder() {
    String t = ".attentions.0.transformer_blocks.";
    List<String> blocks = IpAdapterFile.crossAttentionBlocks(Set.of(
        "mid_block" + t + "0.attn2.to_k.weight",
        "up_blocks.0" + t + "10.attn2.to_k.weight",
        "up_blocks.0" + t + "2.attn2.to_k.weight",
        "down_blocks.1" + t + "0.attn2.to_k.weight",
        "down_blocks.1" + t + "0.attn1.to_k.weight",
        "down_blocks.0" + t + "1.attn2.to_k.weight"));
    assertEquals(List.of("down_blocks.0" + t + "1.attn2", "down_blocks.1" + t + "0.attn2",
        "up_blocks.0" + t + "2.attn2", "up_blocks.0" + t + "10.attn2", "mid_block" + t + "0.attn2"), blocks);
  }

  @Test
  void readsBothLayoutsAndJoinsTheUNet() throws URISyntaxException {
    try (IpAdapterFile plain = IpAdapterFile.open(resource("ip-adapter.bin"));
        IpAdapterFile plus = IpAdapterFile.open(resource("ip-adapter-plus.safetensors"));
        SafeTensorsFile unet = SafeTensorsFile.open(TestFixtures.path("tiny-sd1/unet/diffusion_pytorch_model"
            + ".safetensors"))) {
      assertEquals(IpAdapterFile.Kind.PLAIN, plain.kind());
      assertEquals(IpAdapterFile.Kind.PLUS, plus.kind());
      assertEquals(11, plain.layers());
      assertEquals("ip-adapter", plain.name());
      assertTrue(plain.imageProjection().contains("image_embeds.weight"));
      TensorSource resampler = plus.imageProjection();
      assertTrue(resampler.names().containsAll(Set.of("layers.3.ln0.weight", "layers.3.ln1.bias",
          "layers.0.attn.to_k.weight", "layers.0.attn.to_v.weight", "layers.0.attn.to_out.0.weight",
          "layers.2.ff.0.weight", "layers.2.ff.1.net.0.proj.weight", "layers.2.ff.1.net.2.weight")),
          resampler.names().toString());
      // to_k and to_v are the halves of to_kv, viewed in place.
      float[] kv = plus.imageProjection().get("layers.0.attn.to_v.weight").toFloatArray();
      float[] whole = SafeTensorsFile.open(resource("ip-adapter-plus.safetensors"))
          .get("image_proj.layers.0.0.to_kv.weight").toFloatArray();
      assertEquals(whole[whole.length / 2], kv[0]);
      TensorSource both = plus.intoUNet(plain.intoUNet(unet, 0), 1);
      assertTrue(both.contains("down_blocks.0.attentions.0.transformer_blocks.0.attn2.processor.to_k_ip.0.weight"));
      assertTrue(both.contains("mid_block.attentions.0.transformer_blocks.0.attn2.processor.to_v_ip.1.weight"));
      assertTrue(both.contains("conv_in.weight"));
    }
  }

  @Test
  void refusesWhatItCannotRun(@org.junit.jupiter.api.io.TempDir Path dir) throws URISyntaxException {
    SdjException notOne = assertThrows(SdjException.class, () -> IpAdapterFile.open(TestFixtures.path(
        "tiny-sd1/vae/diffusion_pytorch_model.safetensors")));
    assertTrue(notOne.getMessage().contains("has no image_proj.* tensors"), notOne.getMessage());
    try (IpAdapterFile plain = IpAdapterFile.open(resource("ip-adapter.bin"));
        SafeTensorsFile unet = SafeTensorsFile.open(TestFixtures.path("tiny-sd1/unet/diffusion_pytorch_model"
            + ".safetensors"))) {
      TensorSource fewer = new TensorSource() {
        @Override
        public Set<String> names() {
          return unet.names().stream().filter(n -> !n.startsWith("mid_block")).collect(
              java.util.stream.Collectors.toSet());
        }

        @Override
        public boolean contains(String name) {
          return names().contains(name);
        }

        @Override
        public org.sdj.io.safetensors.SafeTensor get(String name) {
          return unet.get(name);
        }

        @Override
        public java.util.Map<String, String> metadata() {
          return unet.metadata();
        }

        @Override
        public void close() {}
      };
      SdjException other = assertThrows(SdjException.class, () -> plain.intoUNet(fewer, 0));
      assertTrue(other.getMessage().contains("has projections for 11 cross-attention blocks, but the UNet has 10"),
          other.getMessage());
    }
  }

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(IpAdapterFileTest.class.getResource("/ip-adapter/" + name).toURI());
  }
}
