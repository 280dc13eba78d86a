package org.sdj;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.sdj.image.ImageFiles;

/**
 * What a generation made.
 *
 * @param images one RGB image per batch item
 * @param latents the final latents, before the VAE, {@code [batch, 4, height / 8, width / 8]} flattened
 * @param latentShape the shape of {@code latents}
 * @param parameters the exact parameters used, seed included
 * @param elapsed wall time of the whole generation
 */
public record GenerationResult(List<BufferedImage> images, float[] latents, long[] latentShape,
    GenerationParameters parameters, Duration elapsed) {
  public GenerationResult {
    images = List.copyOf(images);
    latents = latents.clone();
    latentShape = latentShape.clone();
  }

  @Override
  public float[] latents() {
    return latents.clone();
  }

  @Override
  public long[] latentShape() {
    return latentShape.clone();
  }

  /**
   * Writes image {@code index} as a PNG or JPEG, by the file's extension ({@code .png}, {@code .jpg}, {@code .jpeg}),
   * carrying its {@link GenerationParameters#forPicture parameters}' {@link GenerationParameters#infotext()} where
   * AUTOMATIC1111 puts it (a PNG's {@code parameters} text, a
   * JPEG's EXIF user comment), so that the image can be reproduced and A1111 or {@code sdj info} can read how.
   *
   * @throws org.sdj.image.ImageFileException if the extension names no format sdj writes, or the file cannot be
   *     written
   */
  public void write(int index, Path file) {
    ImageFiles.writeWithParameters(file, images.get(index), parameters.forPicture(index).infotext());
  }
}
