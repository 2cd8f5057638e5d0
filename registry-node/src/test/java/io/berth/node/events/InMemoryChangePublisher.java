package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * A region log in memory for unit tests of the relay: it can be down (every publish fails) or
 * accept only the first {@code n} events of the next batch and then fail.
 */
public final class InMemoryChangePublisher implements ChangePublisher {
  private final List<ChangeEvent> log = new ArrayList<>();
  private boolean down;
  private int acceptThenFail = -1;

  public synchronized void down(boolean d) {
    down = d;
  }

  public synchronized void acceptThenFail(int n) {
    acceptThenFail = n;
  }

  public synchronized List<ChangeEvent> log() {
    return List.copyOf(log);
  }

  @Override
  public synchronized void publish(List<ChangeEvent> events) throws PublishException {
    if (down) {
      throw new PublishException("down", null);
    }
    if (acceptThenFail >= 0) {
      int n = Math.min(acceptThenFail, events.size());
      log.addAll(events.subList(0, n));
      acceptThenFail = -1;
      throw new PublishException("failed after " + n, null, n);
    }
    log.addAll(events);
  }

  @Override
  public void close() {}
}
