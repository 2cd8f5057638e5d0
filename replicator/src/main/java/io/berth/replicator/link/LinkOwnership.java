package io.berth.replicator.link;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
 * the session is SUSPENDED or LOST: {@link Term#valid()} turns false at once, then the work's
 * thread is interrupted. Each term has its own validity, so nothing that happens to one term (a
 * late state callback, a leftover interrupt) can end or extend another; work must treat {@link
 * Term#valid()}, not the interrupt flag, as the truth. Every term has an epoch strictly greater
 * than all earlier terms' epochs (the zxid of a write to {@code .../epoch} made when the term
 * begins); the owner puts it on every write, so nodes refuse a stale owner. After a term the
 * participant queues again.
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
  private final AtomicReference<ActiveTerm> current = new AtomicReference<>();
  private final AtomicLong epoch = new AtomicLong(-1);
  private final AtomicLong terms = new AtomicLong();
  private volatile State state = State.NEW;
  private int shortTerms;

  /**
   * One term's own validity flag, so a suspension, a late callback or a leftover interrupt of an
   * earlier term can never end (or keep alive) a later one.
   */
  private final class ActiveTerm implements Term {
    private final long epoch;
    private volatile boolean held = true;

    ActiveTerm(long epoch) {
      this.epoch = epoch;
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public boolean valid() {
      return held && state == State.RUNNING;
    }
  }

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
                lead(work);
              }

              @Override
              public void stateChanged(CuratorFramework c, ConnectionState s) {
                if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
                  ActiveTerm t = current.get();
                  if (t != null && t.held) {
                    t.held = false;
                    log.warn("{}: ZooKeeper connection {}, giving up the link", path, s);
                  }
                  throw new CancelLeadershipException();
                }
              }
            });
    selector.setId(instanceId);
    selector.autoRequeue();
  }

  private void lead(Work work) throws Exception {
    if (Thread.interrupted()) {
      // a leftover interrupt (of an earlier term or a cancelled election) must not end this term
      log.warn("{}: an interrupt was pending when the term began; cleared", path);
    }
    if (state != State.RUNNING) {
      return;
    }
    long e = beginTerm();
    long began = System.nanoTime();
    ActiveTerm t = new ActiveTerm(e);
    epoch.set(e);
    current.set(t);
    terms.incrementAndGet();
    log.info("{}: owner of link with epoch {}", path, e);
    String end = "the work returned";
    try {
      work.lead(t);
    } catch (InterruptedException ie) {
      end = "interrupted";
      throw ie;
    } catch (Exception | Error ex) {
      end = "the work failed: " + ex;
      throw ex;
    } finally {
      boolean wasHeld = t.held;
      t.held = false;
      current.compareAndSet(t, null);
      log.info(
          "{}: gave up the link (epoch {}) after {} ms: {}{}",
          path,
          e,
          (System.nanoTime() - began) / 1_000_000,
          end,
          wasHeld ? "" : " (ownership had ended)");
      pauseAfterShortTerm(began);
    }
  }

  /**
   * A term that ended within seconds (the target refused it, or it failed at once) is followed by a
   * growing pause (up to 5 s) before competing again, so a persistent failure cannot spin. The
   * pause holds even if the thread carries an interrupt (one that ended the term, or a leftover
   * one): only closing this ownership cuts it short.
   */
  private void pauseAfterShortTerm(long beganNanos) {
    if (System.nanoTime() - beganNanos > 10_000_000_000L) {
      shortTerms = 0;
      return;
    }
    long delay = Math.min(5_000, 100L << Math.min(6, shortTerms++));
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
    boolean interrupted = false;
    while (state == State.RUNNING) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      } catch (InterruptedException ie) {
        interrupted = true;
      }
    }
    if (interrupted) {
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
    ActiveTerm t = current.get();
    return t != null && t.valid();
  }

  /** How many terms this participant has begun. */
  public long termsBegun() {
    return terms.get();
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
    ActiveTerm t = current.get();
    if (t != null) {
      t.held = false;
    }
    if (started) {
      selector.close();
    }
  }
}
