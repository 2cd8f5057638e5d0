package io.berth.node.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-connection state machine: one exchange at a time (pipelined requests wait in a queue with
 * reading paused), request bodies fed to the worker with backpressure, keep-alive handled after the
 * response is written.
 */
final class ChannelDispatcher extends ChannelInboundHandlerAdapter
    implements Exchange.ExchangeListener {
  private static final Logger log = LoggerFactory.getLogger(ChannelDispatcher.class);

  private final HttpHandler root;
  private final ExecutorService workers;
  private final ExchangeObserver observer;
  private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private Exchange current;

  /** A body-less GET/HEAD offered inline once its (empty) body has ended; else null. */
  private Exchange inlinePending;

  private RequestBody currentBody;
  private boolean currentKeepAlive;
  private boolean bodyPaused;
  private boolean lingering;
  private long discarded;
  private final Object writability = new Object();

  /** How long and how much of an unread request body is discarded before closing. */
  private static final long LINGER_MILLIS = 2_000;

  private static final long LINGER_MAX_BYTES = 64L << 20;

  /** Observes finished exchanges (metrics, access log). */
  interface ExchangeObserver {
    void completed(Exchange exchange, long nanos);
  }

  private final long bodyTimeoutMillis;

  ChannelDispatcher(
      HttpHandler root,
      ExecutorService workers,
      ExchangeObserver observer,
      long bodyTimeoutMillis) {
    this.bodyTimeoutMillis = bodyTimeoutMillis;
    this.root = root;
    this.workers = workers;
    this.observer = observer;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (lingering) {
      if (msg instanceof HttpContent c) {
        discarded += c.content().readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (discarded > LINGER_MAX_BYTES) {
        ctx.close();
      }
      return;
    }
    if (!pipelined.isEmpty()) {
      pipelined.add(msg);
      updateAutoRead();
      return;
    }
    if (current == null) {
      dispatch(msg);
      return;
    }
    if (!(msg instanceof HttpRequest)
        && msg instanceof HttpContent content
        && !currentBody.ended()) {
      feed(content);
      return;
    }
    pipelined.add(msg);
    updateAutoRead();
  }

  private void dispatch(Object msg) {
    if (msg instanceof HttpRequest req) {
      if (req.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        badRequest("malformed HTTP request");
        return;
      }
      currentKeepAlive = HttpUtil.isKeepAlive(req);
      currentBody = new RequestBody(new Flow(), bodyTimeoutMillis);
      current = new Exchange(ctx.channel(), req, currentBody, this);
      if (msg instanceof HttpContent content) {
        feed(content);
      }
      Exchange ex = current;
      if (inlineCandidate(req)) {
        if (currentBody.ended()) {
          runInline(ex);
        } else {
          inlinePending = ex;
        }
        return;
      }
      toWorker(ex);
    } else if (msg instanceof HttpContent content) {
      // content of a request we already answered and are discarding
      content.release();
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  private void toWorker(Exchange ex) {
    try {
      workers.execute(() -> run(ex));
    } catch (RejectedExecutionException e) {
      ex.route("overloaded");
      root.refuse(ex, HttpHandler.Refusal.OVERLOADED, "server overloaded, retry later");
    }
  }

  /** A GET or HEAD that declares no body: it may be answered on the event loop (ADR 0021). */
  private static boolean inlineCandidate(HttpRequest req) {
    HttpMethod m = req.method();
    return (m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD))
        && !HttpUtil.isTransferEncodingChunked(req)
        && HttpUtil.getContentLength(req, 0L) == 0
        && !HttpUtil.is100ContinueExpected(req);
  }

  /**
   * Offers the exchange to the handler on the event loop; what it declines (or fails on before
   * answering) runs on a worker as usual, which also writes any error answer.
   */
  private void runInline(Exchange ex) {
    boolean answered;
    try {
      answered = root.handleInline(ex);
    } catch (RuntimeException e) {
      if (ex.responded()) {
        log.debug("error after an inline answer started on {}: {}", ex.path(), e.toString());
        abort(ex);
        return;
      }
      answered = false;
    }
    if (!answered && !ex.responded()) {
      toWorker(ex);
    }
  }

  private void feed(HttpContent content) {
    boolean last = content instanceof LastHttpContent;
    if (content.decoderResult().isFailure()) {
      content.release();
      currentBody.fail(new IOException("malformed request body"));
      Exchange pending = inlinePending;
      if (pending != null) {
        inlinePending = null;
        toWorker(pending);
      }
      return;
    }
    currentBody.offer(content.content().retain(), last);
    content.release();
    Exchange pending = inlinePending;
    if (pending != null && currentBody.ended()) {
      inlinePending = null;
      runInline(pending);
    }
  }

  private void run(Exchange ex) {
    try {
      root.handle(ex);
      if (!ex.responded()) {
        ex.sendText(500, "internal error: no response");
      }
      // a streamed response the handler neither completed nor aborted must not hang the client
      ex.abortUnfinishedStream();
    } catch (Throwable t) {
      if (!ex.responded()) {
        log.error("unhandled error on {} {}", ex.method(), ex.path(), t);
        ex.sendText(500, "internal error");
      } else {
        log.debug(
            "error after the response started on {} {}: {}", ex.method(), ex.path(), t.toString());
        ex.abortUnfinishedStream();
        ctx.channel().eventLoop().execute(() -> abort(ex));
      }
    }
  }

  @Override
  public void responseAborted(Exchange ex) {
    ctx.channel().eventLoop().execute(() -> abort(ex));
  }

  private void abort(Exchange ex) {
    if (inlinePending == ex) {
      inlinePending = null;
    }
    if (current == ex) {
      observer.completed(ex, System.nanoTime() - ex.startNanos());
      current = null;
      if (currentBody != null) {
        currentBody.close();
        currentBody = null;
      }
      pipelined.forEach(ReferenceCountUtil::release);
      pipelined.clear();
      ctx.close();
    }
  }

  @Override
  public void responseDone(Exchange ex, boolean success) {
    if (!ctx.executor().inEventLoop()) {
      ctx.executor().execute(() -> responseDone(ex, success));
      return;
    }
    if (current != ex) {
      return;
    }
    observer.completed(ex, System.nanoTime() - ex.startNanos());
    boolean bodyDone = currentBody.ended();
    currentBody.close();
    current = null;
    currentBody = null;
    if (success && !bodyDone && ctx.channel().isActive()) {
      lingerThenClose();
      return;
    }
    if (!success || !currentKeepAlive || !bodyDone || !ctx.channel().isActive()) {
      pipelined.forEach(ReferenceCountUtil::release);
      pipelined.clear();
      ctx.close();
      return;
    }
    while (current == null && !pipelined.isEmpty()) {
      Object next = pipelined.poll();
      dispatch(next);
      while (current != null
          && !currentBody.ended()
          && !(pipelined.peek() instanceof HttpRequest)
          && pipelined.peek() instanceof HttpContent c) {
        pipelined.poll();
        feed(c);
      }
    }
    updateAutoRead();
  }

  /**
   * The answer went out before the request body was read (413, an early error): closing now, with
   * the client's bytes unread, makes the kernel reset the connection and the client may lose the
   * answer. So the output is half-closed (the client sees the end of the answer), what the client
   * still sends is discarded for a bounded time and size, and then the connection is closed.
   */
  private void lingerThenClose() {
    lingering = true;
    bodyPaused = false;
    pipelined.forEach(ReferenceCountUtil::release);
    pipelined.clear();
    if (ctx.channel() instanceof DuplexChannel duplex) {
      duplex.shutdownOutput();
    }
    ctx.channel().config().setAutoRead(true);
    ctx.read();
    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void updateAutoRead() {
    if (lingering) {
      return;
    }
    boolean read = !bodyPaused && pipelined.size() < 8;
    if (ctx.channel().config().isAutoRead() != read) {
      ctx.channel().config().setAutoRead(read);
      if (read) {
        ctx.read();
      }
    }
  }

  private void badRequest(String message) {
    DefaultFullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.BAD_REQUEST,
            Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public boolean awaitWritable(Channel channel) throws InterruptedException {
    long deadline = System.nanoTime() + bodyTimeoutMillis * 1_000_000L;
    synchronized (writability) {
      while (channel.isActive() && !channel.isWritable()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        writability.wait(Math.max(1, Math.min(1000, left / 1_000_000L)));
      }
    }
    return true;
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    synchronized (writability) {
      writability.notifyAll();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (currentBody != null) {
      currentBody.fail(new IOException("client closed the connection"));
    }
    pipelined.forEach(ReferenceCountUtil::release);
    pipelined.clear();
    synchronized (writability) {
      writability.notifyAll();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && current == null) {
      ctx.close();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      log.debug("channel error", cause);
    }
    ctx.close();
  }

  private final class Flow implements RequestBody.FlowControl {
    @Override
    public void pause() {
      ctx.executor()
          .execute(
              () -> {
                bodyPaused = true;
                updateAutoRead();
              });
    }

    @Override
    public void resume() {
      ctx.executor()
          .execute(
              () -> {
                bodyPaused = false;
                updateAutoRead();
              });
    }
  }
}
