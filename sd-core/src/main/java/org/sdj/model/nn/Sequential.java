package org.sdj.model.nn;

import java.util.ArrayList;
import java.util.List;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * torch's {@code nn.Sequential}: layers run in turn, each intermediate result closed once the next layer has read it.
 * Its layers' weights are named by their index ({@code layers.0}, {@code layers.1}, ...), which {@link #size()} gives
 * the next one as it is built.
 */
public final class Sequential {
  /** One layer: {@code x -> y}, leaving {@code x} open. */
  @FunctionalInterface
  public interface Layer {
    Tensor forward(Ops ops, Tensor x);
  }

  private final List<Layer> layers = new ArrayList<>();

  /** Appends {@code layer}, whose index is the {@link #size()} before the call. */
  public void add(Layer layer) {
    layers.add(layer);
  }

  /** How many layers there are: the index of the next one. */
  public int size() {
    return layers.size();
  }

  /** Runs the layers in turn; {@code x} stays open, the intermediate results are closed. */
  public Tensor forward(Ops ops, Tensor x) {
    Tensor h = x;
    for (Layer layer : layers) {
      Tensor next = layer.forward(ops, h);
      if (h != x) {
        h.close();
      }
      h = next;
    }
    return h;
  }
}
