package org.sdj.io.checkpoint;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;

/**
 * What a single file lacks: the configs of its models, its scheduler config and a tokenizer folder (and for SDXL, the
 * second text encoder's config and tokenizer; SDXL's refiner has only those).
 */
record ModelConfigs(UNet2DConditionConfig unet, AutoencoderKLConfig vae, Optional<ModelSource.TextEncoder> textEncoder,
    Optional<ModelSource.SecondTextEncoder> textEncoder2, ObjectNode scheduler) {}
