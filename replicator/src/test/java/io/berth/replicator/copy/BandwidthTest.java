package io.berth.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BandwidthTest {
  /** A clock that advances only when the limiter sleeps. */
  static final class FakeClock implements Bandwidth.Clock {
    long now;
    long slept;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepNanos(long nanos) {
      now += nanos;
      slept += nanos;
    }
  }

  @Test
  void sendingTenSecondsWorthTakesAboutNineSecondsAfterTheOneSecondBurst() throws Exception {
    FakeClock c = new FakeClock();
    Bandwidth b = new Bandwidth(1_000_000, c);
    for (int i = 0; i < 100; i++) {
      b.acquire(100_000);
    }
    assertThat(c.slept / 1e9).isBetween(8.9, 9.1);
  }

  @Test
  void idleTimeRefillsAtMostOneSecond() throws Exception {
    FakeClock c = new FakeClock();
    Bandwidth b = new Bandwidth(1_000, c);
    c.now += 60_000_000_000L;
    b.acquire(1_000);
    assertThat(c.slept).isZero();
    b.acquire(1_000);
    assertThat(c.slept / 1e9).isBetween(0.99, 1.01);
  }

  @Test
  void zeroMeansUnlimited() throws Exception {
    FakeClock c = new FakeClock();
    Bandwidth b = new Bandwidth(0, c);
    b.acquire(Long.MAX_VALUE / 2);
    assertThat(c.slept).isZero();
  }
}
