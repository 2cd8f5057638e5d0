package io.berth.node.replication;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.berth.common.ChangeEvents;
import io.berth.common.Digest;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.EventValidation;
import io.berth.node.events.InvalidEventException;
import io.berth.node.index.ChangeLog;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.proto.events.v1.ChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node does for the replicator (the gRPC {@code Replication} service delegates here): tell
 * which blobs are missing, stream a blob from an offset, store a streamed blob under a fence, and
 * republish remote events into this region's log once their blobs are stored.
 *
 * <p>Guarantees: a fenced write with a stale epoch changes nothing; a stored blob matched its
 * digest and size; an event is republished only when every blob it names is in this region's store
 * (DESIGN.md invariant 2); events this node already holds are not republished again.
 */
public final class ReplicationService {
  private static final Logger log = LoggerFactory.getLogger(ReplicationService.class);
  private final BlobStore blobs;
  private final BlobStore reads;
  private final ChangeLog changes;
  private final ChangePublisher regionLog;
  private final LinkFences fences;
  private final Counter stored;
  private final Counter present;
  private final Counter rejected;
  private final Counter bytes;
  private final Counter republished;
  private final Counter skipped;
  private final Counter statedTrusted;
  private final Counter statedRefuted;
  private final long statedTrustedForMillis;
  private final Object republishLock = new Object();

  /**
   * How long a blob found in (or written to) the store counts as present without asking the store
   * again. Far below the GC grace period (hours): a blob touched this recently cannot have been
   * swept, so skipping the second touch (an S3 copy onto itself) changes nothing.
   */
  static final Duration VERIFIED_FOR = Duration.ofSeconds(60);

  /**
   * The longest a link owner's own write into this region's bucket counts as stored without asking
   * the store (ADR 0024), however long the GC grace period; with a shorter grace period, a quarter
   * of it.
   */
  static final Duration STATED_WRITES_TRUSTED_FOR = Duration.ofMinutes(10);

  /** The GC grace period assumed by the constructor that takes none: the node's default, 24 h. */
  private static final Duration DEFAULT_GC_GRACE = Duration.ofHours(24);

  /**
   * How many of a request's stated bucket writes are looked up in the store before the rest are
   * trusted.
   */
  static final int STATED_WRITES_SPOT_CHECKS = 2;

  /** How many store checks of one request run at the same time. */
  static final int CHECKS_IN_PARALLEL = 8;

  /** A republish call slower than this is logged with where its time went. */
  private static final long SLOW_REPUBLISH_NANOS = 500_000_000L;

  /**
   * How long a blob {@link #missing} reported absent is written without looking it up in the store
   * first. The link owner asks which blobs are missing and then writes exactly those, moments
   * later; on S3 the second lookup is a second HEAD that answers 404 again, on the critical path of
   * every replicated blob. Should another writer store the blob in between, the write stores the
   * same verified bytes over it, which changes nothing.
   */
  static final Duration FOUND_ABSENT_FOR = Duration.ofSeconds(10);

  private final Cache<Digest, Boolean> verified =
      Caffeine.newBuilder().expireAfterWrite(VERIFIED_FOR).maximumSize(100_000).build();
  private final Cache<Digest, Boolean> foundAbsent =
      Caffeine.newBuilder().expireAfterWrite(FOUND_ABSENT_FOR).maximumSize(100_000).build();
  private final ThreadPoolExecutor checks = checkPool();

  /** Where a read starts: the blob's total size and a stream from the requested offset. */
  public record BlobRead(long size, InputStream stream) {}

  /** The outcome of a stored blob. */
  public record WriteOutcome(String digest, long size, boolean alreadyPresent) {}

  /** The outcome of a republish. */
  public record RepublishOutcome(int published, int skipped) {}

  /**
   * A link owner's statement that it wrote {@code digest} ({@code size} bytes) into this region's
   * bucket itself, at {@code writtenMillis} on its clock (ADR 0024).
   */
  public record StatedWrite(Digest digest, long size, long writtenMillis) {}

  /**
   * @param regionLog this region's log (the region topic), or a publisher that applies to the local
   *     index when the region has no log
   */
  public ReplicationService(
      BlobStore blobs,
      ChangeLog changes,
      ChangePublisher regionLog,
      LinkFences fences,
      MeterRegistry metrics) {
    this(blobs, blobs, changes, regionLog, fences, metrics, DEFAULT_GC_GRACE);
  }

  /**
   * @param reads the store {@link #read} serves copies from: the same blobs as {@code blobs}, seen
   *     by a reader that reads each blob once (a node-local read cache is not filled by it)
   * @param regionLog this region's log (the region topic), or a publisher that applies to the local
   *     index when the region has no log
   * @param gcGrace the GC grace period of this region's store: a link owner's stated write counts
   *     as stored for at most a quarter of it ({@link #STATED_WRITES_TRUSTED_FOR} at most)
   */
  public ReplicationService(
      BlobStore blobs,
      BlobStore reads,
      ChangeLog changes,
      ChangePublisher regionLog,
      LinkFences fences,
      MeterRegistry metrics,
      Duration gcGrace) {
    this.blobs = blobs;
    this.statedTrustedForMillis =
        Math.min(STATED_WRITES_TRUSTED_FOR.toMillis(), Math.max(0, gcGrace.toMillis() / 4));
    this.reads = reads;
    this.changes = changes;
    this.regionLog = regionLog;
    this.fences = fences;
    this.stored = received(metrics, "stored");
    this.present = received(metrics, "present");
    this.rejected = received(metrics, "rejected");
    this.bytes =
        Counter.builder("berth_replication_bytes_received")
            .description("bytes of replicated blobs stored")
            .register(metrics);
    this.republished =
        Counter.builder("berth_replication_events_republished")
            .description("remote events republished into this region's log")
            .register(metrics);
    this.skipped =
        Counter.builder("berth_replication_events_skipped")
            .description("remote events handed over that this node already held")
            .register(metrics);
    this.statedTrusted = stated(metrics, "trusted");
    this.statedRefuted = stated(metrics, "refuted");
  }

  private static Counter stated(MeterRegistry m, String result) {
    return Counter.builder("berth_replication_stated_writes")
        .description(
            "blobs a link owner stated it wrote into this region's bucket: taken as stored"
                + " (trusted) or ignored because a spot check did not find one (refuted)")
        .tag("result", result)
        .register(m);
  }

  private static Counter received(MeterRegistry m, String result) {
    return Counter.builder("berth_replication_blobs_received")
        .description("replicated blob writes by outcome")
        .tag("result", result)
        .register(m);
  }

  /**
   * Announces a link owner's term.
   *
   * @return how many in-flight writes with a lower epoch were aborted
   * @throws StaleEpochException if a higher epoch is known
   */
  public int beginTerm(String link, long epoch) {
    return fences.admit(link, epoch);
  }

  /**
   * The digests among {@code digests} this node's store does not hold, in the given order.
   *
   * @throws IllegalArgumentException if one is not a valid digest
   */
  public List<String> missing(List<String> digests) {
    List<Digest> parsed = new ArrayList<>(digests.size());
    List<Digest> unknown = new ArrayList<>();
    for (String d : digests) {
      Digest digest = Digest.parse(d);
      parsed.add(digest);
      if (verified.getIfPresent(digest) == null) {
        unknown.add(digest);
      }
    }
    Set<Digest> absent = absentAmong(unknown);
    List<String> out = new ArrayList<>();
    for (Digest d : parsed) {
      if (absent.contains(d)) {
        out.add(d.toString());
        foundAbsent.put(d, Boolean.TRUE);
      }
    }
    return out;
  }

  /**
   * Touches each digest (at most {@link #CHECKS_IN_PARALLEL} at a time: on S3 each is a HEAD and a
   * copy) and returns those the store lacks; those it holds count as verified for {@link
   * #VERIFIED_FOR}. A single digest is touched in the calling thread.
   */
  private Set<Digest> absentAmong(List<Digest> digests) {
    if (digests.size() == 1) {
      return touch(digests.get(0)) ? Set.of() : Set.of(digests.get(0));
    }
    List<Future<Boolean>> running = new ArrayList<>();
    for (Digest d : digests) {
      running.add(checks.submit(() -> touch(d)));
    }
    try {
      Set<Digest> absent = new HashSet<>();
      for (int i = 0; i < digests.size(); i++) {
        if (!running.get(i).get()) {
          absent.add(digests.get(i));
        }
      }
      return absent;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking the store", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } finally {
      for (Future<Boolean> f : running) {
        f.cancel(false);
      }
    }
  }

  /**
   * Whether the store holds {@code d}, restarting its GC grace period if needed: an event naming a
   * blob this region holds as an unreferenced orphan is applied after this answer, so the blob's
   * grace period must start again (ADR 0008). A blob modified less than {@link #VERIFIED_FOR} ago
   * was just written (by a node of this region, or by a link that copied it straight into the
   * region's bucket while the nodes were down, ADR 0022): a touch would move its time by less than
   * that, far below the grace period, so it is only looked up (on S3 one HEAD instead of a HEAD and
   * a copy of the whole blob onto itself).
   */
  private boolean touch(Digest d) {
    Optional<StoredBlob> s = blobs.stat(d);
    if (s.isEmpty()) {
      return false;
    }
    long age = System.currentTimeMillis() - s.get().modifiedMillis();
    boolean held = age < VERIFIED_FOR.toMillis() || blobs.touch(d);
    if (held) {
      verified.put(d, Boolean.TRUE);
    }
    return held;
  }

  private static ThreadPoolExecutor checkPool() {
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            CHECKS_IN_PARALLEL,
            CHECKS_IN_PARALLEL,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "berth-replication-check-" + ids.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /**
   * Opens a stored blob at {@code offset}; empty if this node does not hold it.
   *
   * @throws IllegalArgumentException for a malformed digest or an offset outside {@code [0, size]}
   */
  public Optional<BlobRead> read(String digest, long offset) throws IOException {
    Optional<BlobReader> reader = reads.open(Digest.parse(digest));
    if (reader.isEmpty()) {
      return Optional.empty();
    }
    long size = reader.get().size();
    if (offset < 0 || offset > size) {
      throw new IllegalArgumentException(
          "offset " + offset + " is outside blob " + digest + " of " + size + " bytes");
    }
    return Optional.of(new BlobRead(size, reader.get().openRange(offset, size - offset)));
  }

  /**
   * Stores the blob read from {@code in} under the fence {@code link}/{@code epoch}. If the node
   * already holds it, returns at once without reading; a blob {@link #missing} reported absent in
   * the last {@link #FOUND_ABSENT_FOR} is not looked up again but stored at once. {@code abort} is
   * called (from another thread) when a newer owner begins meanwhile; it must make {@code in} fail.
   *
   * @throws StaleEpochException if the fence is or becomes stale; nothing is stored then
   * @throws io.berth.node.storage.BlobRejectedException if digest or size do not match
   * @throws IllegalArgumentException for a malformed digest or a negative size
   * @throws IOException if the stream fails; nothing is stored then
   */
  public WriteOutcome write(
      String link,
      long epoch,
      String digest,
      long size,
      InputStream in,
      Consumer<StaleEpochException> abort)
      throws IOException {
    Digest d = Digest.parse(digest);
    if (size < 0) {
      throw new IllegalArgumentException("the blob size is required");
    }
    try (LinkFences.InFlight w = fences.begin(link, epoch, abort)) {
      boolean justFoundAbsent = foundAbsent.asMap().remove(d) != null;
      Optional<StoredBlob> have =
          !justFoundAbsent && blobs.touch(d) ? blobs.stat(d) : Optional.empty();
      if (have.isPresent()) {
        present.increment();
        verified.put(d, Boolean.TRUE);
        return new WriteOutcome(digest, have.get().size(), true);
      }
      StoredBlob b;
      try {
        b = blobs.put(new Fenced(in, w), PutExpectation.digest(d).withSize(size));
      } catch (io.berth.node.storage.BlobRejectedException e) {
        rejected.increment();
        throw e;
      } catch (IOException e) {
        if (e.getCause() instanceof StaleEpochException s) {
          throw s;
        }
        throw e;
      }
      stored.increment();
      verified.put(b.digest(), Boolean.TRUE);
      bytes.increment(b.size());
      return new WriteOutcome(b.digest().toString(), b.size(), false);
    }
  }

  /** Checks the fence on every read, so a write fenced off mid-stream fails before it is stored. */
  private static final class Fenced extends FilterInputStream {
    private final LinkFences.InFlight fence;

    Fenced(InputStream in, LinkFences.InFlight fence) {
      super(in);
      this.fence = fence;
    }

    @Override
    public int read() throws IOException {
      check();
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return super.read(b, off, len);
    }

    private void check() throws IOException {
      try {
        fence.check();
      } catch (StaleEpochException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
  }

  /**
   * Republishes remote events into this region's log, in order, with their origin kept. Events this
   * node already holds are skipped.
   *
   * @throws StaleEpochException if the fence is stale
   * @throws MissingBlobsException if an event names a blob this region does not hold
   * @throws InvalidEventException if a field of an event is malformed (nothing is republished) or
   *     the event is of a schema this node does not know
   * @throws ChangePublisher.PublishException if the region log did not accept them
   */
  public RepublishOutcome republish(String link, long epoch, List<ChangeEvent> events)
      throws ChangePublisher.PublishException {
    return republish(link, epoch, events, List.of());
  }

  /**
   * The same, with the link owner's statement of the blobs it wrote into this region's bucket
   * itself (ADR 0024). A stated blob the events need counts as stored without asking the store when
   * its write is recent (see {@link #ReplicationService(BlobStore, BlobStore, ChangeLog,
   * ChangePublisher, LinkFences, MeterRegistry, Duration)}), after {@link
   * #STATED_WRITES_SPOT_CHECKS} of them were found in the store. If a spot check does not find one,
   * the statement is ignored and every blob is checked.
   */
  public RepublishOutcome republish(
      String link, long epoch, List<ChangeEvent> events, List<StatedWrite> stated)
      throws ChangePublisher.PublishException {
    for (ChangeEvent e : events) {
      EventValidation.check(e);
    }
    synchronized (republishLock) {
      long t0 = System.nanoTime();
      fences.admit(link, epoch);
      List<ChangeEvent> fresh = new ArrayList<>();
      Set<String> required = new LinkedHashSet<>();
      for (ChangeEvent e : events) {
        if (changes.holds(e)) {
          continue;
        }
        required.addAll(ChangeEvents.requiredBlobs(e));
        fresh.add(e);
      }
      trustStated(link, required, stated);
      // one check of the batch's blobs (in parallel, verified ones skipped), then the first event
      // that names a missing one is reported
      Set<String> absent = new LinkedHashSet<>(missing(new ArrayList<>(required)));
      long t1 = System.nanoTime();
      if (!absent.isEmpty()) {
        for (ChangeEvent e : fresh) {
          List<String> lacking = new ArrayList<>();
          for (String d : ChangeEvents.requiredBlobs(e)) {
            if (absent.contains(Digest.parse(d).toString())) {
              lacking.add(d);
            }
          }
          if (!lacking.isEmpty()) {
            throw new MissingBlobsException(ChangeEvents.describe(e), lacking);
          }
        }
      }
      if (!fresh.isEmpty()) {
        regionLog.publish(fresh);
      }
      long t2 = System.nanoTime();
      if (t2 - t0 > SLOW_REPUBLISH_NANOS) {
        log.info(
            "link {}: republished {} of {} events in {} ms ({} blobs checked in {} ms, published in"
                + " {} ms)",
            link,
            fresh.size(),
            events.size(),
            (t2 - t0) / 1_000_000,
            required.size(),
            (t1 - t0) / 1_000_000,
            (t2 - t1) / 1_000_000);
      }
      republished.increment(fresh.size());
      skipped.increment(events.size() - fresh.size());
      return new RepublishOutcome(fresh.size(), events.size() - fresh.size());
    }
  }

  /**
   * Marks the recent stated writes among {@code required} as verified, after spot checks of a few
   * of them in the store; a failed spot check drops the whole statement (logged, counted).
   */
  private void trustStated(String link, Set<String> required, List<StatedWrite> stated) {
    if (stated.isEmpty() || statedTrustedForMillis <= 0) {
      return;
    }
    long now = System.currentTimeMillis();
    List<StatedWrite> usable = new ArrayList<>();
    for (StatedWrite w : stated) {
      long age = now - w.writtenMillis();
      // a write stamped far in the future is a clock problem: not trusted either
      if (required.contains(w.digest().toString())
          && age < statedTrustedForMillis
          && age > -VERIFIED_FOR.toMillis()
          && verified.getIfPresent(w.digest()) == null) {
        usable.add(w);
      }
    }
    if (usable.isEmpty()) {
      return;
    }
    List<Digest> spot = new ArrayList<>();
    for (int i = 0; i < Math.min(STATED_WRITES_SPOT_CHECKS, usable.size()); i++) {
      spot.add(usable.get(i).digest());
    }
    Set<Digest> notThere = absentAmong(spot);
    if (!notThere.isEmpty()) {
      statedRefuted.increment(usable.size());
      log.warn(
          "link {} stated it wrote {} blobs into this region's bucket, but {} is not in this"
              + " node's store: checking every blob instead (is the link's bucket for this region"
              + " the bucket these nodes use?)",
          link,
          usable.size(),
          notThere.iterator().next());
      return;
    }
    for (StatedWrite w : usable) {
      verified.put(w.digest(), Boolean.TRUE);
      blobs.sizeSeen(w.digest(), w.size());
    }
    statedTrusted.increment(usable.size());
  }

  /** The fences, for the status API. */
  public LinkFences fences() {
    return fences;
  }
}
