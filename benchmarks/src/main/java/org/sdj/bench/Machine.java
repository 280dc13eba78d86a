package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the reports say about the machine: CPU model, load, and this process's peak resident memory. */
public final class Machine {
  private Machine() {}

  /** The CPU model name from {@code /proc/cpuinfo}, or "unknown CPU". */
  public static String cpu() {
    return line(Path.of("/proc/cpuinfo"), "model name").replaceFirst("^[^:]*:\\s*", "");
  }

  /** The first three fields of {@code /proc/loadavg}. */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      return "unknown";
    }
  }

  /** This process's peak resident set ({@code VmHWM}) in bytes, or -1 where {@code /proc} does not say. */
  public static long peakRss() {
    String l = line(Path.of("/proc/self/status"), "VmHWM");
    try {
      return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String line(Path file, String prefix) {
    try {
      return Files.readAllLines(file).stream().filter(s -> s.startsWith(prefix)).findFirst().orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
