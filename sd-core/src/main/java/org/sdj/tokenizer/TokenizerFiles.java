package org.sdj.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.sdj.SdjException;

/** Reads the files of a CLIP tokenizer folder; every problem becomes an {@link SdjException} naming the file. */
final class TokenizerFiles {
  static final String VOCAB_FILE = "vocab.json";
  static final String MERGES_FILE = "merges.txt";
  static final String END_OF_WORD = "</w>";

  private static final ObjectMapper JSON = new ObjectMapper();

  private TokenizerFiles() {}

  /** vocab.json: an object from token text to id. */
  static Map<String, Integer> readVocab(Path dir) {
    JsonNode root = readJson(requireFile(dir, VOCAB_FILE));
    Map<String, Integer> vocab = HashMap.newHashMap(root.size());
    for (Map.Entry<String, JsonNode> entry : root.properties()) {
      JsonNode id = entry.getValue();
      if (!id.canConvertToExactIntegral() || !id.canConvertToInt() || id.asInt() < 0) {
        throw corrupt(VOCAB_FILE, "the id of token " + quote(entry.getKey()) + " is " + id + ", not an id >= 0");
      }
      vocab.put(entry.getKey(), id.asInt());
    }
    return vocab;
  }

  /** merges.txt: an optional {@code #version} line, then one {@code left right} pair per line, best first. */
  static List<BytePairEncoder.Merge> readMerges(Path dir, Map<String, Integer> vocab) {
    List<String> lines = readLines(requireFile(dir, MERGES_FILE));
    List<BytePairEncoder.Merge> merges = new ArrayList<>(lines.size());
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || (i == 0 && line.startsWith("#version"))) {
        continue;
      }
      String[] pair = line.split(" ", -1);
      if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
        throw corrupt(MERGES_FILE, "line " + (i + 1) + " is " + quote(line) + ", not two symbols and one space");
      }
      merges.add(
          new BytePairEncoder.Merge(
              idInMerge(vocab, pair[0], i), idInMerge(vocab, pair[1], i), idInMerge(vocab, pair[0] + pair[1], i)));
    }
    return merges;
  }

  /** The ids of the 256 byte symbols, with {@code </w>} appended when {@code suffix} is set. */
  static int[] byteSymbolIds(Map<String, Integer> vocab, String suffix) {
    int[] ids = new int[256];
    for (int b = 0; b < 256; b++) {
      String symbol = ByteSymbols.symbol(b) + suffix;
      Integer id = vocab.get(symbol);
      if (id == null) {
        throw corrupt(VOCAB_FILE, "it lacks the byte symbol " + quote(symbol) + " of byte " + b);
      }
      ids[b] = id;
    }
    return ids;
  }

  /** The file's JSON object, or an empty object when the file does not exist. */
  static JsonNode readOptionalJson(Path file) {
    return Files.exists(file) ? readJson(file) : JSON.createObjectNode();
  }

  static SdjException corrupt(String fileName, String problem) {
    return new SdjException("Corrupt tokenizer file " + fileName + ": " + problem);
  }

  static String quote(String text) {
    return "'" + text + "'";
  }

  private static int idInMerge(Map<String, Integer> vocab, String symbol, int lineIndex) {
    Integer id = vocab.get(symbol);
    if (id == null) {
      throw corrupt(
          MERGES_FILE, "line " + (lineIndex + 1) + " uses or makes " + quote(symbol) + ", which is not in " + VOCAB_FILE);
    }
    return id;
  }

  private static Path requireFile(Path dir, String name) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new SdjException("Tokenizer folder " + dir + " has no " + name + " (expected a CLIP tokenizer folder)");
    }
    return file;
  }

  private static JsonNode readJson(Path file) {
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (JacksonException e) {
      throw corrupt(file.getFileName().toString(), "not valid JSON (" + e.getOriginalMessage() + ")");
    } catch (IOException e) {
      throw new SdjException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw corrupt(file.getFileName().toString(), "expected a JSON object");
    }
    return root;
  }

  private static List<String> readLines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (CharacterCodingException e) {
      throw corrupt(file.getFileName().toString(), "not UTF-8 text");
    } catch (IOException e) {
      throw new SdjException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
