package io.berth.node.upstream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * An upstream response body with a per-read idle deadline: a read that receives no data for {@code
 * idleTimeout} fails with a {@link SocketTimeoutException} instead of blocking forever (the JDK
 * client's request timeout covers only the response headers). A shared watchdog thread closes the
 * inner stream of a read that overran its deadline, which unblocks the read. Reads from one thread
 * at a time.
 */
public final class ReadDeadlineInputStream extends FilterInputStream {
  private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

  private final Duration idleTimeout;
  private final long idleNanos;
  private volatile boolean timedOut;

  public ReadDeadlineInputStream(InputStream in, Duration idleTimeout) {
    super(in);
    this.idleTimeout = idleTimeout;
    this.idleNanos = Math.max(1, idleTimeout.toNanos());
  }

  private static ScheduledThreadPoolExecutor watchdog() {
    ScheduledThreadPoolExecutor e =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "berth-upstream-read-deadline");
              t.setDaemon(true);
              return t;
            });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  private void expire() {
    timedOut = true;
    try {
      in.close();
    } catch (IOException | RuntimeException e) {
      // the read fails with the timeout either way
    }
  }

  private SocketTimeoutException timeout() {
    return new SocketTimeoutException(
        "the upstream sent no data for " + idleTimeout.toSeconds() + " s");
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (timedOut) {
      throw timeout();
    }
    ScheduledFuture<?> deadline = WATCHDOG.schedule(this::expire, idleNanos, TimeUnit.NANOSECONDS);
    try {
      int n = in.read(b, off, len);
      if (timedOut) {
        throw timeout();
      }
      return n;
    } catch (IOException e) {
      if (timedOut) {
        SocketTimeoutException t = timeout();
        t.addSuppressed(e);
        throw t;
      }
      throw e;
    } finally {
      deadline.cancel(false);
    }
  }

  @Override
  public long skip(long n) throws IOException {
    byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
    long left = n;
    while (left > 0) {
      int r = read(buf, 0, (int) Math.min(buf.length, left));
      if (r < 0) {
        break;
      }
      left -= r;
    }
    return n - left;
  }
}
