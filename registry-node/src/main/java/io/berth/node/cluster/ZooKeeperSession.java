package io.berth.node.cluster;

import io.berth.platform.zk.ZooKeeperClients;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one ZooKeeper client (Curator), shared by membership, leader roles (GC, mirror syncs)
 * and promotion. It starts without waiting for a connection: a node whose ZooKeeper is down still
 * serves and writes locally; {@link #connected()} feeds readiness and leader roles give up their
 * work while the session is suspended or lost.
 */
public final class ZooKeeperSession implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperSession.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final CuratorFramework client;
  private volatile State state = State.NEW;
  private volatile ConnectionState connection = ConnectionState.LOST;

  /**
   * A session to {@code connectString} ({@code host:port,...}) with all znodes under {@code
   * /berth}.
   */
  public ZooKeeperSession(String connectString, int sessionTimeoutMs) {
    this.client = ZooKeeperClients.newClient(connectString, sessionTimeoutMs);
  }

  public synchronized ZooKeeperSession start() {
    if (state != State.NEW) {
      throw new IllegalStateException("zookeeper session is " + state);
    }
    client
        .getConnectionStateListenable()
        .addListener(
            (c, s) -> {
              connection = s;
              log.info("zookeeper connection {}", s);
            });
    client.start();
    state = State.RUNNING;
    return this;
  }

  /** Waits up to {@code millis} for the first connection; returns whether it is connected. */
  public boolean awaitConnected(long millis) throws InterruptedException {
    return client.blockUntilConnected((int) millis, TimeUnit.MILLISECONDS);
  }

  /** The Curator client (namespace {@code /berth}). */
  public CuratorFramework client() {
    return client;
  }

  /** Whether the session is currently connected (not suspended or lost). */
  public boolean connected() {
    return state == State.RUNNING && client.getZookeeperClient().isConnected();
  }

  public ConnectionState lastConnectionState() {
    return connection;
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
    if (started) {
      client.close();
    }
  }
}
