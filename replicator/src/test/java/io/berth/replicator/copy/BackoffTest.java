package io.berth.replicator.copy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesUpToTheCapAndResets() {
    Backoff b = new Backoff(100, 5_000);
    assertThat(b.nextDelayMillis()).isBetween(100L, 120L);
    assertThat(b.nextDelayMillis()).isBetween(200L, 240L);
    for (int i = 0; i < 20; i++) {
      assertThat(b.nextDelayMillis()).isLessThanOrEqualTo(5_000L);
    }
    assertThat(b.nextDelayMillis()).isEqualTo(5_000L);
    b.reset();
    assertThat(b.nextDelayMillis()).isBetween(100L, 120L);
  }
}
