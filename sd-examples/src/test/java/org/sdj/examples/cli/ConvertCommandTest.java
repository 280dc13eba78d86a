package org.sdj.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.io.safetensors.SafeTensorsFile;

/** {@code sdj convert}: a tiny torch checkpoint converts; a malicious one is refused with its global named. */
class ConvertCommandTest {
  @TempDir Path dir;

  /** A protocol-2 pickle of {@code {}}: a valid, empty state dict. */
  private static final byte[] EMPTY_DICT = {(byte) 0x80, 2, '}', 'q', 0, '.'};

  /** A protocol-2 pickle that would call {@code os.system("echo pwned")} if it were run. */
  private static final byte[] OS_SYSTEM = ("\u0080\u0002cos\nsystem\nq\u0000X\n\u0000\u0000\u0000echo pwnedq\u0001"
      + "\u0085q\u0002Rq\u0003.").getBytes(StandardCharsets.ISO_8859_1);

  @Test
  void convertsACheckpointToSafetensors() throws IOException {
    Path ckpt = checkpoint("empty.ckpt", EMPTY_DICT);
    Path out = dir.resolve("empty.safetensors");
    Sdj.Run run = Sdj.run("convert", ckpt.toString(), out.toString());
    assertEquals(0, run.status(), run.err());
    assertTrue(run.out().contains("0 tensors"), run.out());
    try (SafeTensorsFile f = SafeTensorsFile.open(out)) {
      assertArrayEquals(new String[0], f.names().toArray(String[]::new));
    }
  }

  @Test
  void refusesAPickleThatCallsCodeAndNamesTheGlobal() throws IOException {
    Path ckpt = checkpoint("evil.ckpt", OS_SYSTEM);
    Path out = dir.resolve("evil.safetensors");
    Sdj.Run run = Sdj.run("convert", ckpt.toString(), out.toString());
    run.assertOneErrorLine(1, "os.system");
    assertFalse(Files.exists(out));
  }

  @Test
  void refusesAFileThatIsNoCheckpoint() throws IOException {
    Path notCkpt = Files.writeString(dir.resolve("notes.ckpt"), "hello");
    Sdj.run("convert", notCkpt.toString(), dir.resolve("x.safetensors").toString())
        .assertOneErrorLine(1, "not a PyTorch checkpoint");
    Sdj.run("convert", dir.resolve("missing.ckpt").toString(), dir.resolve("y.safetensors").toString())
        .assertOneErrorLine(1, "does not exist");
  }

  /** A torch.save-style zip: {@code archive/data.pkl} stored uncompressed, with the version records torch writes. */
  private Path checkpoint(String name, byte[] pickle) throws IOException {
    Path file = dir.resolve(name);
    try (OutputStream raw = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(raw)) {
      stored(zip, "archive/data.pkl", pickle);
      stored(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
      stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }
    return file;
  }

  private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
    ZipEntry e = new ZipEntry(name);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    zip.putNextEntry(e);
    zip.write(data);
    zip.closeEntry();
  }
}
