package org.sdj.cuda;

import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_DATA_TYPE_UINT16;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_INTERLEAVE_NONE;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_L2_PROMOTION_L2_128B;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_SWIZZLE_128B;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_SWIZZLE_32B;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_SWIZZLE_64B;
import static org.bytedeco.cuda.global.cudart.CU_TENSOR_MAP_SWIZZLE_NONE;
import static org.bytedeco.cuda.global.cudart.cuTensorMapEncodeTiled;

import java.util.Arrays;
import org.bytedeco.cuda.cudart.CUtensorMap;
import org.bytedeco.javacpp.BytePointer;

/**
 * A kernel parameter of 128 bytes passed by value: the tensor map ({@code CUtensorMap}) that a bulk tensor copy (TMA)
 * reads, as 16 little-endian words. {@link #tiled} encodes one through the driver; sd-cuda's CPU emulator writes its
 * own layout instead ({@code EmulatedDispatch}). {@link #NONE} fills the parameter of a kernel told not to read it.
 */
record TensorMap(long[] words) {
  static final int WORDS = 16;
  /** All zeros: for a kernel launched without bulk copies, which never reads it. */
  static final TensorMap NONE = new TensorMap(new long[WORDS]);

  TensorMap {
    if (words.length != WORDS) {
      throw new IllegalArgumentException("a tensor map is " + WORDS + " words, not " + words.length);
    }
  }

  /**
   * The driver's tensor map of 16-bit elements at device address {@code address}: {@code dims} elements per dimension
   * (dimension 0 contiguous), {@code strides} in bytes for dimensions 1 and up, boxes of {@code box} elements, the
   * 16-byte chunks of each box row swizzled in shared memory with width {@code swizzle} (32, 64 or 128 bytes; 0 for
   * none); no interleave, element strides 1, zeros past the bounds.
   *
   * @throws CudaException where the driver refuses the shape
   * @throws IllegalArgumentException for another swizzle width
   */
  static TensorMap tiled(long address, long[] dims, long[] strides, int[] box, int swizzle) {
    int mode = switch (swizzle) {
      case 0 -> CU_TENSOR_MAP_SWIZZLE_NONE;
      case 32 -> CU_TENSOR_MAP_SWIZZLE_32B;
      case 64 -> CU_TENSOR_MAP_SWIZZLE_64B;
      case 128 -> CU_TENSOR_MAP_SWIZZLE_128B;
      default -> throw new IllegalArgumentException("a swizzle of " + swizzle + " bytes (0, 32, 64 or 128)");
    };
    int[] unit = new int[dims.length];
    Arrays.fill(unit, 1);
    // CUtensorMap is 64-byte aligned in C; JavaCPP's allocation promises less.
    try (BytePointer raw = new BytePointer(WORDS * 8 + 64)) {
      CUtensorMap map = new CUtensorMap(new DevicePointer((raw.address() + 63) & ~63L));
      Cu.check(cuTensorMapEncodeTiled(map, CU_TENSOR_MAP_DATA_TYPE_UINT16, dims.length, new DevicePointer(address),
          dims, strides, box, unit, CU_TENSOR_MAP_INTERLEAVE_NONE, mode,
          CU_TENSOR_MAP_L2_PROMOTION_L2_128B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE), "cuTensorMapEncodeTiled");
      long[] words = new long[WORDS];
      map.opaque().get(words);
      return new TensorMap(words);
    }
  }
}
