package io.berth.node.cluster;

import io.berth.platform.zk.LeaderElection;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Job ownership through a ZooKeeper {@link LeaderElection} (DESIGN.md invariant 6): the elected
 * participant owns the job for the length of its term, and the fence turns false as soon as the
 * term ends (session SUSPENDED or LOST, or this owner closed).
 */
public final class LeaderJobOwner implements JobOwner {
  private final LeaderElection election;
  private final String path;
  private final Object monitor = new Object();
  private volatile LeaderElection.Term current;

  /** A participant in the election under {@code path} (e.g. {@code /leaders/<region>/gc}). */
  public LeaderJobOwner(ZooKeeperSession session, String path, String participantId) {
    this.path = path;
    this.election =
        new LeaderElection(
            session.client(),
            path,
            participantId,
            LeaderElection.Requeue.AT_ONCE,
            fence -> {
              synchronized (monitor) {
                current = fence;
                monitor.notifyAll();
              }
              try {
                while (fence.valid()) {
                  synchronized (monitor) {
                    monitor.wait(500);
                  }
                }
              } finally {
                synchronized (monitor) {
                  current = null;
                }
              }
            });
  }

  public LeaderJobOwner start() {
    election.start();
    return this;
  }

  @Override
  public <T> Optional<T> runAsOwner(Duration wait, Function<BooleanSupplier, T> work)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    LeaderElection.Term fence;
    synchronized (monitor) {
      while ((fence = current) == null || !fence.valid()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        monitor.wait(Math.max(1, Math.min(500, left / 1_000_000)));
      }
    }
    LeaderElection.Term held = fence;
    return Optional.ofNullable(work.apply(held::valid));
  }

  /** Whether this participant leads now. */
  public boolean isLeader() {
    LeaderElection.Term f = current;
    return f != null && f.valid();
  }

  @Override
  public String describe() {
    return "the ZooKeeper leader of " + path;
  }

  @Override
  public void close() {
    election.close();
  }
}
