package org.sdj.examples.api;

import java.nio.file.Path;
import org.sdj.GenerationRequest;
import org.sdj.GenerationResult;
import org.sdj.StableDiffusion;

/**
 * The library's shortest useful program: one picture from a prompt, written as a PNG that carries its parameters.
 *
 * <pre>{@code java ... org.sdj.examples.api.Txt2Img MODEL OUTPUT.png [PROMPT]}</pre>
 *
 * MODEL is a diffusers folder, a single-file checkpoint or a Hub id.
 */
public final class Txt2Img {
  private Txt2Img() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: Txt2Img MODEL OUTPUT.png [PROMPT]");
      System.exit(2);
    }
    String prompt = args.length > 2 ? args[2] : "a lighthouse on a cliff at dawn, oil painting";
    // The engine loads once and serves any number of requests, from any number of threads.
    try (StableDiffusion sd = StableDiffusion.builder().model(args[0]).backend("auto").build()) {
      GenerationResult result = sd.generate(GenerationRequest.prompt(prompt)
          .negativePrompt("blurry, low quality")
          .steps(20)
          .scheduler("dpmpp-2m-karras")
          .seed(42)
          .listener(step -> System.err.printf("step %d/%d%n", step.step(), step.totalSteps())));
      result.write(0, Path.of(args[1]));
      System.out.println(result.parameters().infotext());
    }
  }
}
