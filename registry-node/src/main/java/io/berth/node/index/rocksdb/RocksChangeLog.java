package io.berth.node.index.rocksdb;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.common.ChangeEvents;
import io.berth.common.Hlc;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.HybridClock;
import io.berth.node.index.IndexException;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ArtifactMark;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChangeLog} on RocksDB. Local mutations go through {@link #record}: the mutation, its event
 * in the outbox, the new sequence number and the clock reading are one synced WriteBatch, written
 * under one lock so sequence order is commit order (the relay never sees a gap).
 */
public final class RocksChangeLog implements ChangeLog {
  private static final Logger log = LoggerFactory.getLogger(RocksChangeLog.class);
  static final int SCHEMA = 1;

  private final RocksIndexStore store;
  private final String nodeId;
  private final String region;
  private final HybridClock clock;
  private final Object commitLock = new Object();
  private final AtomicLong conflicts = new AtomicLong();
  private final ArrayDeque<String> recentConflicts = new ArrayDeque<>();
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
                .setSeq(next)
                .setHlc(proto(h))
                .setKey(d.key());
        d.change().accept(b);
        events.add(b.build());
      }
      Hlc last = h;
      long lastSeq = next;
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
  public void markPublished(long upTo) {
    synchronized (commitLock) {
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
    List<byte[]> doomed = new ArrayList<>();
    long limit = published;
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
    if (event.getOriginNode().equals(nodeId) && event.getOriginRegion().equals(region)) {
      return ApplyResult.OWN;
    }
    byte[] mark = KeyLayout.applied(event.getOriginRegion(), event.getOriginNode(), event.getSeq());
    if (store.get(KeyLayout.CF_APPLIED, mark) != null) {
      return ApplyResult.DUPLICATE;
    }
    Hlc remote = new Hlc(event.getHlc().getWallMillis(), event.getHlc().getLogical());
    ApplyResult[] result = {ApplyResult.UNSUPPORTED};
    synchronized (commitLock) {
      Hlc h = clock.observe(remote);
      store.write(
          batch -> {
            result[0] = applyInto(event, batch);
            if (result[0] == ApplyResult.APPLIED) {
              putMark(batch, event, System.currentTimeMillis(), new HashMap<>());
            }
            batch.put(store.cf(KeyLayout.CF_APPLIED), mark, proto(remote).toByteArray());
            batch.put(store.cf(KeyLayout.CF_META), KeyLayout.META_HLC, proto(h).toByteArray());
          });
    }
    if (result[0] == ApplyResult.CONFLICT) {
      String what =
          event.getKey()
              + " from "
              + event.getOriginRegion()
              + "/"
              + event.getOriginNode()
              + "#"
              + event.getSeq();
      log.warn("change conflict: {} lost to local state", what);
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
    if (event.getOriginNode().equals(nodeId) && event.getOriginRegion().equals(region)) {
      return event.getSeq() <= lastSeq();
    }
    return store.get(
            KeyLayout.CF_APPLIED,
            KeyLayout.applied(event.getOriginRegion(), event.getOriginNode(), event.getSeq()))
        != null;
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
      return List.copyOf(recentConflicts);
    }
  }
}
