package org.sdj.tokenizer;

/**
 * The byte-level alphabet of CLIP's BPE: every byte value gets a printable code point so that the vocabulary never
 * holds whitespace or control characters. Printable Latin-1 bytes stand for themselves; the 68 others are moved, in
 * order, to U+0100 and up.
 */
final class ByteSymbols {
  private static final char[] SYMBOL_OF_BYTE = buildTable();

  private ByteSymbols() {}

  /** The vocabulary symbol of one byte (0..255). */
  static char symbol(int unsignedByte) {
    return SYMBOL_OF_BYTE[unsignedByte];
  }

  private static char[] buildTable() {
    char[] table = new char[256];
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      table[b] = standsForItself(b) ? (char) b : (char) (256 + shifted++);
    }
    return table;
  }

  private static boolean standsForItself(int b) {
    return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  }
}
