package io.berth.node.replication;

import io.berth.node.events.ChangePublisher;
import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The region log of a node that republishes a link's events (ADR 0027): once the log has durably
 * accepted a batch, the same events are applied to this node's index right away, through the same
 * idempotent path the event applier uses, instead of only when they come back from the log. The
 * node the link writes to thus serves what it republished one log round trip earlier; its applier
 * later finds the events held and skips them, and the region's other nodes apply them from the log
 * as before. The apply runs on a thread of its own, in publish order, after {@link #publish} has
 * returned, so the link's republish call does not wait for this node's synced index write.
 *
 * <p>Contract: the {@link ChangePublisher} contract of the delegate, unchanged (an event is in the
 * log exactly when the delegate says so). Nothing is applied unless the delegate accepted the whole
 * batch, so this node never holds an event the log lacks (it would otherwise skip republishing it
 * on a retry). An index failure while applying, or a backlog of more than {@link #MAX_QUEUED}
 * batches, is logged and does not fail the publish: the events are in the log, and the applier
 * applies them from there.
 */
public final class PublishThenApply implements ChangePublisher {
  private static final Logger log = LoggerFactory.getLogger(PublishThenApply.class);

  private final ChangePublisher regionLog;
  private final ChangeLog changes;
  private final Consumer<List<ChangeEvent>> onApplied;

  /** Batches waiting to be applied here at most; more are left to the event applier. */
  static final int MAX_QUEUED = 256;

  private final ThreadPoolExecutor applier =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(MAX_QUEUED),
          r -> {
            Thread t = new Thread(r, "berth-republish-apply");
            t.setDaemon(true);
            return t;
          });

  /**
   * @param onApplied told the events of each batch that changed this node's index, as the event
   *     applier's hook is; a failure is logged
   */
  public PublishThenApply(
      ChangePublisher regionLog, ChangeLog changes, Consumer<List<ChangeEvent>> onApplied) {
    this.regionLog = regionLog;
    this.changes = changes;
    this.onApplied = onApplied;
  }

  @Override
  public void publish(List<ChangeEvent> events) throws PublishException {
    regionLog.publish(events);
    if (events.isEmpty()) {
      return;
    }
    List<ChangeEvent> batch = List.copyOf(events);
    try {
      applier.execute(() -> apply(batch));
    } catch (RejectedExecutionException e) {
      log.debug(
          "{} republished events left to the event applier (backlog or closing)", batch.size());
    }
  }

  private void apply(List<ChangeEvent> events) {
    List<ChangeEvent> appliedNow = new ArrayList<>();
    try {
      changes.applyAll(
          events,
          (e, r) -> {
            if (r == ChangeLog.ApplyResult.APPLIED) {
              appliedNow.add(e);
            }
          });
    } catch (RuntimeException e) { // an IndexException, or a bug: the log has the events
      log.warn(
          "republished {} events; applying them here failed, the event applier applies them from"
              + " the log: {}",
          events.size(),
          e.toString());
    }
    if (!appliedNow.isEmpty()) {
      try {
        onApplied.accept(appliedNow);
      } catch (RuntimeException e) {
        log.warn("after-apply hook failed (the events are applied): {}", e.toString());
      }
    }
  }

  @Override
  public void close() {
    applier.shutdown();
    try {
      if (!applier.awaitTermination(5, TimeUnit.SECONDS)) {
        applier.shutdownNow();
      }
    } catch (InterruptedException e) {
      applier.shutdownNow();
      Thread.currentThread().interrupt();
    }
    regionLog.close();
  }
}
