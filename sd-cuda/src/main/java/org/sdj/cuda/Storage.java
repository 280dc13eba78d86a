package org.sdj.cuda;

import java.util.function.LongConsumer;

/** A device block shared by a tensor and its views (reshape); it goes back to its owner when the last one closes. */
final class Storage {
  private final long address;
  private final LongConsumer release;
  private int refs = 1;

  Storage(long address, LongConsumer release) {
    this.address = address;
    this.release = release;
  }

  long address() {
    return address;
  }

  synchronized Storage retain() {
    refs++;
    return this;
  }

  synchronized void drop() {
    if (--refs == 0) {
      release.accept(address);
    }
  }
}
