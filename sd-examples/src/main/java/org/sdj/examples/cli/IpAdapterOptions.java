package org.sdj.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.GenerationRequest;
import org.sdj.ImagePrompt;
import org.sdj.StableDiffusion;
import org.sdj.image.Images;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code sdj generate}'s options for IP-Adapters and their image prompts: the n-th {@code --ip-adapter-image} is the
 * n-th {@code --ip-adapter}'s; {@code --image-encoder} and {@code --ip-adapter-scale} given once hold for all.
 */
final class IpAdapterOptions {
  @Option(names = "--ip-adapter", paramLabel = "FILE",
      description = "An IP-Adapter made for the model (h94/IP-Adapter's ip-adapter_sd15.bin, ip-adapter-plus_sd15,"
          + " ip-adapter_sdxl, ...), a file or one in a Hub repository (h94/IP-Adapter/models/ip-adapter_sd15.bin),"
          + " its image encoder in the image_encoder folder beside it unless --image-encoder says; it follows"
          + " --ip-adapter-image. Repeat for several.")
  List<String> adapters = new ArrayList<>();

  @Option(names = "--image-encoder", paramLabel = "DIR",
      description = "With --ip-adapter: its image encoder (a CLIPVisionModelWithProjection folder, e.g."
          + " h94/IP-Adapter's models/image_encoder for the *_vit-h SDXL adapters, a folder or the Hub's"
          + " h94/IP-Adapter/models/image_encoder); once for all, or once each.")
  List<String> encoders = new ArrayList<>();

  @Option(names = "--ip-adapter-image", paramLabel = "FILE",
      description = "With --ip-adapter: the image prompt, whose content or style the picture follows; one per"
          + " --ip-adapter, in their order.")
  List<Path> images = new ArrayList<>();

  @Option(names = "--ip-adapter-scale", paramLabel = "S",
      description = "With --ip-adapter: how much the image prompt steers, at least 0 (default: 1; 0.5-0.6 lets the"
          + " text say more); once for all, or once each.")
  List<Double> scales = new ArrayList<>();

  /** Adds the IP-Adapters to {@code engine}. */
  void addTo(CommandSpec spec, StableDiffusion.Builder engine) {
    if (adapters.isEmpty() && !encoders.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--image-encoder is an IP-Adapter's: add"
          + " --ip-adapter");
    }
    for (int i = 0; i < adapters.size(); i++) {
      if (encoders.isEmpty()) {
        engine.ipAdapter(adapters.get(i));
      } else {
        engine.ipAdapter(adapters.get(i), eachOrAll(spec, "--image-encoder", encoders, i));
      }
    }
  }

  /** Adds the image prompts to {@code request}; refuses them, or a scale without them, when they do not fit. */
  void apply(CommandSpec spec, GenerationRequest.Builder request) {
    if (images.isEmpty()) {
      if (!adapters.isEmpty() || !scales.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(), !adapters.isEmpty()
            ? "--ip-adapter follows an image prompt: add --ip-adapter-image"
            : "--ip-adapter-scale tunes an IP-Adapter: add --ip-adapter and --ip-adapter-image");
      }
      return;
    }
    if (images.size() != adapters.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), adapters.isEmpty()
          ? "--ip-adapter-image is for an IP-Adapter: add --ip-adapter"
          : "give one --ip-adapter-image per --ip-adapter (" + adapters.size() + "), in their order; got "
              + images.size());
    }
    for (int i = 0; i < images.size(); i++) {
      double scale = scales.isEmpty() ? ImagePrompt.DEFAULT_SCALE : eachOrAll(spec, "--ip-adapter-scale", scales, i);
      request.imagePrompt(new ImagePrompt(Images.read(images.get(i)), scale));
    }
  }

  /** The i-th adapter's value: the one given, or the i-th of one each. */
  private <T> T eachOrAll(CommandSpec spec, String option, List<T> given, int i) {
    if (given.size() > 1 && given.size() != adapters.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " is given " + given.size() + " times:"
          + " once for all IP-Adapters or once for each (" + adapters.size() + ")");
    }
    return given.get(given.size() == 1 ? 0 : i);
  }
}
