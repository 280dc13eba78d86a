package org.sdj.random;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Brownian motion on {@code [t0, t1]} whose increments depend on its entropy alone, not on where or in which order it
 * is asked: torchsde's {@code BrownianInterval} with {@code halfway_tree=True}, {@code tol=1e-6} and
 * {@code pool_size=24} (its {@code BrownianTree}), which diffusers' {@code DPMSolverSDEScheduler} and k-diffusion's
 * {@code BrownianTreeNoiseSampler} (AUTOMATIC1111's SDE samplers) draw their noise from. The motion over {@code [t0,
 * t1]} is one unit-normal draw times {@code sqrt(t1 - t0)}; each interval splits at its (rounded) half into two whose
 * increments are a Brownian bridge, the bridge's noise drawn from a fresh generator of the tree's device (torch's CPU
 * one, {@link TorchGenerator}, or its CUDA one, {@link PhiloxGenerator}, for a tree grown on an NVIDIA GPU as
 * k-diffusion grows A1111's) seeded by a {@link SeedSequence} of the entropy and the node's place in the tree. Values
 * are float32, computed as torch computes them. Not thread-safe.
 */
public final class BrownianTree {
  private static final int POOL_SIZE = 24;
  private static final int DECIMALS = 6;
  /**
   * Recent increments kept (torchsde keeps 45): it saves time, never changes a value. 200 measured fastest on 16384
   * and 65536 values (against 45 and 1000).
   */
  private static final int CACHE_SIZE = 200;

  private final BigInteger entropy;
  private final RandomSource source;
  private final int size;
  private final Node root;
  private final float[] rootIncrement;
  private final Map<Node, float[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Node, float[]> eldest) {
      return size() > CACHE_SIZE;
    }
  };

  /**
   * @param t0 start, below {@code t1}
   * @param t1 end
   * @param size values per increment (the latents' element count)
   * @param entropy the seed (torchsde's {@code entropy}), read as an unsigned 64-bit integer
   */
  public BrownianTree(double t0, double t1, int size, long entropy) {
    this(t0, t1, size, entropy, RandomSource.CPU);
  }

  /**
   * A tree whose draws are {@code source}'s generators': torch's CPU one (the tree diffusers grows on the CPU) or its
   * CUDA one (the tree on an NVIDIA GPU).
   */
  public BrownianTree(double t0, double t1, int size, long entropy, RandomSource source) {
    if (!(t0 < t1) || !Double.isFinite(t0) || !Double.isFinite(t1)) {
      throw new IllegalArgumentException("a Brownian tree needs t0 < t1, got " + t0 + " and " + t1);
    }
    this.entropy = new BigInteger(Long.toUnsignedString(entropy));
    this.source = source;
    this.size = size;
    this.root = new Node(round(t0), round(t1), null, false);
    root.spawnKey = 0;
    root.depth = 0;
    long seed = new SeedSequence(this.entropy, List.of(), POOL_SIZE).generateState(3)[0];
    float scale = (float) Math.sqrt(t1 - t0);
    rootIncrement = source.generator(seed).randn(size);
    for (int i = 0; i < size; i++) {
      rootIncrement[i] *= scale;
    }
  }

  /**
   * The motion's increment from {@code ta} to {@code tb} ({@code ta <= tb}; each clamped into {@code [t0, t1]}, as
   * torchsde clamps them), {@code size} values.
   */
  public float[] increment(double ta, double tb) {
    if (ta > tb) {
      throw new IllegalArgumentException("a Brownian increment runs forward: got " + ta + " > " + tb);
    }
    double a = Math.min(Math.max(ta, root.start), root.end);
    double b = Math.min(Math.max(tb, root.start), root.end);
    if (a == b) {
      return new float[size];
    }
    List<Node> parts = new ArrayList<>();
    locate(root, round(a), round(b), parts);
    float[] w = increment(parts.getFirst()).clone();
    for (int p = 1; p < parts.size(); p++) {
      float[] more = increment(parts.get(p));
      for (int i = 0; i < size; i++) {
        w[i] += more[i];
      }
    }
    return w;
  }

  /** torchsde's {@code _loc_inner}: the nodes, left to right, that make up {@code [ta, tb]}, splitting as needed. */
  private void locate(Node node, double ta, double tb, List<Node> out) {
    if (ta < node.start || tb > node.end) {
      locate(node.parent, ta, tb, out);
      return;
    }
    if (ta == node.start && tb == node.end) {
      out.add(node);
      return;
    }
    if (node.left == null) {
      if (ta == node.start) {
        split(node, tb);
        locate(node.left, ta, tb, out);
      } else {
        split(node, ta);
        locate(node.right, ta, tb, out);
      }
      return;
    }
    if (tb <= node.midway) {
      locate(node.left, ta, tb, out);
    } else if (ta >= node.midway) {
      locate(node.right, ta, tb, out);
    } else {
      locate(node.left, ta, node.midway, out);
      locate(node.right, node.midway, tb, out);
    }
  }

  /** The halfway tree's split: at the node's half, then again in the half that holds {@code at}, until one is at it. */
  private void split(Node node, double at) {
    double half = 0.5 * (node.end + node.start);
    node.midway = round(half);
    if (node.parent != null) {
      node.spawnKey = 2 * node.parent.spawnKey + (node.isLeft ? 0 : 1);
      node.depth = node.parent.depth + 1;
      if (node.depth > 62) {
        throw new IllegalStateException("a Brownian tree deeper than 62 levels: the interval is too long for its"
            + " 1e-6 resolution");
      }
    }
    node.noiseSeed = new SeedSequence(entropy, List.of(BigInteger.valueOf(node.spawnKey),
        BigInteger.valueOf(node.depth)), POOL_SIZE).generateState(4)[0];
    node.left = new Node(node.start, round(half), node, true);
    node.right = new Node(round(half), node.end, node, false);
    if (at > node.midway) {
      split(node.right, at);
    } else if (at < node.midway) {
      split(node.left, at);
    }
  }

  /**
   * A node's increment: the root's draw, or a Brownian bridge's share of its parent's. The nodes down from the nearest
   * one known have their bridges' noise drawn in parallel first (each its own generator's), then their shares
   * computed in order.
   */
  private float[] increment(Node node) {
    if (node == root) {
      return rootIncrement;
    }
    float[] cached = cache.get(node);
    if (cached != null) {
      return cached;
    }
    Deque<Node> chain = new ArrayDeque<>();
    Node known = node;
    while (known != root && !cache.containsKey(known)) {
      chain.push(known);
      known = known.parent;
    }
    List<Node> down = new ArrayList<>(chain);
    float[][] noises = down.parallelStream().map(n -> source.generator(n.parent.noiseSeed).randn(size))
        .toArray(float[][]::new);
    float[] whole = known == root ? rootIncrement : cache.get(known);
    for (int k = 0; k < down.size(); k++) {
      whole = share(down.get(k), whole, noises[k]);
      cache.put(down.get(k), whole);
    }
    return whole;
  }

  /** {@code node}'s share of its parent's increment {@code whole}, given the parent's bridge noise. */
  private float[] share(Node node, float[] whole, float[] noise) {
    Node parent = node.parent;
    double reciprocal = 1 / (parent.end - parent.start);
    double leftLength = parent.midway - parent.start;
    double rightLength = parent.end - parent.midway;
    float left32 = (float) leftLength;
    float reciprocal32 = (float) reciprocal;
    float spread = (float) Math.sqrt(leftLength * rightLength * reciprocal);
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      // torch: left_diff * W * h_reciprocal, each product rounded to float32, then + sqrt(var) * noise.
      float leftShare = whole[i] * left32 * reciprocal32 + spread * noise[i];
      out[i] = node.isLeft ? leftShare : whole[i] - leftShare;
    }
    return out;
  }

  /** Python's {@code round(x, 6)}: the nearest 6-decimal value, ties to even, as a double. */
  static double round(double x) {
    return new BigDecimal(x).setScale(DECIMALS, RoundingMode.HALF_EVEN).doubleValue();
  }

  /** One interval of the tree; split ones have a midway point, a noise seed and two children. */
  private static final class Node {
    final double start;
    final double end;
    final Node parent;
    final boolean isLeft;
    double midway;
    long spawnKey;
    int depth;
    long noiseSeed;
    Node left;
    Node right;

    Node(double start, double end, Node parent, boolean isLeft) {
      this.start = start;
      this.end = end;
      this.parent = parent;
      this.isLeft = isLeft;
    }
  }
}
