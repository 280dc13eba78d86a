package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A generation stops at the next step boundary once its token is cancelled, and the engine stays usable. */
class CancellationTest extends TinyModelTest {
  @Test
  void aTokenCancelledFromAnotherThreadStopsTheRunningGeneration() throws Exception {
    GenerationResult before = sd.generate(TinyModel.small("a fox").steps(5));
    CancellationToken token = new CancellationToken();
    CountDownLatch running = new CountDownLatch(1);
    CountDownLatch cancelled = new CountDownLatch(1);
    List<Integer> steps = new CopyOnWriteArrayList<>();
    // The listener holds the first step until the other thread has cancelled, so the cancel lands mid-run.
    StepListener listener = event -> {
      steps.add(event.step());
      running.countDown();
      await(cancelled);
    };
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<GenerationResult> run = pool.submit(
          () -> sd.generate(TinyModel.small("a fox").steps(5).cancellation(token).listener(listener)));
      assertTrue(running.await(60, TimeUnit.SECONDS), "the generation never reached its first step");
      token.cancel();
      cancelled.countDown();
      ExecutionException e = assertThrows(ExecutionException.class, () -> run.get(60, TimeUnit.SECONDS));
      GenerationCancelledException cause = assertInstanceOf(GenerationCancelledException.class, e.getCause());
      assertEquals("generation cancelled after step 1 of 5", cause.getMessage());
      assertEquals(List.of(1), steps);
    } finally {
      pool.shutdownNow();
    }
    GenerationResult after = sd.generate(TinyModel.small("a fox").steps(5));
    assertArrayEquals(before.latents(), after.latents(), "the engine works as before after a cancelled run");
  }

  @Test
  void theListenerCanCancel() {
    List<Integer> steps = new CopyOnWriteArrayList<>();
    GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
        () -> sd.generate(TinyModel.small("a fox").steps(4).listener(event -> {
          steps.add(event.step());
          if (event.step() == 2) {
            event.cancel();
          }
        })));
    assertEquals("generation cancelled after step 2 of 4", e.getMessage());
    assertEquals(List.of(1, 2), steps);
  }

  @Test
  void aTokenCancelledBeforeTheStartRunsNoStep() {
    CancellationToken token = new CancellationToken();
    token.cancel();
    List<Integer> steps = new CopyOnWriteArrayList<>();
    GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
        () -> sd.generate(TinyModel.small("a fox").cancellation(token).listener(event -> steps.add(event.step()))));
    assertEquals("generation cancelled after step 0 of 3", e.getMessage());
    assertEquals(List.of(), steps);
    assertTrue(token.isCancelled());
  }

  private static void await(CountDownLatch latch) {
    try {
      assertTrue(latch.await(60, TimeUnit.SECONDS), "timed out");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
