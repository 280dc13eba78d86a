package org.sdj;

/** Told after every denoising step, on the generating thread. Keep it quick: the next step waits for it. */
@FunctionalInterface
public interface StepListener {
  StepListener NONE = event -> {};

  void onStep(StepEvent event);
}
