package io.berth.node.events;

import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ArtifactMark;
import io.berth.proto.index.v1.ChangeConflictRecord;
import java.util.List;
import java.util.Optional;

/** A {@link ChangeLog} that forwards every call, for tests that override one method. */
public class DelegatingChangeLog implements ChangeLog {
  private final ChangeLog d;

  public DelegatingChangeLog(ChangeLog d) {
    this.d = d;
  }

  @Override
  public String nodeId() {
    return d.nodeId();
  }

  @Override
  public String region() {
    return d.region();
  }

  @Override
  public String incarnation() {
    return d.incarnation();
  }

  @Override
  public long lastSeq() {
    return d.lastSeq();
  }

  @Override
  public long publishedSeq() {
    return d.publishedSeq();
  }

  @Override
  public List<ChangeEvent> readAfter(long seq, int max) {
    return d.readAfter(seq, max);
  }

  @Override
  public boolean awaitAfter(long seq, java.time.Duration max) throws InterruptedException {
    return d.awaitAfter(seq, max);
  }

  @Override
  public void markPublished(long seq) {
    d.markPublished(seq);
  }

  @Override
  public int trimPublished(long beforeMillis) {
    return d.trimPublished(beforeMillis);
  }

  @Override
  public int trimAll(long beforeMillis) {
    return d.trimAll(beforeMillis);
  }

  @Override
  public ApplyResult apply(ChangeEvent event) {
    return d.apply(event);
  }

  @Override
  public boolean holds(ChangeEvent event) {
    return d.holds(event);
  }

  @Override
  public Optional<ArtifactMark> lastChange(String key) {
    return d.lastChange(key);
  }

  @Override
  public long conflicts() {
    return d.conflicts();
  }

  @Override
  public List<String> recentConflicts() {
    return d.recentConflicts();
  }

  @Override
  public List<ChangeConflictRecord> conflictRecords(int max) {
    return d.conflictRecords(max);
  }

  @Override
  public long skewedClockReadings() {
    return d.skewedClockReadings();
  }
}
