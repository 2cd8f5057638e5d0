package io.berth.node.index.rocksdb;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.common.ChangeEvents;
import io.berth.common.Hlc;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.HybridClock;
import io.berth.node.index.IndexException;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ArtifactMark;
import io.berth.proto.index.v1.ChangeConflictRecord;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChangeLog} on RocksDB. Local mutations go through {@link #record}: the mutation, its event
 * in the outbox, the new sequence number and the clock reading are one synced WriteBatch, written
 * under one lock so sequence order is commit order (the relay never sees a gap). Remote events are
 * applied under the same lock, with their dedupe mark, the merged clock reading and (if they lose
 * to local state) a conflict record in the same synced batch.
 */
public final class RocksChangeLog implements ChangeLog {
  private static final Logger log = LoggerFactory.getLogger(RocksChangeLog.class);
  static final int SCHEMA = 1;

  private final RocksIndexStore store;
  private final String nodeId;
  private final String region;
  private final String incarnation;
  private final HybridClock clock;
  private final long maxSkewMillis;
  private final Object commitLock = new Object();
  private final AtomicLong conflicts = new AtomicLong();
  private final ArrayDeque<String> recentConflicts = new ArrayDeque<>();
  private volatile boolean outboxSkipped;
  private final Object newEvents = new Object();
  private final Object publishLock = new Object();
  private volatile long committedSeq;
  private long seq;
  private volatile long published;
  private RocksModuleIndex modules;
  private RocksSumdbIndex sumdb;
  private final List<RemoteApplier> appliers = new ArrayList<>();

  /** Applies one kind of remote change into a batch; returns null if it does not handle it. */
  @FunctionalInterface
  public interface RemoteApplier {
    ApplyResult apply(ChangeEvent event, WriteBatch batch) throws RocksDBException;
  }

  public RocksChangeLog(RocksIndexStore store, String nodeId, String region, long maxSkewMillis) {
    this.store = store;
    this.nodeId = nodeId;
    this.region = region;
    this.seq = KeyLayout.seqOf(store.get(KeyLayout.CF_META, KeyLayout.META_SEQ));
    this.committedSeq = seq;
    this.published = KeyLayout.seqOf(store.get(KeyLayout.CF_META, KeyLayout.META_PUBLISHED_SEQ));
    byte[] h = store.get(KeyLayout.CF_META, KeyLayout.META_HLC);
    Hlc persisted = Hlc.ZERO;
    if (h != null) {
      try {
        io.berth.proto.events.v1.Hlc p = io.berth.proto.events.v1.Hlc.parseFrom(h);
        persisted = new Hlc(p.getWallMillis(), p.getLogical());
      } catch (InvalidProtocolBufferException e) {
        throw new IndexException("corrupt persisted HLC", e);
      }
    }
    this.clock = new HybridClock(System::currentTimeMillis, persisted, maxSkewMillis);
    this.maxSkewMillis = maxSkewMillis;
    byte[] inc = store.get(KeyLayout.CF_META, KeyLayout.META_INCARNATION);
    if (inc == null) {
      byte[] random = new byte[8];
      new SecureRandom().nextBytes(random);
      String fresh = HexFormat.of().formatHex(random);
      store.write(
          b ->
              b.put(
                  store.cf(KeyLayout.CF_META),
                  KeyLayout.META_INCARNATION,
                  fresh.getBytes(StandardCharsets.UTF_8)));
      this.incarnation = fresh;
    } else {
      this.incarnation = new String(inc, StandardCharsets.UTF_8);
    }
    long[] count = {0};
    store.scan(KeyLayout.CF_CONFLICTS, new byte[0], (k, v) -> count[0]++);
    conflicts.set(count[0]);
  }

  /**
   * Benchmarks only, never production: index mutations are still written in one synced batch but
   * without their outbox events, so nothing is ever replicated. It exists to measure the cost of
   * the change log ({@code events.unsafeSkipOutbox}).
   */
  public void skipOutboxForBenchmarks() {
    outboxSkipped = true;
    log.warn(
        "events.unsafeSkipOutbox is on: index changes write NO change events (benchmarks only)");
  }

  public void attach(RocksModuleIndex modules, RocksSumdbIndex sumdb) {
    this.modules = modules;
    this.sumdb = sumdb;
  }

  /** Registers an applier for change kinds handled outside this package (OCI). */
  public void addApplier(RemoteApplier applier) {
    appliers.add(applier);
  }

  /** Runs {@code work} under the commit lock, so a read-modify-write sees no interleaved write. */
  public <T> T locked(java.util.function.Supplier<T> work) {
    synchronized (commitLock) {
      return work.get();
    }
  }

  public HybridClock clock() {
    return clock;
  }

  /** One event to record: its artifact key and a filler for its change. */
  public record Draft(String key, Consumer<ChangeEvent.Builder> change) {}

  /**
   * Writes {@code mutation} together with a new event describing it, in one synced batch.
   *
   * @param key the artifact key (Kafka partition key)
   * @param change fills the event's change
   */
  public ChangeEvent record(
      String key, Consumer<ChangeEvent.Builder> change, RocksIndexStore.Mutation mutation) {
    return recordAll(List.of(new Draft(key, change)), mutation).get(0);
  }

  /**
   * Writes {@code mutation} together with one event per draft (consecutive sequence numbers and
   * increasing clock readings), in one synced batch.
   */
  public List<ChangeEvent> recordAll(List<Draft> drafts, RocksIndexStore.Mutation mutation) {
    synchronized (commitLock) {
      List<ChangeEvent> events = new ArrayList<>(drafts.size());
      long next = seq;
      Hlc h = clock.last();
      for (Draft d : drafts) {
        h = clock.now();
        next++;
        ChangeEvent.Builder b =
            ChangeEvent.newBuilder()
                .setSchema(SCHEMA)
                .setOriginRegion(region)
                .setOriginNode(nodeId)
                .setOriginIncarnation(incarnation)
                .setSeq(next)
                .setHlc(proto(h))
                .setKey(d.key());
        d.change().accept(b);
        events.add(b.build());
      }
      Hlc last = h;
      long lastSeq = next;
      if (outboxSkipped) {
        store.write(
            batch -> {
              mutation.apply(batch);
              batch.put(store.cf(KeyLayout.CF_META), KeyLayout.META_HLC, proto(last).toByteArray());
            });
        return events;
      }
      long now = System.currentTimeMillis();
      store.write(
          batch -> {
            mutation.apply(batch);
            Map<String, ArtifactMark> marks = new HashMap<>();
            for (ChangeEvent e : events) {
              batch.put(store.cf(KeyLayout.CF_OUTBOX), KeyLayout.seq(e.getSeq()), e.toByteArray());
              putMark(batch, e, now, marks);
            }
            batch.put(store.cf(KeyLayout.CF_META), KeyLayout.META_SEQ, KeyLayout.seq(lastSeq));
            batch.put(store.cf(KeyLayout.CF_META), KeyLayout.META_HLC, proto(last).toByteArray());
          });
      seq = lastSeq;
      committedSeq = lastSeq;
      synchronized (newEvents) {
        newEvents.notifyAll();
      }
      return events;
    }
  }

  static io.berth.proto.events.v1.Hlc proto(Hlc h) {
    return io.berth.proto.events.v1.Hlc.newBuilder()
        .setWallMillis(h.wallMillis())
        .setLogical(h.logical())
        .build();
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public String region() {
    return region;
  }

  @Override
  public String incarnation() {
    return incarnation;
  }

  @Override
  public long lastSeq() {
    synchronized (commitLock) {
      return seq;
    }
  }

  @Override
  public long publishedSeq() {
    return published;
  }

  @Override
  public List<ChangeEvent> readAfter(long after, int max) {
    List<ChangeEvent> out = new ArrayList<>();
    store.scanFrom(
        KeyLayout.CF_OUTBOX,
        KeyLayout.seq(after + 1),
        (k, v) -> {
          try {
            out.add(ChangeEvent.parseFrom(v));
          } catch (InvalidProtocolBufferException e) {
            throw new IndexException("corrupt outbox entry " + KeyLayout.seqOf(k), e);
          }
          return out.size() < max;
        });
    return out;
  }

  @Override
  public boolean awaitAfter(long after, java.time.Duration max) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (newEvents) {
      while (committedSeq <= after) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        newEvents.wait(Math.max(1, left / 1_000_000));
      }
      return true;
    }
  }

  @Override
  public void markPublished(long upTo) {
    // its own lock, not the commit lock: the relay's fsync must not stall local writes
    synchronized (publishLock) {
      if (upTo <= published) {
        return;
      }
      store.write(
          b ->
              b.put(
                  store.cf(KeyLayout.CF_META), KeyLayout.META_PUBLISHED_SEQ, KeyLayout.seq(upTo)));
      published = upTo;
    }
  }

  @Override
  public int trimPublished(long beforeMillis) {
    return trim(beforeMillis, published);
  }

  @Override
  public int trimAll(long beforeMillis) {
    return trim(beforeMillis, lastSeq());
  }

  private int trim(long beforeMillis, long limit) {
    List<byte[]> doomed = new ArrayList<>();
    store.scanFrom(
        KeyLayout.CF_OUTBOX,
        KeyLayout.seq(0),
        (k, v) -> {
          if (KeyLayout.seqOf(k) > limit) {
            return false;
          }
          try {
            ChangeEvent e = ChangeEvent.parseFrom(v);
            if (e.getHlc().getWallMillis() >= beforeMillis) {
              return false;
            }
          } catch (InvalidProtocolBufferException ex) {
            return false;
          }
          doomed.add(k);
          return true;
        });
    if (!doomed.isEmpty()) {
      store.write(
          b -> {
            for (byte[] k : doomed) {
              b.delete(store.cf(KeyLayout.CF_OUTBOX), k);
            }
          });
    }
    return doomed.size();
  }

  @Override
  public ApplyResult apply(ChangeEvent event) {
    return apply(event, true);
  }

  @Override
  public void applyAll(List<ChangeEvent> events, BiConsumer<ChangeEvent, ApplyResult> each) {
    boolean wrote = false;
    try {
      for (ChangeEvent e : events) {
        ApplyResult r = apply(e, false);
        wrote |= r != ApplyResult.OWN && r != ApplyResult.DUPLICATE;
        each.accept(e, r);
      }
    } finally {
      if (wrote) {
        store.syncWal();
      }
    }
  }

  private ApplyResult apply(ChangeEvent event, boolean sync) {
    if (own(event)) {
      return ApplyResult.OWN;
    }
    byte[] mark =
        KeyLayout.applied(
            event.getOriginRegion(),
            event.getOriginNode(),
            event.getOriginIncarnation(),
            event.getSeq());
    Hlc remote = new Hlc(event.getHlc().getWallMillis(), event.getHlc().getLogical());
    ApplyResult[] result = {ApplyResult.UNSUPPORTED};
    ChangeConflictRecord[] conflict = {null};
    synchronized (commitLock) {
      if (store.get(KeyLayout.CF_APPLIED, mark) != null) {
        return ApplyResult.DUPLICATE;
      }
      long skewedBefore = clock.skewedObservations();
      Hlc h = clock.observe(remote);
      if (clock.skewedObservations() > skewedBefore) {
        log.warn(
            "clock skew: event {}#{} from {}/{} is stamped {} ms ahead of this node's clock (more"
                + " than {} ms); merged anyway so ordering holds, fix the clocks (NTP)",
            event.getKey(),
            event.getSeq(),
            event.getOriginRegion(),
            event.getOriginNode(),
            remote.wallMillis() - System.currentTimeMillis(),
            maxSkewMillis);
      }
      RocksIndexStore.Mutation m =
          batch -> {
            result[0] = applyInto(event, batch);
            if (result[0] == ApplyResult.APPLIED) {
              putMark(batch, event, System.currentTimeMillis(), new HashMap<>());
            }
            batch.put(store.cf(KeyLayout.CF_APPLIED), mark, proto(remote).toByteArray());
            batch.put(store.cf(KeyLayout.CF_META), KeyLayout.META_HLC, proto(h).toByteArray());
            if (result[0] == ApplyResult.CONFLICT) {
              conflict[0] = conflictRecord(event);
              batch.put(
                  store.cf(KeyLayout.CF_CONFLICTS),
                  KeyLayout.conflict(conflict[0].getDetectedUnixMillis(), mark),
                  conflict[0].toByteArray());
            }
          };
      if (sync) {
        store.write(m);
      } else {
        store.writeUnsynced(m);
      }
    }
    if (conflict[0] != null) {
      String what = describe(conflict[0]);
      log.warn("change conflict: {} lost to local state (this node keeps its own)", what);
      conflicts.incrementAndGet();
      synchronized (recentConflicts) {
        recentConflicts.addLast(what);
        while (recentConflicts.size() > 100) {
          recentConflicts.removeFirst();
        }
      }
    }
    return result[0];
  }

  private ChangeConflictRecord conflictRecord(ChangeEvent event) {
    ChangeConflictRecord.Builder b =
        ChangeConflictRecord.newBuilder()
            .setKey(event.getKey())
            .setOriginRegion(event.getOriginRegion())
            .setOriginNode(event.getOriginNode())
            .setOriginIncarnation(event.getOriginIncarnation())
            .setSeq(event.getSeq())
            .setHlcWallMillis(event.getHlc().getWallMillis())
            .setHlcLogical(event.getHlc().getLogical())
            .setDetectedUnixMillis(System.currentTimeMillis());
    if (event.getChangeCase() == ChangeEvent.ChangeCase.GO_VERSION_STORED) {
      String[] diff = modules.conflictOf(event.getGoVersionStored().getRecord());
      if (diff != null) {
        b.setField(diff[0]).setLocalValue(diff[1]).setRemoteValue(diff[2]);
      }
    }
    return b.build();
  }

  private static String describe(ChangeConflictRecord c) {
    String s =
        c.getKey() + " from " + c.getOriginRegion() + "/" + c.getOriginNode() + "#" + c.getSeq();
    if (!c.getField().isEmpty()) {
      s +=
          " ("
              + c.getField()
              + ": local "
              + c.getLocalValue()
              + ", remote "
              + c.getRemoteValue()
              + ")";
    }
    return s;
  }

  /**
   * Records {@code e} as the newest change of each artifact it concerns ({@link
   * ChangeEvents#artifactKeys}), in the same batch.
   */
  private void putMark(WriteBatch batch, ChangeEvent e, long now, Map<String, ArtifactMark> inBatch)
      throws RocksDBException {
    for (String key : ChangeEvents.artifactKeys(e)) {
      putMark(batch, key, e, now, inBatch);
    }
  }

  private void putMark(
      WriteBatch batch, String key, ChangeEvent e, long now, Map<String, ArtifactMark> inBatch)
      throws RocksDBException {
    ArtifactMark prev = inBatch.get(key);
    if (prev == null) {
      prev = lastChange(key).orElse(null);
    }
    boolean deleted = ChangeEvents.isDelete(e);
    long first =
        prev == null || (prev.getDeleted() && !deleted) ? now : prev.getFirstLocalUnixMillis();
    ArtifactMark m =
        ArtifactMark.newBuilder()
            .setKey(key)
            .setOriginRegion(e.getOriginRegion())
            .setOriginNode(e.getOriginNode())
            .setSeq(e.getSeq())
            .setHlc(e.getHlc())
            .setChange(e.getChangeCase().name())
            .setDeleted(deleted)
            .setFirstLocalUnixMillis(first)
            .setLastLocalUnixMillis(now)
            .build();
    inBatch.put(key, m);
    batch.put(store.cf(KeyLayout.CF_ARTIFACTS), KeyLayout.artifact(key), m.toByteArray());
  }

  @Override
  public boolean holds(ChangeEvent event) {
    if (own(event)) {
      return event.getSeq() <= lastSeq();
    }
    return store.get(
            KeyLayout.CF_APPLIED,
            KeyLayout.applied(
                event.getOriginRegion(),
                event.getOriginNode(),
                event.getOriginIncarnation(),
                event.getSeq()))
        != null;
  }

  /**
   * Whether this node incarnation wrote {@code event} (an earlier incarnation is another origin).
   */
  private boolean own(ChangeEvent event) {
    return event.getOriginNode().equals(nodeId)
        && event.getOriginRegion().equals(region)
        && event.getOriginIncarnation().equals(incarnation);
  }

  @Override
  public Optional<ArtifactMark> lastChange(String key) {
    byte[] raw = store.get(KeyLayout.CF_ARTIFACTS, KeyLayout.artifact(key));
    if (raw == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(ArtifactMark.parseFrom(raw));
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt artifact mark " + key, e);
    }
  }

  private ApplyResult applyInto(ChangeEvent event, WriteBatch batch) throws RocksDBException {
    switch (event.getChangeCase()) {
      case GO_VERSION_STORED:
        return modules.applyRemote(event.getGoVersionStored().getRecord(), batch);
      case SUMDB_OBJECT_STORED:
        return sumdb.applyRemote(event.getSumdbObjectStored(), batch);
      default:
        for (RemoteApplier a : appliers) {
          ApplyResult r = a.apply(event, batch);
          if (r != null) {
            return r;
          }
        }
        return ApplyResult.UNSUPPORTED;
    }
  }

  @Override
  public long conflicts() {
    return conflicts.get();
  }

  @Override
  public List<String> recentConflicts() {
    synchronized (recentConflicts) {
      if (recentConflicts.isEmpty() && conflicts.get() > 0) {
        for (ChangeConflictRecord c : conflictRecords(100)) {
          recentConflicts.addLast(describe(c));
        }
      }
      return List.copyOf(recentConflicts);
    }
  }

  @Override
  public List<ChangeConflictRecord> conflictRecords(int max) {
    ArrayDeque<ChangeConflictRecord> out = new ArrayDeque<>();
    store.scan(
        KeyLayout.CF_CONFLICTS,
        new byte[0],
        (k, v) -> {
          try {
            out.addLast(ChangeConflictRecord.parseFrom(v));
          } catch (InvalidProtocolBufferException e) {
            throw new IndexException("corrupt conflict record", e);
          }
          if (out.size() > max) {
            out.removeFirst();
          }
        });
    return List.copyOf(out);
  }

  @Override
  public long skewedClockReadings() {
    return clock.skewedObservations();
  }

  @Override
  public void recordCaughtUp() {
    if (!everCaughtUp()) {
      store.write(
          batch ->
              batch.put(
                  store.cf(KeyLayout.CF_META), KeyLayout.META_CAUGHT_UP_ONCE, new byte[] {1}));
    }
  }

  @Override
  public boolean everCaughtUp() {
    return store.get(KeyLayout.CF_META, KeyLayout.META_CAUGHT_UP_ONCE) != null;
  }
}
