package org.sdj.pipeline;

import java.util.List;
import org.sdj.io.lora.Lora;
import org.sdj.prompt.Embedding;

/**
 * What a model is loaded with beyond its own files, as AUTOMATIC1111 users add it.
 *
 * @param loras LoRAs merged into the text encoder's and the UNet's weights
 * @param embeddings textual-inversion embeddings that prompts in A1111's syntax call by name
 */
public record ModelExtras(List<Lora> loras, List<Embedding> embeddings) {
  /** Nothing beyond the model. */
  public static final ModelExtras NONE = new ModelExtras(List.of(), List.of());

  public ModelExtras {
    loras = List.copyOf(loras);
    embeddings = List.copyOf(embeddings);
  }
}
