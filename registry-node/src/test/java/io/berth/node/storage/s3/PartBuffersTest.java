package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.storage.StorageBusyException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The shared upload buffer budget: bounded total, bounded wait, fair to waiting puts. */
class PartBuffersTest {
  private static final int MIB = 1 << 20;

  @Test
  void leasesCountAgainstTheBudgetUntilClosedOnce() throws Exception {
    PartBuffers b = new PartBuffers(16L * MIB, 1000, 8 * MIB);
    PartBuffers.Lease one = b.acquire(8 * MIB);
    assertThat(one.bytes()).hasSize(8 * MIB);
    PartBuffers.Lease two = b.tryAcquire(8 * MIB).orElseThrow();
    assertThat(b.inUseBytes()).isEqualTo(16L * MIB);
    assertThat(b.tryAcquire(1)).as("budget used up").isEmpty();
    one.close();
    one.close();
    assertThat(b.inUseBytes()).as("a second close gives nothing back").isEqualTo(8L * MIB);
    two.close();
    assertThat(b.inUseBytes()).isZero();
    assertThat(b.peakBytes()).isEqualTo(16L * MIB);
  }

  @Test
  void aPutThatFindsTheBudgetUsedUpFailsAsBusyAfterTheBoundedWait() throws Exception {
    PartBuffers b = new PartBuffers(8L * MIB, 300, 8 * MIB);
    try (PartBuffers.Lease held = b.acquire(8 * MIB)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> b.acquire(8 * MIB))
          .isInstanceOf(StorageBusyException.class)
          .hasMessageContaining("storage.s3.maxBufferBytes")
          .satisfies(e -> assertThat(((StorageBusyException) e).retryAfterSeconds()).isPositive());
      assertThat(System.nanoTime() - start)
          .as("it waited before failing")
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
      assertThat(b.waits()).isEqualTo(1);
    }
    assertThat(b.inUseBytes()).isZero();
  }

  @Test
  void aWaitingPutGetsTheBufferAReleaseGivesBackAndIsNotOvertaken() throws Exception {
    PartBuffers b = new PartBuffers(8L * MIB, 60_000, 8 * MIB);
    PartBuffers.Lease held = b.acquire(8 * MIB);
    CompletableFuture<PartBuffers.Lease> waiter =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return b.acquire(8 * MIB);
              } catch (java.io.InterruptedIOException e) {
                throw new IllegalStateException(e);
              }
            });
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> b.waits() == 1);
    held.close();
    // a put that already runs and asks for more without waiting must not take it from the waiter
    Optional<PartBuffers.Lease> barging = b.tryAcquire(8 * MIB);
    PartBuffers.Lease got = waiter.get(30, TimeUnit.SECONDS);
    assertThat(got.bytes()).hasSize(8 * MIB);
    barging.ifPresent(PartBuffers.Lease::close);
    assertThat(barging).as("tryAcquire while a put waits").isEmpty();
    got.close();
    assertThat(b.inUseBytes()).isZero();
  }

  @Test
  void partBuffersAreReusedAndOtherSizesAreNot() throws Exception {
    PartBuffers b = new PartBuffers(16L * MIB, 1000, 8 * MIB);
    PartBuffers.Lease part = b.acquire(8 * MIB);
    byte[] first = part.bytes();
    part.close();
    try (PartBuffers.Lease again = b.acquire(8 * MIB)) {
      assertThat(again.bytes()).as("the pooled part buffer").isSameAs(first);
    }
    PartBuffers.Lease odd = b.acquire(MIB + 1);
    byte[] oddBytes = odd.bytes();
    odd.close();
    try (PartBuffers.Lease other = b.acquire(MIB + 1)) {
      assertThat(other.bytes()).hasSize(MIB + 1).isNotSameAs(oddBytes);
    }
  }
}
