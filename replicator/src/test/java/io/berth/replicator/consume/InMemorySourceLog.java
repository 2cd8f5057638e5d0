package io.berth.replicator.consume;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A source log in memory: events appended by the test, a committed position shared by owners. */
public final class InMemorySourceLog {
  public final List<ChangeEvent> events = new CopyOnWriteArrayList<>();
  private volatile int committed;
  public final List<Integer> commits = new CopyOnWriteArrayList<>();
  public final java.util.concurrent.atomic.AtomicInteger rewinds =
      new java.util.concurrent.atomic.AtomicInteger();

  public int committed() {
    return committed;
  }

  /** A reader for one term, starting at the committed position. */
  public SourceLog open() {
    return new SourceLog() {
      int position = committed;
      int polled = committed;

      @Override
      public List<ChangeEvent> poll(Duration timeout) {
        List<ChangeEvent> out = new ArrayList<>();
        while (polled < events.size() && out.size() < 3) {
          out.add(events.get(polled++));
        }
        if (out.isEmpty()) {
          try {
            Thread.sleep(Math.min(20, timeout.toMillis()));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return out;
      }

      @Override
      public void commit() {
        position = polled;
        committed = position;
        commits.add(position);
      }

      @Override
      public void rewind() {
        polled = position;
        rewinds.incrementAndGet();
      }

      @Override
      public long behind() {
        return events.size() - position;
      }

      @Override
      public void close() {}
    };
  }
}
