package io.berth.replicator.region;

import com.google.protobuf.ByteString;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.node.v1.BeginTermRequest;
import io.berth.proto.node.v1.BlobChunk;
import io.berth.proto.node.v1.FindMissingRequest;
import io.berth.proto.node.v1.ReadBlobRequest;
import io.berth.proto.node.v1.ReplicationGrpc;
import io.berth.proto.node.v1.RepublishRequest;
import io.berth.proto.node.v1.WriteBlobHeader;
import io.berth.proto.node.v1.WriteBlobRequest;
import io.berth.proto.node.v1.WriteBlobResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RegionClient} over the nodes' gRPC {@code Replication} service. Calls go to the node that
 * answered last; a node that is unreachable is skipped for the next one. Reads and writes are
 * flow-controlled streams of 256 KiB chunks, so memory stays bounded whatever the blob size;
 * keepalive pings detect a dead peer within seconds.
 */
public final class GrpcRegionClient implements RegionClient {
  private static final Logger log = LoggerFactory.getLogger(GrpcRegionClient.class);
  static final int CHUNK = 256 * 1024;
  private static final long UNARY_DEADLINE_SECONDS = 30;

  private final String region;
  private final List<Node> nodes = new ArrayList<>();
  private final AtomicInteger preferred = new AtomicInteger();

  private static final class Node {
    final String endpoint;
    final ManagedChannel channel;
    final Channel calls;
    volatile boolean up = true;
    volatile String lastError = "";

    Node(String endpoint, String token) {
      this.endpoint = endpoint;
      this.channel =
          ManagedChannelBuilder.forTarget(endpoint)
              .usePlaintext()
              .keepAliveTime(10, TimeUnit.SECONDS)
              .keepAliveTimeout(5, TimeUnit.SECONDS)
              .maxInboundMessageSize(8 << 20)
              .build();
      if (token.isEmpty()) {
        this.calls = channel;
      } else {
        Metadata auth = new Metadata();
        auth.put(AUTHORIZATION, "Bearer " + token);
        this.calls =
            ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(auth));
      }
    }

    /**
     * Records a failure. The channel's own reconnect backoff grows to minutes; resetting it lets
     * the caller's bounded backoff decide when to try again, so a node that returns is used within
     * seconds.
     */
    void down(StatusRuntimeException e) {
      up = false;
      lastError = e.getStatus().getCode() + " " + e.getStatus().getDescription();
      channel.resetConnectBackoff();
    }

    /**
     * Before a call to a node that failed last time: connect now, and wait up to {@code
     * RECONNECT_WAIT_MILLIS} until the connection is up or the attempt has failed. Without this, a
     * call made while the channel sits in its reconnect backoff fails at once even though the node
     * came back meanwhile, and the caller's next attempt is a backoff later.
     */
    void reconnectIfDown() {
      if (up) {
        return;
      }
      channel.resetConnectBackoff();
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECONNECT_WAIT_MILLIS);
      ConnectivityState s = channel.getState(true);
      boolean tried = s == ConnectivityState.CONNECTING;
      while (s != ConnectivityState.READY && !(tried && s == ConnectivityState.TRANSIENT_FAILURE)) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        CountDownLatch changed = new CountDownLatch(1);
        channel.notifyWhenStateChanged(s, changed::countDown);
        try {
          if (!changed.await(left, TimeUnit.NANOSECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        s = channel.getState(true);
        tried |= s == ConnectivityState.CONNECTING;
      }
    }
  }

  /** How long a call to a node that failed last time waits for its reconnect attempt. */
  static final long RECONNECT_WAIT_MILLIS = 500;

  /** The call metadata the region's shared token travels in (the nodes' {@code http.grpcToken}). */
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * @param grpcEndpoints {@code host:port} of each node of the region
   */
  public GrpcRegionClient(String region, List<String> grpcEndpoints) {
    this(region, grpcEndpoints, "");
  }

  /**
   * @param grpcEndpoints {@code host:port} of each node of the region
   * @param token the region's replication token, sent with every call (empty: none)
   */
  public GrpcRegionClient(String region, List<String> grpcEndpoints, String token) {
    if (grpcEndpoints.isEmpty()) {
      throw new IllegalArgumentException("region " + region + " has no nodes");
    }
    this.region = region;
    for (String e : grpcEndpoints) {
      nodes.add(new Node(e, token == null ? "" : token));
    }
  }

  @Override
  public String region() {
    return region;
  }

  private ReplicationGrpc.ReplicationBlockingStub unary(Node n) {
    return ReplicationGrpc.newBlockingStub(n.calls)
        .withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS);
  }

  private static io.berth.proto.node.v1.Fence proto(Fence f) {
    return io.berth.proto.node.v1.Fence.newBuilder().setLink(f.link()).setEpoch(f.epoch()).build();
  }

  /** Whether a failure means "this node, now" (so another node may answer). */
  private static boolean nodeFailure(Status.Code c) {
    return c == Status.Code.UNAVAILABLE
        || c == Status.Code.DEADLINE_EXCEEDED
        || c == Status.Code.RESOURCE_EXHAUSTED
        || c == Status.Code.UNKNOWN
        || c == Status.Code.INTERNAL;
  }

  private RegionException map(String what, Node n, StatusRuntimeException e) {
    String msg =
        what
            + " at "
            + region
            + " node "
            + n.endpoint
            + ": "
            + e.getStatus().getCode()
            + " "
            + e.getStatus().getDescription();
    return switch (e.getStatus().getCode()) {
      case ABORTED -> new RegionException.StaleFence(msg, e);
      case DATA_LOSS -> new RegionException.Mismatch(msg, e);
      case FAILED_PRECONDITION -> new RegionException.MissingBlobs(msg, e);
      case NOT_FOUND -> new RegionException.NoSuchBlob(msg, e);
      case INVALID_ARGUMENT, OUT_OF_RANGE -> new RegionException.Rejected(msg, e);
      // an older node (unknown change or call): waited for until it is upgraded
      case UNIMPLEMENTED ->
          new RegionException.Unavailable(msg + " (the region's nodes need an upgrade)", e);
      // a configuration error, not a bad event: waited for (retried), never dead-lettered
      case UNAUTHENTICATED, PERMISSION_DENIED ->
          new RegionException.Unavailable(
              msg + " (check regions." + region + ".token against the nodes' http.grpcToken)", e);
      default -> new RegionException.Unavailable(msg, e);
    };
  }

  private void interruptedCheck(StatusRuntimeException e) {
    if (e.getStatus().getCode() == Status.Code.CANCELLED
        && (Thread.currentThread().isInterrupted()
            || e.getCause() instanceof InterruptedException)) {
      Thread.currentThread().interrupt();
      throw new RegionException.Unavailable("interrupted while calling " + region, e);
    }
  }

  /** Runs {@code call} on the preferred node, moving on to the next one on a node failure. */
  private <T> T withFailover(String what, Function<Node, T> call) {
    StatusRuntimeException last = null;
    int start = preferred.get();
    for (int i = 0; i < nodes.size(); i++) {
      int idx = (start + i) % nodes.size();
      Node n = nodes.get(idx);
      n.reconnectIfDown();
      try {
        T r = call.apply(n);
        n.up = true;
        n.lastError = "";
        preferred.set(idx);
        return r;
      } catch (StatusRuntimeException e) {
        interruptedCheck(e);
        if (!nodeFailure(e.getStatus().getCode())) {
          throw map(what, n, e);
        }
        n.down(e);
        last = e;
      }
    }
    throw new RegionException.Unavailable(
        what + ": no node of region " + region + " answered (last: " + describe(last) + ")", last);
  }

  private static String describe(StatusRuntimeException e) {
    return e == null ? "none" : e.getStatus().getCode() + " " + e.getStatus().getDescription();
  }

  @Override
  public int beginTerm(Fence fence) {
    int reached = 0;
    StatusRuntimeException last = null;
    for (Node n : nodes) {
      n.reconnectIfDown();
      try {
        unary(n).beginTerm(BeginTermRequest.newBuilder().setFence(proto(fence)).build());
        n.up = true;
        n.lastError = "";
        reached++;
      } catch (StatusRuntimeException e) {
        interruptedCheck(e);
        if (!nodeFailure(e.getStatus().getCode())) {
          throw map("begin term " + fence.epoch(), n, e);
        }
        n.down(e);
        last = e;
      }
    }
    if (reached == 0) {
      throw new RegionException.Unavailable(
          "begin term: no node of region " + region + " answered (last: " + describe(last) + ")",
          last);
    }
    return reached;
  }

  @Override
  public List<String> missing(Collection<String> digests) {
    if (digests.isEmpty()) {
      return List.of();
    }
    FindMissingRequest req = FindMissingRequest.newBuilder().addAllDigests(digests).build();
    return withFailover("find missing blobs", n -> unary(n).findMissing(req).getMissingList());
  }

  @Override
  public BlobStream openBlob(String digest, long offset) {
    ReadBlobRequest req = ReadBlobRequest.newBuilder().setDigest(digest).setOffset(offset).build();
    return withFailover(
        "read " + digest,
        n -> {
          Context.CancellableContext ctx = Context.current().withCancellation();
          try {
            Iterator<BlobChunk> it =
                ctx.call(() -> ReplicationGrpc.newBlockingStub(n.calls).readBlob(req));
            BlobChunk first = it.next();
            return new ChunkStream(ctx, it, first);
          } catch (StatusRuntimeException e) {
            ctx.cancel(null);
            throw e;
          } catch (Exception e) {
            ctx.cancel(null);
            throw Status.UNKNOWN.withCause(e).withDescription(e.toString()).asRuntimeException();
          }
        });
  }

  /** The chunks of a read as an InputStream; closing cancels the call. */
  private static final class ChunkStream extends InputStream implements BlobStream {
    private final Context.CancellableContext ctx;
    private final Iterator<BlobChunk> it;
    private final long size;
    private ByteString current;
    private int pos;
    private boolean closed;

    ChunkStream(Context.CancellableContext ctx, Iterator<BlobChunk> it, BlobChunk first) {
      this.ctx = ctx;
      this.it = it;
      this.size = first.getTotalSize();
      this.current = first.getData();
    }

    @Override
    public long size() {
      return size;
    }

    @Override
    public InputStream stream() {
      return this;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (pos >= current.size()) {
        try {
          if (closed || !it.hasNext()) {
            return -1;
          }
          current = it.next().getData();
          pos = 0;
        } catch (StatusRuntimeException e) {
          throw new IOException("blob read failed: " + describe(e), e);
        }
      }
      int n = Math.min(len, current.size() - pos);
      current.copyTo(b, pos, off, n);
      pos += n;
      return n;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        ctx.cancel(null);
      }
    }
  }

  @Override
  public boolean writeBlob(Fence fence, String digest, long size, InputStream content) {
    int idx = preferred.get() % nodes.size();
    Node n = nodes.get(idx);
    n.reconnectIfDown();
    try {
      boolean present = write(n, fence, digest, size, content);
      n.up = true;
      n.lastError = "";
      return present;
    } catch (StatusRuntimeException e) {
      interruptedCheck(e);
      if (nodeFailure(e.getStatus().getCode())) {
        n.down(e);
        preferred.compareAndSet(idx, idx + 1);
      }
      throw map("write " + digest, n, e);
    }
  }

  private boolean write(Node n, Fence fence, String digest, long size, InputStream content) {
    CompletableFuture<WriteBlobResponse> result = new CompletableFuture<>();
    Object ready = new Object();
    @SuppressWarnings("unchecked")
    ClientCallStreamObserver<WriteBlobRequest>[] call = new ClientCallStreamObserver[1];
    ReplicationGrpc.newStub(n.calls)
        .writeBlob(
            new ClientResponseObserver<WriteBlobRequest, WriteBlobResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<WriteBlobRequest> r) {
                call[0] = r;
                r.setOnReadyHandler(
                    () -> {
                      synchronized (ready) {
                        ready.notifyAll();
                      }
                    });
              }

              @Override
              public void onNext(WriteBlobResponse r) {
                result.complete(r);
              }

              @Override
              public void onError(Throwable t) {
                result.completeExceptionally(t);
                synchronized (ready) {
                  ready.notifyAll();
                }
              }

              @Override
              public void onCompleted() {
                result.completeExceptionally(
                    Status.INTERNAL.withDescription("no response").asRuntimeException());
              }
            });
    ClientCallStreamObserver<WriteBlobRequest> req = call[0];
    try {
      req.onNext(
          WriteBlobRequest.newBuilder()
              .setHeader(
                  WriteBlobHeader.newBuilder()
                      .setFence(proto(fence))
                      .setDigest(digest)
                      .setSize(size))
              .build());
      byte[] buf = new byte[CHUNK];
      int got;
      while (!result.isDone() && (got = content.readNBytes(buf, 0, CHUNK)) > 0) {
        synchronized (ready) {
          while (!req.isReady() && !result.isDone()) {
            ready.wait(100);
          }
        }
        if (result.isDone()) {
          break;
        }
        req.onNext(WriteBlobRequest.newBuilder().setData(ByteString.copyFrom(buf, 0, got)).build());
      }
      req.onCompleted();
      return result.get(5, TimeUnit.MINUTES).getAlreadyPresent();
    } catch (InterruptedException e) {
      req.cancel("interrupted", e);
      Thread.currentThread().interrupt();
      throw new RegionException.Unavailable("interrupted while writing " + digest, e);
    } catch (IOException e) {
      req.cancel("the source failed", e);
      throw new RegionException.Unavailable(
          "copy of " + digest + " to " + region + " stopped: the source failed: " + e.getMessage(),
          e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw Status.UNKNOWN.withCause(e.getCause()).asRuntimeException();
    } catch (TimeoutException e) {
      req.cancel("no answer", e);
      throw Status.DEADLINE_EXCEEDED
          .withDescription("no answer to the write of " + digest)
          .asRuntimeException();
    } catch (RuntimeException e) {
      req.cancel("failed", e);
      throw e;
    }
  }

  @Override
  public int republish(Fence fence, List<ChangeEvent> events, List<BucketWrite> written) {
    RepublishRequest.Builder b =
        RepublishRequest.newBuilder().setFence(proto(fence)).addAllEvents(events);
    for (BucketWrite w : written) {
      b.addBucketWrites(
          io.berth.proto.node.v1.BucketWrite.newBuilder()
              .setDigest(w.digest())
              .setSize(w.size())
              .setWrittenMillis(w.writtenMillis()));
    }
    RepublishRequest req = b.build();
    return withFailover(
        "republish " + events.size() + " events", n -> unary(n).republish(req).getPublished());
  }

  @Override
  public List<NodeState> nodes() {
    List<NodeState> out = new ArrayList<>();
    for (Node n : nodes) {
      out.add(new NodeState(n.endpoint, n.up, n.lastError));
    }
    return out;
  }

  @Override
  public void close() {
    for (Node n : nodes) {
      n.channel.shutdownNow();
    }
    for (Node n : nodes) {
      try {
        n.channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        log.debug("interrupted while closing channels of {}", region);
        return;
      }
    }
  }
}
