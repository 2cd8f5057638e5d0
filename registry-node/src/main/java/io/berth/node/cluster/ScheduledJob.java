package io.berth.node.cluster;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a singleton job every {@code interval} (first after {@code initialDelay}) through a {@link
 * JobOwner}: on a non-owner the run is skipped. A failing run is logged and retried after a bounded
 * backoff (1 min doubling up to the interval), never more often.
 */
public final class ScheduledJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScheduledJob.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  /** One run of the job, given the ownership fence. */
  @FunctionalInterface
  public interface Run {
    void run(java.util.function.BooleanSupplier stillOwner) throws Exception;
  }

  /** How long {@link #close} waits for a run in progress to end. */
  public static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

  private final String name;
  private final JobOwner owner;
  private final Duration initialDelay;
  private final Duration interval;
  private final Run run;
  private final ScheduledExecutorService executor;
  private volatile State state = State.NEW;
  private long failures;

  public ScheduledJob(
      String name, JobOwner owner, Duration initialDelay, Duration interval, Run run) {
    this.name = name;
    this.owner = owner;
    this.initialDelay = initialDelay;
    this.interval = interval;
    this.run = run;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "berth-" + name);
              t.setDaemon(true);
              return t;
            });
  }

  public synchronized ScheduledJob start() {
    if (state != State.NEW) {
      throw new IllegalStateException(name + " is " + state);
    }
    state = State.RUNNING;
    executor.schedule(this::tick, initialDelay.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void tick() {
    if (state != State.RUNNING) {
      return;
    }
    long next = interval.toMillis();
    try {
      owner.runAsOwner(
          Duration.ZERO,
          stillOwner -> {
            try {
              run.run(() -> state == State.RUNNING && stillOwner.getAsBoolean());
              return Boolean.TRUE;
            } catch (RuntimeException e) {
              throw e;
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          });
      failures = 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (RuntimeException e) {
      failures++;
      next = Math.min(interval.toMillis(), 60_000L << Math.min(failures - 1, 10));
      log.warn("{} failed (attempt {}), next try in {} ms: {}", name, failures, next, e.toString());
    }
    if (state == State.RUNNING) {
      executor.schedule(this::tick, next, TimeUnit.MILLISECONDS);
    }
  }

  public State state() {
    return state;
  }

  /**
   * Stops the schedule, interrupts a run in progress and waits (at most {@link #CLOSE_WAIT}) for it
   * to end, so nothing it uses (the index, the blob store) is closed under it.
   */
  @Override
  public synchronized void close() {
    state = State.CLOSED;
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn(
            "{} is still running {} s after it was told to stop", name, CLOSE_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
