package org.sdj.bench.torch;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.sdj.backend.Activation;
import org.sdj.backend.Backend;
import org.sdj.backend.Conv2dParams;
import org.sdj.backend.Ops;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/** One forward pass on libtorch: each op validated by {@link Shapes}, then one or a few torch calls. */
final class TorchOps implements Ops {
  private final TorchBackend backend;
  private final Set<TorchTensor> live = Collections.newSetFromMap(new IdentityHashMap<>());
  private boolean closed;

  TorchOps(TorchBackend backend) {
    this.backend = backend;
  }

  static org.bytedeco.pytorch.Tensor tensorOf(float[] values, long[] shape) {
    org.bytedeco.pytorch.Tensor t = torch.empty(shape);
    if (values.length > 0) {
      new FloatPointer(t.data_ptr()).put(values);
    }
    return t;
  }

  private org.bytedeco.pytorch.Tensor in(Tensor t) {
    if (closed) {
      throw new IllegalStateException("this Ops scope is closed");
    }
    backend.check();
    if (!(t instanceof TorchTensor tt) || tt.owner() != backend && tt.owner() != this) {
      throw new IllegalArgumentException("tensor " + t + " belongs to another backend than libtorch");
    }
    return tt.value();
  }

  private TensorOptional optional(Tensor t) {
    return t == null ? new TensorOptional() : new TensorOptional(in(t));
  }

  /**
   * Runs one op in a JavaCPP pointer scope, so that every native handle it makes (intermediate tensors and views,
   * optionals, scalars) is released when it returns instead of when the garbage collector finds it: left to the
   * collector, each result's storage lived on until a GC, and libtorch then ran up to 2.7x slower than it does.
   */
  private static <T> T scoped(Supplier<T> body) {
    try (PointerScope scope = new PointerScope()) {
      return body.get();
    }
  }

  /** The op's result, kept beyond its {@link #scoped} scope until the tensor (or this scope) closes. */
  private Tensor out(org.bytedeco.pytorch.Tensor value, long[] shape) {
    if (closed) {
      throw new IllegalStateException("this Ops scope is closed");
    }
    org.bytedeco.pytorch.Tensor contiguous = value.contiguous();
    if (PointerScope.getInnerScope() != null) {
      contiguous.retainReference();
    }
    TorchTensor t = new TorchTensor(this, contiguous, shape, live::remove);
    live.add(t);
    return t;
  }

  private Tensor withResidual(org.bytedeco.pytorch.Tensor y, Tensor residual, long[] shape) {
    if (residual != null) {
      y.add_(in(residual));
    }
    return out(y, shape);
  }

  @Override
  public Backend backend() {
    return backend;
  }

  @Override
  public Tensor fromHost(float[] data, long... shape) {
    return scoped(() -> {
      long[] s = Shapes.fromHost(data, shape);
      return out(tensorOf(data, s), s);
    });
  }

  @Override
  public float[] toHost(Tensor t) {
    return scoped(() -> {
      org.bytedeco.pytorch.Tensor c = in(t).contiguous();
      float[] v = new float[(int) c.numel()];
      if (v.length > 0) {
        new FloatPointer(c.data_ptr()).get(v);
      }
      return v;
    });
  }

  @Override
  public Tensor reshape(Tensor t, long... shape) {
    return scoped(() -> out(in(t).reshape(shape), Shapes.reshape(t, shape)));
  }

  @Override
  public Tensor narrow(Tensor t, int dim, long start, long length) {
    return scoped(() -> {
      long[] s = Shapes.narrow(t, dim, start, length);
      return out(in(t).narrow(Shapes.axis("narrow", t.rank(), dim), start, length), s);
    });
  }

  @Override
  public Tensor concat(int dim, Tensor a, Tensor b) {
    return scoped(() -> {
      long[] s = Shapes.concat(dim, a, b);
      return out(torch.cat(new TensorVector(in(a), in(b)), Shapes.axis("concat", a.rank(), dim)), s);
    });
  }

  @Override
  public Tensor nchwToTokens(Tensor x) {
    return scoped(() -> {
      long[] s = Shapes.nchwToTokens(x);
      return out(in(x).permute(0, 2, 3, 1).reshape(s), s);
    });
  }

  @Override
  public Tensor tokensToNchw(Tensor x, long height, long width) {
    return scoped(() -> {
      long[] s = Shapes.tokensToNchw(x, height, width);
      return out(in(x).reshape(s[0], height, width, s[1]).permute(0, 3, 1, 2), s);
    });
  }

  @Override
  public Tensor embedding(Tensor table, int[] ids) {
    return scoped(() -> {
      long[] s = Shapes.embedding(table, ids);
      long[] longs = new long[ids.length];
      for (int i = 0; i < ids.length; i++) {
        longs[i] = ids[i];
      }
      org.bytedeco.pytorch.Tensor idx = torch.empty(ids.length).to(torch.ScalarType.Long);
      new LongPointer(idx.data_ptr()).put(longs);
      return out(torch.embedding(in(table), idx), s);
    });
  }

  @Override
  public Tensor linear(Tensor x, Tensor weight, Tensor bias, Tensor residual) {
    return scoped(() -> {
      long[] s = Shapes.linear(x, weight, bias, residual);
      return withResidual(torch.linear(in(x), in(weight), optional(bias)), residual, s);
    });
  }

  @Override
  public Tensor conv2d(Tensor x, Tensor weight, Tensor bias, Conv2dParams p, Tensor residual) {
    return scoped(() -> {
      long[] s = Shapes.conv2d(x, weight, bias, p, residual);
      org.bytedeco.pytorch.Tensor input = in(x);
      long[] pad = {p.padTop(), p.padLeft()};
      if (p.padTop() != p.padBottom() || p.padLeft() != p.padRight()) {
        input = torch.constant_pad_nd(input, p.padLeft(), p.padRight(), p.padTop(), p.padBottom());
        pad = new long[] {0, 0};
      }
      long[] stride = {p.stride(), p.stride()};
      long[] dilation = {1, 1};
      org.bytedeco.pytorch.Tensor y = torch.conv2d(input, in(weight), optional(bias), stride, pad, dilation, 1);
      return withResidual(y, residual, s);
    });
  }

  @Override
  public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, boolean causal) {
    return scoped(() -> {
      long[] s = Shapes.attention(q, k, v, heads);
      long d = s[2] / heads;
      org.bytedeco.pytorch.Tensor y = torch.scaled_dot_product_attention(split(in(q), heads, d), split(in(k), heads, d),
          split(in(v), heads, d), new TensorOptional(), 0.0, causal, new DoubleOptional(scale), false);
      return out(y.permute(0, 2, 1, 3).reshape(s), s);
    });
  }

  /** {@code [B, N, heads*d] -> [B, heads, N, d]}. */
  private static org.bytedeco.pytorch.Tensor split(org.bytedeco.pytorch.Tensor t, long heads, long d) {
    return t.reshape(t.size(0), t.size(1), heads, d).permute(0, 2, 1, 3);
  }

  @Override
  public Tensor groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, boolean silu) {
    return scoped(() -> {
      long[] s = Shapes.groupNorm(x, groups, gamma, beta);
      org.bytedeco.pytorch.Tensor y = torch.group_norm(in(x), groups, optional(gamma), optional(beta), eps, false);
      return out(silu ? torch.silu_(y) : y, s);
    });
  }

  @Override
  public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    return scoped(() -> {
      long[] s = Shapes.layerNorm(x, gamma, beta);
      return out(torch.layer_norm(in(x), new long[] {s[s.length - 1]}, optional(gamma), optional(beta), eps, false), s);
    });
  }

  @Override
  public Tensor activation(Tensor x, Activation kind) {
    return scoped(() -> {
      org.bytedeco.pytorch.Tensor t = in(x);
      org.bytedeco.pytorch.Tensor y = switch (kind) {
        case SILU -> torch.silu(t);
        case GELU -> torch.gelu(t);
        case GELU_TANH -> torch.gelu(t, "tanh");
        case QUICK_GELU -> t.mul(torch.sigmoid(t.mul(new Scalar(1.702f))));
        case RELU -> torch.relu(t);
        case LEAKY_RELU -> torch.leaky_relu(t, new Scalar(0.2f));
        case TANH -> torch.tanh(t);
      };
      return out(y, x.shape());
    });
  }

  @Override
  public Tensor prelu(Tensor x, Tensor slopes) {
    return scoped(() -> out(torch.prelu(in(x), in(slopes)), Shapes.prelu(x, slopes)));
  }

  @Override
  public Tensor geglu(Tensor x) {
    return scoped(() -> {
      long[] s = Shapes.geglu(x);
      long n = s[s.length - 1];
      org.bytedeco.pytorch.Tensor t = in(x);
      int last = x.rank() - 1;
      return out(t.narrow(last, 0, n).mul(torch.gelu(t.narrow(last, n, n))), s);
    });
  }

  @Override
  public Tensor add(Tensor a, Tensor b) {
    return scoped(() -> {
      long[] s = Shapes.add(a, b);
      return out(torch.add(in(a), in(b)), s);
    });
  }

  @Override
  public Tensor addPerChannel(Tensor x, Tensor b) {
    return scoped(() -> {
      long[] s = Shapes.addPerChannel(x, b);
      long[] view = new long[s.length];
      java.util.Arrays.fill(view, 1);
      view[0] = s[0];
      view[1] = s[1];
      return out(torch.add(in(x), in(b).reshape(view)), s);
    });
  }

  @Override
  public Tensor scale(Tensor x, float factor) {
    return scoped(() -> out(in(x).mul(new Scalar(factor)), x.shape()));
  }

  @Override
  public Tensor combine(float a, Tensor x, float b, Tensor y) {
    return scoped(() -> {
      long[] s = Shapes.combine(x, y);
      return out(torch.add(in(x).mul(new Scalar(a)), in(y).mul(new Scalar(b))), s);
    });
  }

  @Override
  public Tensor upsampleNearest(Tensor x, long height, long width) {
    return scoped(() -> {
      long[] s = Shapes.upsampleNearest(x, height, width);
      return out(torch.upsample_nearest2d(in(x), height, width), s);
    });
  }

  @Override
  public void close() {
    closed = true;
    for (TorchTensor t : List.copyOf(live)) {
      t.close();
    }
  }
}
