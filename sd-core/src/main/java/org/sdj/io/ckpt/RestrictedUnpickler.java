package org.sdj.io.ckpt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a pickle (protocols 2 to 5) into {@link Pickled} values without running anything: globals must be on {@link
 * TorchGlobals}' allowlist and are only ever named, and every resource is bounded (stack, marks, memo, values, text),
 * so a hostile or corrupt pickle ends in a {@link CkptException}, never in code execution, an OutOfMemoryError or a
 * hang. Time is linear in the pickle's length.
 */
final class RestrictedUnpickler {
  /** Values on the stack at once; torch's pickles batch containers by 1000, so a few thousand are plenty. */
  static final int MAX_STACK = 1 << 20;
  /** Open MARKs at once; the nesting of tuples, lists and dicts being built. */
  static final int MAX_MARKS = 1024;
  static final int MAX_MEMO = 1 << 21;
  /** Values pushed in all; a Stable Diffusion checkpoint pushes some tens of thousands. */
  static final long MAX_VALUES = 1 << 23;
  /** Bytes of strings, bytes and ints in all. */
  static final long MAX_TEXT_BYTES = 128L << 20;
  private static final int MAX_GLOBAL_LINE = 512;
  private static final int MAX_INT_BYTES = 256;
  private static final int HIGHEST_PROTOCOL = 5;

  private final Path file;
  private final String record;
  private final MemorySegment in;
  private long pos;
  private long opStart;
  private final ArrayList<Object> stack = new ArrayList<>();
  private int[] marks = new int[16];
  private int markCount;
  private final Map<Long, Object> memo = new HashMap<>();
  private long values;
  private long textBytes;

  private RestrictedUnpickler(Path file, String record, MemorySegment in) {
    this.file = file;
    this.record = record;
    this.in = in;
  }

  /**
   * The value {@code pickle} holds.
   *
   * @param record the archive record it comes from, for messages
   * @throws UnsafePickleException if the pickle names a global outside the allowlist
   * @throws CkptException if it is malformed, truncated, uses an unsupported opcode or exceeds a bound
   */
  static Object load(Path file, String record, MemorySegment pickle) {
    RestrictedUnpickler unpickler = new RestrictedUnpickler(file, record, pickle);
    try {
      return unpickler.run();
    } catch (PickleError e) {
      throw new CkptException(file, record + " at byte " + unpickler.opStart + ": " + e.getMessage());
    }
  }

  private Object run() {
    while (true) {
      opStart = pos;
      int op = u8();
      switch (op) {
        case 0x80 -> { // PROTO
          int protocol = u8();
          if (protocol > HIGHEST_PROTOCOL) {
            throw new PickleError("pickle protocol " + protocol + " is newer than " + HIGHEST_PROTOCOL);
          }
        }
        case 0x95 -> { // FRAME: only a length hint
          long length = u64();
          if (length < 0 || length > remaining()) {
            throw new PickleError("frame of " + Long.toUnsignedString(length) + " bytes past the end");
          }
        }
        case '.' -> { // STOP
          return pop();
        }
        case '(' -> mark();
        case 'c' -> global(line(), line());
        case 0x93 -> { // STACK_GLOBAL
          String name = Calls.as(String.class, pop(), "a global's name");
          global(Calls.as(String.class, pop(), "a global's module"), name);
        }
        case 'q' -> memoPut(u8());
        case 'r' -> memoPut(u32());
        case 0x94 -> memoPut(memo.size()); // MEMOIZE
        case 'h' -> memoGet(u8());
        case 'j' -> memoGet(u32());
        case '}' -> push(new LinkedHashMap<Object, Object>());
        case ']' -> push(new ArrayList<Object>());
        case ')' -> push(new Pickled.Tuple(List.of()));
        case 0x8f -> push(new Pickled.PySet(new ArrayList<>())); // EMPTY_SET
        case 'd' -> dict();
        case 'l' -> push(popMark());
        case 't' -> push(new Pickled.Tuple(popMark()));
        case 0x91 -> push(new Pickled.PySet(popMark())); // FROZENSET
        case 0x85 -> tuple(1);
        case 0x86 -> tuple(2);
        case 0x87 -> tuple(3);
        case 'a' -> {
          Object item = pop();
          list(peek()).add(item);
        }
        case 'e' -> {
          ArrayList<Object> items = popMark();
          list(peek()).addAll(items);
        }
        case 0x90 -> { // ADDITEMS
          ArrayList<Object> items = popMark();
          Calls.as(Pickled.PySet.class, peek(), "a set to add to").items().addAll(items);
        }
        case 's' -> {
          Object value = pop();
          Object key = pop();
          dictOf(peek()).put(Pickled.key(key), value);
        }
        case 'u' -> setItems(popMark());
        case 'J' -> push((long) i32());
        case 'K' -> push((long) u8());
        case 'M' -> push((long) (u8() | u8() << 8));
        case 0x8a -> push(longInt(u8())); // LONG1
        case 0x8b -> push(longInt(i32())); // LONG4
        case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(u64())));
        case 'X' -> push(text(u32()));
        case 0x8c -> push(text(u8())); // SHORT_BINUNICODE
        case 0x8d -> push(text(u64())); // BINUNICODE8
        case 'U' -> push(latin1(u8())); // SHORT_BINSTRING: Python 2 str, decoded as torch.load does by default
        case 'T' -> push(latin1(i32())); // BINSTRING
        case 'C' -> push(bytes(u8()));
        case 'B' -> push(bytes(u32()));
        case 0x8e -> push(bytes(u64())); // BINBYTES8
        case 'N' -> push(null);
        case 0x88 -> push(Boolean.TRUE);
        case 0x89 -> push(Boolean.FALSE);
        case 'R' -> {
          Pickled.Tuple args = Calls.as(Pickled.Tuple.class, pop(), "call arguments");
          push(Calls.reduce(Calls.as(Pickled.Global.class, pop(), "a callable global"), args));
        }
        case 0x81 -> { // NEWOBJ
          Pickled.Tuple args = Calls.as(Pickled.Tuple.class, pop(), "constructor arguments");
          push(Calls.newObject(Calls.as(Pickled.Global.class, pop(), "a class"), args));
        }
        case 0x92 -> { // NEWOBJ_EX: keyword arguments are only ever empty for the classes allowed
          pop();
          Pickled.Tuple args = Calls.as(Pickled.Tuple.class, pop(), "constructor arguments");
          push(Calls.newObject(Calls.as(Pickled.Global.class, pop(), "a class"), args));
        }
        case 'b' -> build(pop(), peek());
        case 'Q' -> push(Calls.persistentLoad(pop())); // BINPERSID
        case '0' -> { // POP: with nothing above the last mark, Python discards the mark
          if (stack.size() > lastMark()) {
            stack.removeLast();
          } else {
            popMark();
          }
        }
        case '1' -> popMark();
        case '2' -> push(peek()); // DUP
        default -> throw new PickleError(unsupported(op));
      }
    }
  }

  private static String unsupported(int op) {
    String printable = op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "";
    String hint = "ILFSVPgpi".indexOf(op) >= 0 && op < 0x80
        ? " (a text-protocol opcode: re-save the checkpoint with torch.save)" : "";
    return "unsupported pickle opcode 0x" + Integer.toHexString(op) + printable + hint;
  }

  private void global(String module, String name) {
    Pickled.Global global = TorchGlobals.resolve(module, name)
        .orElseThrow(() -> new UnsafePickleException(file, record, module + "." + name));
    push(global);
  }

  private void build(Object state, Object target) {
    if (target instanceof Pickled.Opaque opaque) {
      opaque.state = state;
    } else if (target instanceof LinkedHashMap<?, ?>) {
      // Attributes of the dict object, not items: Module.state_dict() keeps version numbers in _metadata there.
      return;
    } else if (state != null) {
      throw new PickleError("cannot set state on a " + Pickled.typeOf(target));
    }
  }

  private void dict() {
    ArrayList<Object> items = popMark();
    LinkedHashMap<Object, Object> dict = new LinkedHashMap<>();
    push(dict);
    putPairs(dict, items);
  }

  private void setItems(ArrayList<Object> items) {
    putPairs(dictOf(peek()), items);
  }

  private static void putPairs(Map<Object, Object> dict, List<Object> items) {
    if (items.size() % 2 != 0) {
      throw new PickleError("odd number of items (" + items.size() + ") for key-value pairs");
    }
    for (int i = 0; i < items.size(); i += 2) {
      dict.put(Pickled.key(items.get(i)), items.get(i + 1));
    }
  }

  private void tuple(int size) {
    Object[] items = new Object[size];
    for (int i = size - 1; i >= 0; i--) {
      items[i] = pop();
    }
    push(new Pickled.Tuple(Arrays.asList(items)));
  }

  @SuppressWarnings("unchecked")
  private static ArrayList<Object> list(Object value) {
    return Calls.as(ArrayList.class, value, "a list to append to");
  }

  @SuppressWarnings("unchecked")
  private static LinkedHashMap<Object, Object> dictOf(Object value) {
    return Calls.as(LinkedHashMap.class, value, "a dict to set items in");
  }

  // The stack, marks and memo.

  private void push(Object value) {
    if (stack.size() >= MAX_STACK) {
      throw new PickleError("more than " + MAX_STACK + " values on the pickle stack");
    }
    if (++values > MAX_VALUES) {
      throw new PickleError("more than " + MAX_VALUES + " values: not a state dict");
    }
    stack.add(value);
  }

  private Object pop() {
    if (stack.size() <= lastMark()) {
      throw new PickleError("pickle stack underflow");
    }
    return stack.removeLast();
  }

  private Object peek() {
    if (stack.size() <= lastMark()) {
      throw new PickleError("pickle stack underflow");
    }
    return stack.getLast();
  }

  private int lastMark() {
    return markCount == 0 ? 0 : marks[markCount - 1];
  }

  private void mark() {
    if (markCount == MAX_MARKS) {
      throw new PickleError("more than " + MAX_MARKS + " nested MARKs");
    }
    if (markCount == marks.length) {
      marks = Arrays.copyOf(marks, marks.length * 2);
    }
    marks[markCount++] = stack.size();
  }

  private ArrayList<Object> popMark() {
    if (markCount == 0) {
      throw new PickleError("no MARK to pop to");
    }
    int from = marks[--markCount];
    List<Object> top = stack.subList(from, stack.size());
    ArrayList<Object> items = new ArrayList<>(top);
    top.clear();
    return items;
  }

  private void memoPut(long index) {
    if (!memo.containsKey(index) && memo.size() >= MAX_MEMO) {
      throw new PickleError("more than " + MAX_MEMO + " memo entries");
    }
    memo.put(index, peek());
  }

  private void memoGet(long index) {
    if (!memo.containsKey(index)) {
      throw new PickleError("memo entry " + index + " was never stored");
    }
    push(memo.get(index));
  }

  // Reading the input, each read bounded by what is left.

  private long remaining() {
    return in.byteSize() - pos;
  }

  private void need(long count) {
    if (count < 0 || count > remaining()) {
      throw new PickleError("truncated: " + (count < 0 ? Long.toUnsignedString(count) : count)
          + " bytes needed, " + remaining() + " left");
    }
  }

  private int u8() {
    need(1);
    return Byte.toUnsignedInt(in.get(ValueLayout.JAVA_BYTE, pos++));
  }

  private int i32() {
    need(4);
    int value = in.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
    pos += 4;
    return value;
  }

  private long u32() {
    return Integer.toUnsignedLong(i32());
  }

  private long u64() {
    need(8);
    long value = in.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
    pos += 8;
    return value;
  }

  private byte[] bytes(long length) {
    need(length);
    textBytes += length;
    if (textBytes > MAX_TEXT_BYTES) {
      throw new PickleError("more than " + MAX_TEXT_BYTES + " bytes of strings: not a state dict");
    }
    byte[] bytes = in.asSlice(pos, length).toArray(ValueLayout.JAVA_BYTE);
    pos += length;
    return bytes;
  }

  private String text(long length) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes(length)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new PickleError("a string is not valid UTF-8");
    }
  }

  private String latin1(long length) {
    return new String(bytes(length), StandardCharsets.ISO_8859_1);
  }

  /** One newline-terminated line of a GLOBAL opcode. */
  private String line() {
    long limit = Math.min(remaining(), MAX_GLOBAL_LINE);
    for (long i = 0; i < limit; i++) {
      if (in.get(ValueLayout.JAVA_BYTE, pos + i) == '\n') {
        String line = text(i);
        pos++;
        return line;
      }
    }
    throw new PickleError("GLOBAL name without a newline within " + limit + " bytes");
  }

  /** A little-endian two's-complement int of {@code length} bytes. */
  private Object longInt(long length) {
    if (length > MAX_INT_BYTES) {
      throw new PickleError("an int of " + length + " bytes");
    }
    byte[] littleEndian = bytes(length);
    if (length == 0) {
      return 0L;
    }
    byte[] bigEndian = new byte[littleEndian.length];
    for (int i = 0; i < bigEndian.length; i++) {
      bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
    }
    BigInteger value = new BigInteger(bigEndian);
    return value.bitLength() < Long.SIZE ? (Object) value.longValue() : value;
  }
}
