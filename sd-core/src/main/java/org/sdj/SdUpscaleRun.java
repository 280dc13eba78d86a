package org.sdj;

import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.sdj.image.Images;
import org.sdj.upscale.UpscaleGrid;
import org.sdj.upscale.UpscaleTiles;
import org.sdj.upscale.Upscaler;

/** AUTOMATIC1111's SD upscale script ({@link SdUpscale}) over an engine's img2img, one tile after another. */
final class SdUpscaleRun {
  private SdUpscaleRun() {}

  /**
   * The request's init image enlarged and repainted tile by tile.
   *
   * @param nativeSize the tiles' side where the request gives no size
   * @param generate runs one tile's img2img request
   * @throws InvalidRequestException if the request is not an img2img the script can run
   */
  static GenerationResult run(GenerationRequest request, AttachedModels attached, int nativeSize,
      Function<GenerationRequest, GenerationResult> generate) {
    long started = System.nanoTime();
    SdUpscale upscale = request.sdUpscale().orElseThrow();
    check(request, upscale);
    int tileWidth = request.width().orElse(nativeSize);
    int tileHeight = request.height().orElse(nativeSize);
    if (upscale.overlap() >= Math.min(tileWidth, tileHeight)) {
      throw new InvalidRequestException("SD upscale's tile overlap " + upscale.overlap() + " must be under the tiles'"
          + " sides, " + tileWidth + "x" + tileHeight + " (the request's size)");
    }
    BufferedImage picture = enlarged(request.initImage().orElseThrow(), upscale.upscaler(), upscale.scale(), attached);
    long seed = request.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong(1L << 32));
    GenerationRequest.Builder each = request.toBuilder().noSdUpscale().size(tileWidth, tileHeight);
    List<GenerationResult> tiles = new ArrayList<>();
    int[] pixels = UpscaleGrid.apply(Images.rgb(picture), picture.getWidth(), picture.getHeight(), tileWidth,
        tileHeight, upscale.overlap(), 1, tile -> {
          // A1111 runs the tiles one by one, each with the seed after the last's.
          GenerationResult result = generate.apply(each.initImage(Images.fromRgb(tile, tileWidth, tileHeight),
              request.strength()).seed(seed + tiles.size()).build());
          tiles.add(result);
          return Images.rgb(result.images().getFirst());
        });
    long[] shape = tiles.getFirst().latentShape();
    int per = tiles.getFirst().latents().length;
    float[] latents = new float[per * tiles.size()];
    for (int i = 0; i < tiles.size(); i++) {
      System.arraycopy(tiles.get(i).latents(), 0, latents, i * per, per);
    }
    return new GenerationResult(List.of(Images.fromRgb(pixels, picture.getWidth(), picture.getHeight())), latents,
        new long[] {tiles.size(), shape[1], shape[2], shape[3]},
        tiles.getFirst().parameters().withSdUpscale(upscale), Duration.ofNanos(System.nanoTime() - started));
  }

  private static void check(GenerationRequest request, SdUpscale upscale) {
    String problem = upscale.problem();
    if (!problem.isEmpty()) {
      throw new InvalidRequestException(problem);
    }
    if (request.initImage().isEmpty()) {
      throw new InvalidRequestException("SD upscale enlarges an init image: give one (img2img)");
    }
    if (request.mask().isPresent() || request.hiresFix().isPresent() || request.initialNoise().isPresent()) {
      throw new InvalidRequestException("SD upscale repaints an init image's tiles by img2img: drop the mask, the"
          + " hires fix or the initial noise");
    }
    if (request.batchSize() != 1) {
      throw new InvalidRequestException("SD upscale makes one picture a run: batch size 1, got "
          + request.batchSize());
    }
  }

  /**
   * {@code image} enlarged {@code scale} times as A1111's upscaler of that name enlarges it ({@code Upscaler.upscale}):
   * {@value SdUpscale#LANCZOS}, {@value SdUpscale#NONE} or a loaded network's name.
   *
   * @throws InvalidRequestException if no upscaler has that name, or the picture would be too large
   */
  static BufferedImage enlarged(BufferedImage image, String upscaler, double scale, AttachedModels attached) {
    if (upscaler.equals(SdUpscale.NONE)) {
      return image;   // A1111's script skips its None upscaler, Lanczos's fit included
    }
    Upscaler chosen = upscaler.equals(SdUpscale.LANCZOS) ? Upscaler.LANCZOS
        : attached.upscaler(upscaler).tiled(UpscaleTiles.DEFAULT);
    try {
      return chosen.upscale(image, scale);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
  }
}
