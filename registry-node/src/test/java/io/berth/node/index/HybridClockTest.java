package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Hlc;
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
}
