package io.berth.node.events;

import org.slf4j.Logger;

/**
 * A long-lived worker thread with a lifecycle ({@link State}) and bounded backoff: {@link #runOnce}
 * is called until the loop is closed; when it throws, the loop waits 100 ms doubling up to 5 s
 * before the next call.
 */
abstract class BackgroundLoop implements AutoCloseable {

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final String name;
  private volatile State state = State.NEW;
  private Thread thread;

  BackgroundLoop(String name) {
    this.name = name;
  }

  /** One unit of work; may block briefly. Throws to back off. */
  protected abstract void runOnce() throws Exception;

  /** Called after the thread stopped, to release resources. */
  protected abstract void release();

  protected abstract Logger log();

  /** A short description of the situation for the retry log line. */
  protected String describeFailure() {
    return "";
  }

  public final synchronized void startLoop() {
    if (state != State.NEW) {
      throw new IllegalStateException(name + " is " + state);
    }
    state = State.RUNNING;
    thread = new Thread(this::loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  public final State state() {
    return state;
  }

  private void loop() {
    long backoff = 100;
    while (state == State.RUNNING) {
      try {
        runOnce();
        backoff = 100;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        if (state != State.RUNNING) {
          return;
        }
        onFailure(e);
        log().warn("{}: {}{} (retrying in {} ms)", name, e.toString(), describeFailure(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  /** Whether the loop's thread has ended (for {@link #release}: it may outlive the join). */
  protected final boolean threadEnded() {
    return thread == null || !thread.isAlive();
  }

  /** Hook for failure metrics. */
  protected void onFailure(Exception e) {}

  @Override
  public final synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    boolean started = state == State.RUNNING;
    state = State.CLOSED;
    if (started) {
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    release();
  }
}
