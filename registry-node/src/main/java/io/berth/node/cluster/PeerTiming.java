package io.berth.node.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Times one plain-HTTP GET on a fresh connection (TCP connect, first byte, last byte), reading and
 * discarding the body. The coordinator's {@code berth probe} has its own copy: the modules do not
 * depend on each other.
 */
final class PeerTiming {
  record Result(boolean ok, long connectMicros, long ttfbMicros, long totalMicros, long bytes) {}

  private PeerTiming() {}

  static Result get(URI url, int timeoutMs) {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      int port = url.getPort() > 0 ? url.getPort() : 80;
      s.connect(new InetSocketAddress(url.getHost(), port), timeoutMs);
      long connected = System.nanoTime();
      s.setSoTimeout(timeoutMs);
      s.setTcpNoDelay(true);
      String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + url.getHost()
                  + ":"
                  + port
                  + "\r\nUser-Agent: berth-node-probe\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[16 * 1024];
      int n = in.read(buf);
      long first = System.nanoTime();
      if (n < 12) {
        return new Result(false, 0, 0, 0, 0);
      }
      String status = new String(buf, 0, 12, StandardCharsets.ISO_8859_1);
      boolean ok = status.startsWith("HTTP/1.") && status.charAt(9) == '2';
      long bytes = n;
      while ((n = in.read(buf)) >= 0) {
        bytes += n;
      }
      long end = System.nanoTime();
      return new Result(
          ok, (connected - start) / 1000, (first - start) / 1000, (end - start) / 1000, bytes);
    } catch (IOException | RuntimeException e) {
      return new Result(false, 0, 0, (System.nanoTime() - start) / 1000, 0);
    }
  }
}
