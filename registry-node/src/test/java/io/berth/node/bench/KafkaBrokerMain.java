package io.berth.node.bench;

import io.berth.node.testsupport.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Benchmarks: runs the tests' single-node KRaft broker ({@link KafkaBroker}, from the kafka_2.13
 * jar) in {@code args[0]}, writes its bootstrap address to {@code args[1]} and runs until killed
 * (SIGTERM stops the broker too).
 */
public final class KafkaBrokerMain {
  private KafkaBrokerMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: KafkaBrokerMain <data-dir> <bootstrap-file>");
      System.exit(2);
    }
    KafkaBroker broker = KafkaBroker.start(Path.of(args[0]));
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    broker.stop();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  done.countDown();
                }));
    Path out = Path.of(args[1]);
    Files.writeString(out.resolveSibling(out.getFileName() + ".tmp"), broker.bootstrap());
    Files.move(
        out.resolveSibling(out.getFileName() + ".tmp"),
        out,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("kafka at " + broker.bootstrap());
    done.await();
  }
}
