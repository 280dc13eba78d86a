package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sdj.GenerationRequest;
import org.sdj.GenerationResult;
import org.sdj.StableDiffusion;
import org.sdj.backend.DType;

/**
 * The memory check of a whole txt2img run on an SD 1.5-size model: {@code write DIR} writes the random model folder
 * (F16 weights) in one process; {@code generate DIR} runs a 512x512, 20-step generation on sdj's CPU backend in
 * another, so that {@code /usr/bin/time -v} around the second measures generation alone. It prints the times of the
 * load, the steps and the whole run and this process's peak RSS.
 */
public final class Txt2ImgRss {
  private Txt2ImgRss() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2 || !(args[0].equals("write") || args[0].equals("generate"))) {
      System.err.println("usage: Txt2ImgRss write DIR | generate DIR");
      System.exit(2);
    }
    Path dir = Path.of(args[1]);
    if (args[0].equals("write")) {
      Files.createDirectories(dir);
      Sd15.write(dir, DType.F16);
      System.out.println("wrote " + dir);
      return;
    }
    long t0 = System.nanoTime();
    try (StableDiffusion sd = StableDiffusion.builder().model(dir).backend("cpu").build()) {
      long loaded = System.nanoTime();
      long[] firstStep = {0};
      GenerationResult result = sd.generate(GenerationRequest.prompt("a lighthouse on a cliff at dusk").size(512, 512)
          .steps(20).seed(42).listener(event -> {
            if (firstStep[0] == 0) {
              firstStep[0] = System.nanoTime();
            }
          }));
      long done = System.nanoTime();
      result.write(0, dir.resolveSibling("txt2img-rss.png"));
      System.out.printf("load %.1f s, first step done at %.1f s, total %.1f s, peak RSS %.2f GB%n", (loaded - t0) / 1e9,
          (firstStep[0] - t0) / 1e9, (done - t0) / 1e9, Machine.peakRss() / 1e9);
    }
  }
}
