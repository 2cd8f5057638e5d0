package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.List;

/** A {@link ChangeSubscriber} that forwards every call, for tests that override one method. */
class DelegatingChangeSubscriber implements ChangeSubscriber {
  private final ChangeSubscriber d;

  DelegatingChangeSubscriber(ChangeSubscriber d) {
    this.d = d;
  }

  @Override
  public List<ChangeEvent> poll(Duration timeout) {
    return d.poll(timeout);
  }

  @Override
  public void commit() {
    d.commit();
  }

  @Override
  public void rewind() {
    d.rewind();
  }

  @Override
  public boolean caughtUp() {
    return d.caughtUp();
  }

  @Override
  public LogPosition position() {
    return d.position();
  }

  @Override
  public LogPosition end(Duration timeout) {
    return d.end(timeout);
  }

  @Override
  public void close() {
    d.close();
  }
}
