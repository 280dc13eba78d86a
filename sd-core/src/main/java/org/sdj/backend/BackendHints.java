package org.sdj.backend;

import java.util.Objects;
import java.util.Optional;

/**
 * What is known about the model a backend is opened for, so that a provider can suit it: a GPU backend computes in
 * bfloat16 for a checkpoint saved in bf16 (its values may not fit float16's range) and in float16 otherwise.
 *
 * @param weightDtype the dtype that most of the UNet's weight elements are stored in; empty when not known
 */
public record BackendHints(Optional<DType> weightDtype) {
  public BackendHints {
    Objects.requireNonNull(weightDtype, "weightDtype");
  }

  /** Nothing known. */
  public static BackendHints none() {
    return new BackendHints(Optional.empty());
  }

  /** Weights stored mostly in {@code dtype}. */
  public static BackendHints weights(DType dtype) {
    return new BackendHints(Optional.of(dtype));
  }
}
