package org.sdj.io.hub;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Options pointing at a fake Hub and a temporary cache, never at the real Hub. */
final class HubTestSupport {
  static final Duration TIMEOUT = Duration.ofSeconds(5);

  private HubTestSupport() {}

  static HubOptions.Builder options(FakeHub hub, Path cache) {
    return HubOptions.builder(Map.of()).cacheDir(cache).endpoint(hub.endpoint()).timeout(TIMEOUT);
  }
}
