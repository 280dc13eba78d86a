package org.sdj.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's composable prompts ({@code a cat AND a dog:0.6}, after Liu et al.'s composable diffusion): a prompt
 * split at each word {@code AND}, each part with the weight of a trailing {@code :number} (1 without), as A1111's
 * {@code get_multicond_prompt_list} splits it. Guidance then adds each part's pull, {@code uncond + scale * sum(w_k *
 * (cond_k - uncond))}.
 */
public final class ComposablePrompt {
  private static final Pattern AND = Pattern.compile("\\bAND\\b");
  private static final Pattern WEIGHT =
      Pattern.compile("^(\\s*.*?)(?:\\s*:\\s*([-+]?(?:\\d+\\.?|\\d*\\.\\d+)))?\\s*$", Pattern.DOTALL);

  /** One part: its text (which prompt editing and emphasis then read) and its weight. */
  public record Part(String text, double weight) {}

  private ComposablePrompt() {}

  /** {@code prompt}'s parts, in order; a prompt without {@code AND} is one part. */
  public static List<Part> parts(String prompt) {
    List<Part> out = new ArrayList<>();
    // Python's re.split keeps empty ends, as String.split with a negative limit does.
    for (String part : AND.split(prompt, -1)) {
      Matcher m = WEIGHT.matcher(part);
      if (m.matches()) {
        out.add(new Part(m.group(1), m.group(2) == null ? 1.0 : Double.parseDouble(m.group(2))));
      } else {
        out.add(new Part(part, 1.0));
      }
    }
    return out;
  }

  /** Whether {@code prompt} asks for more than plain guidance: several parts, or a weight other than 1. */
  public static boolean composes(String prompt) {
    List<Part> parts = parts(prompt);
    return parts.size() > 1 || parts.getFirst().weight() != 1.0;
  }
}
