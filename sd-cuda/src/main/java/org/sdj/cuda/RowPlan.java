package org.sdj.cuda;

import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How a wgmma attention launch cuts each head's query rows into blocks: {@code full} blocks of the kernel's rows (64 per
 * consumer warpgroup), then {@code part} blocks of one consumer fewer, whose last consumer only hands the stages on.
 * The plain grid is {@code part == 0}: every block full but the last. Where a launch's blocks fill the SMs' last wave
 * only in part, shorter blocks in that wave end sooner: at head size 80 (three consumers, 192 rows) and N 4096, 16
 * heads' 352 blocks fill 2.67 waves of 132 SMs, and 256 full blocks with 128 two-consumer ones end after 2 + c waves
 * where the plain grid ends after 3 (c: a two-consumer block's time over a full one's). wgmma_kernel.cuh's
 * {@code block_rows} reads the plan from the launch's options ({@link #option}).
 *
 * @param full blocks of full rows per head, first
 * @param part blocks of one consumer's rows fewer per head, after every head's full ones
 */
record RowPlan(int full, int part) {
  /**
   * System property: {@code false} launches the plain grid instead of the plan that {@link #choose} expects to end
   * soonest (the default since an H200 timed the plans: 5% at head size 80, N 4096; nothing lost elsewhere).
   */
  static final String PROPERTY = "sdj.cuda.wgmmaRowPlan";
  /** Where the plan sits in the kernel's options ({@code OPTION_PLAN_SHIFT}): above the copy bits. */
  static final int OPTION_SHIFT = 8;
  /**
   * The time a block saves per idle consumer, as a fraction of a full block's time over its consumers: the idle
   * consumer's share of the products and softmax, less what the others then overlap less well. A model (a GPU's
   * figures in RESULTS.md judge it): two consumers' blocks took 0.8 of three's time at head size 80 on an H200.
   */
  static final double IDLE_SAVING = 0.6;
  /** How much sooner a plan must be expected to end than the plain grid to be taken (the model is rough). */
  static final double MARGIN = 0.02;
  private static final Map<Key, RowPlan> CHOSEN = new ConcurrentHashMap<>();

  private record Key(int nq, int consumers, int items, int slots) {}

  /** The plain grid: full blocks, the last of which may hold fewer rows. */
  static RowPlan plain(int nq, int rows) {
    return new RowPlan(Math.ceilDiv(nq, rows), 0);
  }

  /** The grid's width: blocks per head. */
  int blocks() {
    return full + part;
  }

  /** The kernel's option bits of this plan: none for the plain grid, else {@code full + 1} above {@link #OPTION_SHIFT}. */
  int option() {
    return part == 0 ? 0 : (full + 1) << OPTION_SHIFT;
  }

  /**
   * The plan expected to end soonest for {@code nq} query rows per head, a kernel of {@code consumers} consumers,
   * {@code items} heads times batch items and {@code slots} blocks running at once (SMs): the plain grid unless
   * another is expected to end at least {@link #MARGIN} sooner. Blocks start in the grid's order (every head's full
   * blocks, then the short ones) as slots free up, each taking {@link #cost} of a full block's time.
   */
  static RowPlan choose(int nq, int consumers, int items, int slots) {
    if (nq <= 0 || consumers < 2 || items <= 0 || slots <= 0) {
      return plain(Math.max(nq, 0), 64 * Math.max(consumers, 1));
    }
    Key key = new Key(nq, consumers, items, slots);
    RowPlan chosen = CHOSEN.get(key);
    if (chosen == null) {
      chosen = best(nq, consumers, items, slots);
      if (CHOSEN.size() > 1024) {
        CHOSEN.clear();
      }
      CHOSEN.put(key, chosen);
    }
    return chosen;
  }

  private static RowPlan best(int nq, int consumers, int items, int slots) {
    int rows = 64 * consumers;
    RowPlan plain = plain(nq, rows);
    double plainEnd = plain.makespan(nq, consumers, items, slots);
    RowPlan best = plain;
    double bestEnd = plainEnd * (1 - MARGIN);
    // The short blocks only need to fill the last wave or so: a few slots' worth of full blocks per head turned into
    // short ones, which keeps the search short at any length (a million rows a head: 5462 full blocks).
    int fewest = Math.max(0, plain.full - (int) Math.ceilDiv(3L * slots, items) - 1);
    for (int full = plain.full - 1; full >= fewest; full--) {
      RowPlan p = new RowPlan(full, Math.ceilDiv(nq - full * rows, rows - 64));
      double end = p.makespan(nq, consumers, items, slots);
      if (end < bestEnd) {
        best = p;
        bestEnd = end;
      }
    }
    return best;
  }

  /**
   * When the last block ends, in full blocks' times, where the blocks start in the grid's order as {@code slots} free
   * up.
   */
  double makespan(int nq, int consumers, int items, int slots) {
    int rows = 64 * consumers;
    double[] costs = new double[blocks()];
    for (int i = 0; i < costs.length; i++) {
      int q0 = i < full ? i * rows : full * rows + (i - full) * (rows - 64);
      int size = Math.min(i < full ? rows : rows - 64, nq - q0);
      costs[i] = size <= 0 ? 0 : cost(Math.ceilDiv(size, 64), consumers);
    }
    PriorityQueue<Double> free = new PriorityQueue<>();
    for (int s = 0; s < slots; s++) {
      free.add(0.0);
    }
    double end = 0;
    // The grid's order: every head's full blocks, then every head's short ones.
    for (int pass = 0; pass < 2; pass++) {
      int from = pass == 0 ? 0 : full;
      int to = pass == 0 ? full : blocks();
      for (int item = 0; item < items; item++) {
        for (int i = from; i < to; i++) {
          double done = free.poll() + costs[i];
          end = Math.max(end, done);
          free.add(done);
        }
      }
    }
    return end;
  }

  /** A block's time with {@code active} of its {@code consumers} computing, over a full block's. */
  static double cost(int active, int consumers) {
    return 1 - IDLE_SAVING * (consumers - active) / consumers;
  }
}
