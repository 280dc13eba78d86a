package org.sdj.pipeline;

import java.util.List;
import org.sdj.io.ipadapter.IpAdapterFile;
import org.sdj.io.lora.Lora;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.prompt.Embedding;

/**
 * What a model is loaded with beyond its own files, as AUTOMATIC1111 users add it.
 *
 * @param loras LoRAs merged into the text encoder's and the UNet's weights
 * @param embeddings textual-inversion embeddings that prompts in A1111's syntax call by name
 * @param ipAdapters IP-Adapters whose attention projections join the UNet's weights, in order (open; the caller
 *     closes them after the components)
 */
public record ModelExtras(List<Lora> loras, List<Embedding> embeddings, List<IpAdapterFile> ipAdapters) {
  /** Nothing beyond the model. */
  public static final ModelExtras NONE = new ModelExtras(List.of(), List.of(), List.of());

  public ModelExtras {
    loras = List.copyOf(loras);
    embeddings = List.copyOf(embeddings);
    ipAdapters = List.copyOf(ipAdapters);
  }

  /** The UNet's weights with every IP-Adapter's projections added ({@link IpAdapterFile#intoUNet}). */
  TensorSource unetWeights(TensorSource unet) {
    TensorSource all = unet;
    for (int i = 0; i < ipAdapters.size(); i++) {
      all = ipAdapters.get(i).intoUNet(all, i);
    }
    return all;
  }
}
