package io.berth.coordinator.election;

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
 * The coordinators' leader election (Curator {@link LeaderSelector}, DESIGN.md invariant 6).
 *
 * <p>Contract: {@link Leadership#lead} runs on one participant at a time. A term ends when the work
 * returns or throws, when this election is closed, or at once when the session is SUSPENDED or LOST
 * ({@link Term#valid()} turns false and the work's thread is interrupted). Each term starts with a
 * write to {@code <path>/epoch}: its zxid is the term's epoch (greater than every earlier term's)
 * and its version is what {@link FencedWriter} checks, so a write from an older term is rejected by
 * ZooKeeper itself.
 */
public final class CoordinatorElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorElection.class);

  /** One leadership term. */
  public interface Term {
    /** The term's epoch (zxid of its start write). */
    long epoch();

    /** The version of the epoch znode written at the start of the term. */
    int epochVersion();

    /** Whether the term still holds (false once suspended, lost, returned or closed). */
    boolean valid();
  }

  /** The leader's work. */
  @FunctionalInterface
  public interface Leadership {
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
  private final AtomicBoolean leading = new AtomicBoolean();
  private final AtomicLong epoch = new AtomicLong(-1);
  private volatile State state = State.NEW;

  /**
   * An election among the participants under {@code path}.
   *
   * @param participantId this participant's id (shown to the others)
   */
  public CoordinatorElection(
      CuratorFramework client, String path, String participantId, Leadership leadership) {
    this.client = client;
    this.path = path;
    this.selector =
        new LeaderSelector(
            client,
            path + "/election",
            new LeaderSelectorListener() {
              @Override
              public void takeLeadership(CuratorFramework c) throws Exception {
                Stat start = beginTerm();
                long e = start.getMzxid();
                int version = start.getVersion();
                epoch.set(e);
                leading.set(true);
                log.info("leader of {} with epoch {}", path, e);
                try {
                  leadership.lead(
                      new Term() {
                        @Override
                        public long epoch() {
                          return e;
                        }

                        @Override
                        public int epochVersion() {
                          return version;
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

  /** The znode whose version fences the leader's writes. */
  public String epochPath() {
    return path + "/epoch";
  }

  private Stat beginTerm() throws Exception {
    for (int attempt = 0; ; attempt++) {
      try {
        return client.setData().forPath(epochPath(), new byte[0]);
      } catch (KeeperException.NoNodeException e) {
        try {
          client
              .create()
              .creatingParentsIfNeeded()
              .withMode(CreateMode.PERSISTENT)
              .forPath(epochPath(), new byte[0]);
        } catch (KeeperException.NodeExistsException raced) {
          // another participant created it; write it again
        }
        if (attempt > 3) {
          throw e;
        }
      }
    }
  }

  public synchronized CoordinatorElection start() {
    if (state != State.NEW) {
      throw new IllegalStateException("election " + path + " is " + state);
    }
    state = State.RUNNING;
    selector.start();
    return this;
  }

  public boolean isLeader() {
    return leading.get();
  }

  /** The epoch of the current or last term here, or -1 if this participant never led. */
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
