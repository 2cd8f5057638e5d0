package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.SumdbObjectRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link SumdbIndex} contract; every implementation's test extends it. */
public abstract class SumdbIndexContract {
  protected SumdbIndex index;

  /** A fresh, empty index. */
  protected abstract SumdbIndex newIndex() throws Exception;

  /**
   * The same index opened again over the same storage (as after a restart of the node); the
   * previous instance is not used afterwards.
   */
  protected abstract SumdbIndex reopen() throws Exception;

  @BeforeEach
  void create() throws Exception {
    index = newIndex();
  }

  private static SumdbObjectRecord tile(int n) {
    return SumdbObjectRecord.newBuilder()
        .setDigest("sha256:" + "0".repeat(63) + n)
        .setSize(8192)
        .setStoredUnixMillis(1_000 + n)
        .build();
  }

  private static CachedUpstreamAnswer answer(long fetched, String content) {
    return CachedUpstreamAnswer.newBuilder()
        .setFetchedUnixMillis(fetched)
        .setUpstream("https://sum.golang.org")
        .setContent(com.google.protobuf.ByteString.copyFromUtf8(content))
        .build();
  }

  @Test
  void anUnknownKeyIsAbsent() {
    assertThat(index.get("sum.golang.org/tile/8/0/000")).isEmpty();
    assertThat(index.cachedAnswer("sum.golang.org/latest")).isEmpty();
    List<SumdbObjectRecord> seen = new ArrayList<>();
    index.forEach(seen::add);
    assertThat(seen).isEmpty();
  }

  @Test
  void aRecordIsStoredUnderItsKey() {
    index.put("sum.golang.org/tile/8/0/000", tile(1));
    index.put("sum.golang.org/tile/8/0/001", tile(2));
    index.put("sum.golang.org/tile/8/1/000", tile(3));
    assertThat(index.get("sum.golang.org/tile/8/0/000")).contains(tile(1));
    assertThat(index.get("sum.golang.org/tile/8/0/001")).contains(tile(2));
    assertThat(index.get("sum.golang.org/tile/8/1/000")).contains(tile(3));
    assertThat(index.get("sum.golang.org/tile/8/0/00")).as("keys are exact").isEmpty();
    assertThat(index.get("other.example.com/tile/8/0/000")).isEmpty();
  }

  @Test
  void forEachVisitsEveryRecordOnce() {
    for (int i = 0; i < 5; i++) {
      index.put("sum.golang.org/tile/8/0/00" + i, tile(i));
    }
    List<SumdbObjectRecord> seen = new ArrayList<>();
    index.forEach(seen::add);
    assertThat(seen).containsExactlyInAnyOrder(tile(0), tile(1), tile(2), tile(3), tile(4));
  }

  @Test
  void aCachedAnswerIsStoredAndReplacedApartFromTheRecords() {
    index.putCachedAnswer("sum.golang.org/latest", answer(1, "go.sum database tree\n1\n"));
    index.putCachedAnswer("sum.golang.org/latest", answer(2, "go.sum database tree\n2\n"));
    index.putCachedAnswer("sum.golang.org/tile/8/0/000.p/5", answer(3, "partial"));
    assertThat(index.cachedAnswer("sum.golang.org/latest"))
        .contains(answer(2, "go.sum database tree\n2\n"));
    assertThat(index.cachedAnswer("sum.golang.org/tile/8/0/000.p/5"))
        .contains(answer(3, "partial"));
    assertThat(index.get("sum.golang.org/latest"))
        .as("a cached answer is not an immutable object")
        .isEmpty();
    List<SumdbObjectRecord> seen = new ArrayList<>();
    index.forEach(seen::add);
    assertThat(seen).isEmpty();
  }

  @Test
  void everyWriteIsDurableWhenItReturns() throws Exception {
    index.put("sum.golang.org/tile/8/0/000", tile(1));
    index.putCachedAnswer("sum.golang.org/latest", answer(5, "tree"));
    index = reopen();
    assertThat(index.get("sum.golang.org/tile/8/0/000")).contains(tile(1));
    assertThat(index.cachedAnswer("sum.golang.org/latest")).contains(answer(5, "tree"));
  }
}
