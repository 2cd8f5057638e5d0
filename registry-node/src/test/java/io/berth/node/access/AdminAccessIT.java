package io.berth.node.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin endpoints pass the node's {@link AccessPolicy} before any service call: a policy that
 * denies {@code WRITE} on {@code ADMIN} makes {@code POST /_berth/api/gc} and {@code POST
 * /_berth/api/scrub} answer its status and reason as text and run nothing, while the open policy
 * lets them run. The status and lookup endpoints (events, where, replication, gc status) ask {@code
 * READ} on {@code ADMIN}, the checksum database proxy {@code READ} on {@code SUMDB}.
 */
class AdminAccessIT {
  @TempDir Path tmp;

  record Asked(AccessPolicy.Action action, AccessPolicy.ResourceKind kind, String resource) {}

  @Test
  void aDenyingPolicyStopsGcAndScrubBeforeTheyRun() throws Exception {
    List<Asked> asked = new CopyOnWriteArrayList<>();
    NodeConfig cfg = TestNodes.config(tmp.resolve("denied"));
    cfg = cfg.withStorage(cfg.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)));
    AccessPolicy.Decision denial =
        AccessPolicy.Decision.deny(403, "admin actions need the ops role");
    try (NodeAssembly node =
        new NodeAssembly(
                cfg,
                open ->
                    (s, a, k, r) -> {
                      asked.add(new Asked(a, k, r));
                      return k == AccessPolicy.ResourceKind.ADMIN
                          ? denial
                          : open.decide(s, a, k, r);
                    })
            .start()) {
      StoredBlob orphan =
          node.rawBlobStore().put(new ByteArrayInputStream(new byte[999]), PutExpectation.any());
      String url = TestNodes.url(node);

      HttpResponse<String> gc = Http.post(url + "/_berth/api/gc");
      assertThat(gc.statusCode()).isEqualTo(403);
      assertThat(gc.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
      assertThat(gc.body()).contains("admin actions need the ops role");
      assertThat(node.rawBlobStore().stat(orphan.digest()))
          .as("a denied gc deletes nothing")
          .isPresent();
      assertThat(node.metrics().scrape()).contains("berth_gc_runs_total 0.0");

      HttpResponse<String> scrub = Http.post(url + "/_berth/api/scrub");
      assertThat(scrub.statusCode()).isEqualTo(403);
      assertThat(scrub.body()).contains("admin actions need the ops role");

      assertThat(asked)
          .contains(
              new Asked(AccessPolicy.Action.WRITE, AccessPolicy.ResourceKind.ADMIN, "gc"),
              new Asked(AccessPolicy.Action.WRITE, AccessPolicy.ResourceKind.ADMIN, "scrub"));
    }
  }

  @Test
  void aDenyingPolicyStopsStatusLookupAndSumdbEndpointsBeforeAnyServiceCall() throws Exception {
    List<Asked> asked = new CopyOnWriteArrayList<>();
    NodeConfig cfg = TestNodes.config(tmp.resolve("reads-denied"));
    AccessPolicy.Decision denial = AccessPolicy.Decision.deny(401, "sign in to read this");
    try (NodeAssembly node =
        new NodeAssembly(
                cfg,
                open ->
                    (s, a, k, r) -> {
                      asked.add(new Asked(a, k, r));
                      return k == AccessPolicy.ResourceKind.ADMIN
                              || k == AccessPolicy.ResourceKind.SUMDB
                          ? denial
                          : open.decide(s, a, k, r);
                    })
            .start()) {
      String url = TestNodes.url(node);
      for (String path :
          List.of(
              "/_berth/api/events",
              "/_berth/api/where?module=corp.example.com/secret&version=v1.0.0",
              "/_berth/api/replication",
              "/_berth/api/gc/status",
              "/sumdb/sum.golang.org/supported",
              "/sumdb/sum.golang.org/lookup/corp.example.com/secret@v1.0.0")) {
        HttpResponse<String> r = Http.get(url + path);
        assertThat(r.statusCode()).as(path).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).as(path).contains("sign in to read this").doesNotContain("secret");
      }
      assertThat(asked)
          .contains(
              new Asked(AccessPolicy.Action.READ, AccessPolicy.ResourceKind.ADMIN, "events"),
              new Asked(AccessPolicy.Action.READ, AccessPolicy.ResourceKind.ADMIN, "where"),
              new Asked(AccessPolicy.Action.READ, AccessPolicy.ResourceKind.ADMIN, "replication"),
              new Asked(AccessPolicy.Action.READ, AccessPolicy.ResourceKind.ADMIN, "gc"),
              new Asked(
                  AccessPolicy.Action.READ, AccessPolicy.ResourceKind.SUMDB, "sum.golang.org"));
    }
    // the same endpoints answer with the open policy
    try (NodeAssembly node =
        new NodeAssembly(TestNodes.config(tmp.resolve("reads-open"))).start()) {
      String url = TestNodes.url(node);
      for (String path :
          List.of("/_berth/api/events", "/_berth/api/replication", "/_berth/api/gc/status")) {
        assertThat(Http.get(url + path).statusCode()).as(path).isEqualTo(200);
      }
    }
  }

  @Test
  void theOpenPolicyLetsGcRun() throws Exception {
    NodeConfig cfg = TestNodes.config(tmp.resolve("open"));
    cfg = cfg.withStorage(cfg.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)));
    try (NodeAssembly node = new NodeAssembly(cfg).start()) {
      StoredBlob orphan =
          node.rawBlobStore().put(new ByteArrayInputStream(new byte[998]), PutExpectation.any());
      HttpResponse<String> gc = Http.post(TestNodes.url(node) + "/_berth/api/gc");
      assertThat(gc.statusCode()).as(gc.body()).isEqualTo(200);
      assertThat(node.rawBlobStore().stat(orphan.digest())).isEmpty();
    }
  }
}
