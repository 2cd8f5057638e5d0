package io.berth.node.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.index.v1.ModuleOrigin;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.berth.proto.node.v1.BeginTermRequest;
import io.berth.proto.node.v1.BlobChunk;
import io.berth.proto.node.v1.Fence;
import io.berth.proto.node.v1.FindMissingRequest;
import io.berth.proto.node.v1.ReadBlobRequest;
import io.berth.proto.node.v1.ReplicationGrpc;
import io.berth.proto.node.v1.RepublishRequest;
import io.berth.proto.node.v1.WriteBlobHeader;
import io.berth.proto.node.v1.WriteBlobRequest;
import io.berth.proto.node.v1.WriteBlobResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's replication gRPC service over a real loopback socket: streamed, verified, fenced
 * writes (fences survive a restart), resumable reads, republish only after the blobs are stored.
 */
class ReplicationRpcIT {
  static final String LINK = "eu->us";
  @TempDir Path dir;
  static final String TOKEN = "s3cret-replication-token";
  NodeAssembly node;
  ManagedChannel channel;
  String token = "";

  NodeConfig config() {
    NodeConfig c = TestNodes.config(dir);
    return new NodeConfig(
        new NodeConfig.NodeSection("us-1", "us"),
        new NodeConfig.HttpSection(
            "127.0.0.1",
            0,
            16,
            false,
            60L,
            0,
            "127.0.0.1",
            token,
            NodeConfig.HttpSection.DEFAULT_MAX_EPOCH_JUMP),
        c.storage(),
        c.go(),
        c.sumdb(),
        c.oci(),
        c.cluster());
  }

  void startNode() throws Exception {
    node = new NodeAssembly(config()).start();
    channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", node.grpcPort())
            .usePlaintext()
            .maxInboundMessageSize(8 << 20)
            .build();
  }

  void stopNode() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    node.close();
  }

  @BeforeEach
  void start() throws Exception {
    startNode();
  }

  @AfterEach
  void stop() throws Exception {
    stopNode();
  }

  ReplicationGrpc.ReplicationBlockingStub blocking() {
    return ReplicationGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  static Fence fence(long epoch) {
    return Fence.newBuilder().setLink(LINK).setEpoch(epoch).build();
  }

  static String digest(byte[] b) {
    return Digest.of(Digest.Algorithm.SHA256, Digest.Algorithm.SHA256.newMessageDigest().digest(b))
        .toString();
  }

  /** An open write: send data, then finish. */
  final class Upload {
    final CompletableFuture<WriteBlobResponse> result = new CompletableFuture<>();
    final StreamObserver<WriteBlobRequest> requests;

    Upload(long epoch, String digest, long size) {
      requests =
          ReplicationGrpc.newStub(channel)
              .writeBlob(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(WriteBlobResponse r) {
                      result.complete(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                      result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                  });
      requests.onNext(
          WriteBlobRequest.newBuilder()
              .setHeader(
                  WriteBlobHeader.newBuilder()
                      .setFence(fence(epoch))
                      .setDigest(digest)
                      .setSize(size))
              .build());
    }

    Upload send(byte[] b, int from, int to) {
      for (int off = from; off < to; off += 256 * 1024) {
        int end = Math.min(to, off + 256 * 1024);
        requests.onNext(
            WriteBlobRequest.newBuilder().setData(ByteString.copyFrom(b, off, end - off)).build());
      }
      return this;
    }

    WriteBlobResponse finish() throws Exception {
      requests.onCompleted();
      try {
        return result.get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        throw (Exception) e.getCause();
      }
    }
  }

  WriteBlobResponse write(long epoch, byte[] b) throws Exception {
    return new Upload(epoch, digest(b), b.length).send(b, 0, b.length).finish();
  }

  static Status.Code code(Throwable t) {
    return Status.fromThrowable(t).getCode();
  }

  long tempFiles() throws Exception {
    Path tmp = Path.of(node.config().storage().blobDir().toString(), "tmp");
    try (var s = Files.walk(tmp)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  String metrics() throws Exception {
    return Http.get(TestNodes.url(node) + "/metrics").body();
  }

  @Test
  void streamsAVerifiedBlobInAndResumesAReadFromAnOffset() throws Exception {
    byte[] b = new byte[20 * 1024 * 1024 + 123];
    new Random(7).nextBytes(b);
    String d = digest(b);
    assertThat(
            blocking()
                .findMissing(FindMissingRequest.newBuilder().addDigests(d).build())
                .getMissingList())
        .containsExactly(d);
    WriteBlobResponse r = write(3, b);
    assertThat(r.getDigest()).isEqualTo(d);
    assertThat(r.getSize()).isEqualTo(b.length);
    assertThat(r.getAlreadyPresent()).isFalse();
    assertThat(
            blocking()
                .findMissing(FindMissingRequest.newBuilder().addDigests(d).build())
                .getMissingList())
        .isEmpty();
    assertThat(write(3, b).getAlreadyPresent()).isTrue();

    int offset = 5 * 1024 * 1024 + 17;
    Iterator<BlobChunk> chunks =
        blocking().readBlob(ReadBlobRequest.newBuilder().setDigest(d).setOffset(offset).build());
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    long total = -1;
    while (chunks.hasNext()) {
      BlobChunk c = chunks.next();
      if (total < 0) {
        total = c.getTotalSize();
      }
      c.getData().writeTo(got);
    }
    assertThat(total).isEqualTo(b.length);
    assertThat(Arrays.equals(got.toByteArray(), Arrays.copyOfRange(b, offset, b.length))).isTrue();

    assertThatThrownBy(
            () ->
                blocking()
                    .readBlob(
                        ReadBlobRequest.newBuilder()
                            .setDigest(digest("nope".getBytes(StandardCharsets.UTF_8)))
                            .build())
                    .hasNext())
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(metrics()).contains("berth_replication_blobs_received_total{result=\"stored\"} 1.0");
  }

  @Test
  void anEmptyBlobRoundTrips() throws Exception {
    byte[] empty = new byte[0];
    assertThat(write(1, empty).getSize()).isZero();
    Iterator<BlobChunk> it =
        blocking().readBlob(ReadBlobRequest.newBuilder().setDigest(digest(empty)).build());
    assertThat(it.next().getTotalSize()).isZero();
    assertThat(it.hasNext()).isFalse();
  }

  @Test
  void aMismatchOrATruncatedStreamStoresNothing() throws Exception {
    byte[] b = new byte[3 * 1024 * 1024];
    new Random(8).nextBytes(b);
    String d = digest(b);
    byte[] corrupted = b.clone();
    corrupted[1_000_000] ^= 1;
    assertThatThrownBy(() -> new Upload(1, d, b.length).send(corrupted, 0, b.length).finish())
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.DATA_LOSS));
    assertThatThrownBy(() -> new Upload(1, d, b.length).send(b, 0, b.length / 2).finish())
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.DATA_LOSS));
    // the sender goes away mid-stream
    Upload u = new Upload(1, d, b.length).send(b, 0, b.length / 2);
    u.requests.onError(Status.CANCELLED.asRuntimeException());
    await().atMost(Duration.ofSeconds(30)).until(() -> tempFiles() == 0);
    assertThat(node.blobStore().stat(Digest.parse(d))).isEmpty();
    assertThat(
            blocking()
                .findMissing(FindMissingRequest.newBuilder().addDigests(d).build())
                .getMissingList())
        .containsExactly(d);
    assertThatThrownBy(() -> new Upload(1, "sha256:xyz", 1).finish())
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void staleEpochsAreRefusedCountedAndStayRefusedAfterARestart() throws Exception {
    byte[] b = "fenced".getBytes(StandardCharsets.UTF_8);
    assertThat(
            blocking()
                .beginTerm(BeginTermRequest.newBuilder().setFence(fence(100)).build())
                .getHighestEpoch())
        .isEqualTo(100);
    assertThatThrownBy(() -> write(99, b))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.ABORTED))
        .hasMessageContaining("stale epoch 99");
    assertThatThrownBy(
            () -> blocking().republish(RepublishRequest.newBuilder().setFence(fence(50)).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.ABORTED));
    assertThat(metrics())
        .contains("berth_replication_stale_writes_rejected_total{link=\"eu->us\"} 2.0");
    assertThat(Http.get(TestNodes.url(node) + "/_berth/api/replication").body())
        .contains("\"eu->us\":{")
        .contains("\"highestEpoch\":100");

    stopNode();
    startNode();
    assertThatThrownBy(() -> write(99, b))
        .as("the fence is durable")
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.ABORTED));
    assertThat(write(101, b).getSize()).isEqualTo(b.length);
  }

  @Test
  void aNewTermAbortsTheOldOwnersInFlightWrite() throws Exception {
    byte[] b = new byte[4 * 1024 * 1024];
    new Random(9).nextBytes(b);
    Upload stale = new Upload(10, digest(b), b.length).send(b, 0, b.length / 2);
    await().atMost(Duration.ofSeconds(30)).until(() -> tempFiles() == 1); // the write is under way
    assertThat(
            blocking()
                .beginTerm(BeginTermRequest.newBuilder().setFence(fence(11)).build())
                .getAbortedWrites())
        .isEqualTo(1);
    assertThatThrownBy(() -> stale.result.get(30, TimeUnit.SECONDS))
        .satisfies(t -> assertThat(code(t.getCause())).isEqualTo(Status.Code.ABORTED));
    await().atMost(Duration.ofSeconds(30)).until(() -> tempFiles() == 0);
    assertThat(node.blobStore().stat(Digest.parse(digest(b)))).isEmpty();
    assertThat(metrics())
        .contains("berth_replication_stale_writes_rejected_total{link=\"eu->us\"} 1.0");
  }

  @Test
  void republishRequiresTheBlobsAndThenServesTheModule() throws Exception {
    String module = "corp.example.com/replicated";
    byte[] info =
        "{\"Version\":\"v1.2.3\",\"Time\":\"2024-01-02T03:04:05Z\"}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] mod = ("module " + module + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] zip = "not really a zip, but a blob".getBytes(StandardCharsets.UTF_8);
    ChangeEvent e =
        ChangeEvent.newBuilder()
            .setSchema(1)
            .setOriginRegion("eu")
            .setOriginNode("eu-1")
            .setSeq(1)
            .setHlc(Hlc.newBuilder().setWallMillis(System.currentTimeMillis()))
            .setKey("go:" + module + "@v1.2.3")
            .setGoVersionStored(
                GoVersionStored.newBuilder()
                    .setRecord(
                        ModuleVersionRecord.newBuilder()
                            .setModulePath(module)
                            .setVersion("v1.2.3")
                            .setInfoDigest(digest(info))
                            .setInfoSize(info.length)
                            .setModDigest(digest(mod))
                            .setModSize(mod.length)
                            .setZipDigest(digest(zip))
                            .setZipSize(zip.length)
                            .setOrigin(ModuleOrigin.MODULE_ORIGIN_PUBLISHED)))
            .build();
    RepublishRequest req = RepublishRequest.newBuilder().setFence(fence(1)).addEvents(e).build();
    assertThatThrownBy(() -> blocking().republish(req))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining(digest(info));
    for (byte[] b : List.of(info, mod, zip)) {
      write(1, b);
    }
    assertThat(blocking().republish(req).getPublished()).isEqualTo(1);
    assertThat(blocking().republish(req).getSkipped()).as("already held").isEqualTo(1);
    var served = Http.get(TestNodes.url(node) + "/corp.example.com/replicated/@v/v1.2.3.mod");
    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.body()).isEqualTo("module " + module + "\n");
    String where =
        Http.get(TestNodes.url(node) + "/_berth/api/where?module=" + module + "&version=v1.2.3")
            .body();
    assertThat(where)
        .contains("\"key\":\"go:" + module + "@v1.2.3\"")
        .contains("\"region\":\"us\"")
        .contains("\"holds\":true")
        .contains("\"originRegion\":\"eu\"");
    assertThat(
            Http.get(
                    TestNodes.url(node)
                        + "/_berth/api/where?module=corp.example.com/none&version=v1.0.0")
                .body())
        .contains("\"holds\":false");
    assertThat(Http.get(TestNodes.url(node) + "/_berth/api/where?module=bad").statusCode())
        .isEqualTo(400);
  }

  @Test
  void requestsWithoutAFenceAreRefused() {
    assertThatThrownBy(() -> blocking().beginTerm(BeginTermRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  ChangeEvent.Builder remoteEvent(long seq) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion("eu")
        .setOriginNode("eu-1")
        .setSeq(seq)
        .setHlc(Hlc.newBuilder().setWallMillis(System.currentTimeMillis()))
        .setKey("oci:team/app");
  }

  /** A stub that sends {@code authorization: Bearer <token>} with every call. */
  ReplicationGrpc.ReplicationBlockingStub withToken(String t) {
    io.grpc.Metadata m = new io.grpc.Metadata();
    m.put(TokenInterceptor.AUTHORIZATION, "Bearer " + t);
    return blocking().withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(m));
  }

  @Test
  void withATokenConfiguredCallsWithoutItOrWithAWrongOneAreUnauthenticated() throws Exception {
    stopNode();
    token = TOKEN;
    startNode();
    FindMissingRequest find =
        FindMissingRequest.newBuilder()
            .addDigests(digest("x".getBytes(StandardCharsets.UTF_8)))
            .build();
    assertThatThrownBy(() -> blocking().findMissing(find))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("requires the replication token");
    assertThatThrownBy(() -> withToken("wrong").findMissing(find))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED))
        .hasMessageContaining("token is wrong");
    assertThatThrownBy(
            () ->
                withToken("wrong")
                    .beginTerm(BeginTermRequest.newBuilder().setFence(fence(100)).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(withToken(TOKEN).findMissing(find).getMissingCount()).isEqualTo(1);
    assertThat(
            withToken(TOKEN)
                .beginTerm(BeginTermRequest.newBuilder().setFence(fence(9)).build())
                .getHighestEpoch())
        .as("the refused BeginTerm with epoch 100 changed nothing")
        .isEqualTo(9);
    assertThat(metrics()).contains("berth_replication_calls_unauthenticated_total 3.0");
  }

  @Test
  void aRepublishWithAMalformedFieldIsRefusedAndNothingIsPublished() throws Exception {
    String good = digest("manifest".getBytes(StandardCharsets.UTF_8));
    List<ChangeEvent> bad =
        List.of(
            remoteEvent(1)
                .setTagSet(
                    io.berth.proto.events.v1.TagSet.newBuilder()
                        .setRepository("team/app")
                        .setTag("v1")
                        .setDigest("x"))
                .build(),
            remoteEvent(2)
                .setManifestPut(
                    io.berth.proto.events.v1.ManifestPut.newBuilder()
                        .setRepository("team/app")
                        .setDigest(good)
                        .addReferencedDigests("sha256:nothex"))
                .build(),
            remoteEvent(3)
                .setTagSet(
                    io.berth.proto.events.v1.TagSet.newBuilder()
                        .setRepository("Team/UPPER")
                        .setTag("v1")
                        .setDigest(good))
                .build(),
            remoteEvent(4)
                .setTagDelete(
                    io.berth.proto.events.v1.TagDelete.newBuilder()
                        .setRepository("team/app")
                        .setTag("-not a tag"))
                .build(),
            remoteEvent(5)
                .setGoVersionStored(
                    GoVersionStored.newBuilder()
                        .setRecord(
                            ModuleVersionRecord.newBuilder()
                                .setModulePath("not a module path")
                                .setVersion("v1.0.0")))
                .build(),
            remoteEvent(6)
                .setBlobLinkAdded(
                    io.berth.proto.events.v1.BlobLinkAdded.newBuilder()
                        .setRepository("team/app")
                        .setDigest("md5:abc"))
                .build());
    for (ChangeEvent e : bad) {
      RepublishRequest req = RepublishRequest.newBuilder().setFence(fence(1)).addEvents(e).build();
      assertThatThrownBy(() -> blocking().republish(req))
          .as(e.getChangeCase().name())
          .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT))
          .hasMessageContaining("is invalid");
    }
    // one bad event refuses the whole request: the good one before it is not published either
    String layer = digest("layer".getBytes(StandardCharsets.UTF_8));
    write(1, "layer".getBytes(StandardCharsets.UTF_8));
    ChangeEvent fine =
        remoteEvent(7)
            .setBlobLinkAdded(
                io.berth.proto.events.v1.BlobLinkAdded.newBuilder()
                    .setRepository("team/app")
                    .setDigest(layer)
                    .setSize(5))
            .build();
    RepublishRequest mixed =
        RepublishRequest.newBuilder()
            .setFence(fence(1))
            .addEvents(fine)
            .addEvents(bad.get(0))
            .build();
    assertThatThrownBy(() -> blocking().republish(mixed))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThat(metrics()).contains("berth_replication_events_republished_total 0.0");
    assertThat(
            blocking()
                .republish(RepublishRequest.newBuilder().setFence(fence(1)).addEvents(fine).build())
                .getPublished())
        .isEqualTo(1);
  }

  @Test
  void anAbsurdEpochIsRefusedAndDoesNotFenceOffTheRealOwner() throws Exception {
    long real = (3L << 32) + 17; // a zxid: ZooKeeper leader epoch 3, counter 17
    assertThatThrownBy(
            () ->
                blocking()
                    .beginTerm(
                        BeginTermRequest.newBuilder().setFence(fence(Long.MAX_VALUE)).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .hasMessageContaining("grpcMaxEpochJump");
    assertThat(
            blocking()
                .beginTerm(BeginTermRequest.newBuilder().setFence(fence(real)).build())
                .getHighestEpoch())
        .isEqualTo(real);
    long absurd = real + NodeConfig.HttpSection.DEFAULT_MAX_EPOCH_JUMP + 1;
    assertThatThrownBy(
            () ->
                blocking().beginTerm(BeginTermRequest.newBuilder().setFence(fence(absurd)).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () ->
                blocking().republish(RepublishRequest.newBuilder().setFence(fence(absurd)).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    // the real owner keeps writing; its successor after a few ZooKeeper leader elections too
    assertThat(write(real, "still the owner".getBytes(StandardCharsets.UTF_8)).getAlreadyPresent())
        .isFalse();
    long successor = real + (5L << 32);
    assertThat(
            blocking()
                .beginTerm(BeginTermRequest.newBuilder().setFence(fence(successor)).build())
                .getHighestEpoch())
        .isEqualTo(successor);
  }
}
