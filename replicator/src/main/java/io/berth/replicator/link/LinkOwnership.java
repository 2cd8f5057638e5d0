package io.berth.replicator.link;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.CancelLeadershipException;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListener;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ownership of one link, elected with Curator's {@link LeaderSelector} under {@code
 * /berth/replication/links/<source>/<target>} (DESIGN.md invariant 6).
 *
 * <p>Contract: at most one participant runs {@link Work#lead} at a time (as far as ZooKeeper
 * knows). A term ends when the work returns or throws, when this ownership is closed, or as soon as
 * the session is SUSPENDED or LOST: the work's thread is interrupted and {@link Term#valid()} turns
 * false at once. Every term has an epoch strictly greater than all earlier terms' epochs (the zxid
 * of a write to {@code .../epoch} made when the term begins); the owner puts it on every write, so
 * nodes refuse a stale owner. After a term the participant queues again.
 */
public final class LinkOwnership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LinkOwnership.class);

  /** One term of ownership. */
  public interface Term {
    long epoch();

    /** Whether the term still holds (false once suspended, lost or closed). */
    boolean valid();
  }

  /** The owner's work; returning gives up the term. */
  @FunctionalInterface
  public interface Work {
    void lead(Term term) throws Exception;
  }

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final CuratorFramework client;
  private final String path;
  private final LeaderSelector selector;
  private final AtomicBoolean owning = new AtomicBoolean();
  private final AtomicLong epoch = new AtomicLong(-1);
  private volatile State state = State.NEW;
  private int shortTerms;

  public LinkOwnership(
      CuratorFramework client, String source, String target, String instanceId, Work work) {
    this.client = client;
    this.path = "/replication/links/" + source + "/" + target;
    this.selector =
        new LeaderSelector(
            client,
            path + "/election",
            new LeaderSelectorListener() {
              @Override
              public void takeLeadership(CuratorFramework c) throws Exception {
                if (Thread.interrupted()) {
                  log.warn("{}: an interrupt was pending when the term began; cleared", path);
                }
                long e = beginTerm();
                long began = System.nanoTime();
                epoch.set(e);
                owning.set(true);
                log.info("{}: owner of link with epoch {}", path, e);
                try {
                  work.lead(
                      new Term() {
                        @Override
                        public long epoch() {
                          return e;
                        }

                        @Override
                        public boolean valid() {
                          return owning.get() && epoch.get() == e && state == State.RUNNING;
                        }
                      });
                } finally {
                  owning.set(false);
                  log.info("{}: gave up the link (epoch {})", path, e);
                  pauseAfterShortTerm(began);
                }
              }

              @Override
              public void stateChanged(CuratorFramework c, ConnectionState s) {
                if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
                  if (owning.getAndSet(false)) {
                    log.warn("{}: ZooKeeper connection {}, giving up the link", path, s);
                  }
                  throw new CancelLeadershipException();
                }
              }
            });
    selector.setId(instanceId);
    selector.autoRequeue();
  }

  /**
   * A term that ended within seconds (the target refused it, or it failed at once) is followed by a
   * growing pause (up to 5 s) before competing again, so a persistent failure cannot spin.
   */
  private void pauseAfterShortTerm(long beganNanos) {
    if (System.nanoTime() - beganNanos > 10_000_000_000L) {
      shortTerms = 0;
      return;
    }
    long delay = Math.min(5_000, 100L << Math.min(6, shortTerms++));
    try {
      Thread.sleep(delay);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
    }
  }

  private long beginTerm() throws Exception {
    String epochPath = path + "/epoch";
    for (int attempt = 0; ; attempt++) {
      try {
        Stat stat = client.setData().forPath(epochPath, new byte[0]);
        return stat.getMzxid();
      } catch (KeeperException.NoNodeException e) {
        try {
          client
              .create()
              .creatingParentsIfNeeded()
              .withMode(CreateMode.PERSISTENT)
              .forPath(epochPath, new byte[0]);
        } catch (KeeperException.NodeExistsException raced) {
          // created by another participant; set it again
        }
        if (attempt > 3) {
          throw e;
        }
      }
    }
  }

  public synchronized LinkOwnership start() {
    if (state != State.NEW) {
      throw new IllegalStateException("link ownership " + path + " is " + state);
    }
    state = State.RUNNING;
    selector.start();
    return this;
  }

  public boolean isOwner() {
    return owning.get();
  }

  /** The epoch of this participant's current or last term, or -1. */
  public long epoch() {
    return epoch.get();
  }

  /** The id of the current owner as ZooKeeper sees it, or "" if none or unknown. */
  public String currentOwner() {
    try {
      return selector.getLeader().getId();
    } catch (Exception e) {
      return "";
    }
  }

  public State state() {
    return state;
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    boolean started = state == State.RUNNING;
    state = State.CLOSED;
    owning.set(false);
    if (started) {
      selector.close();
    }
  }
}
