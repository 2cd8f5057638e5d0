package io.berth.node.cluster;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Job ownership through a {@link LeaderRole}: the elected participant owns the job for the length
 * of its term, and the fence turns false as soon as the term ends (session SUSPENDED or LOST).
 */
public final class LeaderJobOwner implements JobOwner {
  private final LeaderRole role;
  private final String path;
  private final Object monitor = new Object();
  private volatile LeaderRole.Fence current;

  /** A participant in the election under {@code path} (e.g. {@code /leaders/<region>/gc}). */
  public LeaderJobOwner(ZooKeeperSession session, String path, String participantId) {
    this.path = path;
    this.role =
        new LeaderRole(
            session,
            path,
            participantId,
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
    role.start();
    return this;
  }

  @Override
  public <T> Optional<T> runAsOwner(Duration wait, Function<BooleanSupplier, T> work)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    LeaderRole.Fence fence;
    synchronized (monitor) {
      while ((fence = current) == null || !fence.valid()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Optional.empty();
        }
        monitor.wait(Math.max(1, Math.min(500, left / 1_000_000)));
      }
    }
    LeaderRole.Fence held = fence;
    return Optional.ofNullable(work.apply(held::valid));
  }

  /** Whether this participant leads now. */
  public boolean isLeader() {
    LeaderRole.Fence f = current;
    return f != null && f.valid();
  }

  @Override
  public String describe() {
    return "the ZooKeeper leader of " + path;
  }

  @Override
  public void close() {
    role.close();
  }
}
