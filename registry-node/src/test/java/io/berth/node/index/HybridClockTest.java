package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Hlc;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HybridClockTest {
  @Test
  void monotonicEvenWhenThePhysicalClockGoesBack() {
    AtomicLong pt = new AtomicLong(1000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc a = c.now();
    pt.set(900);
    Hlc b = c.now();
    Hlc d = c.now();
    pt.set(2000);
    Hlc e = c.now();
    assertThat(b).isGreaterThan(a);
    assertThat(d).isGreaterThan(b);
    assertThat(e).isEqualTo(new Hlc(2000, 0));
  }

  @Test
  void survivesRestartFromThePersistedReading() {
    HybridClock c = new HybridClock(() -> 500, new Hlc(10_000, 7), 60_000);
    assertThat(c.now()).isEqualTo(new Hlc(10_000, 8));
  }

  @Test
  void observingARemoteReadingOrdersLaterEventsAfterIt() {
    AtomicLong pt = new AtomicLong(1000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc remote = new Hlc(5000, 3);
    Hlc merged = c.observe(remote);
    assertThat(merged).isGreaterThan(remote);
    assertThat(c.now()).isGreaterThan(merged);
    assertThat(c.skewedObservations()).isZero();
    c.observe(new Hlc(1_000_000, 0));
    assertThat(c.skewedObservations()).as("a reading far in the future is counted").isEqualTo(1);
    assertThat(c.now().wallMillis()).isEqualTo(1_000_000);
  }

  @Test
  void everyReadingIsAfterTheLastWhateverThePhysicalClockAndRemotesDo() {
    Random rnd = new Random(42);
    AtomicLong pt = new AtomicLong(1_000_000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc last = Hlc.ZERO;
    for (int i = 0; i < 10_000; i++) {
      pt.addAndGet(rnd.nextInt(21) - 10); // jitters back and forth
      Hlc next =
          rnd.nextInt(4) == 0
              ? c.observe(new Hlc(pt.get() + rnd.nextInt(2001) - 1000, rnd.nextInt(5)))
              : c.now();
      assertThat(next).isGreaterThan(last);
      last = next;
    }
  }

  @Test
  void aRemoteReadingWithinTheSkewBoundIsMergedSilently() {
    AtomicLong pt = new AtomicLong(10_000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc merged = c.observe(new Hlc(10_000 + 59_000, 4));
    assertThat(merged).isEqualTo(new Hlc(69_000, 5));
    assertThat(c.skewedObservations()).isZero();
    assertThat(c.now()).isEqualTo(new Hlc(69_000, 6));
    pt.set(70_000);
    assertThat(c.now()).as("the physical clock takes over again").isEqualTo(new Hlc(70_000, 0));
  }

  @Test
  void aRemoteReadingBehindDoesNotMoveTheClockBack() {
    AtomicLong pt = new AtomicLong(50_000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc a = c.now();
    Hlc merged = c.observe(new Hlc(1_000, 99));
    assertThat(merged).isEqualTo(new Hlc(50_000, 1)).isGreaterThan(a);
    assertThat(c.skewedObservations()).isZero();
  }

  @Test
  void aRemoteClockFarAheadIsStillFollowedSoOrderingHoldsAndItIsCountedEachTime() {
    AtomicLong pt = new AtomicLong(1_000);
    HybridClock c = new HybridClock(pt::get, Hlc.ZERO, 60_000);
    Hlc ahead = new Hlc(1_000 + 3_600_000, 0); // an hour ahead
    Hlc merged = c.observe(ahead);
    assertThat(merged).isGreaterThan(ahead);
    Hlc local = c.now();
    assertThat(local)
        .as("a local write after seeing the remote one must win over it (LWW)")
        .isGreaterThan(ahead);
    assertThat(local.wallMillis()).isEqualTo(ahead.wallMillis());
    c.observe(new Hlc(ahead.wallMillis() + 1, 0));
    assertThat(c.skewedObservations()).isEqualTo(2);
    pt.set(ahead.wallMillis() + 10);
    assertThat(c.now())
        .as("once real time passes it, the clock is physical again")
        .isEqualTo(new Hlc(ahead.wallMillis() + 10, 0));
    assertThat(c.skewedObservations()).isEqualTo(2);
  }
}
