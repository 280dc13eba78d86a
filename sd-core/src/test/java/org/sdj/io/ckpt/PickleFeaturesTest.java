package org.sdj.io.ckpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sdj.backend.DType;

/** Pickle shapes that torch (or numpy, or Lightning) writes in some versions but the torch-made fixtures lack. */
class PickleFeaturesTest {
  private static final long[] TWO = {2};
  private static final long[] ONE = {1};

  @TempDir Path dir;

  @Test
  void tensorWithPythonAttributesIsRebuiltFromItsType() throws IOException {
    // t.foo = 1; torch.save({'w': t}) pickles _rebuild_from_type_v2(_rebuild_tensor_v2, torch.Tensor, args, state).
    PickleBytes pickle = PickleBytes.protocol(2).op('}').unicode("w")
        .global("torch._tensor", "_rebuild_from_type_v2").mark()
        .global("torch._utils", "_rebuild_tensor_v2").global("torch", "Tensor").mark()
        .mark().unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu").integer(2).tuple()
        .op('Q').integer(0).intTuple(TWO).intTuple(ONE).op(0x89).global("collections", "OrderedDict").op(')')
        .reduce().tuple()
        .op('}').unicode("foo").integer(1).op('s').tuple().reduce().op('s').stop();
    try (CkptFile ckpt = open(TorchZip.of(pickle.toByteArray()).floats("0", 1.5f, -2f))) {
      assertArrayEquals(new float[] {1.5f, -2f}, ckpt.get("w").toFloatArray());
    }
  }

  @Test
  void untypedStorageWithV3DtypeIsRead() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('}').unicode("h")
        .global("torch._utils", "_rebuild_tensor_v3").mark()
        .mark().unicode("storage").global("torch.storage", "UntypedStorage").unicode("0").unicode("cpu")
        .integer(6).tuple()
        .op('Q').integer(1).intTuple(TWO).intTuple(ONE).op(0x89).op('N').global("torch", "float16").tuple()
        .reduce().op('s').stop();
    byte[] halves = {0, 0x3c, 0, (byte) 0xc0, 0, 0x38}; // 1.0, -2.0, 0.5 as little-endian F16
    try (CkptFile ckpt = open(TorchZip.of(pickle.toByteArray()).storage("0", halves))) {
      assertEquals(DType.F16, ckpt.get("h").dtype());
      assertArrayEquals(new float[] {-2f, 0.5f}, ckpt.get("h").toFloatArray());
    }
  }

  @Test
  void v3DtypesSdjLacksAreNamed() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('}').unicode("u")
        .global("torch._utils", "_rebuild_tensor_v3").mark()
        .mark().unicode("storage").global("torch.storage", "UntypedStorage").unicode("0").unicode("cpu")
        .integer(4).tuple()
        .op('Q').integer(0).intTuple(TWO).intTuple(ONE).op(0x89).op('N').global("torch", "uint16").tuple()
        .reduce().op('s').stop();
    Path file = Files.write(dir.resolve("u16.ckpt"),
        TorchZip.of(pickle.toByteArray()).storage("0", new byte[4]).toByteArray());
    CkptException e = assertThrows(CkptException.class, () -> CkptFile.open(file));
    assertTrue(e.getMessage().contains("tensor 'u': torch.uint16 tensors are not supported"), e.getMessage());
  }

  @Test
  void negatedViewsAreRefusedRatherThanReadWithTheWrongSign() throws IOException {
    PickleBytes pickle = PickleBytes.protocol(2).op('}').unicode("n")
        .global("torch._utils", "_rebuild_tensor_v2").mark()
        .mark().unicode("storage").global("torch", "FloatStorage").unicode("0").unicode("cpu").integer(2).tuple()
        .op('Q').integer(0).intTuple(TWO).intTuple(ONE).op(0x89).op('N')
        .op('}').unicode("neg").op(0x88).op('s').tuple().reduce().op('s').stop();
    Path file = Files.write(dir.resolve("neg.ckpt"),
        TorchZip.of(pickle.toByteArray()).floats("0", 1f, 2f).toByteArray());
    CkptException e = assertThrows(CkptException.class, () -> CkptFile.open(file));
    assertTrue(e.getMessage().contains("torch flag 'neg'"), e.getMessage());
  }

  @Test
  void numpyScalarsSizesAndLightningStateAreInertValues() throws IOException {
    // As in SD 1.x checkpoints saved with numpy 1.x and pytorch_lightning: numpy.core.multiarray.scalar(numpy.dtype,
    // _codecs.encode(...)), a ModelCheckpoint built by NEWOBJ + BUILD, the ModelCheckpoint class as a dict key (as
    // Lightning 1.x keys callback states), and a torch.Size.
    PickleBytes pickle = PickleBytes.protocol(2).op('}').mark()
        .unicode("state_dict").op('}').unicode("w")
        .tensor("FloatStorage", "0", 2, 0, TWO, ONE).op('s')
        .unicode("loss").global("numpy.core.multiarray", "scalar")
        .global("numpy", "dtype").unicode("f8").op(0x89).op(0x88).op(0x87).reduce()
        .mark().integer(3).unicode("<").op('N').op('N').op('N').op('J').u32(-1).op('J').u32(-1).integer(0).tuple()
        .op('b')
        .global("_codecs", "encode").unicode("\u0000\u0000\u00e0?").unicode("latin1").op(0x86).reduce()
        .op(0x86).reduce()
        .unicode("callbacks").global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").op(')')
        .op(0x81).op('}').unicode("best_model_path").unicode("x.ckpt").op('s').op('b')
        .unicode("callbacks_by_type").op('}')
        .global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").op('}').op('s')
        .unicode("shape").global("torch", "Size").intTuple(3, 4).op(0x85).reduce()
        .unicode("global_step").long1(1L << 40)
        .op('u').stop();
    try (CkptFile ckpt = open(TorchZip.of(pickle.toByteArray()).floats("0", 1f, 2f))) {
      assertEquals(Set.of("w"), ckpt.names());
      assertEquals(Map.of("global_step", Long.toString(1L << 40)), ckpt.metadata());
    }
  }

  private CkptFile open(TorchZip zip) throws IOException {
    return CkptFile.open(Files.write(dir.resolve("crafted.ckpt"), zip.toByteArray()));
  }
}
