package io.berth.node.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadDeadlineInputStreamTest {

  /** A body that delivers its first bytes and then blocks until closed (a stalled upstream). */
  static final class StallingStream extends InputStream {
    private final CountDownLatch closed = new CountDownLatch(1);
    private int left = 10;

    @Override
    public int read() throws IOException {
      if (left > 0) {
        left--;
        return 'x';
      }
      try {
        closed.await(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return -1;
    }

    @Override
    public void close() {
      closed.countDown();
    }
  }

  @Test
  void aReadThatGetsNoDataForTheIdleTimeoutFails() throws IOException {
    try (InputStream in =
        new ReadDeadlineInputStream(new StallingStream(), Duration.ofMillis(300))) {
      byte[] first = new byte[10];
      assertThat(in.readNBytes(first, 0, 10)).isEqualTo(10);
      long start = System.nanoTime();
      assertThatThrownBy(in::read)
          .isInstanceOf(SocketTimeoutException.class)
          .hasMessageContaining("no data");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("the read was cut by the deadline, not by the stream's own 5 minutes")
          .isLessThan(Duration.ofMinutes(2));
      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
    }
  }

  @Test
  void aFlowingBodyIsReadCompletely() throws IOException {
    byte[] data = new byte[100_000];
    try (InputStream in =
        new ReadDeadlineInputStream(new ByteArrayInputStream(data), Duration.ofMillis(300))) {
      assertThat(in.readAllBytes()).hasSize(data.length);
    }
  }
}
