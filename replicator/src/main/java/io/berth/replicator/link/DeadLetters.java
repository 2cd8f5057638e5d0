package io.berth.replicator.link;

import io.berth.common.ChangeEvents;
import io.berth.proto.events.v1.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The events a link gave up on (its poison policy): each entry names the event (origin, sequence,
 * key, change), why it could not be replicated and when. Keeps the newest {@code keep} entries and
 * the total count, in memory and, with a {@link Journal}, durably (restored when this instance
 * becomes the link's owner); thread-safe. A journal that fails is logged, never fails the link.
 */
public final class DeadLetters {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DeadLetters.class);

  /** Durable storage of the list, shared by the instances of a link. */
  public interface Journal {
    /** Stores an entry (and may drop the oldest beyond the kept number). */
    void append(Entry e) throws Exception;

    /** The total count and the newest entries, oldest first. */
    Loaded load() throws Exception;
  }

  /** What a journal holds. */
  public record Loaded(long count, List<Entry> entries) {}

  /** One dead-lettered event. */
  public record Entry(
      String event,
      String originRegion,
      String originNode,
      long seq,
      String key,
      String change,
      String reason,
      long atUnixMillis) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("event", event);
      m.put("originRegion", originRegion);
      m.put("originNode", originNode);
      m.put("seq", seq);
      m.put("key", key);
      m.put("change", change);
      m.put("reason", reason);
      m.put("at", atUnixMillis);
      return m;
    }
  }

  private final int keep;
  private final Journal journal;
  private final Deque<Entry> newest = new ArrayDeque<>();
  private long count;

  public DeadLetters(int keep) {
    this(keep, null);
  }

  /**
   * @param journal durable storage, or null (in memory only)
   */
  public DeadLetters(int keep, Journal journal) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be >= 1");
    }
    this.keep = keep;
    this.journal = journal;
  }

  /** Replaces the in-memory list by the journal's (when this instance takes the link over). */
  public void restore() {
    if (journal == null) {
      return;
    }
    Loaded l;
    try {
      l = journal.load();
    } catch (Exception e) {
      log.warn("cannot read the dead-letter list: {}", e.toString());
      return;
    }
    synchronized (this) {
      newest.clear();
      List<Entry> entries = l.entries();
      newest.addAll(entries.subList(Math.max(0, entries.size() - keep), entries.size()));
      count = Math.max(count, l.count());
    }
  }

  /** Records that {@code e} was given up on because of {@code reason} (and journals it). */
  public Entry add(ChangeEvent e, String reason, long nowMillis) {
    Entry entry = remember(e, reason, nowMillis);
    if (journal != null) {
      try {
        journal.append(entry);
      } catch (Exception x) {
        log.warn("cannot store dead-letter entry {} durably: {}", entry.event(), x.toString());
      }
    }
    return entry;
  }

  private synchronized Entry remember(ChangeEvent e, String reason, long nowMillis) {
    Entry entry =
        new Entry(
            ChangeEvents.describe(e),
            e.getOriginRegion(),
            e.getOriginNode(),
            e.getSeq(),
            e.getKey(),
            e.getChangeCase().name(),
            reason,
            nowMillis);
    newest.addLast(entry);
    while (newest.size() > keep) {
      newest.removeFirst();
    }
    count++;
    return entry;
  }

  /** How many events were dead-lettered since start. */
  public synchronized long count() {
    return count;
  }

  /** The newest entries, oldest first. */
  public synchronized List<Entry> entries() {
    return new ArrayList<>(newest);
  }

  /** A JSON-ready view: {@code count} and {@code last} (newest last). */
  public synchronized Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", count);
    List<Map<String, Object>> last = new ArrayList<>();
    newest.forEach(en -> last.add(en.toMap()));
    m.put("last", last);
    return m;
  }
}
