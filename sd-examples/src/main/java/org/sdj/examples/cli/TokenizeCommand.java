package org.sdj.examples.cli;

import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import org.sdj.examples.demo.DemoModel;
import org.sdj.tokenizer.ClipTokenizer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sdj tokenize --model DIR TEXT}: prints TEXT's CLIP input ids as one JSON array, e.g. {@code [49406,...]}. */
@Command(
    name = "tokenize",
    mixinStandardHelpOptions = true,
    description = "Prints the CLIP input ids of TEXT (BOS, tokens, EOS, padding) as one JSON array.")
final class TokenizeCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      required = true,
      paramLabel = "DIR",
      description = "A diffusers pipeline folder (uses DIR/tokenizer), a tokenizer folder (has vocab.json), or '"
          + DemoModel.NAME + "' for the built-in demo model's.")
  String model;

  @Parameters(paramLabel = "TEXT", description = "The prompt.")
  String text;

  @Override
  public Integer call() {
    ClipTokenizer tokenizer = ClipTokenizer.load(ModelFolders.tokenizerDir(Path.of(DemoModel.resolve(model))));
    StringJoiner json = new StringJoiner(",", "[", "]");
    for (int id : tokenizer.encode(text)) {
      json.add(Integer.toString(id));
    }
    spec.commandLine().getOut().println(json);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
