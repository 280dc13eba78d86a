package org.sdj.image;

import org.sdj.SdjException;

/**
 * A tensor that cannot become a picture: the model produced NaN values. This usually means a numerical overflow in the
 * UNet or the VAE (for instance half precision where the model needs float32), never a dark image.
 */
public final class InvalidImageException extends SdjException {
  private static final long serialVersionUID = 1L;

  public InvalidImageException(String message) {
    super(message);
  }
}
