package org.sdj.io.ckpt;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, for crafting the hostile and malformed pickles that torch would never write. */
final class PickleBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static PickleBytes protocol(int version) {
    return new PickleBytes().op(0x80).op(version);
  }

  PickleBytes op(int opcode) {
    out.write(opcode);
    return this;
  }

  PickleBytes raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  PickleBytes u32(long value) {
    return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) value).array());
  }

  PickleBytes u64(long value) {
    return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array());
  }

  /** GLOBAL: {@code c module\nname\n}. */
  PickleBytes global(String module, String name) {
    return op('c').raw((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** STACK_GLOBAL from two short strings (protocol 4). */
  PickleBytes stackGlobal(String module, String name) {
    return shortUnicode(module).shortUnicode(name).op(0x93);
  }

  PickleBytes unicode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return op('X').u32(bytes.length).raw(bytes);
  }

  PickleBytes shortUnicode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return op(0x8c).op(bytes.length).raw(bytes);
  }

  /** A non-negative int: BININT1, BININT2 or BININT. */
  PickleBytes integer(long value) {
    if (value < 256) {
      return op('K').op((int) value);
    }
    if (value < 65536) {
      return op('M').op((int) value & 0xFF).op((int) value >> 8);
    }
    return op('J').u32(value);
  }

  /** Any int, as LONG1 of 8 bytes. */
  PickleBytes long1(long value) {
    return op(0x8a).op(8).u64(value);
  }

  PickleBytes mark() {
    return op('(');
  }

  PickleBytes tuple() {
    return op('t');
  }

  PickleBytes reduce() {
    return op('R');
  }

  PickleBytes stop() {
    return op('.');
  }

  /** A tuple of non-negative ints. */
  PickleBytes intTuple(long... values) {
    mark();
    for (long v : values) {
      integer(v);
    }
    return tuple();
  }

  /**
   * {@code _rebuild_tensor_v2(('storage', torch.<storageType>, key, 'cpu', numel), offset, size, stride, False,
   * OrderedDict())}, as torch.save writes it.
   */
  PickleBytes tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    mark().unicode("storage").global("torch", storageType).unicode(key).unicode("cpu").integer(numel).tuple();
    op('Q').integer(offset).intTuple(size).intTuple(stride).op(0x89);
    global("collections", "OrderedDict").op(')').reduce();
    return tuple().reduce();
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
