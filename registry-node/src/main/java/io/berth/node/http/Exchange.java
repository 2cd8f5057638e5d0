package io.berth.node.http;

import io.berth.node.storage.BlobReader;
import io.berth.node.storage.StorageException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultFileRegion;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request and its response, used by handlers on a worker thread (or, for inline answers,
 * on the event loop: {@link HttpHandler#handleInline}). Exactly one of the {@code send*} methods
 * (or {@link #startStreaming}) is called per exchange.
 */
public final class Exchange {
  private static final int CHUNK = 64 * 1024;

  private final Channel channel;
  private final HttpRequest request;
  private final RequestBody body;
  private final ExchangeListener listener;
  private final String path;
  private final String rawQuery;
  private final long startNanos = System.nanoTime();
  private QueryStringDecoder query;
  private volatile boolean responded;
  private volatile int status;
  private volatile long bytesSent;
  private volatile String route = "unmatched";
  private volatile ResponseStream stream;

  /** Told when the response is fully written (or failed). */
  interface ExchangeListener {
    void responseDone(Exchange exchange, boolean success);

    /** Told (on any thread) that a started response was aborted: the connection must close. */
    void responseAborted(Exchange exchange);

    /**
     * Blocks the caller until the channel is writable again (or closed).
     *
     * @return false if the client accepted nothing for the write deadline (a stalled reader)
     */
    boolean awaitWritable(Channel channel) throws InterruptedException;
  }

  Exchange(Channel channel, HttpRequest request, RequestBody body, ExchangeListener listener) {
    this.channel = channel;
    this.request = request;
    this.body = body;
    this.listener = listener;
    String uri = request.uri();
    int q = uri.indexOf('?');
    this.path = q < 0 ? uri : uri.substring(0, q);
    this.rawQuery = q < 0 ? "" : uri.substring(q + 1);
  }

  public String method() {
    return request.method().name();
  }

  public boolean isHead() {
    return request.method().equals(HttpMethod.HEAD);
  }

  /** The raw (undecoded) request path, without the query string. */
  public String path() {
    return path;
  }

  public String rawQuery() {
    return rawQuery;
  }

  /** A decoded query parameter, or null. */
  public String queryParam(String name) {
    if (query == null) {
      query = new QueryStringDecoder("?" + rawQuery);
    }
    List<String> v = query.parameters().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** All decoded query parameters. */
  public Map<String, List<String>> queryParams() {
    if (query == null) {
      query = new QueryStringDecoder("?" + rawQuery);
    }
    return query.parameters();
  }

  public String header(String name) {
    return request.headers().get(name);
  }

  /** The declared Content-Length, or -1. */
  public long contentLength() {
    return HttpUtil.getContentLength(request, -1L);
  }

  /** The request body, streamed with backpressure. */
  public InputStream body() {
    return body;
  }

  public String remoteAddress() {
    return String.valueOf(channel.remoteAddress());
  }

  /** Names the route for metrics and logs. */
  public void route(String name) {
    this.route = name;
  }

  public String route() {
    return route;
  }

  public boolean responded() {
    return responded;
  }

  public int status() {
    return status;
  }

  public long bytesSent() {
    return bytesSent;
  }

  long startNanos() {
    return startNanos;
  }

  boolean requestBodyEnded() {
    return body.ended();
  }

  /**
   * Whether reading the request body failed (the client broke off, stalled or sent a malformed
   * body), as opposed to an I/O error of storage while serving the request.
   */
  public boolean requestBodyFailed() {
    return body.readFailed();
  }

  /** Sends a complete response with a body. */
  public void sendBytes(
      int status, String contentType, byte[] content, Map<String, String> headers) {
    beginResponse(status);
    DefaultFullHttpResponse resp =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.valueOf(status),
            isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(content));
    HttpHeaders h = resp.headers();
    if (contentType != null) {
      h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    }
    applyHeaders(h, headers);
    h.set(HttpHeaderNames.CONTENT_LENGTH, content.length);
    bytesSent = isHead() ? 0 : content.length;
    finish(channel.writeAndFlush(resp));
  }

  /** Sends a short {@code text/plain; charset=utf-8} body (GOPROXY error format). */
  public void sendText(int status, String text) {
    sendText(status, text, Map.of());
  }

  public void sendText(int status, String text, Map<String, String> headers) {
    String t = text.endsWith("\n") ? text : text + "\n";
    sendBytes(status, "text/plain; charset=utf-8", t.getBytes(StandardCharsets.UTF_8), headers);
  }

  /** Sends a response without a body (Content-Length: 0 unless {@code headers} set it). */
  public void sendEmpty(int status, Map<String, String> headers) {
    beginResponse(status);
    DefaultFullHttpResponse resp =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    applyHeaders(resp.headers(), headers);
    if (!resp.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    }
    finish(channel.writeAndFlush(resp));
  }

  /**
   * Sends {@code length} bytes of a blob starting at {@code offset}: zero-copy from a local file
   * when possible, else streamed in chunks with backpressure. {@code headers} should carry the
   * content type; Content-Length is set here.
   */
  public void sendBlob(
      int status, BlobReader blob, long offset, long length, Map<String, String> headers)
      throws IOException {
    if (isHead()) {
      // headers only, before anything that could read the content: asking a read cache's reader
      // for its local file fills the cache, which for a HEAD downloaded the whole blob
      Map<String, String> h = new java.util.LinkedHashMap<>(headers);
      h.put(HttpHeaderNames.CONTENT_LENGTH.toString(), Long.toString(length));
      sendEmpty(status, h);
      return;
    }
    Optional<byte[]> mem = blob.inMemory();
    if (mem.isPresent()) {
      byte[] all = mem.get();
      byte[] part =
          offset == 0 && length == all.length
              ? all
              : java.util.Arrays.copyOfRange(all, (int) offset, (int) (offset + length));
      Map<String, String> h = new java.util.LinkedHashMap<>(headers);
      String ct = h.remove("Content-Type");
      sendBytes(status, ct, part, h);
      return;
    }
    Optional<Path> file = blob.localFile();
    if (file.isPresent()) {
      FileChannel fc;
      try {
        fc = FileChannel.open(file.get(), StandardOpenOption.READ);
      } catch (IOException e) {
        fc = null;
      }
      if (fc != null) {
        beginResponse(status);
        HttpResponse resp =
            new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        applyHeaders(resp.headers(), headers);
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        channel.write(resp);
        channel.write(new DefaultFileRegion(fc, offset, length));
        bytesSent = length;
        finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        return;
      }
    }
    if (channel.eventLoop().inEventLoop()) {
      // an inline answer (ADR 0021) must not stream with backpressure on the event loop: the
      // caller hands the request to a worker instead
      throw new IOException("the blob cannot be sent without blocking the event loop");
    }
    InputStream in;
    try {
      in = blob.openRange(offset, length);
    } catch (IOException e) {
      throw new StorageException("cannot read the stored blob: " + e.getMessage(), e);
    }
    ResponseStream out = startStreaming(status, headers, length);
    try (in) {
      byte[] buf = new byte[CHUNK];
      int n;
      while ((n = in.read(buf)) > 0) {
        out.write(buf, 0, n);
      }
    } catch (IOException | RuntimeException | Error e) {
      // a read error in the middle: the response must not end as if it were complete
      out.abort();
      throw e;
    }
    out.close();
  }

  /**
   * Starts a streamed response. With {@code length} &ge; 0 it is sent with Content-Length, else
   * chunked. Closing the returned stream completes the response. Writes block while the client is
   * slow (backpressure), and fail with an IOException once the client is gone.
   */
  public ResponseStream startStreaming(int status, Map<String, String> headers, long length) {
    beginResponse(status);
    HttpResponse resp =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
    applyHeaders(resp.headers(), headers);
    if (length >= 0) {
      resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
    } else if (!isHead()) {
      resp.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    channel.write(resp);
    ResponseStream out = new ResponseStream();
    stream = out;
    return out;
  }

  /**
   * Worker thread, after the handler failed or returned: a streamed response that was started but
   * neither completed nor aborted is aborted, so it never hangs or holds a pooled buffer.
   */
  void abortUnfinishedStream() {
    ResponseStream s = stream;
    if (s != null) {
      s.abort();
    }
  }

  private void beginResponse(int status) {
    if (responded) {
      throw new IllegalStateException("response already started");
    }
    responded = true;
    this.status = status;
  }

  private void applyHeaders(HttpHeaders h, Map<String, String> headers) {
    for (Map.Entry<String, String> e : headers.entrySet()) {
      h.set(e.getKey(), e.getValue());
    }
    if (requestBodyUnread()) {
      // the dispatcher closes after this answer (lingering close), so the client must not reuse
      // the connection for its next request
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  /** Whether the request declared a body that has not been received to its end yet. */
  private boolean requestBodyUnread() {
    boolean declared =
        HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
    return declared && !body.ended();
  }

  private void finish(ChannelFuture f) {
    f.addListener(done -> listener.responseDone(this, done.isSuccess()));
  }

  /**
   * The body of a streamed response. {@link #close} completes it; {@link #abort} (or any failure to
   * write) ends it as failed: the pooled buffer is released, no last chunk is written, and the
   * connection is closed, so the client sees a broken connection instead of a short body. Used by
   * one thread at a time (the worker).
   */
  public final class ResponseStream extends OutputStream
      implements io.berth.node.upstream.ClientSink.Abortable {
    private ByteBuf pending;
    private volatile boolean closed;

    private ResponseStream() {}

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("response stream closed");
      }
      if (isHead()) {
        return;
      }
      while (len > 0) {
        if (pending == null) {
          pending = channel.alloc().buffer(CHUNK, CHUNK);
        }
        int n = Math.min(len, pending.writableBytes());
        pending.writeBytes(b, off, n);
        off += n;
        len -= n;
        if (!pending.isWritable()) {
          push();
        }
      }
    }

    private void push() throws IOException {
      if (pending == null || !pending.isReadable()) {
        return;
      }
      if (!channel.isActive()) {
        abort();
        throw new IOException("client closed the connection");
      }
      int n = pending.readableBytes();
      channel.writeAndFlush(new DefaultHttpContent(pending));
      bytesSent += n;
      pending = null;
      if (!channel.isWritable()) {
        boolean writable;
        try {
          writable = listener.awaitWritable(channel);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          abort();
          throw new InterruptedIOException();
        }
        if (!channel.isActive()) {
          abort();
          throw new IOException("client closed the connection");
        }
        if (!writable) {
          abort();
          throw new IOException("the client stopped reading the response; connection dropped");
        }
      }
    }

    @Override
    public void abort() {
      if (closed) {
        return;
      }
      closed = true;
      if (pending != null) {
        pending.release();
        pending = null;
      }
      listener.responseAborted(Exchange.this);
    }

    @Override
    public void flush() throws IOException {
      push();
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      push();
      closed = true;
      finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
    }
  }
}
