package org.sdj;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One engine serves requests from several threads at once, each exactly as if it ran alone. Backend modules rerun it on
 * their backend by overriding {@link #backend()}.
 */
public class ConcurrencyTest {

  /** The backend under test. */
  protected String backend() {
    return "reference";
  }

  @Test
  public void twoRequestsAtOnceGiveWhatTheyGiveOneAfterTheOther() throws Exception {
    GenerationRequest.Builder a = TinyModel.small("a red barn").seed(11).scheduler("euler-a").steps(3);
    GenerationRequest.Builder b = TinyModel.small("a blue lake").negativePrompt("fog").seed(22).scheduler("ddim")
        .steps(4).batchSize(2);
    try (StableDiffusion sd = TinyModel.open(backend())) {
      GenerationResult aAlone = sd.generate(a);
      GenerationResult bAlone = sd.generate(b);

      // Both wait for each other after their first step: the rest of the two runs overlap for sure.
      CyclicBarrier bothRunning = new CyclicBarrier(2);
      StepListener meet = event -> {
        if (event.step() == 1) {
          try {
            bothRunning.await(60, TimeUnit.SECONDS);
          } catch (Exception e) {
            throw new AssertionError("the other generation never ran alongside", e);
          }
        }
      };
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        Future<GenerationResult> aTogether = pool.submit(() -> sd.generate(a.listener(meet)));
        Future<GenerationResult> bTogether = pool.submit(() -> sd.generate(b.listener(meet)));
        assertSame(aAlone, aTogether.get(120, TimeUnit.SECONDS));
        assertSame(bAlone, bTogether.get(120, TimeUnit.SECONDS));
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void assertSame(GenerationResult alone, GenerationResult together) {
    assertArrayEquals(alone.latents(), together.latents(), "latents");
    assertEquals(alone.parameters(), together.parameters());
    List<int[]> want = TinyModel.pixels(alone);
    List<int[]> got = TinyModel.pixels(together);
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i), got.get(i), "image " + i);
    }
  }
}
