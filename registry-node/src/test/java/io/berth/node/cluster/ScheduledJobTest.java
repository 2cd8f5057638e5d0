package io.berth.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class ScheduledJobTest {
  private static final JobOwner ALWAYS =
      new JobOwner() {
        @Override
        public <T> Optional<T> runAsOwner(Duration wait, Function<BooleanSupplier, T> work) {
          return Optional.ofNullable(work.apply(() -> true));
        }

        @Override
        public String describe() {
          return "test";
        }

        @Override
        public void close() {}
      };

  @Test
  void closeWaitsForARunInProgressToEnd() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicBoolean finished = new AtomicBoolean();
    ScheduledJob job =
        new ScheduledJob(
                "test",
                ALWAYS,
                Duration.ZERO,
                Duration.ofHours(1),
                stillOwner -> {
                  started.countDown();
                  // a run that does not react to interrupts at once (like a mark phase in RocksDB)
                  long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                  while (System.nanoTime() < end) {
                    try {
                      Thread.sleep(50);
                    } catch (InterruptedException e) {
                      // keeps going until its step is done
                    }
                  }
                  finished.set(true);
                })
            .start();
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    job.close();
    assertThat(finished).as("the run ended before close returned").isTrue();
    assertThat(job.state()).isEqualTo(ScheduledJob.State.CLOSED);
  }
}
