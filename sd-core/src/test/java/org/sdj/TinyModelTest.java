package org.sdj;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class whose tests share one {@link TinyModel} engine, opened before the first and closed after the last. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TinyModelTest {
  /** The tiny fixture model on the reference backend. */
  StableDiffusion sd;

  @BeforeAll
  void openTinyModel() {
    sd = TinyModel.open();
  }

  @AfterAll
  void closeTinyModel() {
    sd.close();
  }
}
