package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pickles that would run code under torch.load(weights_only=False) are refused, naming the global, and run nothing. */
class UnsafePickleTest {
  /** Each payload would run {@code touch PWNED} in the working directory. */
  private static final Path PWNED = Path.of("PWNED");

  // Written by Python's pickle module for objects whose __reduce__ returns (os.system, ('touch PWNED',)) (protocol 2),
  // (subprocess.Popen, (['touch', 'PWNED'],)) (protocol 4), and the first inside an OrderedDict after a harmless entry.
  private static final String OS_SYSTEM_P2 =
      "800263706f7369780a73797374656d0a7100580b000000746f7563682050574e454471018571025271032e";
  private static final String POPEN_P4 = "80049530000000000000008c0a73756270726f63657373948c05506f70656e9493945d94288c0574"
      + "6f756368948c0550574e45449465859452942e";
  private static final String NESTED_P2 = "800263636f6c6c656374696f6e730a4f726465726564446963740a7100295271012858020000"
      + "006f6b71024b0158040000006576696c710363706f7369780a73797374656d0a7104580b000000746f7563682050574e4544710585710"
      + "6527107752e";

  @TempDir Path dir;

  @AfterEach
  void nothingRan() {
    assertFalse(Files.exists(PWNED), "a payload ran");
  }

  @ParameterizedTest
  @CsvSource({
      OS_SYSTEM_P2 + ", posix.system",
      POPEN_P4 + ", subprocess.Popen",
      NESTED_P2 + ", posix.system"})
  void reduceExploitsWrittenByPythonAreRefused(String hex, String global) throws IOException {
    assertRefused(HexFormat.of().parseHex(hex), global);
  }

  @ParameterizedTest
  @CsvSource({
      "os, system", "builtins, eval", "builtins, exec", "__builtin__, eval", "builtins, getattr", "posix, system",
      "subprocess, Popen", "subprocess, check_output", "builtins, __import__", "torch, load", "numpy, load",
      "torch._utils, _rebuild_device_tensor_from_numpy", "collections, defaultdict", "torch.nn.modules.conv, Conv2d"})
  void anyGlobalOffTheAllowlistIsRefused(String module, String name) throws IOException {
    byte[] viaGlobal = PickleBytes.protocol(2).global(module, name).unicode("id").op(0x85).reduce().stop()
        .toByteArray();
    assertRefused(viaGlobal, module + "." + name);
    byte[] viaStackGlobal = PickleBytes.protocol(4).stackGlobal(module, name).stop().toByteArray();
    assertRefused(viaStackGlobal, module + "." + name);
  }

  @Test
  void aGlobalIsRefusedEvenWhenNeverCalled() throws IOException {
    // Naming it is enough: only files made of allowlisted names are accepted at all.
    byte[] pickle = PickleBytes.protocol(2).op('}').unicode("x").global("os", "system").op('s').stop().toByteArray();
    assertRefused(pickle, "os.system");
  }

  @Test
  void aGlobalAfterValidTensorsStillRefusesTheFile() throws IOException {
    byte[] pickle = PickleBytes.protocol(2).op('}').mark()
        .unicode("w").tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1})
        .unicode("evil").global("builtins", "exec").unicode("print(1)").op(0x85).reduce()
        .op('u').stop().toByteArray();
    Path file = Files.write(dir.resolve("late.ckpt"), TorchZip.of(pickle).floats("0", 1f, 2f).toByteArray());
    UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> CkptFile.open(file));
    assertEquals("builtins.exec", e.global());
  }

  private void assertRefused(byte[] pickle, String global) throws IOException {
    Path file = Files.write(dir.resolve("model.ckpt"), TorchZip.of(pickle).toByteArray());
    UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> CkptFile.open(file));
    assertEquals(global, e.global());
    assertEquals(file, e.file());
    assertTrue(e.getMessage().contains("refusing global '" + global + "'") && e.getMessage().contains("data.pkl")
        && e.getMessage().contains(file.toString()) && e.getMessage().contains("sdj only loads tensors"),
        e.getMessage());
  }
}
