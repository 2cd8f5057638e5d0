package io.berth.replicator.link;

import io.berth.common.ChangeEvents;
import io.berth.platform.zk.LeaderElection;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.replicator.bucket.TargetBucket;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.consume.SourceLog;
import io.berth.replicator.copy.Backoff;
import io.berth.replicator.copy.Bandwidth;
import io.berth.replicator.copy.BlobCopier;
import io.berth.replicator.region.Fence;
import io.berth.replicator.region.RegionClient;
import io.berth.replicator.region.RegionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One term of a link owner (DESIGN.md section 5): consume the source log; for each batch, ask the
 * target which of the blobs the carried events name it lacks, copy those (up to {@code concurrency}
 * at a time, under the bandwidth limit), THEN hand the events to the target (which republishes them
 * into its region log with their origin kept), THEN commit the source offset. A failed step retries
 * the same batch with bounded backoff, so per-key order holds. Every write carries the term's
 * fence; a stale-fence answer ends the term at once.
 *
 * <p>Poison policy (docs/adr/0016-replication-hardening.md): an unavailable region is waited for
 * however long, but a batch that fails {@code maxAttempts} times because a blob cannot be copied or
 * the target refuses it is then carried event by event, and an event that still fails is recorded
 * in the link's dead-letter list (metric, status, {@code berth links}) instead of blocking the link
 * for good. Events that a later event of the same batch deletes are not carried at all ({@link
 * Supersession}).
 */
public final class LinkWorker implements LeaderElection.Work {
  private static final Logger log = LoggerFactory.getLogger(LinkWorker.class);
  static final int REPUBLISH_BATCH = 500;

  /**
   * The longest pause between attempts while a region does not answer. A call to a region that is
   * down costs next to nothing (a refused connection), and the pause after it returns is time its
   * catch-up has not begun, so this is shorter than the 5 s cap of other failures.
   */
  static final long UNAVAILABLE_MAX_PAUSE_MILLIS = 1_000;

  /**
   * How often a link reading ahead (ADR 0022) tries to hand its events over while the target does
   * not answer. Between tries it keeps copying, so a try costs only refused connections; a shorter
   * interval starts the catch-up sooner once the region's nodes are back (on average half of it).
   */
  static final long HAND_OVER_RETRY_MILLIS = 250;

  /**
   * The most events read ahead (their blobs copied into the target's bucket) while the target's
   * nodes do not answer. They wait in memory, about a kilobyte each, until the target answers; then
   * the link stops reading until it does.
   */
  static final int MAX_AHEAD_EVENTS = 20_000;

  /**
   * How often in a row a blob copy to the target's nodes may fail as unavailable before the batch
   * fails, when the link has the target's bucket to copy into instead.
   */
  static final int UNAVAILABLE_COPY_ATTEMPTS = 3;

  private final ReplicatorConfig.LinkSection config;
  private final Supplier<SourceLog> logs;
  private final RegionClient source;
  private final RegionClient target;
  private final LinkState state;
  private final LinkFilter filter;
  private final Bandwidth bandwidth;
  private final TargetBucket bucket;
  private final AtomicInteger threadIds = new AtomicInteger();

  public LinkWorker(
      ReplicatorConfig.LinkSection config,
      Supplier<SourceLog> logs,
      RegionClient source,
      RegionClient target,
      LinkState state) {
    this(config, logs, source, target, null, state);
  }

  /**
   * @param bucket the target region's bucket, written directly while the target's nodes do not
   *     answer (null: the link waits for them)
   */
  public LinkWorker(
      ReplicatorConfig.LinkSection config,
      Supplier<SourceLog> logs,
      RegionClient source,
      RegionClient target,
      TargetBucket bucket,
      LinkState state) {
    this.config = config;
    this.logs = logs;
    this.source = source;
    this.target = target;
    this.bucket = bucket;
    this.state = state;
    this.filter = new LinkFilter(config);
    this.bandwidth = new Bandwidth(config.bandwidthBytesPerSecond());
  }

  @Override
  public void lead(LeaderElection.Term term) throws InterruptedException {
    Fence fence = new Fence(config.id(), term.epoch());
    state.starting(term.epoch());
    state.deadLetters().restore();
    Backoff backoff = new Backoff();
    Backoff waiting = new Backoff(100, UNAVAILABLE_MAX_PAUSE_MILLIS);
    ExecutorService copiers =
        Executors.newFixedThreadPool(
            config.concurrency(),
            r -> {
              Thread t =
                  new Thread(r, "berth-copy-" + config.id() + "-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      if (!announce(fence, term, waiting)) {
        return;
      }
      try (SourceLog events = logs.get()) {
        state.running();
        run(fence, term, events, copiers, backoff, waiting);
      }
    } finally {
      copiers.shutdownNow();
      state.standby("");
    }
  }

  private boolean announce(Fence fence, LeaderElection.Term term, Backoff backoff)
      throws InterruptedException {
    while (term.valid()) {
      try {
        int reached = target.beginTerm(fence);
        log.info(
            "{}: term {} announced to {} node(s) of {}",
            config.id(),
            fence.epoch(),
            reached,
            target.region());
        backoff.reset();
        return true;
      } catch (RegionException.StaleFence e) {
        log.warn("{}: a newer owner exists: {}", config.id(), e.getMessage());
        return false;
      } catch (RegionException e) {
        if (!term.valid()) {
          break;
        }
        if (Thread.interrupted()) {
          strayInterrupt(fence, "announce");
        } else {
          state.failed("term", e);
          log.warn("{}: cannot announce term {}: {}", config.id(), fence.epoch(), e.getMessage());
        }
        try {
          backoff.pause();
        } catch (InterruptedException ie) {
          if (!term.valid()) {
            break;
          }
          strayInterrupt(fence, "announce");
        }
      }
    }
    log.info(
        "{}: term {} over before it was announced: ownership ended", config.id(), fence.epoch());
    return false;
  }

  private void run(
      Fence fence,
      LeaderElection.Term term,
      SourceLog events,
      ExecutorService copiers,
      Backoff backoff,
      Backoff waiting)
      throws InterruptedException {
    List<ChangeEvent> batch = null;
    List<ChangeEvent> carry = null;
    int superseded = 0;
    int poisonAttempts = 0;
    Set<String> givenUp = new HashSet<>();
    Ahead ahead = new Ahead();
    boolean targetDown = false;
    long nextHandOver = 0;
    while (true) {
      if (!term.valid()) {
        log.info("{}: term {} over: ownership ended", config.id(), fence.epoch());
        return;
      }
      if (Thread.interrupted()) {
        strayInterrupt(fence, "between batches");
        backoff.pause();
        continue;
      }
      String stage = "consume";
      try {
        if (batch == null && ahead.active()) {
          boolean full = ahead.events.size() >= MAX_AHEAD_EVENTS;
          if (full || System.currentTimeMillis() >= nextHandOver) {
            stage = "republish";
            if (!handOverAhead(fence, events, ahead)) {
              nextHandOver = System.currentTimeMillis() + HAND_OVER_RETRY_MILLIS;
              if (full) {
                waiting.pause();
              }
              continue;
            }
            targetDown = false;
            backoff.reset();
            waiting.reset();
            state.running();
            state.behind(events.behind(), 0);
            continue;
          }
        }
        stage = "consume";
        if (batch == null) {
          List<ChangeEvent> polled = events.poll(Duration.ofMillis(200));
          if (polled.isEmpty()) {
            if (!ahead.active()) {
              state.behind(events.behind(), 0);
            }
            continue;
          }
          batch = polled;
          List<ChangeEvent> selected = select(batch);
          carry = Supersession.withoutSuperseded(selected);
          superseded = selected.size() - carry.size();
          poisonAttempts = 0;
          givenUp.clear();
        }
        state.behind(
            events.behind(),
            ahead.active() ? ahead.oldestWallMillis : batch.get(0).getHlc().getWallMillis());
        if (targetDown && bucket != null && poisonAttempts < config.maxAttempts()) {
          // the target's nodes do not answer: copy this batch's blobs into its bucket and read on;
          // the events are handed over, in order, once a node answers again
          stage = "copy ahead";
          if (!carry.isEmpty()) {
            copyMissing(fence, term, carry, copiers, ahead.written);
          }
          if (!ahead.active()) {
            nextHandOver = System.currentTimeMillis() + HAND_OVER_RETRY_MILLIS;
            log.info(
                "{}: no node of {} answers; copying blobs straight into its bucket and reading"
                    + " ahead (at most {} events) until one does",
                config.id(),
                target.region(),
                MAX_AHEAD_EVENTS);
          }
          ahead.add(batch, carry, superseded);
          state.aheadEvents(ahead.events.size());
          batch = null;
          carry = null;
          continue;
        }
        stage = "copy";
        if (!carry.isEmpty()) {
          if (poisonAttempts >= config.maxAttempts()) {
            stage = "isolate";
            carryOneByOne(fence, term, carry, copiers, givenUp);
          } else {
            copyMissing(fence, term, carry, copiers, null);
            stage = "republish";
            long t = System.nanoTime();
            republishAll(fence, carry);
            state.stage("republish").record(System.nanoTime() - t, TimeUnit.NANOSECONDS);
          }
          state.batchSize().record(carry.size());
        }
        stage = "commit";
        long committing = System.nanoTime();
        events.commit();
        state.stage("commit").record(System.nanoTime() - committing, TimeUnit.NANOSECONDS);
        if (!carry.isEmpty()) {
          state.replicatedBatch(
              carry.size() - givenUp.size(),
              carry.get(carry.size() - 1).getHlc().getWallMillis(),
              System.currentTimeMillis());
        }
        countSkipped(batch);
        state.skippedSuperseded(superseded);
        batch = null;
        carry = null;
        targetDown = false;
        backoff.reset();
        waiting.reset();
        state.running();
        state.behind(events.behind(), 0);
      } catch (RegionException.StaleFence e) {
        log.warn("{}: fenced off by a newer owner, ending term {}", config.id(), fence.epoch());
        return;
      } catch (InterruptedException e) {
        if (!term.valid()) {
          log.info(
              "{}: term {} interrupted in {}: ownership ended", config.id(), fence.epoch(), stage);
          return;
        }
        strayInterrupt(fence, stage);
        Thread.interrupted();
        backoff.pause();
      } catch (RuntimeException e) {
        if (!term.valid()) {
          log.info(
              "{}: term {} ended during {}: {}", config.id(), fence.epoch(), stage, e.toString());
          return;
        }
        Thread.interrupted();
        state.failed(stage, e);
        if (ahead.active() || stage.equals("copy ahead")) {
          // reading ahead is only a head start: on any failure but an unanswered hand-over
          // (handled in handOverAhead), drop it and read again from the last commit, where the
          // usual path (and its poison policy) takes over; blobs already copied are found present
          log.warn(
              "{}: {} failed while reading ahead ({} events); reading again from the last"
                  + " commit: {}",
              config.id(),
              stage,
              ahead.events.size(),
              e.toString());
          events.rewind();
          ahead.clear();
          state.aheadEvents(0);
          batch = null;
          carry = null;
          targetDown = false;
        } else if (poison(e) && ++poisonAttempts == config.maxAttempts()) {
          log.warn(
              "{}: {} failed {} times ({}); trying the batch's {} events one by one, events that"
                  + " still cannot be replicated go to the dead-letter list",
              config.id(),
              stage,
              poisonAttempts,
              e.toString(),
              carry == null ? 0 : carry.size());
        } else {
          log.warn("{}: {} failed, retrying the batch: {}", config.id(), stage, e.toString());
          if (e instanceof RegionException.Unavailable
              && bucket != null
              && (stage.equals("copy") || stage.equals("republish"))
              && noTargetNodeUp()) {
            targetDown = true;
            continue;
          }
        }
        (e instanceof RegionException.Unavailable ? waiting : backoff).pause();
      }
    }
  }

  /** Whether the last call to every node of the target failed. */
  private boolean noTargetNodeUp() {
    for (RegionClient.NodeState n : target.nodes()) {
      if (n.up()) {
        return false;
      }
    }
    return true;
  }

  private void republishAll(Fence fence, List<ChangeEvent> carry) {
    republishAll(fence, carry, Map.of());
  }

  /**
   * Hands {@code carry} over in calls of {@link #REPUBLISH_BATCH} events, each stating the blobs of
   * its events that this owner wrote into the target's bucket itself ({@code written}, ADR 0024).
   */
  private void republishAll(
      Fence fence, List<ChangeEvent> carry, Map<String, RegionClient.BucketWrite> written) {
    for (int i = 0; i < carry.size(); i += REPUBLISH_BATCH) {
      List<ChangeEvent> part = carry.subList(i, Math.min(carry.size(), i + REPUBLISH_BATCH));
      List<RegionClient.BucketWrite> stated = new ArrayList<>();
      if (!written.isEmpty()) {
        Set<String> named = new LinkedHashSet<>();
        for (ChangeEvent e : part) {
          named.addAll(ChangeEvents.requiredBlobs(e));
        }
        for (String d : named) {
          RegionClient.BucketWrite w = written.get(d);
          if (w != null) {
            stated.add(w);
          }
        }
      }
      target.republish(fence, part, stated);
    }
  }

  /**
   * Hands the events read ahead over to the target, in order, and commits the source offset.
   *
   * @return false if the target still does not answer (nothing committed; the events stay ahead)
   */
  private boolean handOverAhead(Fence fence, SourceLog events, Ahead ahead) {
    long t = System.nanoTime();
    try {
      if (!ahead.events.isEmpty()) {
        republishAll(fence, ahead.events, ahead.written);
      }
    } catch (RegionException.Unavailable e) {
      state.failed("republish", e);
      log.debug("{}: {} still does not answer: {}", config.id(), target.region(), e.toString());
      return false;
    }
    state.stage("republish").record(System.nanoTime() - t, TimeUnit.NANOSECONDS);
    events.commit();
    int n = ahead.events.size();
    if (n > 0) {
      state.batchSize().record(n);
      state.replicatedBatch(
          n, ahead.events.get(n - 1).getHlc().getWallMillis(), System.currentTimeMillis());
    }
    for (List<ChangeEvent> b : ahead.batches) {
      countSkipped(b);
    }
    state.skippedSuperseded(ahead.superseded);
    log.info(
        "{}: {} answers again; handed over the {} events read ahead ({} batches) in {} ms",
        config.id(),
        target.region(),
        n,
        ahead.batches.size(),
        (System.nanoTime() - t) / 1_000_000);
    ahead.clear();
    state.aheadEvents(0);
    return true;
  }

  /**
   * Batches read ahead of the target while its nodes did not answer: their blobs are in the
   * target's bucket, their events wait to be handed over, their offsets are not committed.
   */
  private static final class Ahead {
    final List<ChangeEvent> events = new ArrayList<>();

    /** The blobs of these events this owner wrote into the target's bucket itself, by digest. */
    final Map<String, RegionClient.BucketWrite> written = new ConcurrentHashMap<>();

    final List<List<ChangeEvent>> batches = new ArrayList<>();
    int superseded;
    long oldestWallMillis;

    boolean active() {
      return !batches.isEmpty();
    }

    void add(List<ChangeEvent> batch, List<ChangeEvent> carry, int superseded) {
      if (batches.isEmpty()) {
        oldestWallMillis = batch.get(0).getHlc().getWallMillis();
      }
      batches.add(batch);
      events.addAll(carry);
      this.superseded += superseded;
    }

    void clear() {
      events.clear();
      written.clear();
      batches.clear();
      superseded = 0;
      oldestWallMillis = 0;
    }
  }

  /**
   * Failures that retrying the same batch does not cure: a blob no node of the source holds, a
   * target that still lacks blobs after they were copied, or that refuses the request as invalid.
   * Unavailable regions are not among them: they are waited for, however long.
   */
  static boolean poison(RuntimeException e) {
    return e instanceof RegionException.NoSuchBlob
        || e instanceof RegionException.MissingBlobs
        || e instanceof RegionException.Rejected;
  }

  /**
   * The poison policy's last step for a batch that failed {@code maxAttempts} times: each event on
   * its own (copy its missing blobs, hand it over), in order. An event that fails with a {@link
   * #poison} failure is recorded in the dead-letter list and skipped; other failures (an
   * unavailable region) propagate and the batch is retried, skipping the events already given up on
   * (events already handed over are skipped by the target).
   */
  private void carryOneByOne(
      Fence fence,
      LeaderElection.Term term,
      List<ChangeEvent> carry,
      ExecutorService copiers,
      Set<String> givenUp)
      throws InterruptedException {
    for (ChangeEvent e : carry) {
      String id = ChangeEvents.describe(e);
      if (givenUp.contains(id)) {
        continue;
      }
      try {
        copyMissing(fence, term, List.of(e), copiers, null);
        target.republish(fence, List.of(e));
      } catch (RegionException.StaleFence x) {
        throw x;
      } catch (RegionException x) {
        if (!poison(x)) {
          throw x;
        }
        givenUp.add(id);
        state.deadLettered(e, x.getMessage());
        log.error(
            "{}: gave up on event {} after {} attempts, dead-lettered: {}",
            config.id(),
            id,
            config.maxAttempts(),
            x.getMessage());
      }
    }
  }

  /**
   * An interrupt while the term still holds did not come from the ownership (which ends the term
   * before it interrupts): it is a leftover of a client library that caught an interrupt and set
   * the flag again. The term's validity decides, so the flag is cleared and the batch retried;
   * ending the term here would make the owner give up and retake the link in a loop without ever
   * getting past the first batch.
   */
  private void strayInterrupt(Fence fence, String stage) {
    state.strayInterrupt();
    log.warn(
        "{}: an interrupt arrived in {} while term {} still holds; cleared, retrying",
        config.id(),
        stage,
        fence.epoch());
  }

  private List<ChangeEvent> select(List<ChangeEvent> batch) {
    List<ChangeEvent> carry = new ArrayList<>();
    for (ChangeEvent e : batch) {
      if (filter.decide(e) == LinkFilter.Decision.CARRY) {
        carry.add(e);
      }
    }
    return carry;
  }

  private void countSkipped(List<ChangeEvent> batch) {
    int echo = 0;
    int filtered = 0;
    for (ChangeEvent e : batch) {
      switch (filter.decide(e)) {
        case ECHO -> echo++;
        case FILTERED -> filtered++;
        default -> {}
      }
    }
    state.skippedEcho(echo);
    state.skippedFiltered(filtered);
  }

  /**
   * Copies the blobs {@code carry} names that the target lacks: into its nodes, or, given {@code
   * intoBucket}, straight into its bucket, recording there each blob this call wrote (not those the
   * bucket already held).
   */
  private void copyMissing(
      Fence fence,
      LeaderElection.Term term,
      List<ChangeEvent> carry,
      ExecutorService copiers,
      Map<String, RegionClient.BucketWrite> intoBucket)
      throws InterruptedException {
    Set<String> needed = new LinkedHashSet<>();
    for (ChangeEvent e : carry) {
      needed.addAll(ChangeEvents.requiredBlobs(e));
    }
    long t = System.nanoTime();
    List<String> missing = intoBucket != null ? bucket.missing(needed) : target.missing(needed);
    state.stage("find").record(System.nanoTime() - t, TimeUnit.NANOSECONDS);
    if (missing.isEmpty()) {
      return;
    }
    BlobCopier copier =
        intoBucket != null
            ? new BlobCopier(
                source,
                (f, digest, size, content) -> {
                  boolean had = bucket.writeBlob(digest, size, content);
                  if (!had) {
                    intoBucket.put(
                        digest,
                        new RegionClient.BucketWrite(digest, size, System.currentTimeMillis()));
                  }
                  return had;
                },
                bandwidth,
                listener(),
                UNAVAILABLE_COPY_ATTEMPTS)
            : new BlobCopier(
                source,
                target::writeBlob,
                bandwidth,
                listener(),
                bucket == null ? Integer.MAX_VALUE : UNAVAILABLE_COPY_ATTEMPTS);
    long copying = System.nanoTime();
    try {
      copyAll(fence, term, missing, copiers, copier);
    } finally {
      state.stage("copy").record(System.nanoTime() - copying, TimeUnit.NANOSECONDS);
    }
  }

  private void copyAll(
      Fence fence,
      LeaderElection.Term term,
      List<String> missing,
      ExecutorService copiers,
      BlobCopier copier)
      throws InterruptedException {
    List<Future<?>> running = new ArrayList<>();
    for (String d : missing) {
      running.add(
          copiers.submit(
              () -> {
                copier.copy(fence, d, term::valid);
                return null;
              }));
    }
    try {
      for (Future<?> f : running) {
        f.get();
      }
    } catch (ExecutionException e) {
      for (Future<?> f : running) {
        f.cancel(true);
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      if (e.getCause() instanceof InterruptedException ie) {
        throw ie;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      for (Future<?> f : running) {
        f.cancel(true);
      }
      throw e;
    }
  }

  private BlobCopier.Listener listener() {
    return new BlobCopier.Listener() {
      @Override
      public void sent(String digest, long bytes) {
        state.copySent(digest, bytes);
      }

      @Override
      public void started(String digest, long size) {
        state.copyStarted(digest, size);
      }

      @Override
      public void finished(String digest, long size, boolean copied) {
        state.copyFinished(digest, copied);
      }

      @Override
      public void failed(String digest, RuntimeException cause) {
        state.failed("copy", cause);
      }
    };
  }
}
