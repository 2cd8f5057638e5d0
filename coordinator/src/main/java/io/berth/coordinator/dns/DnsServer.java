package io.berth.coordinator.dns;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS listener: UDP (several sockets sharing the port with SO_REUSEPORT, one thread each) and
 * TCP (two-byte length framing, several queries per connection, an idle timeout and a cap on
 * concurrent connections) on the same port. Every packet goes to a {@link DnsResponder}; a failure
 * on one packet or connection never stops the server.
 */
public final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final String host;
  private final int requestedPort;
  private final int udpThreads;
  private final int tcpMaxConnections;
  private final int tcpIdleMillis;
  private final DnsResponder responder;
  private final List<DatagramChannel> udp = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Set<Socket> tcpConnections = ConcurrentHashMap.newKeySet();
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private ServerSocket tcp;
  private Semaphore tcpSlots;
  private volatile State state = State.NEW;
  private int port;

  public DnsServer(
      String host,
      int port,
      int udpThreads,
      int tcpMaxConnections,
      int tcpIdleMillis,
      DnsResponder responder) {
    this.host = host;
    this.requestedPort = port;
    this.udpThreads = Math.max(1, udpThreads);
    this.tcpMaxConnections = Math.max(1, tcpMaxConnections);
    this.tcpIdleMillis = tcpIdleMillis;
    this.responder = responder;
  }

  /**
   * Binds UDP and TCP and starts serving.
   *
   * @throws IOException if the port cannot be bound (message names host and port)
   */
  public synchronized DnsServer start() throws IOException {
    if (state != State.NEW) {
      throw new IllegalStateException("dns server is " + state);
    }
    IOException last = null;
    for (int attempt = 0; attempt < (requestedPort == 0 ? 5 : 1); attempt++) {
      try {
        bind();
        last = null;
        break;
      } catch (IOException e) {
        last = e;
        closeSockets();
      }
    }
    if (last != null) {
      throw new IOException(
          "cannot listen for DNS on " + host + ":" + requestedPort + ": " + last.getMessage(),
          last);
    }
    tcpSlots = new Semaphore(tcpMaxConnections);
    for (int i = 0; i < udp.size(); i++) {
      DatagramChannel ch = udp.get(i);
      threads.add(daemon("berth-dns-udp-" + i, () -> serveUdp(ch)));
    }
    threads.add(daemon("berth-dns-tcp-accept", this::acceptTcp));
    state = State.RUNNING;
    log.info("DNS listening on {}:{} (udp x{}, tcp)", host, port, udp.size());
    return this;
  }

  private void bind() throws IOException {
    InetAddress addr = InetAddress.getByName(host);
    int p = requestedPort;
    for (int i = 0; i < udpThreads; i++) {
      DatagramChannel ch = DatagramChannel.open();
      udp.add(ch);
      if (ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
        ch.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      } else if (i > 0) {
        udp.remove(ch);
        ch.close();
        break;
      }
      ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
      ch.bind(new InetSocketAddress(addr, p));
      p = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(addr, p), 128);
    tcp = s;
    port = p;
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void serveUdp(DatagramChannel ch) {
    ByteBuffer in = ByteBuffer.allocate(65535);
    while (state != State.CLOSED) {
      try {
        in.clear();
        InetSocketAddress from = (InetSocketAddress) ch.receive(in);
        if (from == null) {
          continue;
        }
        queries.incrementAndGet();
        byte[] out = responder.respond(in.array(), in.position(), from.getAddress(), false);
        if (out == null) {
          dropped.incrementAndGet();
          continue;
        }
        ch.send(ByteBuffer.wrap(out), from);
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (state == State.CLOSED) {
          return;
        }
        log.debug("udp packet failed: {}", e.toString());
      }
    }
  }

  private void acceptTcp() {
    while (state != State.CLOSED) {
      Socket s;
      try {
        s = tcp.accept();
      } catch (IOException e) {
        if (state == State.CLOSED) {
          return;
        }
        log.debug("tcp accept failed: {}", e.toString());
        continue;
      }
      if (!tcpSlots.tryAcquire()) {
        closeQuietly(s);
        dropped.incrementAndGet();
        continue;
      }
      tcpConnections.add(s);
      Thread t =
          new Thread(
              () -> {
                try {
                  serveTcp(s);
                } finally {
                  tcpConnections.remove(s);
                  closeQuietly(s);
                  tcpSlots.release();
                }
              },
              "berth-dns-tcp");
      t.setDaemon(true);
      t.start();
    }
  }

  private void serveTcp(Socket s) {
    try {
      s.setSoTimeout(tcpIdleMillis);
      s.setTcpNoDelay(true);
      InputStream raw = s.getInputStream();
      DataInputStream in = new DataInputStream(raw);
      OutputStream out = s.getOutputStream();
      byte[] buf = new byte[65535];
      while (state == State.RUNNING) {
        int len;
        try {
          len = in.readUnsignedShort();
        } catch (EOFException | SocketTimeoutException e) {
          return;
        }
        in.readFully(buf, 0, len);
        queries.incrementAndGet();
        byte[] answer = responder.respond(buf, len, s.getInetAddress(), true);
        if (answer == null) {
          dropped.incrementAndGet();
          return;
        }
        byte[] framed = new byte[answer.length + 2];
        framed[0] = (byte) (answer.length >> 8);
        framed[1] = (byte) answer.length;
        System.arraycopy(answer, 0, framed, 2, answer.length);
        out.write(framed);
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      log.debug("tcp connection from {} ended: {}", s.getInetAddress(), e.toString());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing
    }
  }

  /** The bound port (UDP and TCP). */
  public int port() {
    return port;
  }

  /** Packets and TCP messages received. */
  public long queries() {
    return queries.get();
  }

  /** Packets dropped without an answer. */
  public long dropped() {
    return dropped.get();
  }

  public State state() {
    return state;
  }

  private void closeSockets() {
    udp.forEach(DnsServer::closeQuietly);
    udp.clear();
    if (tcp != null) {
      closeQuietly(tcp);
      tcp = null;
    }
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    closeSockets();
    tcpConnections.forEach(DnsServer::closeQuietly);
    for (Thread t : threads) {
      try {
        t.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
