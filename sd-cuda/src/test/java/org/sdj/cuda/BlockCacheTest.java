package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The caching allocator against a fake device with a fixed capacity. */
class BlockCacheTest {
  /** Hands out increasing addresses until {@code capacity} bytes are out; counts calls. */
  private static final class FakeMemory implements DeviceMemory {
    final long capacity;
    final Set<Long> live = new HashSet<>();
    long used;
    long next = 1 << 20;
    int allocations;
    int frees;
    final java.util.Map<Long, Long> sizes = new java.util.HashMap<>();

    FakeMemory(long capacity) {
      this.capacity = capacity;
    }

    @Override
    public long allocate(long bytes) {
      if (used + bytes > capacity) {
        return 0;
      }
      allocations++;
      long a = next;
      next += bytes;
      used += bytes;
      live.add(a);
      sizes.put(a, bytes);
      return a;
    }

    @Override
    public void free(long address) {
      assertTrue(live.remove(address), "double or foreign free of " + address);
      used -= sizes.remove(address);
      frees++;
    }
  }

  @Test
  void sizeClassesRoundUp() {
    assertEquals(512, BlockCache.sizeClass(1));
    assertEquals(1024, BlockCache.sizeClass(513));
    assertEquals(2L << 20, BlockCache.sizeClass((2L << 20) - 1));
    assertEquals(4L << 20, BlockCache.sizeClass((2L << 20) + 1));
  }

  @Test
  void blocksCountInUseUntilReleasedWithTheirPeak() {
    AllocationMeter.Gauge inUse = new AllocationMeter.Gauge();
    try (BlockCache cache = new BlockCache(new FakeMemory(1L << 30), () -> true, inUse)) {
      long a = cache.acquire(1000);
      long b = cache.acquire(3L << 20);
      cache.release(a);
      assertEquals(4L << 20, inUse.current());
      assertEquals((4L << 20) + 1024, inUse.peak());
      cache.release(b);
      assertEquals(0, inUse.current());
      inUse.resetPeak();
      assertEquals(0, inUse.peak());
    }
  }

  @Test
  void aBorrowingCacheTakesTheLendersIdleBlocksAndGivesThemBackOnClose() {
    FakeMemory mem = new FakeMemory(1L << 30);
    AllocationMeter.Gauge inUse = new AllocationMeter.Gauge();
    try (BlockCache lender = new BlockCache(mem, () -> true, inUse)) {
      lender.release(lender.acquire(5L << 20));
      for (int generation = 0; generation < 3; generation++) {
        BlockCache replay = new BlockCache(new BorrowedMemory(lender), () -> true, new AllocationMeter.Gauge());
        long a = replay.acquire(5L << 20);
        long b = replay.acquire(1000);
        replay.release(b);
        assertEquals((6L << 20) + 1024, inUse.current(), "lent blocks count in use at the lender, idle or not");
        replay.close();
        assertTrue(a != 0);
        assertEquals(0, inUse.current());
      }
      assertEquals(2, mem.allocations, "each size class allocated once over three generations");
      assertEquals(0, mem.frees, "nothing went back to the driver");
      assertEquals((6L << 20) + 1024, lender.idleBytes());
    }
    assertTrue(mem.live.isEmpty());
  }

  @Test
  void aBorrowerOutOfMemoryGivesBackItsIdleBlocksAndTheLenderTrimsThem() {
    FakeMemory mem = new FakeMemory(8L << 20);
    try (BlockCache lender = new BlockCache(mem)) {
      BlockCache replay = new BlockCache(new BorrowedMemory(lender), () -> true, new AllocationMeter.Gauge());
      replay.release(replay.acquire(6L << 20));
      long big = replay.acquire(8L << 20);
      assertEquals(1, mem.frees);
      var e = assertThrows(CudaException.class, () -> replay.acquire(1));
      assertTrue(e.getMessage().contains("out of GPU memory"), e.getMessage());
      replay.release(big);
      replay.close();
      assertEquals(8L << 20, lender.idleBytes());
    }
  }

  @Test
  void releasedBlocksAreReusedWithoutNewAllocations() {
    FakeMemory mem = new FakeMemory(1L << 30);
    try (BlockCache cache = new BlockCache(mem)) {
      for (int step = 0; step < 10; step++) {
        long a = cache.acquire(1000);
        long b = cache.acquire(5L << 20);
        cache.release(a);
        cache.release(b);
      }
      assertEquals(2, mem.allocations);
      assertEquals(0, cache.usedBytes());
      assertEquals(1024 + (6L << 20), cache.idleBytes());
      assertEquals(1024 + (6L << 20), cache.peakBytes());
    }
    assertTrue(mem.live.isEmpty());
  }

  @Test
  void outOfMemoryTrimsTheCacheOnceThenSaysWhatToDo() {
    FakeMemory mem = new FakeMemory(8L << 20);
    try (BlockCache cache = new BlockCache(mem)) {
      cache.release(cache.acquire(6L << 20));
      long big = cache.acquire(8L << 20);
      assertEquals(1, mem.frees);
      var e = assertThrows(CudaException.class, () -> cache.acquire(1));
      assertTrue(e.getMessage().contains("out of GPU memory"), e.getMessage());
      cache.release(big);
    }
  }

  @Test
  void closeFreesLiveBlocksAndLateReleasesAreHarmless() {
    FakeMemory mem = new FakeMemory(1L << 30);
    BlockCache cache = new BlockCache(mem);
    long a = cache.acquire(100);
    cache.release(cache.acquire(200_000));
    cache.close();
    assertTrue(mem.live.isEmpty());
    cache.release(a);
    assertTrue(mem.live.isEmpty());
    assertThrows(IllegalStateException.class, () -> cache.acquire(1));
  }
}
