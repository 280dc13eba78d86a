package org.sdj.model.unet;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.sdj.backend.Tensor;
import org.sdj.model.blocks.PerturbedAttention;

/**
 * What a UNet call may take beside the latents, the timestep and the text: each where the model or the request has
 * it.
 *
 * @param added SDXL's added condition {@code [N, projection_class_embeddings_input_dim]}
 *     ({@link UNet2DConditionModel#addedCondition})
 * @param control the ControlNets' residuals, summed
 * @param timestepCond a latent consistency model's guidance scale embedding {@code [N, time_cond_proj_dim]}
 *     ({@link UNet2DConditionModel#guidanceEmbedding})
 * @param adapterFeatures a T2I-Adapter's feature maps (diffusers' {@code down_intrablock_additional_residuals}), one
 *     per down block in order (and one for the mid block, SDXL's); empty for none
 * @param freeU FreeU's factors for the first two up blocks; empty for none
 * @param perturbed perturbed-attention guidance's identity rows and layers; empty for none
 */
public record UNetExtras(Optional<Tensor> added, Optional<ControlResiduals> control, Optional<Tensor> timestepCond,
    List<Tensor> adapterFeatures, Optional<FreeU> freeU, Optional<PerturbedAttention> perturbed) {
  /** Nothing beside the latents, the timestep and the text. */
  public static final UNetExtras NONE = new UNetExtras(Optional.empty(), Optional.empty(), Optional.empty(),
      List.of(), Optional.empty(), Optional.empty());

  public UNetExtras {
    adapterFeatures = List.copyOf(adapterFeatures);
    Objects.requireNonNull(freeU, "freeU");
    Objects.requireNonNull(perturbed, "perturbed");
  }
}
