package io.berth.node.rpc;

import io.berth.node.events.ChangePublisher;
import io.berth.node.replication.MissingBlobsException;
import io.berth.node.replication.StaleEpochException;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.StorageException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapping of domain and storage exceptions to gRPC status codes (see replication.proto).
 */
final class RpcErrors {
  private static final Logger log = LoggerFactory.getLogger(RpcErrors.class);

  private RpcErrors() {}

  static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof IOException && e.getCause() instanceof StaleEpochException s) {
      e = s;
    }
    Status s;
    if (e instanceof StaleEpochException) {
      s = Status.ABORTED;
    } else if (e instanceof MissingBlobsException) {
      s = Status.FAILED_PRECONDITION;
    } else if (e instanceof BlobRejectedException) {
      s = Status.DATA_LOSS;
    } else if (e instanceof io.berth.node.events.UnsupportedEventException) {
      s = Status.UNIMPLEMENTED;
    } else if (e instanceof IllegalArgumentException) {
      s = Status.INVALID_ARGUMENT;
    } else if (e instanceof StorageException
        || e instanceof ChangePublisher.PublishException
        || e instanceof IOException
        || e instanceof io.berth.node.index.IndexException) {
      log.warn("replication request failed: {}", e.toString());
      s = Status.UNAVAILABLE;
    } else {
      log.error("replication request failed", e);
      s = Status.INTERNAL;
    }
    return s.withDescription(e.getMessage()).asRuntimeException();
  }
}
