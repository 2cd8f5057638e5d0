package io.berth.it.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.TestNodes;
import io.berth.replicator.region.Fence;
import io.berth.replicator.region.GrpcRegionClient;
import io.berth.replicator.region.RegionClient;
import io.berth.replicator.region.RegionClientContract;
import io.berth.replicator.region.RegionException;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link GrpcRegionClient} against real registry nodes (two, sharing a blob directory, no Kafka:
 * republished events apply locally), over loopback gRPC: the {@link RegionClientContract}, plus
 * failover to the other node when one goes away.
 */
class GrpcRegionClientIT extends RegionClientContract {
  @TempDir static Path tmp;
  static NodeAssembly one;
  static NodeAssembly two;
  static GrpcRegionClient client;

  static NodeAssembly node(String id) throws Exception {
    return node(id, "");
  }

  static NodeAssembly node(String id, String token) throws Exception {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    return new NodeAssembly(
            new NodeConfig(
                new NodeConfig.NodeSection(id, "grpc"),
                new NodeConfig.HttpSection(
                    "127.0.0.1", 0, 8, false, 60L, 0, "127.0.0.1", token, null),
                new NodeConfig.StorageSection(
                    "file", tmp.resolve(id).toString(), tmp.resolve("blobs").toString()),
                c.go(),
                c.sumdb(),
                c.oci(),
                c.cluster()))
        .start();
  }

  @BeforeAll
  static void start() throws Exception {
    one = node("g1");
    two = node("g2");
    client =
        new GrpcRegionClient(
            "grpc", List.of("127.0.0.1:" + one.grpcPort(), "127.0.0.1:" + two.grpcPort()));
  }

  @AfterAll
  static void stop() {
    client.close();
    one.close();
    two.close();
  }

  @Override
  protected RegionClient region() {
    return client;
  }

  @Test
  void aBlobLargerThanAnyMessageStreamsThrough() throws Exception {
    byte[] b = content(9 * 1024 * 1024 + 5);
    String d = digest(b);
    assertThat(client.writeBlob(new Fence(link(), 1), d, b.length, new ByteArrayInputStream(b)))
        .isFalse();
    try (RegionClient.BlobStream s = client.openBlob(d, 0)) {
      assertThat(s.stream().readAllBytes()).isEqualTo(b);
    }
  }

  @Test
  void aDeadNodeIsSkipped() throws Exception {
    byte[] b = content(1000);
    String d = digest(b);
    Fence f = new Fence(link(), 1);
    try (NodeAssembly three = node("g3");
        GrpcRegionClient pair =
            new GrpcRegionClient(
                "grpc", List.of("127.0.0.1:" + three.grpcPort(), "127.0.0.1:" + one.grpcPort()))) {
      assertThat(pair.missing(List.of(d))).containsExactly(d);
      three.close();
      // a write cannot be replayed elsewhere mid-stream: it fails, and the next goes elsewhere
      assertThatThrownBy(() -> pair.writeBlob(f, d, b.length, new ByteArrayInputStream(b)))
          .isInstanceOf(RegionException.Unavailable.class);
      assertThat(pair.writeBlob(f, d, b.length, new ByteArrayInputStream(b))).isFalse();
      assertThat(pair.beginTerm(new Fence(f.link(), 2)))
          .as("one of two nodes reached")
          .isEqualTo(1);
      assertThat(pair.missing(List.of(d))).isEmpty();
      assertThat(pair.nodes()).extracting(RegionClient.NodeState::up).containsExactly(false, true);
    }
  }

  @Test
  void aRegionWithATokenAnswersOnlyAClientThatSendsIt() throws Exception {
    byte[] b = content(2000);
    String d = digest(b);
    try (NodeAssembly guarded = node("g5", "region-token");
        GrpcRegionClient without =
            new GrpcRegionClient("grpc", List.of("127.0.0.1:" + guarded.grpcPort()));
        GrpcRegionClient wrong =
            new GrpcRegionClient("grpc", List.of("127.0.0.1:" + guarded.grpcPort()), "nope");
        GrpcRegionClient with =
            new GrpcRegionClient(
                "grpc", List.of("127.0.0.1:" + guarded.grpcPort()), "region-token")) {
      assertThatThrownBy(() -> without.missing(List.of(d)))
          .isInstanceOf(RegionException.Unavailable.class)
          .hasMessageContaining("UNAUTHENTICATED")
          .hasMessageContaining("regions.grpc.token");
      assertThatThrownBy(() -> wrong.beginTerm(new Fence(link(), 3)))
          .isInstanceOf(RegionException.class);
      assertThat(with.missing(List.of(d))).containsExactly(d);
      assertThat(with.beginTerm(new Fence(link(), 3))).isEqualTo(1);
      assertThat(with.writeBlob(new Fence(link(), 3), d, b.length, new ByteArrayInputStream(b)))
          .isFalse();
      try (RegionClient.BlobStream s = with.openBlob(d, 0)) {
        assertThat(s.stream().readAllBytes()).isEqualTo(b);
      }
    }
  }
}
