package org.sdj.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.sdj.backend.Backend;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.io.safetensors.SafeTensor;
import org.sdj.io.safetensors.TensorSource;

/**
 * A view of a model's state dict under a name prefix, through which model blocks take their weights: loading a model
 * is a walk over name prefixes ({@code down_blocks.0.resnets.1.conv1.weight}).
 *
 * <p>A missing weight or one of the wrong shape does not throw at once: it is recorded as a problem, and
 * {@link #problems()} lists them all after the whole model is built, so that one error tells everything that is wrong
 * with a file. Views made with {@link #prefix(String)} share the problems, the names taken and the tensors made.
 *
 * <p>A block that is not always needed (the VAE's encoder, for img2img only) can be built twice: at load on a
 * {@link #checkOnly()} view, which finds its problems without sending anything to the backend, and again on the plain
 * view when it is first used. The tensors made then join {@link #tensors()}.
 */
public final class Weights {
  private final Shared shared;
  private final String prefix;
  /** False in a {@link #checkOnly()} view. */
  private final boolean upload;

  private static final class Shared {
    final Backend backend;
    final Set<String> names;
    final Function<String, WeightData> lookup;
    final List<String> problems = new ArrayList<>();
    final Set<String> taken = new TreeSet<>();
    final List<Tensor> made = Collections.synchronizedList(new ArrayList<>());
    final Map<String, long[]> recorder;

    Shared(Backend backend, Set<String> names, Function<String, WeightData> lookup, Map<String, long[]> recorder) {
      this.backend = backend;
      this.names = names;
      this.lookup = lookup;
      this.recorder = recorder;
    }
  }

  /**
   * @param backend where the weights go
   * @param names every name in the state dict
   * @param lookup reads one weight by its full name
   */
  public Weights(Backend backend, Set<String> names, Function<String, WeightData> lookup) {
    this(new Shared(backend, Set.copyOf(names), lookup, null), "", true);
  }

  /**
   * A view that has every name asked for and builds nothing: each {@link #get} records the name and the shape the
   * config implies into {@code sink} and gives {@code null}. Building a model on it lists the state dict its config
   * implies (to make test models, or to check a converted file), without weights or a backend.
   */
  public static Weights recording(Map<String, long[]> sink) {
    return new Weights(new Shared(null, Set.of(), null, sink), "", true);
  }

  /** A view of every tensor of {@code source}; the source must stay open as long as the weights are used. */
  public static Weights of(Backend backend, TensorSource source) {
    return of(backend, source, (name, data) -> data);
  }

  /**
   * A view of every tensor of {@code source}, each passed through {@code adjust} (given its name and its data in the
   * file) before the backend takes it: how LoRAs are merged in.
   */
  public static Weights of(Backend backend, TensorSource source, BiFunction<String, WeightData, WeightData> adjust) {
    return new Weights(backend, source.names(), name -> {
      SafeTensor t = source.get(name);
      return adjust.apply(name, new WeightData(name, t.dtype(), t.shape(), t.data()));
    });
  }

  private Weights(Shared shared, String prefix, boolean upload) {
    this.shared = shared;
    this.prefix = prefix;
    this.upload = upload;
  }

  /** The view of the names under {@code name + "."}. */
  public Weights prefix(String name) {
    return new Weights(shared, prefix + name + ".", upload);
  }

  /**
   * This view, checking every {@link #get} as usual (and counting the weight as taken) but making no tensor: each
   * gives {@code null}. For a block built again on the plain view when first used.
   */
  public Weights checkOnly() {
    return new Weights(shared, prefix, false);
  }

  /** The prefix of this view, with its trailing dot ({@code ""} at the root). */
  public String path() {
    return prefix;
  }

  /** The names of the state dict under this view, without its prefix, sorted; none in a recording view. */
  public SortedSet<String> names() {
    SortedSet<String> out = new TreeSet<>();
    for (String n : shared.names) {
      if (n.startsWith(prefix)) {
        out.add(n.substring(prefix.length()));
      }
    }
    return out;
  }

  /** Whether the state dict holds {@code name} under this view. */
  public boolean has(String name) {
    return shared.recorder != null || shared.names.contains(prefix + name);
  }

  /**
   * Whether the state dict holds {@code name}, a weight that only some models have (an IP-Adapter's projections):
   * never in a {@linkplain #recording recording} view, which lists what the config alone implies.
   */
  public boolean hasOptional(String name) {
    return shared.recorder == null && shared.names.contains(prefix + name);
  }

  /**
   * The weight {@code name} under this view, checked against {@code expectedShape}. A missing or misshapen weight is
   * recorded as a problem and gives {@code null}: model constructors keep building so that every problem is found, and
   * a model with problems is never run.
   */
  public Tensor get(String name, long... expectedShape) {
    WeightData data = read(name, expectedShape);
    return data == null || shared.recorder != null || !upload ? null : make(data);
  }

  /** Checks and takes one weight: its data, or null where a problem was recorded or in a recording view. */
  private WeightData read(String name, long[] expectedShape) {
    String full = prefix + name;
    if (shared.recorder != null) {
      shared.recorder.put(full, expectedShape.clone());
      return null;
    }
    if (!shared.names.contains(full)) {
      shared.problems.add("missing weight " + full + " " + Arrays.toString(expectedShape));
      return null;
    }
    shared.taken.add(full);
    WeightData data;
    try {
      data = shared.lookup.apply(full);
    } catch (IllegalArgumentException e) {
      shared.problems.add(e.getMessage());
      return null;
    }
    if (!Arrays.equals(data.shape(), expectedShape)) {
      shared.problems.add("weight " + full + " has shape " + Arrays.toString(data.shape()) + ", the config implies "
          + Arrays.toString(expectedShape));
      return null;
    }
    return data;
  }

  private Tensor make(WeightData data) {
    Tensor t = shared.backend.weight(data);
    shared.made.add(t);
    return t;
  }

  /**
   * Whether blocks should stack projections that read one input into one weight ({@link #getStacked}): the backend's
   * {@link Backend#fusedProjections()}; false in a {@linkplain #recording recording} view.
   */
  public boolean fusedProjections() {
    return shared.backend != null && shared.backend.fusedProjections();
  }

  /**
   * The weights {@code names} under this view, each checked against {@code partShape}, stacked along dimension 0 into
   * one tensor {@code [names.size() * partShape[0], partShape[1..]]} (attention's q, k and v projections as one
   * matrix). Each part is checked and taken as by {@link #get}; when any part has a problem the result is
   * {@code null}. The parts are copied on the host first, in their file dtype where they share one, else in F32.
   */
  public Tensor getStacked(List<String> names, long... partShape) {
    List<WeightData> parts = new ArrayList<>();
    boolean complete = true;
    for (String name : names) {
      WeightData data = read(name, partShape);
      complete &= data != null;
      parts.add(data);
    }
    if (!complete || shared.recorder != null || !upload) {
      return null;
    }
    long[] shape = partShape.clone();
    shape[0] *= names.size();
    return make(WeightData.stack(prefix + String.join("+", names), shape, parts));
  }

  /** Records a problem found while building from this view (an unsupported config value, say). */
  public void problem(String message) {
    shared.problems.add(message);
  }

  /** Every problem recorded so far, in the order found. */
  public List<String> problems() {
    return Collections.unmodifiableList(shared.problems);
  }

  /** Names of the state dict that no block took. */
  public Set<String> untaken() {
    Set<String> rest = new TreeSet<>(shared.names);
    rest.removeAll(shared.taken);
    return rest;
  }

  /** The weight tensors made through any view, for the model to free when it closes. */
  public List<Tensor> tensors() {
    synchronized (shared.made) {
      return List.copyOf(shared.made);
    }
  }
}
