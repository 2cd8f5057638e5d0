package io.berth.node.replication;

import io.berth.node.index.LinkFenceStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fencing of replication writes (DESIGN.md invariant 6). For each link the node durably keeps the
 * highest owner epoch it has admitted ({@link LinkFenceStore}); a write with a lower epoch is
 * refused and counted ({@code berth_replication_stale_writes_rejected{link}}). When a higher epoch
 * arrives, in-flight writes of the link with a lower epoch are aborted (and counted) at once, so a
 * paused stale owner cannot complete a write after its successor began.
 *
 * <p>Epoch jumps are bounded: an epoch more than {@code maxEpochJump} above the highest admitted
 * one (0 for a link not seen yet) is refused ({@link EpochJumpException}) and changes nothing, so a
 * forged or corrupted epoch cannot fence the real owner off for good (ADR 0016).
 */
public final class LinkFences {
  private static final Logger log = LoggerFactory.getLogger(LinkFences.class);

  private final LinkFenceStore store;
  private final MeterRegistry metrics;
  private final long maxEpochJump;
  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();
  private final Map<String, Set<InFlight>> inFlight = new ConcurrentHashMap<>();

  /** Fences without a bound on epoch jumps. */
  public LinkFences(LinkFenceStore store, MeterRegistry metrics) {
    this(store, metrics, 0);
  }

  /**
   * @param maxEpochJump how far above the highest admitted epoch a new one may be (0: unbounded)
   */
  public LinkFences(LinkFenceStore store, MeterRegistry metrics, long maxEpochJump) {
    if (maxEpochJump < 0) {
      throw new IllegalArgumentException("maxEpochJump must be >= 0");
    }
    this.store = store;
    this.metrics = metrics;
    this.maxEpochJump = maxEpochJump;
  }

  /** One write in progress; {@link #close} when it ends. */
  public final class InFlight implements AutoCloseable {
    private final String link;
    private final long epoch;
    private final Consumer<StaleEpochException> abort;
    private boolean fenced;

    private InFlight(String link, long epoch, Consumer<StaleEpochException> abort) {
      this.link = link;
      this.epoch = epoch;
      this.abort = abort;
    }

    /**
     * Throws (and counts, once) if a higher epoch was admitted for the link since this write began.
     */
    public void check() {
      long highest = store.highest(link);
      if (highest > epoch) {
        throw fence(highest);
      }
    }

    private synchronized StaleEpochException fence(long highest) {
      StaleEpochException e = new StaleEpochException(link, epoch, highest);
      if (!fenced) {
        fenced = true;
        counter(link).increment();
        log.warn("aborted a replication write: {}", e.getMessage());
      }
      return e;
    }

    @Override
    public void close() {
      Set<InFlight> set = inFlight.get(link);
      if (set != null) {
        set.remove(this);
      }
    }
  }

  /**
   * Admits a write of {@code link} at {@code epoch}: raises the link's highest epoch if {@code
   * epoch} is higher (durably, aborting lower in-flight writes).
   *
   * @return how many in-flight writes were aborted
   * @throws StaleEpochException (counted) if a higher epoch was already admitted
   * @throws EpochJumpException if the epoch is too far above the highest admitted one
   */
  public int admit(String link, long epoch) {
    if (link == null || link.isBlank() || epoch < 0) {
      throw new IllegalArgumentException("a replication write needs a fence: link and epoch >= 0");
    }
    long before = store.highest(link);
    if (maxEpochJump > 0 && epoch - Math.max(before, 0) > maxEpochJump) {
      EpochJumpException e = new EpochJumpException(link, epoch, before, maxEpochJump);
      log.warn("refused a replication fence: {}", e.getMessage());
      throw e;
    }
    long highest = store.raise(link, epoch);
    if (highest > epoch) {
      counter(link).increment();
      StaleEpochException e = new StaleEpochException(link, epoch, highest);
      log.warn("refused a replication write: {}", e.getMessage());
      throw e;
    }
    int aborted = 0;
    if (epoch > before) {
      log.info("link {}: new owner epoch {} (was {})", link, epoch, before);
      Set<InFlight> set = inFlight.get(link);
      if (set != null) {
        for (InFlight w : set) {
          if (w.epoch < epoch) {
            w.abort.accept(w.fence(epoch));
            aborted++;
          }
        }
      }
    }
    return aborted;
  }

  /**
   * Admits a write and tracks it until closed; {@code abort} is called if a higher epoch arrives
   * meanwhile.
   */
  public InFlight begin(String link, long epoch, Consumer<StaleEpochException> abort) {
    admit(link, epoch);
    InFlight w = new InFlight(link, epoch, abort);
    inFlight.computeIfAbsent(link, k -> ConcurrentHashMap.newKeySet()).add(w);
    w.check();
    return w;
  }

  /** The highest admitted epoch of {@code link}, or -1. */
  public long highest(String link) {
    return store.highest(link);
  }

  /** How many stale writes of {@code link} were refused since start. */
  public long rejected(String link) {
    Counter c = rejected.get(link);
    return c == null ? 0 : (long) c.count();
  }

  /** Every known link with its highest epoch and refused stale writes. */
  public Map<String, Map<String, Long>> snapshot() {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    store
        .all()
        .forEach(
            (l, e) -> out.put(l, Map.of("highestEpoch", e, "staleWritesRejected", rejected(l))));
    return out;
  }

  private Counter counter(String link) {
    return rejected.computeIfAbsent(
        link,
        l ->
            Counter.builder("berth_replication_stale_writes_rejected")
                .description("replication writes refused because they carried a stale owner epoch")
                .tag("link", l)
                .register(metrics));
  }
}
