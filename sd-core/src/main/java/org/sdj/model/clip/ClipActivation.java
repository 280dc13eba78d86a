package org.sdj.model.clip;

import org.sdj.backend.Activation;
import org.sdj.model.Weights;

/** The MLP activation a CLIP config's {@code hidden_act} names, shared by the text and vision encoders. */
final class ClipActivation {
  private ClipActivation() {}

  /** The activation for {@code hiddenAct}; an unsupported name is recorded as a problem in {@code w}. */
  static Activation of(String hiddenAct, Weights w) {
    return switch (hiddenAct) {
      case "quick_gelu" -> Activation.QUICK_GELU;
      case "gelu" -> Activation.GELU;
      case "gelu_new", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
      default -> {
        w.problem("unsupported hidden_act " + hiddenAct + " (supported: quick_gelu, gelu, gelu_new)");
        yield Activation.GELU;
      }
    };
  }
}
