package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LogPositionTest {
  @Test
  void coversAnEndWhenEveryPartitionIsAtOrPastIt() {
    LogPosition end = new LogPosition(Map.of(0, 5L, 1, 0L, 2, 3L));
    assertThat(LogPosition.START.covers(end)).isFalse();
    assertThat(LogPosition.START.behind(end)).isEqualTo(8);
    assertThat(new LogPosition(Map.of(0, 5L, 2, 2L)).behind(end)).isEqualTo(1);
    assertThat(new LogPosition(Map.of(0, 5L, 2, 3L)).covers(end))
        .as("an empty partition needs nothing")
        .isTrue();
    assertThat(new LogPosition(Map.of(0, 9L, 1, 1L, 2, 3L)).covers(end)).isTrue();
    assertThat(LogPosition.START.covers(LogPosition.START)).isTrue();
  }
}
