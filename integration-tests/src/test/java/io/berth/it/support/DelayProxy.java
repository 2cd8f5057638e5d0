package io.berth.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy that adds latency: every chunk from the server to the client waits {@link
 * #delayMillis} before it is forwarded, so the time to first byte through the proxy grows by that
 * much. The delay can change while connections come and go.
 */
public final class DelayProxy implements AutoCloseable {
  private final ServerSocket server;
  private volatile InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private volatile long delayMillis;
  private volatile boolean closed;

  /** Listens on {@code host} (a free port); connections are closed until {@link #target} is set. */
  public DelayProxy(String host) throws IOException {
    this.server = new ServerSocket(0, 128, InetAddress.getByName(host));
    Thread t = new Thread(this::accept, "delay-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  /** Where to forward from now on. */
  public void target(String host, int port) {
    this.target = new InetSocketAddress(host, port);
  }

  public void delayMillis(long millis) {
    this.delayMillis = millis;
  }

  public int port() {
    return server.getLocalPort();
  }

  public String url() {
    return "http://" + server.getInetAddress().getHostAddress() + ":" + port();
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = server.accept();
        InetSocketAddress to = target;
        if (to == null) {
          client.close();
          continue;
        }
        Socket upstream = new Socket();
        try {
          upstream.connect(to, 5_000);
        } catch (IOException e) {
          client.close();
          upstream.close();
          continue;
        }
        sockets.add(client);
        sockets.add(upstream);
        pipe(client, upstream, false);
        pipe(upstream, client, true);
      } catch (IOException e) {
        if (closed) {
          return;
        }
      }
    }
  }

  private void pipe(Socket from, Socket to, boolean delayed) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[16 * 1024];
              try (InputStream in = from.getInputStream();
                  OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  long d = delayMillis;
                  if (delayed && d > 0) {
                    Thread.sleep(d);
                  }
                  out.write(buf, 0, n);
                  out.flush();
                }
              } catch (IOException | InterruptedException e) {
                // connection over
              } finally {
                close(from);
                close(to);
              }
            },
            "delay-proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  private void close(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException e) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    sockets.forEach(this::close);
  }
}
