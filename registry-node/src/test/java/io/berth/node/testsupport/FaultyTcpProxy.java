package io.berth.node.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of an HTTP server (S3Proxy) that can inject faults per connection:
 * pass through, answer {@code 503 ServiceUnavailable} (S3's XML error) to the next N requests or to
 * all, or stall before forwarding (a slow server). Each connection is handled as one request when a
 * fault applies ({@code Connection: close}); otherwise bytes are piped both ways.
 */
public final class FaultyTcpProxy implements AutoCloseable {
  /** What the proxy does with new connections. */
  public enum Mode {
    PASS,
    FAIL_503,
    STALL
  }

  private final ServerSocket server;
  private final int targetPort;
  private volatile Mode mode = Mode.PASS;
  private final AtomicInteger failNext = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger faults = new AtomicInteger();
  private final Thread acceptor;
  private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public FaultyTcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    this.acceptor = new Thread(this::acceptLoop, "faulty-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /**
   * Switches the mode for new connections and drops the open ones, so that clients with pooled
   * keep-alive connections reconnect and meet the new mode.
   */
  public void mode(Mode m) {
    this.mode = m;
    dropOpenConnections();
  }

  /** Answers 503 to the next {@code n} connections, then passes again (drops open ones). */
  public void failNext(int n) {
    failNext.set(n);
    dropOpenConnections();
  }

  private void dropOpenConnections() {
    for (Socket s : open) {
      try {
        s.close();
      } catch (IOException e) {
        // already closed
      }
    }
    open.clear();
  }

  /** Connections accepted so far (each faulted connection carries one request). */
  public int connections() {
    return requests.get();
  }

  /** Requests answered with a fault so far. */
  public int faults() {
    return faults.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        requests.incrementAndGet();
        Thread t = new Thread(() -> handle(client), "faulty-proxy-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket client) {
    open.add(client);
    try (client) {
      Mode m = mode;
      if (m == Mode.PASS && failNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
        m = Mode.FAIL_503;
      }
      if (m == Mode.FAIL_503) {
        readHead(client.getInputStream());
        faults.incrementAndGet();
        String body =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>ServiceUnavailable</Code>"
                + "<Message>injected by the test</Message></Error>";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(
            ("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
                    + "Content-Length: "
                    + b.length
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
        return;
      }
      if (m == Mode.STALL) {
        faults.incrementAndGet();
        readHead(client.getInputStream());
        Thread.sleep(60_000);
        return;
      }
      try (Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
        Thread up = pipe(client.getInputStream(), target.getOutputStream(), target);
        pipe(target.getInputStream(), client.getOutputStream(), client).join();
        up.join(1000);
      }
    } catch (IOException | InterruptedException e) {
      // the client or the server went away
    } finally {
      open.remove(client);
    }
  }

  private static void readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int state = 0;
    int b;
    while (state < 4 && (b = in.read()) >= 0) {
      head.write(b);
      state =
          (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
              ? state + 1
              : 0;
    }
  }

  private static Thread pipe(InputStream in, OutputStream out, Socket closeOnEnd) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[64 * 1024];
              try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  out.write(buf, 0, n);
                  out.flush();
                }
                closeOnEnd.shutdownOutput();
              } catch (IOException e) {
                try {
                  closeOnEnd.close();
                } catch (IOException ignored) {
                  // closing anyway
                }
              }
            },
            "faulty-proxy-pipe");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
