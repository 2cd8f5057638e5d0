package io.berth.node.rpc;

import com.google.protobuf.ByteString;
import io.berth.common.Digest;
import io.berth.node.replication.ReplicationService;
import io.berth.node.replication.StaleEpochException;
import io.berth.proto.node.v1.BeginTermRequest;
import io.berth.proto.node.v1.BeginTermResponse;
import io.berth.proto.node.v1.BlobChunk;
import io.berth.proto.node.v1.BucketWrite;
import io.berth.proto.node.v1.FindMissingRequest;
import io.berth.proto.node.v1.FindMissingResponse;
import io.berth.proto.node.v1.ReadBlobRequest;
import io.berth.proto.node.v1.ReplicationGrpc;
import io.berth.proto.node.v1.RepublishRequest;
import io.berth.proto.node.v1.RepublishResponse;
import io.berth.proto.node.v1.WriteBlobHeader;
import io.berth.proto.node.v1.WriteBlobRequest;
import io.berth.proto.node.v1.WriteBlobResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC binding of {@link ReplicationService}: parses requests, calls the service, maps errors
 * once ({@link RpcErrors}). Reads are sent with outbound flow control (only while the client is
 * ready); writes use manual inbound flow control, so neither side buffers a whole blob.
 */
public final class ReplicationRpc extends ReplicationGrpc.ReplicationImplBase
    implements AutoCloseable {
  static final int CHUNK = 256 * 1024;
  private static final int WINDOW = 8;
  private static final long STALL_MILLIS = 120_000;

  private final ReplicationService service;
  private final AtomicInteger writerIds = new AtomicInteger();
  private final ExecutorService writers =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "berth-replication-write-" + writerIds.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  public ReplicationRpc(ReplicationService service) {
    this.service = service;
  }

  @Override
  public void beginTerm(BeginTermRequest req, StreamObserver<BeginTermResponse> out) {
    try {
      int aborted = service.beginTerm(req.getFence().getLink(), req.getFence().getEpoch());
      out.onNext(
          BeginTermResponse.newBuilder()
              .setHighestEpoch(service.fences().highest(req.getFence().getLink()))
              .setAbortedWrites(aborted)
              .build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(RpcErrors.toStatus(e));
    }
  }

  @Override
  public void findMissing(FindMissingRequest req, StreamObserver<FindMissingResponse> out) {
    try {
      out.onNext(
          FindMissingResponse.newBuilder()
              .addAllMissing(service.missing(req.getDigestsList()))
              .build());
      out.onCompleted();
    } catch (RuntimeException e) {
      out.onError(RpcErrors.toStatus(e));
    }
  }

  @Override
  public void readBlob(ReadBlobRequest req, StreamObserver<BlobChunk> observer) {
    Optional<ReplicationService.BlobRead> read;
    try {
      read = service.read(req.getDigest(), req.getOffset());
    } catch (IOException | RuntimeException e) {
      observer.onError(RpcErrors.toStatus(e));
      return;
    }
    if (read.isEmpty()) {
      observer.onError(
          Status.NOT_FOUND
              .withDescription("this node holds no blob " + req.getDigest())
              .asRuntimeException());
      return;
    }
    long size = read.get().size();
    InputStream in = read.get().stream();
    ServerCallStreamObserver<BlobChunk> out = (ServerCallStreamObserver<BlobChunk>) observer;
    boolean[] first = {true};
    boolean[] done = {false};
    out.setOnCancelHandler(
        () -> {
          done[0] = true;
          close(in);
        });
    out.setOnReadyHandler(
        () -> {
          try {
            while (!done[0] && out.isReady()) {
              byte[] buf = in.readNBytes(CHUNK);
              boolean last = buf.length < CHUNK;
              if (buf.length > 0 || first[0]) {
                BlobChunk.Builder c = BlobChunk.newBuilder().setData(ByteString.copyFrom(buf));
                if (first[0]) {
                  c.setTotalSize(size);
                  first[0] = false;
                }
                out.onNext(c.build());
              }
              if (last) {
                done[0] = true;
                close(in);
                out.onCompleted();
              }
            }
          } catch (IOException | RuntimeException e) {
            if (!done[0]) {
              done[0] = true;
              close(in);
              out.onError(RpcErrors.toStatus(e));
            }
          }
        });
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // the read is over either way
    }
  }

  @Override
  public StreamObserver<WriteBlobRequest> writeBlob(StreamObserver<WriteBlobResponse> observer) {
    ServerCallStreamObserver<WriteBlobResponse> out =
        (ServerCallStreamObserver<WriteBlobResponse>) observer;
    out.disableAutoRequest();
    out.request(1);
    return new StreamObserver<>() {
      private PipeInputStream pipe;
      private boolean answered;

      private synchronized boolean answer() {
        if (answered) {
          return false;
        }
        answered = true;
        return true;
      }

      private void fail(Throwable e) {
        if (pipe != null) {
          pipe.fail(e);
        }
        if (answer()) {
          out.onError(RpcErrors.toStatus(e));
        }
      }

      @Override
      public void onNext(WriteBlobRequest req) {
        if (req.hasHeader()) {
          if (pipe != null) {
            fail(new IllegalArgumentException("a write carries exactly one header"));
            return;
          }
          WriteBlobHeader h = req.getHeader();
          pipe = new PipeInputStream(WINDOW, () -> out.request(1), STALL_MILLIS);
          out.request(WINDOW);
          PipeInputStream in = pipe;
          writers.execute(() -> store(h, in));
        } else if (pipe == null) {
          fail(new IllegalArgumentException("the header must come before the data"));
        } else {
          pipe.offer(req.getData().toByteArray());
        }
      }

      private void store(WriteBlobHeader h, PipeInputStream in) {
        try {
          ReplicationService.WriteOutcome o =
              service.write(
                  h.getFence().getLink(),
                  h.getFence().getEpoch(),
                  h.getDigest(),
                  h.getSize(),
                  in,
                  (StaleEpochException stale) -> in.fail(stale));
          if (answer()) {
            out.onNext(
                WriteBlobResponse.newBuilder()
                    .setDigest(o.digest())
                    .setSize(o.size())
                    .setAlreadyPresent(o.alreadyPresent())
                    .build());
            out.onCompleted();
          }
        } catch (Exception e) {
          in.fail(e);
          if (answer()) {
            out.onError(RpcErrors.toStatus(e));
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        if (pipe != null) {
          pipe.fail(new IOException("the sender abandoned the write: " + t.getMessage()));
        }
        answer();
      }

      @Override
      public void onCompleted() {
        if (pipe == null) {
          fail(new IllegalArgumentException("a write needs a header"));
        } else {
          pipe.finish();
        }
      }
    };
  }

  @Override
  public void republish(RepublishRequest req, StreamObserver<RepublishResponse> out) {
    try {
      ReplicationService.RepublishOutcome o =
          service.republish(
              req.getFence().getLink(),
              req.getFence().getEpoch(),
              req.getEventsList(),
              statedWrites(req));
      out.onNext(
          RepublishResponse.newBuilder()
              .setPublished(o.published())
              .setSkipped(o.skipped())
              .build());
      out.onCompleted();
    } catch (Exception e) {
      out.onError(RpcErrors.toStatus(e));
    }
  }

  private static List<ReplicationService.StatedWrite> statedWrites(RepublishRequest req) {
    List<ReplicationService.StatedWrite> out = new ArrayList<>(req.getBucketWritesCount());
    for (BucketWrite w : req.getBucketWritesList()) {
      if (w.getSize() < 0) {
        throw new IllegalArgumentException(
            "bucket write of " + w.getDigest() + " has a negative size");
      }
      out.add(
          new ReplicationService.StatedWrite(
              Digest.parse(w.getDigest()), w.getSize(), w.getWrittenMillis()));
    }
    return out;
  }

  /** Stops the write workers. */
  @Override
  public void close() {
    writers.shutdownNow();
  }
}
