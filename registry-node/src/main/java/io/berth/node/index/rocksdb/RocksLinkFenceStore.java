package io.berth.node.index.rocksdb;

import io.berth.node.index.LinkFenceStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link LinkFenceStore} in the {@code link_fences} column family. Reads come from memory (loaded
 * at start); a raise writes a synced batch before it is visible.
 */
public final class RocksLinkFenceStore implements LinkFenceStore {
  private final RocksIndexStore store;
  private final ConcurrentHashMap<String, Long> highest = new ConcurrentHashMap<>();

  public RocksLinkFenceStore(RocksIndexStore store) {
    this.store = store;
    store.scan(
        KeyLayout.CF_LINK_FENCES,
        new byte[0],
        (k, v) -> highest.put(new String(k, StandardCharsets.UTF_8), KeyLayout.seqOf(v)));
  }

  @Override
  public long highest(String link) {
    return highest.getOrDefault(link, -1L);
  }

  @Override
  public synchronized long raise(String link, long epoch) {
    long current = highest(link);
    if (epoch <= current) {
      return current;
    }
    store.write(
        b ->
            b.put(
                store.cf(KeyLayout.CF_LINK_FENCES),
                KeyLayout.linkFence(link),
                KeyLayout.seq(epoch)));
    highest.put(link, epoch);
    return epoch;
  }

  @Override
  public Map<String, Long> all() {
    return new TreeMap<>(highest);
  }
}
