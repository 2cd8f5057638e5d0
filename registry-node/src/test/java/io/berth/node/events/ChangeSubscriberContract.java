package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.events.v1.TagSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@link ChangeSubscriber} contract, for every implementation: events come in log order per
 * key; {@link ChangeSubscriber#rewind} delivers everything not committed again (an event whose
 * apply failed is never lost, review finding C2); a subscriber opened again for the same consumer
 * resumes right after its last commit; it reports caught-up once it has read what the log held when
 * it started, and {@link ChangeSubscriber#end} is then covered by its position.
 *
 * <p>Each test works on a fresh log (its own topic or instance).
 */
public abstract class ChangeSubscriberContract {

  /** A fresh, empty log; later calls of {@link #append} and {@link #open} use it. */
  protected abstract void newLog() throws Exception;

  /** Appends events to the log in this order (published the way the relay publishes). */
  protected abstract void append(List<ChangeEvent> events) throws Exception;

  /** A subscriber of the log for this test's consumer (the same one every time). */
  protected abstract ChangeSubscriber open() throws Exception;

  static ChangeEvent event(long seq, String key) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion("eu")
        .setOriginNode("a")
        .setOriginIncarnation("ia")
        .setSeq(seq)
        .setHlc(Hlc.newBuilder().setWallMillis(1_000 + seq))
        .setKey(key)
        .setTagSet(
            TagSet.newBuilder()
                .setRepository("team/app")
                .setTag(key.substring(key.lastIndexOf(':') + 1))
                .setDigest("sha256:" + "0".repeat(63) + (seq % 10)))
        .build();
  }

  static List<ChangeEvent> events(long from, long to) {
    List<ChangeEvent> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(event(s, "oci:team/app:t" + (s % 3)));
    }
    return out;
  }

  /** Polls until {@code n} events arrived (or fails after a generous limit). */
  static List<ChangeEvent> pollExactly(ChangeSubscriber sub, int n) {
    List<ChangeEvent> got = new ArrayList<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              got.addAll(sub.poll(Duration.ofMillis(200)));
              return got.size() >= n;
            });
    assertThat(got).hasSize(n);
    return got;
  }

  static List<Long> seqs(List<ChangeEvent> events) {
    return events.stream().map(ChangeEvent::getSeq).sorted().toList();
  }

  static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(s);
    }
    return out;
  }

  @Test
  void eventsArriveInLogOrderPerKey() throws Exception {
    newLog();
    append(events(1, 30));
    try (ChangeSubscriber sub = open()) {
      List<ChangeEvent> got = pollExactly(sub, 30);
      Map<String, List<Long>> perKey = new LinkedHashMap<>();
      for (ChangeEvent e : got) {
        perKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getSeq());
      }
      assertThat(perKey).hasSize(3);
      perKey.values().forEach(s -> assertThat(s).isSorted());
      assertThat(seqs(got)).isEqualTo(range(1, 30));
    }
  }

  @Test
  void rewindDeliversEverythingNotCommittedAgain() throws Exception {
    newLog();
    append(events(1, 5));
    try (ChangeSubscriber sub = open()) {
      pollExactly(sub, 5);
      sub.commit();
      append(events(6, 9));
      assertThat(seqs(pollExactly(sub, 4))).isEqualTo(range(6, 9));
      sub.rewind();
      assertThat(seqs(pollExactly(sub, 4)))
          .as("the events polled after the last commit come again, the committed ones do not")
          .isEqualTo(range(6, 9));
    }
  }

  @Test
  void aSubscriberOpenedAgainResumesAfterTheLastCommit() throws Exception {
    newLog();
    append(events(1, 8));
    try (ChangeSubscriber sub = open()) {
      pollExactly(sub, 8);
      sub.commit();
      append(events(9, 12));
      pollExactly(sub, 4);
      // not committed: a crash here must not lose events 9..12
    }
    try (ChangeSubscriber again = open()) {
      assertThat(seqs(pollExactly(again, 4))).isEqualTo(range(9, 12));
      assertThat(again.poll(Duration.ofMillis(500))).isEmpty();
    }
  }

  @Test
  void caughtUpOnceWhatTheLogHeldAtStartWasRead() throws Exception {
    newLog();
    append(events(1, 6));
    try (ChangeSubscriber sub = open()) {
      assertThat(sub.caughtUp()).isFalse();
      pollExactly(sub, 6);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                sub.poll(Duration.ofMillis(50));
                return sub.caughtUp();
              });
      LogPosition end = sub.end(Duration.ofSeconds(10));
      assertThat(sub.position().covers(end)).isTrue();
      append(events(7, 7));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> !sub.position().covers(sub.end(Duration.ofSeconds(10))));
    }
  }

  @Test
  void everyConcurrentAskerOfTheEndSeesWhatWasAppendedBeforeItAsked() throws Exception {
    newLog();
    append(events(1, 3));
    try (ChangeSubscriber sub = open()) {
      pollExactly(sub, 3);
      sub.commit();
      java.util.concurrent.ExecutorService askers =
          java.util.concurrent.Executors.newFixedThreadPool(16);
      try {
        for (int round = 0; round < 5; round++) {
          append(events(4 + round, 4 + round));
          List<java.util.concurrent.Future<LogPosition>> ends = new ArrayList<>();
          for (int i = 0; i < 16; i++) {
            ends.add(askers.submit(() -> sub.end(Duration.ofSeconds(20))));
          }
          for (java.util.concurrent.Future<LogPosition> f : ends) {
            assertThat(sub.position().covers(f.get()))
                .as("round %d: an end asked after an append lies beyond what was polled", round)
                .isFalse();
          }
          pollExactly(sub, 1);
          assertThat(sub.position().covers(sub.end(Duration.ofSeconds(20)))).isTrue();
        }
      } finally {
        askers.shutdownNow();
      }
    }
  }
}
