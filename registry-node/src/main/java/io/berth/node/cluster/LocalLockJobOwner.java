package io.berth.node.cluster;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Job ownership through an OS file lock ({@code flock}) on a file, for nodes without ZooKeeper: the
 * running node and a {@code berth gc} started by hand on the same data directory never run the job
 * at once. The lock is released when the work ends or the process dies.
 */
public final class LocalLockJobOwner implements JobOwner {
  private final Path lockFile;
  private final ReentrantLock inProcess = new ReentrantLock();

  public LocalLockJobOwner(Path lockFile) {
    this.lockFile = lockFile;
  }

  @Override
  public <T> Optional<T> runAsOwner(Duration wait, Function<BooleanSupplier, T> work)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    if (!inProcess.tryLock(wait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
      return Optional.empty();
    }
    try {
      Files.createDirectories(lockFile.getParent());
      try (FileChannel ch =
          FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        FileLock lock = null;
        while (lock == null) {
          try {
            lock = ch.tryLock();
          } catch (OverlappingFileLockException e) {
            lock = null;
          }
          if (lock == null) {
            if (System.nanoTime() >= deadline) {
              return Optional.empty();
            }
            Thread.sleep(100);
          }
        }
        try {
          FileLock held = lock;
          return Optional.ofNullable(work.apply(() -> held.isValid() && ch.isOpen()));
        } finally {
          lock.release();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    } finally {
      inProcess.unlock();
    }
  }

  @Override
  public String describe() {
    return "the holder of the lock file " + lockFile;
  }

  @Override
  public void close() {}
}
