package org.sdj.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** A1111's extra-network tags: found, read and taken out of the text as its {@code extra_networks} does. */
class ExtraNetworksTest {
  @Test
  void tagsAreReadAndStripped() {
    String prompt = "a <lora:style:0.8> cat, <hypernet:h:1>(fur:1.2)<lyco:loha>";
    assertEquals("a  cat, (fur:1.2)", ExtraNetworks.strip(prompt));
    List<ExtraNetworks.Use> uses = ExtraNetworks.uses(prompt);
    assertEquals(3, uses.size());
    assertEquals("style", uses.get(0).name());
    assertEquals(OptionalDouble.of(0.8), uses.get(0).strength());
    assertEquals("hypernet", uses.get(1).kind());
    assertEquals(OptionalDouble.of(1.0), uses.get(2).strength());
    assertEquals(true, uses.get(2).isLora());
    assertEquals(OptionalDouble.of(0.5), ExtraNetworks.uses("<lora:x:0.5:0.5>").getFirst().strength());
    assertEquals(OptionalDouble.empty(), ExtraNetworks.uses("<lora:x:0.5:1>").getFirst().strength());
    assertEquals(OptionalDouble.empty(), ExtraNetworks.uses("<lora:x:te=0.5>").getFirst().strength());
    assertEquals("no <tags> here", ExtraNetworks.strip("no <tags> here"));
  }
}
