package io.berth.node.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small go.sum checksum database for tests, written from the published descriptions of
 * golang.org/x/mod/sumdb (note, tlog): an Ed25519 key, a Merkle tree of records (RFC 6962 hashing,
 * computed here directly from the records, independently of Berth's code), and the HTTP protocol
 * {@code /latest}, {@code /lookup/<m>@<v>}, {@code /tile/8/<L>/<N>[.p/<W>]} and {@code
 * /tile/8/data/<N>[.p/<W>]}. It records every request path.
 */
public final class TestSumdb implements AutoCloseable {
  private static final int H = 8;

  private final String name;
  private final KeyPair keys;
  private final byte[] keyData;
  private final int keyHash;
  private final List<byte[]> records = new ArrayList<>();
  private final Map<String, Integer> ids = new HashMap<>();
  private final Map<Long, byte[]> memo = new HashMap<>();
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private volatile long delayMillis;
  private HttpServer server;

  public TestSumdb(String name) throws GeneralSecurityException {
    this.name = name;
    this.keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] x509 = keys.getPublic().getEncoded();
    byte[] pub = Arrays.copyOfRange(x509, x509.length - 32, x509.length);
    keyData = new byte[33];
    keyData[0] = 1;
    System.arraycopy(pub, 0, keyData, 1, 32);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update((name + "\n").getBytes(StandardCharsets.UTF_8));
    md.update(keyData);
    keyHash = ByteBuffer.wrap(md.digest()).getInt();
  }

  /** The verifier key, {@code <name>+<hash>+<keydata>}, as GOSUMDB and Berth's config take it. */
  public String verifierKey() {
    return name + "+" + String.format("%08x", keyHash) + "+" + b64(keyData);
  }

  public String name() {
    return name;
  }

  /** Adds the record of {@code path@version} with these hashes (they may be wrong on purpose). */
  public synchronized TestSumdb add(String path, String version, String zipH1, String modH1) {
    String text =
        path
            + " "
            + version
            + " "
            + zipH1
            + "\n"
            + path
            + " "
            + version
            + "/go.mod "
            + modH1
            + "\n";
    ids.put(path + "@" + version, records.size());
    records.add(text.getBytes(StandardCharsets.UTF_8));
    memo.clear();
    return this;
  }

  /** Adds {@code n} records of made-up modules (to fill tiles). */
  public synchronized TestSumdb filler(int n) {
    for (int i = 0; i < n; i++) {
      int k = records.size();
      String h = "h1:" + b64(sha256(("filler" + k).getBytes(StandardCharsets.UTF_8)));
      add("example.org/filler/m" + k, "v1.0." + k, h, h);
    }
    return this;
  }

  public synchronized int size() {
    return records.size();
  }

  /** Starts serving on a free loopback port. */
  public TestSumdb start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::serve);
    server.start();
    return this;
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Delays every answer (to overlap concurrent requests). */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  public List<String> requests() {
    return List.copyOf(requests);
  }

  public int count(String path) {
    AtomicInteger c = counts.get(path);
    return c == null ? 0 : c.get();
  }

  /** The current signed tree head. */
  public synchronized byte[] latest() {
    String text = "go.sum database tree\n" + records.size() + "\n" + b64(treeHash()) + "\n";
    return sign(text);
  }

  private byte[] sign(String text) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(keys.getPrivate());
      byte[] t = text.getBytes(StandardCharsets.UTF_8);
      s.update(t);
      byte[] sig = s.sign();
      byte[] full = ByteBuffer.allocate(4 + sig.length).putInt(keyHash).put(sig).array();
      return (text + "\n\u2014 " + name + " " + b64(full) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 6962 hash of the records [lo, hi). */
  private byte[] mth(long lo, long hi) {
    long n = hi - lo;
    if (n == 1) {
      return leaf(records.get((int) lo));
    }
    long key = lo * 1_000_003L + hi;
    byte[] m = memo.get(key);
    if (m != null) {
      return m;
    }
    long k = Long.highestOneBit(n - 1);
    byte[] left = mth(lo, lo + k);
    byte[] right = mth(lo + k, hi);
    byte[] r = node(left, right);
    memo.put(key, r);
    return r;
  }

  private byte[] treeHash() {
    return records.isEmpty() ? new byte[32] : mth(0, records.size());
  }

  private static byte[] leaf(byte[] data) {
    byte[] b = new byte[data.length + 1];
    System.arraycopy(data, 0, b, 1, data.length);
    return sha256(b);
  }

  private static byte[] node(byte[] l, byte[] r) {
    byte[] b = new byte[65];
    b[0] = 1;
    System.arraycopy(l, 0, b, 1, 32);
    System.arraycopy(r, 0, b, 33, 32);
    return sha256(b);
  }

  private static byte[] record(long id, byte[] text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((id + "\n").getBytes(StandardCharsets.UTF_8));
    out.writeBytes(text);
    out.write('\n');
    return out.toByteArray();
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    requests.add(path);
    counts.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    try (ex) {
      long d = delayMillis;
      if (d > 0) {
        Thread.sleep(d);
      }
      byte[] body;
      synchronized (this) {
        body = answer(path);
      }
      if (body == null) {
        reply(ex, 404, "not found\n".getBytes(StandardCharsets.UTF_8));
      } else {
        reply(ex, 200, body);
      }
    } catch (IllegalArgumentException e) {
      reply(ex, 400, (e.getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  private byte[] answer(String path) {
    if (path.equals("/latest")) {
      return latest();
    }
    if (path.startsWith("/lookup/")) {
      String mv = path.substring("/lookup/".length());
      int at = mv.indexOf('@');
      if (at <= 0) {
        throw new IllegalArgumentException("bad lookup");
      }
      String p = ModulePath.fromEscaped(mv.substring(0, at)).value();
      String v = ModuleVersion.unescapeVersion(mv.substring(at + 1));
      Integer id = ids.get(p + "@" + v);
      if (id == null) {
        return null;
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(record(id, records.get(id)));
      out.writeBytes(latest());
      return out.toByteArray();
    }
    if (path.startsWith("/tile/")) {
      return tile(path.substring(1));
    }
    return null;
  }

  private byte[] tile(String path) {
    String[] f = path.split("/");
    if (f.length < 4 || !f[1].equals(Integer.toString(H))) {
      return null;
    }
    boolean data = f[2].equals("data");
    int level = data ? 0 : Integer.parseInt(f[2]);
    int end = f.length;
    int width = 1 << H;
    if (f[end - 2].endsWith(".p")) {
      width = Integer.parseInt(f[end - 1]);
      f[end - 2] = f[end - 2].substring(0, f[end - 2].length() - 2);
      end--;
    }
    long n = 0;
    for (int i = 3; i < end; i++) {
      n = n * 1000 + Integer.parseInt(f[i].startsWith("x") ? f[i].substring(1) : f[i]);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int j = 0; j < width; j++) {
      long idx = (n << H) + j;
      long lo = idx << (level * H);
      long hi = (idx + 1) << (level * H);
      if (hi > records.size()) {
        return null;
      }
      if (data) {
        out.writeBytes(record(idx, records.get((int) idx)));
      } else {
        out.writeBytes(mth(lo, hi));
      }
    }
    return out.toByteArray();
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
    }
  }
}
