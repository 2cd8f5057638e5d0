package io.berth.node.cluster;

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
 * A singleton job elected through Curator's {@link LeaderSelector} (DESIGN.md invariant 6).
 *
 * <p>Contract: {@link Leadership#lead} runs on one participant at a time. Leadership ends when the
 * work returns, when the role is closed, or as soon as the session is SUSPENDED or LOST (the work's
 * thread is interrupted and {@link Fence#valid()} turns false at once). Each term has an epoch that
 * is strictly greater than every earlier term's: the zxid of a write to {@code <path>/epoch} made
 * when the term begins. Leader-only writes carry it so a stale leader is rejected.
 */
public final class LeaderRole implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaderRole.class);

  /** What a term may check before each leader-only write. */
  public interface Fence {
    /** This term's epoch. */
    long epoch();

    /** Whether this term still holds leadership (false once suspended, lost or closed). */
    boolean valid();
  }

  /** The leader's work. Returning (or throwing) gives up leadership; the role then re-queues. */
  @FunctionalInterface
  public interface Leadership {
    void lead(Fence fence) throws Exception;
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
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicLong epoch = new AtomicLong(-1);
  private volatile State state = State.NEW;

  /**
   * A role for the participants under {@code path} (e.g. {@code /leaders/gc}).
   *
   * @param participantId shown to the other participants (node id)
   */
  public LeaderRole(
      ZooKeeperSession session, String path, String participantId, Leadership leadership) {
    this.client = session.client();
    this.path = path;
    this.selector =
        new LeaderSelector(
            client,
            path + "/election",
            new LeaderSelectorListener() {
              @Override
              public void takeLeadership(CuratorFramework c) throws Exception {
                long e = beginTerm();
                epoch.set(e);
                leading.set(true);
                log.info("leader of {} with epoch {}", path, e);
                try {
                  leadership.lead(
                      new Fence() {
                        @Override
                        public long epoch() {
                          return e;
                        }

                        @Override
                        public boolean valid() {
                          return leading.get() && epoch.get() == e && state == State.RUNNING;
                        }
                      });
                } finally {
                  leading.set(false);
                  log.info("gave up leadership of {} (epoch {})", path, e);
                }
              }

              @Override
              public void stateChanged(CuratorFramework c, ConnectionState s) {
                if (s == ConnectionState.SUSPENDED || s == ConnectionState.LOST) {
                  leading.set(false);
                  throw new CancelLeadershipException();
                }
              }
            });
    selector.setId(participantId);
    selector.autoRequeue();
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
          // another participant created it; set it again
        }
        if (attempt > 3) {
          throw e;
        }
      }
    }
  }

  public synchronized LeaderRole start() {
    if (state != State.NEW) {
      throw new IllegalStateException("leader role " + path + " is " + state);
    }
    state = State.RUNNING;
    selector.start();
    return this;
  }

  /** Whether this participant currently leads. */
  public boolean isLeader() {
    return leading.get();
  }

  /** The epoch of the current or last term of this participant, or -1 if it never led. */
  public long epoch() {
    return epoch.get();
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
    leading.set(false);
    if (started) {
      selector.close();
    }
  }
}
