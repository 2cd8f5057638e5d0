package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A one-partition region log in memory, for unit tests of the applier. */
final class InMemoryChangeSubscriber implements ChangeSubscriber {
  private final List<ChangeEvent> log = new ArrayList<>();
  private int position;
  private int committed;
  private boolean paused;
  private int rewinds;
  private int commits;
  private volatile boolean unreachable;

  void unreachable(boolean u) {
    unreachable = u;
  }

  synchronized void append(ChangeEvent e) {
    log.add(e);
    notifyAll();
  }

  synchronized void pause(boolean p) {
    paused = p;
    notifyAll();
  }

  synchronized int committed() {
    return committed;
  }

  synchronized int rewinds() {
    return rewinds;
  }

  /** How many times {@link #commit} was called. */
  synchronized int commits() {
    return commits;
  }

  /** How many events were appended. */
  synchronized int size() {
    return log.size();
  }

  @Override
  public synchronized List<ChangeEvent> poll(Duration timeout) {
    if (paused || position >= log.size()) {
      try {
        wait(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (paused) {
      return List.of();
    }
    List<ChangeEvent> out = new ArrayList<>(log.subList(position, log.size()));
    position = log.size();
    return out;
  }

  @Override
  public synchronized void commit() {
    commits++;
    committed = position;
  }

  @Override
  public synchronized void rewind() {
    position = committed;
    rewinds++;
  }

  @Override
  public synchronized boolean caughtUp() {
    return position >= log.size();
  }

  @Override
  public synchronized LogPosition position() {
    return new LogPosition(Map.of(0, (long) position));
  }

  @Override
  public LogPosition end(Duration timeout) {
    if (unreachable) {
      try {
        Thread.sleep(timeout.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("log unreachable");
    }
    return endNow();
  }

  private synchronized LogPosition endNow() {
    return new LogPosition(Map.of(0, (long) log.size()));
  }

  @Override
  public void close() {}
}
