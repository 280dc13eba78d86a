package org.sdj.io.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sdj.io.hub.HubTestSupport.options;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class HubModelResumeTest {
  private static final String UNET = "unet/diffusion_pytorch_model.safetensors";

  @TempDir Path cache;

  @Test
  void cutConnectionResumesWithARangeRequest() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    try (FakeHub hub = new FakeHub(files)) {
      hub.cutOnce.add(UNET);
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());

      assertArrayEquals(files.get(UNET), Files.readAllBytes(snapshot.resolve(UNET)));
      List<String> storage = hub.requests().stream().filter(r -> r.startsWith("GET /lfs/" + UNET)).toList();
      assertEquals(List.of("GET /lfs/" + UNET, "GET /lfs/" + UNET + " range=bytes=2000-"), storage);
    }
  }

  @Test
  void partialFileLeftByAnEarlierRunIsResumed() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    byte[] unet = files.get(UNET);
    Path incomplete = cache.resolve("models--test-org--tiny-sd/blobs/" + FakeHub.sha256(unet) + ".incomplete");
    Files.createDirectories(incomplete.getParent());
    Files.write(incomplete, Arrays.copyOf(unet, 1234));
    try (FakeHub hub = new FakeHub(files)) {
      Path snapshot = HubModel.resolve(FakeHub.REPO, options(hub, cache).build());
      assertArrayEquals(unet, Files.readAllBytes(snapshot.resolve(UNET)));
      assertTrue(hub.requests().contains("GET /lfs/" + UNET + " range=bytes=1234-"), hub.requests().toString());
      assertFalse(Files.exists(incomplete));
    }
  }

  @Test
  void stalledTransferTimesOutAndKeepsThePartialFile() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    try (FakeHub hub = new FakeHub(files)) {
      hub.stall.add(UNET);
      HubOptions quick = options(hub, cache).timeout(Duration.ofMillis(300)).build();
      HubException e = assertThrows(HubException.class, () -> HubModel.resolve(FakeHub.REPO, quick));
      assertEquals(HubException.Kind.NETWORK, e.kind());
      assertTrue(e.getMessage().contains(UNET) && e.getMessage().contains("resume"), e.getMessage());
      Path incomplete =
          cache.resolve("models--test-org--tiny-sd/blobs/" + FakeHub.sha256(files.get(UNET)) + ".incomplete");
      assertEquals(2000, Files.size(incomplete));

      hub.stall.clear();
      Path snapshot = HubModel.resolve(FakeHub.REPO, quick);
      assertArrayEquals(files.get(UNET), Files.readAllBytes(snapshot.resolve(UNET)));
    }
  }

  @Test
  void checksumMismatchNamesTheFileAndDeletesTheDownload() throws IOException {
    Map<String, byte[]> files = TinyRepo.files();
    String expected = FakeHub.sha256(files.get(UNET));
    byte[] bad = files.get(UNET).clone();
    bad[17] ^= 1;
    try (FakeHub hub = new FakeHub(files)) {
      hub.corrupt.put(UNET, bad);
      HubException e =
          assertThrows(HubException.class, () -> HubModel.resolve(FakeHub.REPO, options(hub, cache).build()));
      assertEquals(HubException.Kind.CHECKSUM_MISMATCH, e.kind());
      assertTrue(e.getMessage().contains(UNET), e.getMessage());
      assertTrue(e.getMessage().contains(expected), e.getMessage());
      assertTrue(e.getMessage().contains(FakeHub.sha256(bad)), e.getMessage());
      Path blobs = cache.resolve("models--test-org--tiny-sd/blobs");
      assertFalse(Files.exists(blobs.resolve(expected + ".incomplete")));
      assertFalse(Files.exists(blobs.resolve(expected)));
      assertFalse(Files.exists(cache.resolve("models--test-org--tiny-sd/snapshots/" + FakeHub.COMMIT + "/" + UNET)));
    }
  }
}
