package org.sdj.prompt;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A prompt in AUTOMATIC1111's syntax cut into runs of text with their weights: {@code "a (house:1.3) [on] a hill"}
 * gives {@code a } 1.0, {@code house} 1.3, {@code  } 1.0, {@code on} 1/1.1, {@code  a hill} 1.0. Brackets nest and
 * multiply; an unclosed one weighs the rest of the prompt; a closing one without its opener is text; {@code BREAK}
 * (a word of its own, in capitals) becomes a {@link #isBreak() break}, inside brackets too (where A1111 takes it for
 * text). Neighbouring runs of equal weight are merged.
 *
 * @param text the run's text ({@code "BREAK"} for a break)
 * @param weight its weight, the product of its brackets' factors; 0 for a break
 */
public record WeightedText(String text, double weight) {
  /** What {@code (text)} multiplies by, and {@code [text]} divides by. */
  public static final double BRACKET_FACTOR = 1.1;
  private static final WeightedText BREAK = new WeightedText("BREAK", 0);
  // One token of the syntax per match: escaped characters, openers, ":weight)" closers, closers, text runs, a colon.
  private static final Pattern TOKENS =
      Pattern.compile("\\\\[()\\[\\]\\\\]|\\\\|\\(|\\[|:\\s*([+-]?[.\\d]+)\\s*\\)|\\)|]|[^\\\\()\\[\\]:]+|:");
  private static final Pattern BREAK_WORD = Pattern.compile("\\s*\\bBREAK\\b\\s*");

  /** Whether this marks a {@code BREAK}: the chunk ends here. */
  public boolean isBreak() {
    return this == BREAK;
  }

  /** {@code prompt}'s runs, in order; one empty run of weight 1 for an empty prompt. */
  public static List<WeightedText> parse(String prompt) {
    List<String> texts = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    Deque<Integer> round = new ArrayDeque<>();
    Deque<Integer> square = new ArrayDeque<>();
    Matcher m = TOKENS.matcher(prompt);
    while (m.find()) {
      String token = m.group();
      String weight = m.group(1);
      if (token.startsWith("\\")) {
        add(texts, weights, token.substring(1), 1.0);   // a lone backslash adds nothing, as in A1111
      } else if (token.equals("(")) {
        round.push(texts.size());
      } else if (token.equals("[")) {
        square.push(texts.size());
      } else if (weight != null && !round.isEmpty() && parsable(weight)) {
        multiply(weights, round.pop(), Double.parseDouble(weight));
      } else if (token.equals(")") && !round.isEmpty()) {
        multiply(weights, round.pop(), BRACKET_FACTOR);
      } else if (token.equals("]") && !square.isEmpty()) {
        multiply(weights, square.pop(), 1 / BRACKET_FACTOR);
      } else {
        String[] parts = BREAK_WORD.split(token, -1);
        for (int i = 0; i < parts.length; i++) {
          if (i > 0) {
            texts.add(BREAK.text);
            weights.add(Double.NaN);   // never merged, never multiplied: see multiply
          }
          add(texts, weights, parts[i], 1.0);
        }
      }
    }
    while (!round.isEmpty()) {
      multiply(weights, round.pop(), BRACKET_FACTOR);
    }
    while (!square.isEmpty()) {
      multiply(weights, square.pop(), 1 / BRACKET_FACTOR);
    }
    return merged(texts, weights);
  }

  private static void add(List<String> texts, List<Double> weights, String text, double weight) {
    texts.add(text);
    weights.add(weight);
  }

  private static void multiply(List<Double> weights, int from, double factor) {
    for (int i = from; i < weights.size(); i++) {
      weights.set(i, weights.get(i) * factor);   // a break's NaN stays NaN
    }
  }

  /** A1111 reads the weight with Python's float(); a malformed number such as "1.2.3" leaves the token as text. */
  private static boolean parsable(String number) {
    try {
      Double.parseDouble(number);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static List<WeightedText> merged(List<String> texts, List<Double> weights) {
    List<WeightedText> runs = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      double w = weights.get(i);
      WeightedText run = Double.isNaN(w) ? BREAK : new WeightedText(texts.get(i), w);
      int last = runs.size() - 1;
      if (last >= 0 && !run.isBreak() && !runs.get(last).isBreak() && runs.get(last).weight == w) {
        runs.set(last, new WeightedText(runs.get(last).text + run.text, w));
      } else {
        runs.add(run);
      }
    }
    if (runs.isEmpty()) {
      runs.add(new WeightedText("", 1.0));
    }
    return List.copyOf(runs);
  }
}
