package io.berth.replicator.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.proto.node.v1.FindMissingRequest;
import io.berth.proto.node.v1.FindMissingResponse;
import io.berth.proto.node.v1.ReplicationGrpc;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A node that comes back after an outage answers the replicator's next call, even though the
 * channel to it is still waiting out its reconnect backoff (a real gRPC server on a loopback port
 * that is first closed, then listening).
 */
class GrpcRegionClientReconnectTest {
  private static final String DIGEST =
      "sha256:0000000000000000000000000000000000000000000000000000000000000001";

  /** A node stand-in that answers every find-missing call with "all missing". */
  private static final class AllMissing extends ReplicationGrpc.ReplicationImplBase {
    @Override
    public void findMissing(FindMissingRequest req, StreamObserver<FindMissingResponse> out) {
      out.onNext(FindMissingResponse.newBuilder().addAllMissing(req.getDigestsList()).build());
      out.onCompleted();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void aNodeThatComesBackAnswersTheNextCallWithoutWaitingForTheChannelsBackoff() throws Exception {
    int port = freePort();
    try (GrpcRegionClient client = new GrpcRegionClient("us", List.of("127.0.0.1:" + port))) {
      // down: each failed call leaves the channel in TRANSIENT_FAILURE, its next connect attempt
      // about a second away
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> client.missing(List.of(DIGEST)))
            .isInstanceOf(RegionException.Unavailable.class);
      }
      assertThat(client.nodes()).extracting(RegionClient.NodeState::up).containsExactly(false);
      Server node =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
              .addService(new AllMissing())
              .build()
              .start();
      try {
        // the first call after the node is back succeeds (before: it failed fast, and the link
        // waited a backoff for the next one)
        assertThat(client.missing(List.of(DIGEST))).containsExactly(DIGEST);
        assertThat(client.nodes()).extracting(RegionClient.NodeState::up).containsExactly(true);
      } finally {
        node.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
