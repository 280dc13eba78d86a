package org.sdj.backend;

/** Pointwise activations the models use. */
public enum Activation {
  /** {@code x * sigmoid(x)}. */
  SILU,
  /** Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}. */
  GELU,
  /** GELU's tanh approximation ({@code gelu_new} / {@code gelu_pytorch_tanh}). */
  GELU_TANH,
  /** CLIP's {@code x * sigmoid(1.702 x)}. */
  QUICK_GELU,
  /** {@code max(x, 0)} (T2I-Adapters' resnets). */
  RELU,
  /** {@code max(x, 0.2 x)}: torch's {@code LeakyReLU(0.2)}, the slope ESRGAN's upscalers use throughout. */
  LEAKY_RELU,
  /** {@code tanh(x)}: TAESD's decoder bounds its latents with {@code 3 tanh(x / 3)}. */
  TANH
}
