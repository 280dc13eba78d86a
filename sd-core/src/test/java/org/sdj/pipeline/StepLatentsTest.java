package org.sdj.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.scheduler.LatentMath;
import org.sdj.scheduler.NoiseSource;
import org.sdj.scheduler.Scheduler;
import org.sdj.scheduler.Schedulers;

/** The tensor latents of the denoising loop: the host's arithmetic, and a scope per step that frees the rest. */
class StepLatentsTest {
  private static final float[] X = {1.5f, -2f, 0.25f, 3f, -0.75f, 8f};
  private static final float[] Y = {0.5f, 4f, -1f, 2f, 6f, -3f};

  /** Noise a scheduler computed for one step is taken as it is, never drawn ahead with the loop's generator noise. */
  @Test
  void noiseForOneStepIsNotDrawnAhead() {
    try (Backend backend = new ReferenceBackend(); StepLatents math = new StepLatents(backend)) {
      Tensor x = math.fromHost(X, 2, 3);
      math.prefetchNoise(4);
      int[] draws = {0};
      NoiseSource once = NoiseSource.once(Y.clone());
      NoiseSource counted = new NoiseSource() {
        @Override
        public float[] next(int n) {
          draws[0]++;
          return once.next(n);
        }

        @Override
        public boolean drawsAhead() {
          return false;
        }
      };
      assertArrayEquals(Y, math.ops().toHost(math.noise(counted, x)));
      assertEquals(1, draws[0], "drawn once, for its step");
      assertArrayEquals(X, math.ops().toHost(math.noise(NoiseSource.once(X.clone()), x)));
    }
  }

  @Test
  void computesWhatTheHostComputes() {
    try (Backend backend = new ReferenceBackend(); StepLatents math = new StepLatents(backend)) {
      Tensor x = math.fromHost(X, 2, 3);
      Tensor y = math.fromHost(Y, 2, 3);
      LatentMath<float[]> host = LatentMath.HOST;
      assertEquals(6, math.size(x));
      assertArrayEquals(host.scale(X, -0.3f), math.ops().toHost(math.scale(x, -0.3f)));
      assertArrayEquals(host.combine(0.7f, X, -1.3f, Y), math.ops().toHost(math.combine(0.7f, x, -1.3f, y)));
      assertArrayEquals(host.combine(1f, X, 2.5f, Y), math.ops().toHost(math.combine(1f, x, 2.5f, y)));
      assertArrayEquals(host.clamp(X, 1f), math.ops().toHost(math.clamp(x, 1f)));
      assertArrayEquals(host.sum(new float[] {1, 2, 3}, List.of(X, Y, X)),
          math.ops().toHost(math.sum(new float[] {1, 2, 3}, List.of(x, y, x))));
      NoiseSource counting = n -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = i;
        }
        return v;
      };
      Tensor noise = math.noise(counting, x);
      assertArrayEquals(x.shape(), noise.shape());
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, math.ops().toHost(noise));
    }
  }

  /** DPM-Solver++ 2M on SD 1.5's published scheduler config: a scheduler that keeps latents between steps. */
  private static Scheduler dpmSolver() {
    return Schedulers.create("dpmpp-2m", sd15SchedulerConfig());
  }

  private static JsonNode sd15SchedulerConfig() {
    try {
      return new ObjectMapper().readTree(RandomModelFolder.Configs.published(ModelFamily.SD_1).scheduler());
    } catch (JsonProcessingException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aStepFreesWhatItDoesNotCarry() {
    Scheduler dpm = dpmSolver();
    dpm.setTimesteps(4);
    double[] t = dpm.timesteps();
    try (Backend backend = new ReferenceBackend(); StepLatents math = new StepLatents(backend)) {
      Tensor x = math.fromHost(X, 1, 6);
      Tensor prediction = math.ops().fromHost(Y, 1, 6);
      Tensor next = dpm.step(math, prediction, t[0], x, NoiseSource.NONE).prevSample();
      float[] expected = math.ops().toHost(next);
      Tensor carried = math.nextStep(dpm, next);

      assertArrayEquals(expected, math.ops().toHost(carried));
      assertThrows(IllegalStateException.class, () -> math.ops().toHost(prediction), "freed with its step");
      assertThrows(IllegalStateException.class, () -> math.ops().toHost(next), "the step's own view is freed");
      List<float[]> kept = new ArrayList<>();
      dpm.moveState(math, k -> {
        kept.add(math.ops().toHost(k));
        return k;
      });
      assertEquals(1, kept.size(), "the data prediction DPM-Solver++ keeps is readable in the new scope");

      // The host loop from the same start gives the same second step.
      Scheduler host = dpmSolver();
      host.setTimesteps(4);
      float[] hostNext = host.step(Y, t[0], X).prevSample();
      float[] hostSecond = host.step(Y, t[1], hostNext).prevSample();
      Tensor second = dpm.step(math, math.ops().fromHost(Y, 1, 6), t[1], carried, NoiseSource.NONE).prevSample();
      assertArrayEquals(hostSecond, math.ops().toHost(second), 1e-6f);
    }
  }

  @Test
  void noiseDrawnAheadIsTheNoiseDrawnOnRequest() {
    NoiseSource counting = new NoiseSource() {
      private float next;

      @Override
      public float[] next(int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
          v[i] = next++;
        }
        return v;
      }
    };
    try (Backend backend = new ReferenceBackend(); StepLatents math = new StepLatents(backend)) {
      math.prefetchNoise(2);
      Tensor like = math.fromHost(new float[6], 2, 3);
      assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, math.ops().toHost(math.noise(counting, like)));
      Tensor carried = math.nextStep(Schedulers.create("euler", sd15SchedulerConfig()), like);
      Tensor second = math.noise(counting, carried);
      assertArrayEquals(carried.shape(), second.shape());
      assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11}, math.ops().toHost(second));
      // Past the drawn-ahead count, each request draws again, in order.
      assertArrayEquals(new float[] {12, 13, 14, 15, 16, 17}, math.ops().toHost(math.noise(counting, carried)));
      // Another source is never served from this one's draws.
      NoiseSource zeros = n -> new float[n];
      assertArrayEquals(new float[6], math.ops().toHost(math.noise(zeros, carried)));
    }
  }
}
