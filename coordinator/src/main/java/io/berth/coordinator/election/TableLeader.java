package io.berth.coordinator.election;

import io.berth.coordinator.routing.ClusterView;
import io.berth.coordinator.routing.RoutingPolicy;
import io.berth.platform.zk.LeaderElection;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's work: recompute the routing table whenever membership or health changes (and at
 * least every {@code intervalMs}), and publish it with a fenced write when it differs from the last
 * one (or every few seconds as a heartbeat). Ends the term on a rejected (stale) write.
 */
public final class TableLeader implements LeaderElection.Work {
  private static final Logger log = LoggerFactory.getLogger(TableLeader.class);
  private static final long REPUBLISH_MS = 5_000;

  /** Where a published table goes (ZooKeeper, fenced). */
  @FunctionalInterface
  public interface Publisher {
    void publish(LeaderElection.Term term, RoutingTable table) throws Exception;
  }

  private final String leaderId;
  private final RoutingPolicy policy;
  private final Supplier<ClusterView> view;
  private final Publisher publisher;
  private final Consumer<RoutingTable> published;
  private final long intervalMs;
  private final Semaphore wake = new Semaphore(0);

  public TableLeader(
      String leaderId,
      RoutingPolicy policy,
      Supplier<ClusterView> view,
      Publisher publisher,
      Consumer<RoutingTable> published,
      long intervalMs) {
    this.leaderId = leaderId;
    this.policy = policy;
    this.view = view;
    this.publisher = publisher;
    this.published = published;
    this.intervalMs = intervalMs;
  }

  /** Asks for a recomputation now (membership or health changed). */
  public void poke() {
    if (wake.availablePermits() == 0) {
      wake.release();
    }
  }

  @Override
  public void lead(LeaderElection.Term term) throws Exception {
    long version = 0;
    RoutingTable last = null;
    long lastPublish = 0;
    long backoff = 100;
    while (term.valid()) {
      RoutingTable computed = policy.compute(view.get());
      long now = System.nanoTime();
      if (last == null
          || !sameContent(computed, last)
          || now - lastPublish > REPUBLISH_MS * 1_000_000) {
        RoutingTable table =
            computed.toBuilder()
                .setEpoch(term.epoch())
                .setVersion(version + 1)
                .setLeaderId(leaderId)
                .build();
        try {
          publisher.publish(term, table);
          version++;
          last = computed;
          lastPublish = now;
          backoff = 100;
          published.accept(table);
        } catch (StaleLeaderException e) {
          log.warn("{}", e.getMessage());
          return;
        } catch (InterruptedException e) {
          throw e;
        } catch (Exception e) {
          log.warn("publishing the routing table failed (retrying): {}", e.toString());
          Thread.sleep(backoff);
          backoff = Math.min(2_000, backoff * 2);
          continue;
        }
      }
      wake.tryAcquire(intervalMs, TimeUnit.MILLISECONDS);
      wake.drainPermits();
    }
  }

  static boolean sameContent(RoutingTable a, RoutingTable b) {
    return a.toBuilder()
        .clearComputedAtMillis()
        .build()
        .equals(b.toBuilder().clearComputedAtMillis().build());
  }
}
