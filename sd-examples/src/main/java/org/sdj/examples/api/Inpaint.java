package org.sdj.examples.api;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.sdj.GenerationRequest;
import org.sdj.GenerationResult;
import org.sdj.StableDiffusion;
import org.sdj.image.Images;

/**
 * Repaints the part of a picture that a mask marks white, keeping the rest: best with an inpainting model
 * (stable-diffusion-inpainting), and works with any other.
 *
 * <pre>{@code java ... org.sdj.examples.api.Inpaint MODEL IMAGE MASK OUTPUT.png [PROMPT]}</pre>
 */
public final class Inpaint {
  private Inpaint() {}

  public static void main(String[] args) {
    if (args.length < 4) {
      System.err.println("usage: Inpaint MODEL IMAGE MASK OUTPUT.png [PROMPT]");
      System.exit(2);
    }
    BufferedImage image = Images.read(Path.of(args[1]));
    BufferedImage mask = Images.read(Path.of(args[2]));
    String prompt = args.length > 4 ? args[4] : "a red sailing boat";
    try (StableDiffusion sd = StableDiffusion.builder().model(args[0]).build()) {
      // The picture's own size (rounded down to a multiple of 8); the masked part starts from pure noise.
      GenerationResult result = sd.generate(GenerationRequest.prompt(prompt).steps(25).seed(7).inpaint(image, mask));
      result.write(0, Path.of(args[3]));
    }
  }
}
