package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;

/** The CUDA backend's defaults and the system properties that override them where a run cannot be rebuilt. */
class CudaOptionsTest {
  private static Properties of(String... keyValues) {
    Properties p = new Properties();
    for (int i = 0; i < keyValues.length; i += 2) {
      p.setProperty(keyValues[i], keyValues[i + 1]);
    }
    return p;
  }

  @Test
  void defaultsAreFloat16WithGraphsWgmmaAttentionAndChannelsLastImages() {
    CudaOptions o = CudaOptions.fromProperties(of());
    assertEquals(new CudaOptions(0, DType.F16, true, 64L << 20, 256, CudaOptions.Attention.WGMMA, true, true), o);
  }

  @Test
  void propertiesTurnGraphsOffAndSetTheWorkspace() {
    CudaOptions o = CudaOptions.fromProperties(of(CudaOptions.GRAPHS_PROPERTY, "false",
        CudaOptions.CONV_WORKSPACE_PROPERTY, "64"));
    assertFalse(o.graphs());
    assertEquals(64L << 20, o.convWorkspace());
    assertTrue(CudaOptions.fromProperties(of(CudaOptions.GRAPHS_PROPERTY, " true ")).graphs());
    assertEquals(0, CudaOptions.fromProperties(of(CudaOptions.GEMM_CONV_PIXELS_PROPERTY, " 0")).gemmConvPixels());
    for (CudaOptions.Attention a : CudaOptions.Attention.values()) {
      assertEquals(a, CudaOptions.fromProperties(of(CudaOptions.ATTENTION_PROPERTY, " " + a.property())).attention());
    }
    assertFalse(CudaOptions.fromProperties(of(CudaOptions.FUSED_PROJECTIONS_PROPERTY, "false")).fusedProjections());
    assertFalse(CudaOptions.fromProperties(of(CudaOptions.CHANNELS_LAST_PROPERTY, "false")).channelsLast());
  }

  @Test
  void withersChangeOneComponent() {
    CudaOptions o = CudaOptions.fromProperties(of()).withAttention(CudaOptions.Attention.MMA);
    assertEquals(CudaOptions.Attention.MMA, o.attention());
    assertEquals(CudaOptions.Attention.MMA, o.withGraphs(false).attention(), "other withers keep the kernel");
    assertEquals(CudaOptions.Attention.WGMMA, o.withAttention(CudaOptions.Attention.WGMMA).attention());
    assertFalse(o.withFusedProjections(false).fusedProjections());
    assertEquals(o.withGraphs(false).withChannelsLast(false).withGraphs(true), o.withChannelsLast(false),
        "each wither changes its own component only");
    assertThrows(IllegalArgumentException.class, () -> o.withAttention(null));
    assertThrows(IllegalArgumentException.class, () -> o.withDevice(-1));
    assertFalse(o.withChannelsLast(false).channelsLast());
    assertFalse(o.withChannelsLast(false).withDevice(0).channelsLast(), "the device's wither keeps the layout");
  }

  @Test
  void badValuesNameTheProperty() {
    var graphs = assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.GRAPHS_PROPERTY, "off")));
    assertTrue(graphs.getMessage().contains(CudaOptions.GRAPHS_PROPERTY), graphs.getMessage());
    var mib = assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.CONV_WORKSPACE_PROPERTY, "1.5")));
    assertTrue(mib.getMessage().contains(CudaOptions.CONV_WORKSPACE_PROPERTY), mib.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.CONV_WORKSPACE_PROPERTY, "-1")));
    var search = assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.GEMM_CONV_PIXELS_PROPERTY, "16x16")));
    assertTrue(search.getMessage().contains(CudaOptions.GEMM_CONV_PIXELS_PROPERTY), search.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.GEMM_CONV_PIXELS_PROPERTY, "-1")));
    var attention = assertThrows(IllegalArgumentException.class,
        () -> CudaOptions.fromProperties(of(CudaOptions.ATTENTION_PROPERTY, "fa3")));
    assertTrue(attention.getMessage().contains(CudaOptions.ATTENTION_PROPERTY), attention.getMessage());
  }
}
