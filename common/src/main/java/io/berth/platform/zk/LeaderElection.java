package io.berth.platform.zk;

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
 * A leader election on Curator's {@link LeaderSelector} under {@code <path>/election}, with an
 * epoch per term (DESIGN.md invariant 6). The node's singleton jobs, the replicator's link
 * ownership and the coordinators' table leader all use it (ADR 0019).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>At most one participant runs {@link Work#lead} at a time, as far as ZooKeeper knows.
 *   <li>A term ends when the work returns or throws, when the election is closed, or as soon as the
 *       session is SUSPENDED or LOST. In that last case {@link Term#valid()} turns false first, and
 *       then the work's thread is interrupted. Work must treat {@link Term#valid()} as the truth,
 *       not the interrupt flag.
 *   <li>Each term has its own validity. A late state callback or a leftover interrupt of one term
 *       can neither end nor extend another; an interrupt pending when a term begins is cleared.
 *   <li>Each term begins with a write to {@code <path>/epoch}. Its zxid is the term's {@link
 *       Term#epoch()}, strictly greater than every earlier term's, and its version is {@link
 *       Term#epochVersion()}, which a write can check in a ZooKeeper transaction. Leader-only
 *       writes carry one of them, so a stale leader is rejected.
 *   <li>After a term the participant queues again; with {@link Requeue#AFTER_BACKOFF}, a term that
 *       ended within 10 s is followed first by a growing pause (100 ms, doubling, up to 5 s), so
 *       work that fails at once cannot spin.
 * </ul>
 */
public final class LeaderElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

  /** One term of leadership. */
  public interface Term {
    /** The term's epoch: the zxid of the write that began it. */
    long epoch();

    /** The version of the epoch znode written when the term began. */
    int epochVersion();

    /** Whether the term still holds (false once suspended, lost, ended or closed). */
    boolean valid();
  }

  /** The leader's work. Returning (or throwing) ends the term. */
  @FunctionalInterface
  public interface Work {
    void lead(Term term) throws Exception;
  }

  /** When a participant whose term ended competes again. */
  public enum Requeue {
    /** At once. */
    AT_ONCE,
    /** After a growing pause if the term was short (work that fails at once). */
    AFTER_BACKOFF
  }

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private static final long SHORT_TERM_NANOS = TimeUnit.SECONDS.toNanos(10);
  private static final long MAX_PAUSE_MILLIS = 5_000;

  private final CuratorFramework client;
  private final String path;
  private final Requeue requeue;
  private final LeaderSelector selector;
  private final AtomicReference<ActiveTerm> current = new AtomicReference<>();
  private final AtomicLong epoch = new AtomicLong(-1);
  private final AtomicLong terms = new AtomicLong();
  private volatile State state = State.NEW;
  private int shortTerms;

  /** One term's own validity flag. */
  private final class ActiveTerm implements Term {
    private final long epoch;
    private final int epochVersion;
    private volatile boolean held = true;

    ActiveTerm(Stat start) {
      this.epoch = start.getMzxid();
      this.epochVersion = start.getVersion();
    }

    @Override
    public long epoch() {
      return epoch;
    }

    @Override
    public int epochVersion() {
      return epochVersion;
    }

    @Override
    public boolean valid() {
      return held && state == State.RUNNING;
    }
  }

  /**
   * An election among the participants under {@code path} (e.g. {@code /leaders/eu/gc}).
   *
   * @param participantId this participant's id, shown to the others ({@link #currentLeader()})
   */
  public LeaderElection(
      CuratorFramework client, String path, String participantId, Requeue requeue, Work work) {
    this.client = client;
    this.path = path;
    this.requeue = requeue;
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
                    log.warn("{}: ZooKeeper connection {}, giving up leadership", path, s);
                  }
                  throw new CancelLeadershipException();
                }
              }
            });
    selector.setId(participantId);
    selector.autoRequeue();
  }

  private void lead(Work work) throws Exception {
    if (Thread.interrupted()) {
      log.warn("{}: an interrupt was pending when the term began; cleared", path);
    }
    if (state != State.RUNNING) {
      return;
    }
    ActiveTerm t = new ActiveTerm(beginTerm());
    long began = System.nanoTime();
    epoch.set(t.epoch);
    current.set(t);
    terms.incrementAndGet();
    log.info("{}: leader with epoch {}", path, t.epoch);
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
          "{}: gave up leadership (epoch {}) after {} ms: {}{}",
          path,
          t.epoch,
          (System.nanoTime() - began) / 1_000_000,
          end,
          wasHeld ? "" : " (the term had ended)");
      if (requeue == Requeue.AFTER_BACKOFF) {
        pauseAfterShortTerm(began);
      }
    }
  }

  /**
   * The pause holds even if the thread carries an interrupt (one that ended the term, or a leftover
   * one); only closing the election cuts it short.
   */
  private void pauseAfterShortTerm(long beganNanos) {
    if (System.nanoTime() - beganNanos > SHORT_TERM_NANOS) {
      shortTerms = 0;
      return;
    }
    long delay = Math.min(MAX_PAUSE_MILLIS, 100L << Math.min(6, shortTerms++));
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

  private Stat beginTerm() throws Exception {
    String epochPath = epochPath();
    for (int attempt = 0; ; attempt++) {
      try {
        return client.setData().forPath(epochPath, new byte[0]);
      } catch (KeeperException.NoNodeException e) {
        try {
          client
              .create()
              .creatingParentsIfNeeded()
              .withMode(CreateMode.PERSISTENT)
              .forPath(epochPath, new byte[0]);
        } catch (KeeperException.NodeExistsException raced) {
          // another participant created it; write it again
        }
        if (attempt > 3) {
          throw e;
        }
      }
    }
  }

  /** The znode written at the start of every term; its version fences the leader's writes. */
  public String epochPath() {
    return path + "/epoch";
  }

  /** The election's path. */
  public String path() {
    return path;
  }

  /** Joins the election. Only once. */
  public synchronized LeaderElection start() {
    if (state != State.NEW) {
      throw new IllegalStateException("election " + path + " is " + state);
    }
    state = State.RUNNING;
    selector.start();
    return this;
  }

  /** Whether this participant holds a valid term now. */
  public boolean isLeader() {
    ActiveTerm t = current.get();
    return t != null && t.valid();
  }

  /** How many terms this participant has begun. */
  public long termsBegun() {
    return terms.get();
  }

  /** The epoch of this participant's current or last term, or -1 if it never led. */
  public long epoch() {
    return epoch.get();
  }

  /** The id of the current leader as ZooKeeper sees it, or "" if none or unknown. */
  public String currentLeader() {
    try {
      return selector.getLeader().getId();
    } catch (Exception e) {
      return "";
    }
  }

  public State state() {
    return state;
  }

  /** Ends the current term (its {@link Term#valid()} turns false) and leaves the election. */
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
