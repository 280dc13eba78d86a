package org.sdj.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.sdj.backend.Tensor;
import org.sdj.io.model.ModelLoadException;
import org.sdj.model.Weights;

/**
 * A model's weights on a backend and the file they were read from, freed together: what a loaded ControlNet,
 * T2I-Adapter, image encoder or TAESD keeps beside its model.
 */
final class HeldWeights implements AutoCloseable {
  private final Weights weights;
  private final AutoCloseable file;

  /** A model, and what holds its weights. */
  record Built<M>(M model, HeldWeights weights) {}

  private HeldWeights(Weights weights, AutoCloseable file) {
    this.weights = weights;
    this.file = file;
  }

  /**
   * Builds {@code make}'s model on {@code weights} (views of {@code file}); where building throws or records problems
   * (with {@code allTaken}, also where the file has weights the model did not take), frees the weights made so far and
   * closes the file.
   *
   * @throws ModelLoadException under {@code context}, listing the problems
   */
  static <M> Built<M> build(Weights weights, AutoCloseable file, Function<Weights, M> make, String context,
      boolean allTaken) {
    HeldWeights held = new HeldWeights(weights, file);
    try {
      M model = make.apply(weights);
      List<String> problems = new ArrayList<>(weights.problems());
      if (allTaken && !weights.untaken().isEmpty()) {
        problems.add("weights this architecture does not have: " + weights.untaken());
      }
      if (!problems.isEmpty()) {
        throw new ModelLoadException(context, problems);
      }
      return new Built<>(model, held);
    } catch (RuntimeException e) {
      try {
        held.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.tensors().forEach(Tensor::close);
    try {
      file.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot close " + file, e);
    }
  }
}
