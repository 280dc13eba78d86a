package org.sdj.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * AUTOMATIC1111's extra networks in a prompt ({@code <lora:name:0.8>}): tags its {@code extra_networks.parse_prompt}
 * takes out of the text before the text is encoded, each naming a network to apply. sdj applies LoRAs
 * ({@code lora}, and {@code lyco}, the LyCORIS extension's name for them) at one strength for both models; the
 * engine merges them at load.
 */
public final class ExtraNetworks {
  private static final Pattern TAG = Pattern.compile("<(\\w+):([^>]+)>");

  /**
   * One tag: its kind ({@code lora}) and its arguments ({@code name}, then multipliers), split at {@code :} as A1111
   * splits them.
   */
  public record Use(String kind, List<String> args) {
    public Use {
      args = List.copyOf(args);
    }

    /** The tag as written, for messages. */
    public String tag() {
      return "<" + kind + ":" + String.join(":", args) + ">";
    }

    /** Whether it names a LoRA ({@code lora} or {@code lyco}). */
    public boolean isLora() {
      return kind.equals("lora") || kind.equals("lyco");
    }

    /** The network's name: the first argument. */
    public String name() {
      return args.getFirst();
    }

    /**
     * A LoRA's strength: its second argument (1 without one); empty where the tag gives the text encoder and the UNet
     * different multipliers, or one sdj cannot read, which the caller refuses.
     */
    public OptionalDouble strength() {
      try {
        double te = args.size() > 1 ? Double.parseDouble(args.get(1)) : 1.0;
        double unet = args.size() > 2 ? Double.parseDouble(args.get(2)) : te;
        return args.size() <= 3 && te == unet && Double.isFinite(te) ? OptionalDouble.of(te) : OptionalDouble.empty();
      } catch (NumberFormatException e) {
        return OptionalDouble.empty();
      }
    }
  }

  private ExtraNetworks() {}

  /** {@code prompt} without its tags, as A1111 encodes it (the text around them left as it is). */
  public static String strip(String prompt) {
    return TAG.matcher(prompt).replaceAll("");
  }

  /** The tags in {@code prompt}, in order. */
  public static List<Use> uses(String prompt) {
    List<Use> out = new ArrayList<>();
    Matcher m = TAG.matcher(prompt);
    while (m.find()) {
      out.add(new Use(m.group(1), List.of(m.group(2).split(":", -1))));
    }
    return out;
  }
}
