package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.Tensor;
import org.sdj.model.unet.ControlResiduals;
import org.sdj.model.unet.UNet2DConditionModel;

/**
 * The model calls of one denoising loop: the UNet, with a ControlNet's residuals in its window, each kind of call
 * (the whole batch, or one half of classifier-free guidance run apart; with or without the ControlNet) recorded in a
 * replay of its own, since a replay records one signature of inputs.
 */
final class UNetCalls implements AutoCloseable {
  /** What a call runs on. */
  enum Kind { BATCH, UNCONDITIONAL_HALF, CONDITIONAL_HALF }

  private final Backend backend;
  private final UNet2DConditionModel unet;
  private final Optional<ControlInput> control;
  private final Map<Kind, Replay> plain = new EnumMap<>(Kind.class);
  private final Map<Kind, Replay> controlled = new EnumMap<>(Kind.class);

  UNetCalls(Backend backend, UNet2DConditionModel unet, Optional<ControlInput> control) {
    this.backend = backend;
    this.unet = unet;
    this.control = control;
  }

  /**
   * The UNet's prediction for {@code sample}.
   *
   * @param step the index of the loop's step, and {@code total} their count, for the ControlNet's window
   * @param added SDXL's added condition, where the UNet takes it
   * @param image the control image for these rows {@code [N, 3, H, W]}, where there is a ControlNet
   */
  Tensor run(Ops ops, Kind kind, int step, int total, Tensor sample, Tensor time, Tensor context,
      Optional<Tensor> added, Optional<Tensor> image) {
    List<Tensor> in = new ArrayList<>(List.of(sample, time, context));
    added.ifPresent(in::add);
    if (control.isPresent() && control.get().activeAt(step, total)) {
      in.add(image.orElseThrow());
      return controlled.computeIfAbsent(kind, k -> backend.replay(this::withControl)).run(ops, in);
    }
    return plain.computeIfAbsent(kind, k -> backend.replay(this::alone)).run(ops, in);
  }

  private Tensor alone(Ops ops, List<Tensor> in) {
    return unet.forward(ops, in.get(0), in.get(1), in.get(2), added(in), Optional.empty());
  }

  private Tensor withControl(Ops ops, List<Tensor> in) {
    ControlInput c = control.orElseThrow();
    try (ControlResiduals residuals = c.model().forward(ops, in.get(0), in.get(1), in.get(2), added(in),
        in.getLast(), (float) c.scale())) {
      return unet.forward(ops, in.get(0), in.get(1), in.get(2), added(in), Optional.of(residuals));
    }
  }

  private Optional<Tensor> added(List<Tensor> in) {
    return unet.takesAddedCondition() ? Optional.of(in.get(3)) : Optional.empty();
  }

  @Override
  public void close() {
    plain.values().forEach(Replay::close);
    controlled.values().forEach(Replay::close);
  }
}
