package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link ChangePublisher} contract, for every implementation: when {@code publish} returns,
 * every event of the batch is in the log, in order per key; an empty batch publishes nothing; a
 * batch may be published again (a retry after an unknown outcome) and is then in the log again; a
 * log that cannot accept the batch makes {@code publish} throw {@link
 * ChangePublisher.PublishException} with an acknowledged prefix no longer than the batch; {@code
 * close} may be called more than once.
 *
 * <p>Each test works on a fresh log (its own topic or instance).
 */
public abstract class ChangePublisherContract {
  private final List<ChangePublisher> opened = new ArrayList<>();

  /** A publisher on a fresh, empty log; {@link #logged} reads that log. */
  protected abstract ChangePublisher newPublisher() throws Exception;

  /** Every event the log of the last {@link #newPublisher} holds, in log order per key. */
  protected abstract List<ChangeEvent> logged() throws Exception;

  /**
   * A publisher whose log cannot accept events (unreachable, down), or null when the implementation
   * has no such state; {@link #noUnreachableLog} then says why.
   */
  protected abstract ChangePublisher unreachablePublisher() throws Exception;

  /** Why {@link #unreachablePublisher} is null. */
  protected String noUnreachableLog() {
    return "";
  }

  private ChangePublisher open() throws Exception {
    ChangePublisher p = newPublisher();
    opened.add(p);
    return p;
  }

  @AfterEach
  void closeAll() {
    opened.forEach(ChangePublisher::close);
  }

  /** A Go version event of {@code module} (the same record every time for one module). */
  protected static ChangeEvent event(long seq, String module) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion("eu")
        .setOriginNode("origin")
        .setOriginIncarnation("i1")
        .setSeq(seq)
        .setHlc(Hlc.newBuilder().setWallMillis(1_000 + seq))
        .setKey("go:" + module + "@v1.0.0")
        .setGoVersionStored(
            GoVersionStored.newBuilder()
                .setRecord(
                    ModuleVersionRecord.newBuilder()
                        .setModulePath(module)
                        .setVersion("v1.0.0")
                        .setModH1("h1:" + module)))
        .build();
  }

  /** Events {@code from..to} over three keys, in sequence order. */
  protected static List<ChangeEvent> events(long from, long to) {
    List<ChangeEvent> out = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      out.add(event(s, "example.com/m" + (s % 3)));
    }
    return out;
  }

  /** The sequence numbers of each key, in the order given. */
  private static Map<String, List<Long>> perKey(List<ChangeEvent> events) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (ChangeEvent e : events) {
      out.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getSeq());
    }
    return out;
  }

  @Test
  void whenPublishReturnsEveryEventIsInTheLogInOrderPerKey() throws Exception {
    ChangePublisher p = open();
    List<ChangeEvent> first = events(1, 10);
    List<ChangeEvent> second = events(11, 20);
    p.publish(first);
    p.publish(second);
    List<ChangeEvent> all = new ArrayList<>(first);
    all.addAll(second);
    List<ChangeEvent> log = logged();
    assertThat(log).containsExactlyInAnyOrderElementsOf(all);
    assertThat(perKey(log)).isEqualTo(perKey(all));
  }

  @Test
  void anEmptyBatchPublishesNothing() throws Exception {
    ChangePublisher p = open();
    p.publish(List.of());
    assertThat(logged()).isEmpty();
  }

  @Test
  void aBatchPublishedAgainIsInTheLogAgain() throws Exception {
    ChangePublisher p = open();
    List<ChangeEvent> batch = events(1, 6);
    p.publish(batch);
    p.publish(batch);
    List<ChangeEvent> twice = new ArrayList<>(batch);
    twice.addAll(batch);
    assertThat(perKey(logged())).isEqualTo(perKey(twice));
  }

  @Test
  void aLogThatCannotAcceptTheBatchMakesPublishThrow() throws Exception {
    ChangePublisher p = unreachablePublisher();
    assumeTrue(p != null, () -> "no unreachable log to test: " + noUnreachableLog());
    opened.add(p);
    List<ChangeEvent> batch = events(1, 2);
    assertThatThrownBy(() -> p.publish(batch))
        .isInstanceOfSatisfying(
            ChangePublisher.PublishException.class,
            e -> assertThat(e.acknowledged()).isBetween(0, batch.size()));
  }

  @Test
  void closeMayBeCalledAgain() throws Exception {
    ChangePublisher p = open();
    p.publish(events(1, 3));
    p.close();
    p.close();
    assertThat(perKey(logged())).isEqualTo(perKey(events(1, 3)));
  }
}
