package org.sdj.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * AUTOMATIC1111's prompt editing ({@code [from:to:when]}, {@code [to:when]}, {@code [from::when]}) and alternation
 * ({@code [a|b]}): the prompt texts a prompt turns into over the steps, as A1111's {@code prompt_parser} schedules
 * them. {@code when} with a decimal point is a fraction of the steps, without one a step number; in the hires pass, a
 * fraction past 1 and a step past the first pass's steps count into that pass. A prompt that does not parse (an
 * unclosed bracket inside a group, a {@code |} outside one) is one text for every step, as A1111 leaves it. Emphasis
 * and {@code BREAK} stay in the texts for {@link WeightedText} to read.
 */
public final class PromptEditing {
  /**
   * One part of a schedule: {@code text} is the prompt up to and including step {@code endAtStep} (1-based, A1111's
   * {@code end_at_step}).
   */
  public record Segment(int endAtStep, String text) {}

  private PromptEditing() {}

  /** {@code prompt}'s schedule over {@code steps} steps of a first pass. */
  public static List<Segment> schedule(String prompt, int steps) {
    return schedule(prompt, steps, 0, 0, steps);
  }

  /** {@code prompt}'s schedule over the {@code hiresSteps} steps of a hires pass after {@code baseSteps}. */
  public static List<Segment> hiresSchedule(String prompt, int baseSteps, int hiresSteps) {
    return schedule(prompt, hiresSteps, baseSteps, 1.0, hiresSteps);
  }

  /**
   * The text a loop uses at its model call {@code call} (0-based), as A1111's {@code reconstruct_cond_batch} picks it:
   * the first segment that ends at or after the call, else (calls past the last step, as a second-order sampler makes)
   * the first segment.
   */
  public static String textAt(List<Segment> schedule, int call) {
    for (Segment s : schedule) {
      if (call <= s.endAtStep()) {
        return s.text();
      }
    }
    return schedule.getFirst().text();
  }

  /** Whether {@code prompt} has anything to schedule (a cheap test before parsing). */
  public static boolean mayEdit(String prompt) {
    return prompt.indexOf('[') >= 0;
  }

  private static List<Segment> schedule(String prompt, int steps, int intOffset, double fltOffset, int total) {
    List<Node> tree;
    try {
      tree = new Parser(prompt).start();
    } catch (IllegalArgumentException unparsed) {
      return List.of(new Segment(steps, prompt));
    }
    TreeSet<Integer> ends = new TreeSet<>(List.of(steps));
    for (Node node : tree) {
      node.collect(steps, intOffset, fltOffset, ends);
    }
    List<Segment> out = new ArrayList<>();
    for (int end : ends) {
      StringBuilder text = new StringBuilder();
      for (Node node : tree) {
        node.render(end, text);
      }
      out.add(new Segment(end, text.toString()));
    }
    return out;
  }

  /** A piece of the parsed prompt. */
  private sealed interface Node {
    /** Adds the steps at which this node's text changes (A1111's {@code collect_steps}). */
    default void collect(int steps, int intOffset, double fltOffset, TreeSet<Integer> ends) {}

    /** Appends this node's text at {@code step} (A1111's {@code at_step}). */
    void render(int step, StringBuilder out);
  }

  private record Text(String text) implements Node {
    @Override
    public void render(int step, StringBuilder out) {
      out.append(text);
    }
  }

  /** Emphasis: its brackets (and weight separator) stay as text around its parts. */
  private record Group(List<Node> parts) implements Node {
    @Override
    public void collect(int steps, int intOffset, double fltOffset, TreeSet<Integer> ends) {
      parts.forEach(p -> p.collect(steps, intOffset, fltOffset, ends));
    }

    @Override
    public void render(int step, StringBuilder out) {
      parts.forEach(p -> p.render(step, out));
    }
  }

  private static final class Scheduled implements Node {
    private final List<Node> before;
    private final List<Node> after;
    private final String when;
    private int at;

    Scheduled(List<Node> before, List<Node> after, String when) {
      this.before = before;
      this.after = after;
      this.when = when;
    }

    @Override
    public void collect(int steps, int intOffset, double fltOffset, TreeSet<Integer> ends) {
      double v = Double.parseDouble(when);
      v = when.contains(".") ? (v - fltOffset) * steps : v - intOffset;
      // Python's int() truncates toward zero.
      at = (int) Math.min(steps, (long) v);
      if (at >= 1) {
        ends.add(at);
      }
      before.forEach(p -> p.collect(steps, intOffset, fltOffset, ends));
      after.forEach(p -> p.collect(steps, intOffset, fltOffset, ends));
    }

    @Override
    public void render(int step, StringBuilder out) {
      (step <= at ? before : after).forEach(p -> p.render(step, out));
    }
  }

  private record Alternate(List<List<Node>> options) implements Node {
    @Override
    public void collect(int steps, int intOffset, double fltOffset, TreeSet<Integer> ends) {
      for (int s = 1; s <= steps; s++) {
        ends.add(s);
      }
      options.forEach(o -> o.forEach(p -> p.collect(steps, intOffset, fltOffset, ends)));
    }

    @Override
    public void render(int step, StringBuilder out) {
      options.get(Math.floorMod(step - 1, options.size())).forEach(p -> p.render(step, out));
    }
  }

  /**
   * A recursive-descent reading of A1111's grammar: a prompt is plain text (anything but {@code \[]():|}, and
   * backslash escapes), whitespace, emphasis {@code (p)}, {@code (p:p)} or {@code [p]}, scheduling and alternation;
   * at the top level a lone {@code [}, {@code ]}, {@code (}, {@code )} or {@code :} is text too.
   */
  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s;
    }

    List<Node> start() {
      List<Node> out = new ArrayList<>();
      while (pos < s.length()) {
        int mark = pos;
        List<Node> items = prompt();
        out.addAll(items);
        if (pos < s.length() && pos == mark) {
          char c = s.charAt(pos);
          if ("[]():".indexOf(c) < 0) {
            throw new IllegalArgumentException("unexpected " + c);
          }
          out.add(new Text(String.valueOf(c)));
          pos++;
        }
      }
      return out;
    }

    /** Items up to a character no item starts with ({@code ]}, {@code )}, {@code :}, {@code |} or a lone bracket). */
    private List<Node> prompt() {
      List<Node> out = new ArrayList<>();
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '(' || c == '[') {
          int mark = pos;
          Node bracketed = c == '(' ? round() : square();
          if (bracketed == null) {
            pos = mark;
            return out;
          }
          out.add(bracketed);
        } else if ("]):|".indexOf(c) >= 0) {
          return out;
        } else {
          out.add(plain());
        }
      }
      return out;
    }

    private Text plain() {
      int from = pos;
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == '\\' && pos + 1 < s.length()) {
          pos += 2;
        } else if ("\\[]():|".indexOf(c) >= 0) {
          break;
        } else {
          pos++;
        }
      }
      if (pos == from) {
        // A backslash at the very end: no rule takes it.
        throw new IllegalArgumentException("unexpected \\");
      }
      return new Text(s.substring(from, pos));
    }

    /** {@code (p)} or {@code (p:p)}, or null (position unchanged by the caller) where it is neither. */
    private Node round() {
      List<Node> parts = new ArrayList<>();
      parts.add(new Text("("));
      pos++;
      parts.addAll(prompt());
      if (at(':')) {
        pos++;
        parts.add(new Text(":"));
        parts.addAll(prompt());
      }
      if (!at(')')) {
        return null;
      }
      pos++;
      parts.add(new Text(")"));
      return new Group(parts);
    }

    /** {@code [p]}, {@code [p:p:N]}, {@code [p:N]} or {@code [p|p...]}, or null where it is none. */
    private Node square() {
      pos++;
      List<Node> first = prompt();
      if (at(']')) {
        pos++;
        List<Node> parts = new ArrayList<>();
        parts.add(new Text("["));
        parts.addAll(first);
        parts.add(new Text("]"));
        return new Group(parts);
      }
      if (at('|')) {
        List<List<Node>> options = new ArrayList<>(List.of(first));
        while (at('|')) {
          pos++;
          options.add(prompt());
        }
        if (!at(']')) {
          return null;
        }
        pos++;
        return new Alternate(options);
      }
      if (!at(':')) {
        return null;
      }
      pos++;
      int mark = pos;
      String when = whenThenClose();
      if (when != null) {
        return new Scheduled(List.of(), first, when);
      }
      pos = mark;
      List<Node> second = prompt();
      if (!at(':')) {
        return null;
      }
      pos++;
      when = whenThenClose();
      return when == null ? null : new Scheduled(first, second, when);
    }

    /** {@code [WHITESPACE] NUMBER [WHITESPACE] ]}: the number's text, or null. */
    private String whenThenClose() {
      skipWhitespace();
      int from = pos;
      if (at('+') || at('-')) {
        pos++;
      }
      int digits = digits();
      boolean dot = at('.');
      if (dot) {
        pos++;
        digits += digits();
      }
      if (digits == 0) {
        return null;
      }
      if (at('e') || at('E')) {
        int mark = pos;
        pos++;
        if (at('+') || at('-')) {
          pos++;
        }
        if (digits() == 0) {
          pos = mark;
        }
      }
      String number = s.substring(from, pos);
      skipWhitespace();
      if (!at(']')) {
        return null;
      }
      pos++;
      return number;
    }

    private int digits() {
      int from = pos;
      while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) {
        pos++;
      }
      return pos - from;
    }

    private void skipWhitespace() {
      while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
        pos++;
      }
    }

    private boolean at(char c) {
      return pos < s.length() && s.charAt(pos) == c;
    }
  }
}
