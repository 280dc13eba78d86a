package org.sdj.scheduler;

/** What the denoising model predicts: diffusers' {@code prediction_type}. */
public enum PredictionType implements ConfigValue {
  /** The added noise (SD 1.x, SDXL). */
  EPSILON("epsilon"),
  /** The velocity {@code alpha * noise - sigma * x0} (SD 2.x 768 models). */
  V_PREDICTION("v_prediction"),
  /** The clean sample itself. */
  SAMPLE("sample");

  private final String configName;

  PredictionType(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}
