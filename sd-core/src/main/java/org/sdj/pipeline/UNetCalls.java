package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sdj.Tiling;
import org.sdj.backend.Backend;
import org.sdj.backend.Ops;
import org.sdj.backend.Replay;
import org.sdj.backend.SeamlessOps;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.EncoderHiddenStates;
import org.sdj.model.blocks.PerturbedAttention;
import org.sdj.model.unet.ControlResiduals;
import org.sdj.model.unet.FreeU;
import org.sdj.model.unet.UNet2DConditionModel;
import org.sdj.model.unet.UNetExtras;

/**
 * The model calls of one denoising loop: the UNet, with the residuals of the ControlNets in their windows added up
 * (diffusers' {@code MultiControlNetModel}), each kind of call (the whole batch, or one half of classifier-free
 * guidance run apart; with this or that set of ControlNets) recorded in a replay of its own, since a replay records
 * one signature of inputs.
 */
final class UNetCalls implements AutoCloseable {
  /** What a call runs on. */
  enum Kind { BATCH, UNCONDITIONAL_HALF, CONDITIONAL_HALF }

  /**
   * A kind of call and the ControlNets it runs, by index.
   *
   * @param latentsApart whether the ControlNets take the latents from an input of their own (the UNet's has an
   *     inpainting UNet's mask and masked image beside them)
   * @param perturbed whether the call's last rows are perturbed-attention guidance's
   */
  private record Key(Kind kind, List<Integer> active, boolean latentsApart, List<Integer> activeAdapters,
      boolean perturbed) {}

  private final Backend backend;
  private final UNet2DConditionModel unet;
  private final List<ControlInput> controls;
  private final List<AdapterInput> adapters;
  /** The scale of each IP-Adapter's image prompt, in the adapters' order; empty for none. */
  private final List<Float> imageScales;
  /** Whether the UNet's convolutions wrap around (seamless tiling); the ControlNets' never do. */
  private final Tiling tiling;
  private final Optional<FreeU> freeU;
  /** Perturbed-attention guidance's layers and rows, for the calls that carry its rows. */
  private final Optional<PerturbedAttention> perturbation;
  private final Map<Key, Replay> replays = new HashMap<>();

  UNetCalls(Backend backend, UNet2DConditionModel unet, List<ControlInput> controls, List<Float> imageScales,
      List<AdapterInput> adapters, Tiling tiling, Optional<FreeU> freeU, Optional<PerturbedAttention> perturbation) {
    this.backend = backend;
    this.unet = unet;
    this.controls = List.copyOf(controls);
    this.adapters = List.copyOf(adapters);
    this.imageScales = List.copyOf(imageScales);
    this.tiling = tiling;
    this.freeU = freeU;
    this.perturbation = perturbation;
  }

  /**
   * The UNet's prediction for {@code sample}.
   *
   * @param step the index of the loop's step, and {@code total} their count, for the ControlNets' windows
   * @param latents the latents alone where {@code sample} has an inpainting UNet's extra channels: what the
   *     ControlNets take (diffusers' {@code control_model_input}); empty where {@code sample} is the latents
   * @param added SDXL's added condition, where the UNet takes it
   * @param timestepCond a latent consistency model's guidance scale embedding, where the UNet takes it
   * @param images each ControlNet's control image for these rows {@code [N, 3, H, W]}
   * @param imageTokens each IP-Adapter's image tokens for these rows {@code [N, T, cross_attention_dim]}, one for each
   *     scale the calls were made with
   * @param adapterFeatures each T2I-Adapter's feature maps for these rows, times its scale
   * @param perturbed whether the last rows are perturbed-attention guidance's (as many as the perturbation says)
   */
  Tensor run(Ops ops, Kind kind, int step, int total, Tensor sample, Optional<Tensor> latents, Tensor time,
      Tensor context, Optional<Tensor> added, Optional<Tensor> timestepCond, List<Tensor> images,
      List<Tensor> imageTokens, List<List<Tensor>> adapterFeatures, boolean perturbed) {
    if (perturbed && perturbation.isEmpty()) {
      throw new IllegalArgumentException("a call with perturbed rows, but no perturbation to run them with");
    }
    if (imageTokens.size() != imageScales.size()) {
      throw new IllegalArgumentException(imageTokens.size() + " image prompts' tokens for " + imageScales.size()
          + " scales");
    }
    List<Tensor> in = new ArrayList<>(imageTokens);
    in.addAll(List.of(sample, time, context));
    added.ifPresent(in::add);
    timestepCond.ifPresent(in::add);
    List<Integer> active = new ArrayList<>();
    for (int i = 0; i < controls.size(); i++) {
      if (controls.get(i).activeAt(step, total)) {
        active.add(i);
        in.add(images.get(i));
      }
    }
    boolean latentsApart = !active.isEmpty() && latents.isPresent();
    if (latentsApart) {
      in.add(latents.get());
    }
    List<Integer> activeAdapters = new ArrayList<>();
    for (int i = 0; i < adapters.size(); i++) {
      if (adapters.get(i).activeAt(step, total)) {
        activeAdapters.add(i);
        in.addAll(adapterFeatures.get(i));
      }
    }
    Key key = new Key(kind, List.copyOf(active), latentsApart, List.copyOf(activeAdapters), perturbed);
    // FreeU's filter uploads its matrices in each call, which a recording would not repeat: those calls run directly.
    Replay.Body body = (o, inputs) -> call(o, inputs, key);
    return replays.computeIfAbsent(key, k -> freeU.isPresent() ? Replay.direct(body) : backend.replay(body))
        .run(ops, in);
  }

  /**
   * The UNet (sample, time, context, then the added condition and the guidance embedding where it takes them) with the
   * IP-Adapters' image tokens, which come first, the residuals of the ControlNets {@code key.active()}, whose images
   * follow the UNet's inputs, then the latents they take where those are apart, and the active T2I-Adapters' feature
   * maps, which come last.
   */
  private Tensor call(Ops ops, List<Tensor> all, Key key) {
    List<EncoderHiddenStates.ImageTokens> imageTokens = new ArrayList<>();
    for (int i = 0; i < imageScales.size(); i++) {
      imageTokens.add(new EncoderHiddenStates.ImageTokens(all.get(i), imageScales.get(i)));
    }
    List<Tensor> in = all.subList(imageScales.size(), all.size());
    List<Integer> active = key.active();
    int first = 3;
    Optional<Tensor> added = unet.takesAddedCondition() ? Optional.of(in.get(first++)) : Optional.empty();
    Optional<Tensor> timestepCond = unet.takesGuidanceEmbedding() ? Optional.of(in.get(first++)) : Optional.empty();
    int firstFeature = first + active.size() + (key.latentsApart() ? 1 : 0);
    Tensor latents = key.latentsApart() ? in.get(firstFeature - 1) : in.get(0);
    List<Tensor> features = summedFeatures(ops, in.subList(firstFeature, in.size()), key.activeAdapters().size());
    ControlResiduals sum = null;
    try {
      for (int j = 0; j < active.size(); j++) {
        ControlInput c = controls.get(active.get(j));
        ControlResiduals r = c.model().forward(ops, latents, in.get(1), in.get(2), added, in.get(first + j),
            (float) c.scale());
        if (sum == null) {
          sum = r;
        } else {
          ControlResiduals both = sum.plus(ops, r);
          sum.close();
          r.close();
          sum = both;
        }
      }
      return unet.forward(SeamlessOps.wrap(ops, tiling.alongWidth(), tiling.alongHeight()), in.get(0), in.get(1),
          new EncoderHiddenStates(in.get(2), imageTokens),
          new UNetExtras(added, Optional.ofNullable(sum), timestepCond, features, freeU,
              key.perturbed() ? perturbation : Optional.empty()));
    } finally {
      if (sum != null) {
        sum.close();
      }
      if (key.activeAdapters().size() > 1) {
        features.forEach(Tensor::close);
      }
    }
  }

  /**
   * The active T2I-Adapters' feature maps added up map by map (diffusers' {@code MultiAdapter}): {@code all} holds
   * {@code adapters} lists of equal length, one after another.
   */
  private static List<Tensor> summedFeatures(Ops ops, List<Tensor> all, int adapters) {
    if (adapters == 0) {
      return List.of();
    }
    int maps = all.size() / adapters;
    List<Tensor> sums = new ArrayList<>(all.subList(0, maps));
    for (int a = 1; a < adapters; a++) {
      for (int m = 0; m < maps; m++) {
        Tensor next = all.get(a * maps + m);
        if (!Arrays.equals(sums.get(m).shape(), next.shape())) {
          throw new IllegalArgumentException("T2I-Adapters whose feature maps differ (" + Arrays.toString(
              sums.get(m).shape()) + " and " + Arrays.toString(next.shape()) + ") cannot run together");
        }
        Tensor sum = ops.add(sums.get(m), next);
        if (a > 1) {
          sums.get(m).close();
        }
        sums.set(m, sum);
      }
    }
    return sums;
  }

  @Override
  public void close() {
    replays.values().forEach(Replay::close);
  }
}
