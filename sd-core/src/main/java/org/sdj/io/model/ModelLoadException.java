package org.sdj.io.model;

import java.util.List;
import org.sdj.SdjException;

/**
 * A model that cannot be loaded, with every problem found. The message is a header line, then one line per problem:
 *
 * <pre>
 * Cannot load /models/sd15 (2 problems):
 *   - vae/: folder missing
 *   - unet/config.json: block_out_channels has 3 entries but down_block_types has 4
 * </pre>
 */
public class ModelLoadException extends SdjException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  /**
   * @param context what was being loaded, without a trailing colon
   * @param problems at least one problem, each one line
   */
  public ModelLoadException(String context, List<String> problems) {
    super(format(context, problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem, one line each, in the order found. */
  public List<String> problems() {
    return problems;
  }

  private static String format(String context, List<String> problems) {
    StringBuilder message = new StringBuilder(context)
        .append(" (").append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    problems.forEach(p -> message.append("\n  - ").append(p));
    return message.toString();
  }
}
