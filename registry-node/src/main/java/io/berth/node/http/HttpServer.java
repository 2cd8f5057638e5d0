package io.berth.node.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's single HTTP listener (Netty). Requests run on a bounded worker pool so handlers may
 * block on storage; responses from local files go out with zero-copy file regions.
 */
public final class HttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final String host;
  private final int port;
  private final HttpHandler root;
  private final ChannelDispatcher.ExchangeObserver observer;
  private final int workerThreads;
  private EventLoopGroup boss;
  private EventLoopGroup io;
  private ExecutorService workers;
  private Channel serverChannel;
  private volatile State state = State.NEW;

  private final long bodyTimeoutMillis;

  /** How long {@link #close} lets requests in progress finish before interrupting them. */
  static final java.time.Duration WORKER_DRAIN = java.time.Duration.ofSeconds(10);

  /** How long {@link #close} then waits for interrupted requests to end. */
  static final java.time.Duration WORKER_INTERRUPTED = java.time.Duration.ofSeconds(5);

  public HttpServer(
      String host,
      int port,
      int workerThreads,
      long bodyTimeoutMillis,
      HttpHandler root,
      HttpObserver observer) {
    this.bodyTimeoutMillis = bodyTimeoutMillis;
    this.host = host;
    this.port = port;
    this.root = root;
    this.workerThreads = workerThreads;
    this.observer = observer::completed;
  }

  /** Observes every completed exchange. */
  @FunctionalInterface
  public interface HttpObserver {
    void completed(Exchange exchange, long nanos);
  }

  public synchronized void start() throws InterruptedException {
    if (state != State.NEW) {
      throw new IllegalStateException("server is " + state);
    }
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelClass =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    boss = new MultiThreadIoEventLoopGroup(1, factory);
    io = new MultiThreadIoEventLoopGroup(0, factory);
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            workerThreads,
            workerThreads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(8192),
            r -> {
              Thread t = new Thread(r, "berth-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    workers = pool;
    ServerBootstrap b =
        new ServerBootstrap()
            .group(boss, io)
            .channel(channelClass)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256 << 10, 1 << 20))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new IdleStateHandler(0, 0, 300))
                        .addLast(new HttpServerCodec(8192, 16384, 64 * 1024))
                        .addLast(new HttpServerExpectContinueHandler())
                        .addLast(new ChannelDispatcher(root, workers, observer, bodyTimeoutMillis));
                  }
                });
    serverChannel = b.bind(new InetSocketAddress(host, port)).sync().channel();
    state = State.RUNNING;
    log.info("listening on {} ({})", serverChannel.localAddress(), epoll ? "epoll" : "nio");
  }

  /** The bound port (useful when configured with port 0). */
  public int port() {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }

  public State state() {
    return state;
  }

  @Override
  public synchronized void close() {
    if (state != State.RUNNING) {
      state = State.CLOSED;
      return;
    }
    state = State.CLOSED;
    serverChannel.close().syncUninterruptibly();
    // requests in progress finish (bounded) before anything they use is closed by the caller
    workers.shutdown();
    if (!awaitWorkers(WORKER_DRAIN)) {
      workers.shutdownNow();
      if (!awaitWorkers(WORKER_INTERRUPTED)) {
        log.warn("HTTP workers are still running after shutdown");
      }
    }
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    io.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private boolean awaitWorkers(java.time.Duration wait) {
    try {
      return workers.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
