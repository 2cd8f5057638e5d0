package io.berth.coordinator.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Times one HTTP/1.1 GET on a fresh connection, like {@code curl -w} does: TCP connect, first
 * response byte, last byte. The body is read and discarded (bounded memory). Only the status line
 * and the headers needed to find the end of the body are read; {@code Connection: close} makes the
 * server end the body otherwise.
 */
public final class HttpTiming {

  /**
   * One timed request.
   *
   * @param status the HTTP status, or 0 if none was read
   * @param bodyBytes body bytes received
   * @param error what failed (empty when a response was read)
   */
  public record Result(
      int status,
      long connectMicros,
      long ttfbMicros,
      long totalMicros,
      long bodyBytes,
      String error) {
    /** Whether the request got a 2xx response. */
    public boolean ok() {
      return error.isEmpty() && status >= 200 && status < 300;
    }

    /** Body bytes per second over the time after the first byte (0 if not measurable). */
    public long throughputBytesPerSec() {
      long transfer = totalMicros - ttfbMicros;
      if (bodyBytes <= 0) {
        return 0;
      }
      return transfer <= 0 ? bodyBytes * 1_000_000L : bodyBytes * 1_000_000L / transfer;
    }
  }

  private HttpTiming() {}

  /** GETs {@code url} with {@code timeout} for connect and for each read. Never throws. */
  public static Result get(URI url, Duration timeout) {
    long start = System.nanoTime();
    long connected = 0;
    long first = 0;
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return failed("unsupported URL scheme in " + url);
    }
    String host = url.getHost();
    if (host == null) {
      return failed("no host in " + url);
    }
    int port = url.getPort() > 0 ? url.getPort() : scheme.equals("https") ? 443 : 80;
    String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
    if (url.getRawQuery() != null) {
      path = path + "?" + url.getRawQuery();
    }
    int ms = (int) Math.max(1, timeout.toMillis());
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress(host, port), ms);
      connected = System.nanoTime();
      plain.setSoTimeout(ms);
      plain.setTcpNoDelay(true);
      Socket s = plain;
      if (scheme.equals("https")) {
        SSLSocket tls =
            (SSLSocket)
                ((SSLSocketFactory) SSLSocketFactory.getDefault())
                    .createSocket(plain, host, port, true);
        tls.startHandshake();
        s = tls;
      }
      String hostHeader = url.getPort() > 0 ? host + ":" + port : host;
      String req =
          "GET "
              + path
              + " HTTP/1.1\r\nHost: "
              + hostHeader
              + "\r\nUser-Agent: berth-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n";
      OutputStream out = s.getOutputStream();
      out.write(req.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      int b = in.read();
      first = System.nanoTime();
      if (b < 0) {
        return new Result(0, micros(start, connected), micros(start, first), 0, 0, "no response");
      }
      StringBuilder head = new StringBuilder();
      head.append((char) b);
      while (!head.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0 || head.length() > 64 * 1024) {
          return new Result(
              0, micros(start, connected), micros(start, first), 0, 0, "bad response head");
        }
        head.append((char) c);
      }
      String[] lines = head.toString().split("\r\n");
      int status = parseStatus(lines[0]);
      long length = -1;
      for (String line : lines) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
          try {
            length = Long.parseLong(line.substring(colon + 1).trim());
          } catch (NumberFormatException e) {
            length = -1;
          }
        }
      }
      byte[] buf = new byte[64 * 1024];
      long body = 0;
      while (length < 0 || body < length) {
        int want = length < 0 ? buf.length : (int) Math.min(buf.length, length - body);
        int n = in.read(buf, 0, want);
        if (n < 0) {
          break;
        }
        body += n;
      }
      long end = System.nanoTime();
      String err = status == 0 ? "bad status line" : "";
      if (length >= 0 && body < length) {
        err = "body ended after " + body + " of " + length + " bytes";
      }
      return new Result(
          status, micros(start, connected), micros(start, first), micros(start, end), body, err);
    } catch (IOException | RuntimeException e) {
      long now = System.nanoTime();
      return new Result(
          0,
          connected == 0 ? 0 : micros(start, connected),
          first == 0 ? 0 : micros(start, first),
          micros(start, now),
          0,
          e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
    }
  }

  private static Result failed(String why) {
    return new Result(0, 0, 0, 0, 0, why);
  }

  private static long micros(long start, long t) {
    return Math.max(0, (t - start) / 1_000);
  }

  static int parseStatus(String statusLine) {
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/") || parts[1].length() != 3) {
      return 0;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
