// The load driver of bench/replication-lag.sh, run with the JDK's source launcher
// (java bench/ReplicationLag.java ...): pushes OCI image layouts to a node of region A and
// measures, per image, the time from "manifest PUT answered 201" to "manifest and every blob
// readable" on nodes of region B (and of A's second node, the peer). Threads and one HTTP
// client instead of a curl process per poll, so the driver itself does not load the machine.
//
// Usage: java bench/ReplicationLag.java <mode> <option=value>...
//   modes: paced (rate=N pushes/s), burst (concurrency=C), serial, push (paced, no waiting),
//          await (waits until every layout is readable everywhere; prints the elapsed ms),
//          outage (push paced, then run restart=<shell command>, wait for ready=<url,url> to answer
//          /readyz, then await as above, timed from the restart; prints "<all readable ms> <ready
//          ms>"): one JVM that the pushes warmed up measures the catch-up, instead of a new one
//          that would spend the first seconds of the measurement compiling its own HTTP client
//   options: a=<A url> peer=<A2 url, optional> b=<B url[,B url]> repo=<repository>
//            layouts=<file listing "<tag> <layout dir>" lines> out=<file prefix> rate= concurrency=
//   writes <out>.b (lag to B, ms per image, the slowest B node) and <out>.peer (lag to A2)
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public class ReplicationLag {
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .executor(Executors.newCachedThreadPool())
          .build();

  record Layout(String tag, Path dir, String manifest, List<String> blobs) {
    static Layout read(String tag, Path dir) throws IOException {
      Matcher m =
          Pattern.compile("\"digest\":\"(sha256:[0-9a-f]{64})\"")
              .matcher(Files.readString(dir.resolve("index.json")));
      if (!m.find()) {
        throw new IllegalArgumentException("no manifest in " + dir.resolve("index.json"));
      }
      String manifest = m.group(1);
      List<String> blobs = new ArrayList<>();
      try (Stream<Path> files = Files.list(dir.resolve("blobs/sha256"))) {
        files.forEach(f -> blobs.add("sha256:" + f.getFileName()));
      }
      Collections.sort(blobs);
      return new Layout(tag, dir, manifest, blobs);
    }

    Path file(String digest) {
      return dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
    }
  }

  static void push(String url, String repo, Layout l) throws Exception {
    for (String d : l.blobs()) {
      if (d.equals(l.manifest())) {
        continue;
      }
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/blobs/uploads/?digest=" + d))
                  .header("Content-Type", "application/octet-stream")
                  .POST(HttpRequest.BodyPublishers.ofFile(l.file(d)))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() != 201) {
        throw new IllegalStateException("blob " + d + " -> " + r.statusCode());
      }
    }
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url + "/v2/" + repo + "/manifests/" + l.tag()))
                .header("Content-Type", MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofFile(l.file(l.manifest())))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("manifest " + l.tag() + " -> " + r.statusCode() + r.body());
    }
  }

  /**
   * Polls until {@code url} serves the tag as the pushed digest and every blob. The pause between
   * polls grows with the time already waited (2 ms, or 2 % of it when that is more), so the
   * error stays within 2 % while an image that is far behind does not keep a thread polling
   * every 2 ms: with hundreds of images in flight that polling alone saturated a 2-core machine.
   */
  static void awaitReadable(String url, String repo, Layout l) throws Exception {
    awaitReadable(url, repo, l, System.nanoTime());
  }

  /**
   * The same, with the pause grown from {@code start} instead of from the call: the catch-up
   * measurement waits for hundreds of images one after the other from one start (the restart), so
   * its error bound is 2 % of the time since the restart, and an image taken up late does not
   * begin again at a 2 ms poll (16 threads doing that kept the catching-up nodes busy answering
   * misses).
   */
  static void awaitReadable(String url, String repo, Layout l, long start) throws Exception {
    URI base = URI.create(url);
    while (true) {
      try {
        Polled r = Poller.get().call(base, "GET", "/v2/" + repo + "/manifests/" + l.tag());
        if (r.status() == 200 && l.manifest().equals(r.digest())) {
          break;
        }
      } catch (IOException e) {
        // a node that is down or restarting: keep polling
      }
      pause(start);
    }
    for (String d : l.blobs()) {
      while (true) {
        try {
          if (Poller.get().call(base, "HEAD", "/v2/" + repo + "/blobs/" + d).status() == 200) {
            break;
          }
        } catch (IOException e) {
          // keep polling
        }
        pause(start);
      }
    }
  }

  /** A polled answer: its status and its Docker-Content-Digest header ("" if none). */
  record Polled(int status, String digest) {}

  /**
   * The polls' HTTP/1.1 client: one keep-alive connection per node and thread, blocking reads, the
   * body skipped by its Content-Length. The JDK's HttpClient cost the driver about 0.7 ms of CPU
   * per request: 4 800 polls of images already readable took 3 to 5 s of one of the 2 cores, which
   * the measured nodes then lacked. A poll this way costs a few microseconds.
   */
  static final class Poller {
    private static final ThreadLocal<Poller> MINE = ThreadLocal.withInitial(Poller::new);
    private final Map<URI, Conn> sockets = new HashMap<>();

    record Conn(java.net.Socket socket, java.io.InputStream in, java.io.OutputStream out) {}

    static Poller get() {
      return MINE.get();
    }

    Polled call(URI base, String method, String path) throws IOException {
      Conn c = sockets.get(base);
      if (c == null) {
        java.net.Socket s = new java.net.Socket();
        s.connect(new java.net.InetSocketAddress(base.getHost(), base.getPort()), 5_000);
        s.setSoTimeout(10_000);
        s.setTcpNoDelay(true);
        c =
            new Conn(
                s,
                new java.io.BufferedInputStream(s.getInputStream(), 16 * 1024),
                s.getOutputStream());
        sockets.put(base, c);
      }
      try {
        return exchange(c, base, method, path);
      } catch (IOException e) {
        sockets.remove(base);
        c.socket().close();
        throw e;
      }
    }

    private static Polled exchange(Conn c, URI base, String method, String path)
        throws IOException {
      String req =
          method + " " + path + " HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort()
              + "\r\nAccept: " + MANIFEST + "\r\n\r\n";
      c.out().write(req.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      java.io.InputStream in = c.in();
      String status = line(in);
      if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
        throw new IOException("bad status line: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long length = 0;
      String digest = "";
      boolean close = false;
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("Content-Length")) {
          length = Long.parseLong(value);
        } else if (name.equalsIgnoreCase("Docker-Content-Digest")) {
          digest = value;
        } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
          close = true;
        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
          close = true; // not expected from a node; read no further on this connection
        }
      }
      if (!method.equals("HEAD") && !close) {
        in.skipNBytes(length);
      }
      if (close) {
        throw new IOException("connection closed by the server after " + code);
      }
      return new Polled(code, digest);
    }

    private static String line(java.io.InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("connection closed");
        }
        if (c == '\n') {
          int n = b.length();
          return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
        }
        b.append((char) c);
      }
    }
  }

  /** Awaits every layout on every node of {@code bs}, 16 at a time, polls paced from {@code t0}. */
  static void awaitAll(List<String> bs, String repo, List<Layout> layouts, long t0)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> all = new ArrayList<>();
    for (Layout l : layouts) {
      for (String b : bs) {
        all.add(
            pool.submit(
                () -> {
                  awaitReadable(b, repo, l, t0);
                  return null;
                }));
      }
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
  }

  /** Polls {@code url}/readyz every 100 ms until it answers 200. */
  static void awaitReady(String url) throws InterruptedException {
    while (true) {
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(url + "/readyz"))
                    .timeout(Duration.ofSeconds(2))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
  }

  static void pause(long startNanos) throws InterruptedException {
    long waitedMs = (System.nanoTime() - startNanos) / 1_000_000;
    Thread.sleep(Math.max(2, waitedMs / 50));
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Map<String, String> o = new HashMap<>();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      o.put(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    String a = o.get("a");
    String peer = o.getOrDefault("peer", "");
    List<String> bs = List.of(o.get("b").split(","));
    String repo = o.get("repo");
    List<Layout> layouts = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(o.get("layouts")))) {
      if (!line.isBlank()) {
        String[] p = line.trim().split(" ", 2);
        layouts.add(Layout.read(p[0], Path.of(p[1])));
      }
    }
    String out = o.getOrDefault("out", "lag");
    List<Double> toB = Collections.synchronizedList(new ArrayList<>());
    List<Double> toPeer = Collections.synchronizedList(new ArrayList<>());

    if (mode.equals("await")) {
      long t0 = System.nanoTime();
      awaitAll(bs, repo, layouts, t0);
      System.out.println((System.nanoTime() - t0) / 1_000_000);
      System.exit(0);
    }
    if (mode.equals("outage")) {
      double outageRate = Double.parseDouble(o.getOrDefault("rate", "10"));
      long pushStart = System.nanoTime();
      for (int i = 0; i < layouts.size(); i++) {
        long sleep = pushStart + (long) (i * 1e9 / outageRate) - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
        push(a, repo, layouts.get(i));
      }
      long t0 = System.nanoTime();
      Process restart = new ProcessBuilder("bash", "-c", o.get("restart")).inheritIO().start();
      if (restart.waitFor() != 0) {
        throw new IllegalStateException("restart command failed: " + o.get("restart"));
      }
      for (String r : o.getOrDefault("ready", o.get("b")).split(",")) {
        awaitReady(r);
      }
      long ready = System.nanoTime() - t0;
      awaitAll(bs, repo, layouts, t0);
      System.out.println((System.nanoTime() - t0) / 1_000_000 + " " + ready / 1_000_000);
      System.exit(0);
    }

    ExecutorService pool =
        mode.equals("burst")
            ? Executors.newFixedThreadPool(Integer.parseInt(o.getOrDefault("concurrency", "16")))
            : Executors.newCachedThreadPool();
    double rate = Double.parseDouble(o.getOrDefault("rate", "10"));
    boolean wait = !mode.equals("push");
    long start = System.nanoTime();
    List<Future<?>> all = new ArrayList<>();
    for (int i = 0; i < layouts.size(); i++) {
      Layout l = layouts.get(i);
      if (mode.equals("paced") || mode.equals("push")) {
        long due = start + (long) (i * 1e9 / rate);
        long sleep = due - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
      Future<?> f =
          pool.submit(
              () -> {
                push(a, repo, l);
                if (!wait) {
                  return null;
                }
                long t0 = System.nanoTime();
                Future<?> p = null;
                if (!peer.isEmpty() && !mode.equals("burst")) {
                  p =
                      pool.submit(
                          () -> {
                            awaitReadable(peer, repo, l);
                            toPeer.add((System.nanoTime() - t0) / 1e6);
                            return null;
                          });
                }
                for (String b : bs) {
                  awaitReadable(b, repo, l);
                }
                toB.add((System.nanoTime() - t0) / 1e6);
                if (p != null) {
                  p.get();
                }
                return null;
              });
      all.add(f);
      if (mode.equals("serial")) {
        f.get();
      }
    }
    for (Future<?> f : all) {
      f.get();
    }
    pool.shutdown();
    pool.awaitTermination(10, TimeUnit.MINUTES);
    write(Path.of(out + ".b"), toB);
    write(Path.of(out + ".peer"), toPeer);
    System.exit(0);
  }

  static void write(Path file, List<Double> values) {
    StringBuilder s = new StringBuilder();
    synchronized (values) {
      for (double v : values) {
        s.append(String.format("%.1f%n", v));
      }
    }
    try {
      Files.writeString(file, s.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
