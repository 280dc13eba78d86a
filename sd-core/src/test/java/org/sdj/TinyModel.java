package org.sdj;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.sdj.io.TestFixtures;

/** The tiny fixture model on the reference backend, and small requests that keep the API tests fast. */
final class TinyModel {
  private TinyModel() {}

  static StableDiffusion open() {
    return open("reference");
  }

  static StableDiffusion open(String backend) {
    return StableDiffusion.builder().model(TestFixtures.path("tiny-sd1")).backend(backend).build();
  }

  /** 64x64 (latents 8x8), three Euler steps, seed 1: a full txt2img run in well under a second. */
  static GenerationRequest.Builder small(String prompt) {
    return GenerationRequest.prompt(prompt).size(64, 64).steps(3).scheduler("euler").seed(1);
  }

  /** Every pixel of {@code image}, as packed RGB. */
  static int[] pixels(BufferedImage image) {
    return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
  }

  /** {@link #pixels} of every image of a result, concatenated per image. */
  static List<int[]> pixels(GenerationResult result) {
    List<int[]> all = new ArrayList<>();
    for (BufferedImage image : result.images()) {
      all.add(pixels(image));
    }
    return all;
  }
}
