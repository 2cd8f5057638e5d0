package io.berth.coordinator.membership;

import io.berth.coordinator.probe.HttpTiming;
import io.berth.coordinator.routing.ClusterView.HealthProbe;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes every registered node's {@code /healthz} from this coordinator at a fixed interval, so a
 * dead node is noticed within one interval (a refused connection fails at once) instead of after
 * its ZooKeeper session expires. One probe per node at a time; results keyed by member path.
 */
public final class HealthProber implements AutoCloseable {
  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final MemberDirectory members;
  private final String region;
  private final long intervalMs;
  private final Duration timeout;
  private final Runnable onChange;
  private final Map<String, HealthProbe> results = new ConcurrentHashMap<>();
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "berth-health-timer"));
  private final ExecutorService pool =
      Executors.newFixedThreadPool(4, r -> daemon(r, "berth-health-probe"));
  private volatile State state = State.NEW;

  public HealthProber(
      MemberDirectory members, String region, long intervalMs, long timeoutMs, Runnable onChange) {
    this.members = members;
    this.region = region;
    this.intervalMs = intervalMs;
    this.timeout = Duration.ofMillis(timeoutMs);
    this.onChange = onChange;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public synchronized HealthProber start() {
    if (state != State.NEW) {
      throw new IllegalStateException("health prober is " + state);
    }
    state = State.RUNNING;
    timer.scheduleWithFixedDelay(this::round, 0, intervalMs, TimeUnit.MILLISECONDS);
    return this;
  }

  private void round() {
    Set<String> live = ConcurrentHashMap.newKeySet();
    for (MemberDirectory.Entry e : members.snapshot()) {
      String key = key(e);
      live.add(key);
      if (!running.add(key)) {
        continue;
      }
      try {
        pool.execute(() -> probe(key, e.record().getUrl()));
      } catch (RejectedExecutionException closed) {
        running.remove(key);
      }
    }
    results.keySet().retainAll(live);
  }

  private void probe(String key, String url) {
    try {
      HttpTiming.Result r;
      try {
        r = HttpTiming.get(URI.create(stripSlash(url) + "/healthz"), timeout);
      } catch (IllegalArgumentException bad) {
        r = new HttpTiming.Result(0, 0, 0, 0, 0, "bad URL " + url);
      }
      HealthProbe p =
          r.ok()
              ? new HealthProbe(true, "", r.ttfbMicros(), region)
              : new HealthProbe(
                  false, r.error().isEmpty() ? "HTTP " + r.status() : r.error(), 0, region);
      HealthProbe old = results.put(key, p);
      if (old == null || old.ok() != p.ok()) {
        onChange.run();
      }
    } finally {
      running.remove(key);
    }
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** The key of a member's probe result. */
  public static String key(MemberDirectory.Entry e) {
    return e.record().getRegion() + "/" + e.record().getNodeId() + "@" + e.record().getUrl();
  }

  /** The latest probe of a member, or null if none finished yet. */
  public HealthProbe latest(MemberDirectory.Entry e) {
    return results.get(key(e));
  }

  public State state() {
    return state;
  }

  @Override
  public synchronized void close() {
    state = State.CLOSED;
    timer.shutdownNow();
    pool.shutdownNow();
  }
}
