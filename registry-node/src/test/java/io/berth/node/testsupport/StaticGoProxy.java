package io.berth.node.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A static GOPROXY file tree served over HTTP on loopback (the reference upstream), recording every
 * request path. Optionally slows responses down so tests can overlap concurrent misses, or answers
 * every request with a fixed status (a "sentinel" that must see no traffic).
 */
public final class StaticGoProxy implements AutoCloseable {
  private final HttpServer server;
  private final Path root;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private volatile long bytesPerSecond = 0;
  private volatile int fixedStatus = 0;
  private volatile long stallAfter = 0;
  private volatile boolean closed;

  public StaticGoProxy(Path root) throws IOException {
    this.root = root;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::serve);
    server.start();
  }

  /** A proxy that answers every request with {@code status} and records it. */
  public static StaticGoProxy sentinel(Path emptyDir, int status) throws IOException {
    StaticGoProxy p = new StaticGoProxy(emptyDir);
    p.fixedStatus = status;
    return p;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public Path root() {
    return root;
  }

  /** Throttles file bodies to about {@code bps} bytes per second (0: no throttle). */
  public void throttle(long bps) {
    this.bytesPerSecond = bps;
  }

  /**
   * File bodies stop after about {@code bytes} bytes (headers and the first bytes sent, then
   * nothing, the connection left open) until {@link #heal} (0: never stall).
   */
  public void stallAfter(long bytes) {
    this.stallAfter = bytes;
  }

  /** Ends stalling: later responses are sent completely. */
  public void heal() {
    this.stallAfter = 0;
  }

  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** How many requests asked for exactly {@code path}. */
  public int count(String path) {
    AtomicInteger c = counts.get(path);
    return c == null ? 0 : c.get();
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    requests.add(path);
    counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    try (ex) {
      if (fixedStatus != 0) {
        byte[] b = ("sentinel saw " + path + "\n").getBytes();
        ex.sendResponseHeaders(fixedStatus, b.length);
        ex.getResponseBody().write(b);
        return;
      }
      Path f = root.resolve(path.substring(1)).normalize();
      if (!f.startsWith(root) || !Files.isRegularFile(f)) {
        byte[] b = "not found\n".getBytes();
        ex.sendResponseHeaders(404, b.length);
        ex.getResponseBody().write(b);
        return;
      }
      long size = Files.size(f);
      ex.sendResponseHeaders(200, size);
      try (OutputStream out = ex.getResponseBody();
          var in = Files.newInputStream(f)) {
        byte[] buf = new byte[16 * 1024];
        int n;
        long sent = 0;
        long stall = stallAfter;
        while ((n = in.read(buf)) > 0) {
          out.write(buf, 0, n);
          sent += n;
          if (stall > 0 && sent >= stall) {
            out.flush();
            while (!closed && stallAfter > 0) {
              Thread.sleep(50);
            }
            return; // the stalled response never completes
          }
          long bps = bytesPerSecond;
          if (bps > 0) {
            out.flush();
            Thread.sleep(Math.max(1, n * 1000L / bps));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    server.stop(0);
  }
}
