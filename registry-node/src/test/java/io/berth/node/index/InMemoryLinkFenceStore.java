package io.berth.node.index;

import java.util.Map;
import java.util.TreeMap;

/** A {@link LinkFenceStore} in memory, for unit tests. */
public final class InMemoryLinkFenceStore implements LinkFenceStore {
  private final Map<String, Long> highest = new TreeMap<>();

  @Override
  public synchronized long highest(String link) {
    return highest.getOrDefault(link, -1L);
  }

  @Override
  public synchronized long raise(String link, long epoch) {
    return highest.merge(link, epoch, Math::max);
  }

  @Override
  public synchronized Map<String, Long> all() {
    return new TreeMap<>(highest);
  }
}
