package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed GOPROXY paths, oversized and broken uploads: each gets a 4xx with a short text body,
 * never a 500, and leaves no partial file behind.
 */
class GoBadInputIT {
  @TempDir static Path tmp;
  static NodeAssembly node;
  static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = tmp.resolve("node");
    node =
        new NodeAssembly(
                TestNodes.config(data, 2)
                    .withGo(TestNodes.go("off", List.of("corp.example.com"), 60, 2 * 1024 * 1024)))
            .start();
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void noPartialFiles() throws IOException {
    assertThat(listFiles(data.resolve("blobs/tmp/test-node"))).as("blob temp files").isEmpty();
    assertThat(listFiles(data.resolve("work"))).as("publish work files").isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/example.com/Upper/@v/list",
        "/example.com/!!x/@v/list",
        "/example.com/x!/@v/list",
        "/example.com/!1x/@v/list",
        "/example.com/%2e%2e/@v/list",
        "/example.com/%2E%2E/secret/@v/list",
        "/example.com/a%2Fb/@v/list",
        "/example.com/x/@v/v1.0.0;.info",
        "/example.com//x/@v/list",
        "/example.com/../x/@v/list",
        "/example.com/./x/@v/list",
        "/example.com/x%00/@v/list",
        "/example.com/x\\y/@v/list",
        "/com1.example.com/x/@v/list",
        "/example.com/con/@v/list",
        "/examplecom/x/@v/list",
        "/-example.com/x/@v/list",
        "/example.com/x/v1/@v/list",
        "/example.com/x/v02/@v/list",
        "/example.com/.hidden/@v/list",
        "/example.com/x/@v/v1.0.0!.info",
        "/example.com/x/@v/%c3%a9.info",
        "/example.com/x/@v/%zz.info",
      })
  void malformedPathsGet400WithText(String path) throws IOException {
    String resp =
        Http.raw(node.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(Http.status(resp)).as(path + " -> " + resp).isEqualTo(400);
    assertThat(resp).containsIgnoringCase("content-type: text/plain");
    assertThat(body(resp).length()).isLessThan(648);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/example.com/x/@v/v1.0.mod",
        "/example.com/x/@v/master.zip",
        "/example.com/x/@v/v2.0.0.mod",
        "/example.com/x/v2/@v/v1.0.0.zip",
      })
  void nonCanonicalOrMismatchedVersionsAreNotFound(String path) throws IOException {
    String resp =
        Http.raw(node.port(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(Http.status(resp)).as(path + " -> " + resp).isEqualTo(404);
    assertThat(body(resp)).contains("not found");
  }

  @Test
  void writeMethodsOnTheProxyTreeAre405() throws IOException {
    String resp =
        Http.raw(
            node.port(),
            "DELETE /example.com/x/@v/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertThat(Http.status(resp)).isEqualTo(405);
  }

  @Test
  void oversizedUploadIs413() throws Exception {
    StringBuilder big = new StringBuilder();
    java.util.Random rnd = new java.util.Random(1);
    for (int i = 0; i < 250_000; i++) {
      big.append(Long.toHexString(rnd.nextLong()));
    }
    Path zip =
        GoModules.zip(
            tmp.resolve("big"),
            "corp.example.com/big",
            "v1.0.0",
            Map.of(
                "go.mod",
                "module corp.example.com/big\n",
                "big.go",
                "package big\n// " + big + "\n"));
    assertThat(Files.size(zip)).isGreaterThan(2 * 1024 * 1024);
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/big/@v/v1.0.0.zip", zip);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("limit");
    assertThat(node.moduleIndex().versions(io.berth.common.ModulePath.of("corp.example.com/big")))
        .isEmpty();
  }

  @Test
  void zipBombIsRejectedWithoutExtracting() throws Exception {
    Path bomb = tmp.resolve("bomb.zip");
    try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(bomb))) {
      z.setLevel(9);
      byte[] zeros = new byte[1 << 20];
      for (String name : List.of("a.txt", "b.txt")) {
        z.putNextEntry(new java.util.zip.ZipEntry("corp.example.com/bomb@v1.0.0/" + name));
        for (int i = 0; i < 300; i++) {
          z.write(zeros);
        }
        z.closeEntry();
      }
    }
    assertThat(Files.size(bomb)).as("small on the wire").isLessThan(2 * 1024 * 1024);
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/bomb/@v/v1.0.0.zip",
            bomb);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).containsIgnoringCase("size");
    assertThat(node.moduleIndex().versions(io.berth.common.ModulePath.of("corp.example.com/bomb")))
        .isEmpty();
  }

  @Test
  void lyingSizesAreRejected() throws Exception {
    io.berth.node.gomod.zip.RawZip raw = new io.berth.node.gomod.zip.RawZip();
    raw.add("corp.example.com/liar@v1.0.0/go.mod", "module corp.example.com/liar\n");
    raw.add("corp.example.com/liar@v1.0.0/x.go", "package liar // more bytes than declared\n")
            .centralSize =
        4L;
    Path zip = tmp.resolve("liar.zip");
    Files.write(zip, raw.bytes());
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/liar/@v/v1.0.0.zip",
            zip);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(r.body()).contains("invalid module zip");
  }

  @Test
  void zipSlipNamesAreRejectedAndNothingIsWrittenOutside() throws Exception {
    io.berth.node.gomod.zip.RawZip raw = new io.berth.node.gomod.zip.RawZip();
    raw.add("corp.example.com/slip@v1.0.0/go.mod", "module corp.example.com/slip\n");
    raw.add("corp.example.com/slip@v1.0.0/../../../../evil.sh", "#!/bin/sh\n");
    Path zip = tmp.resolve("slip.zip");
    Files.write(zip, raw.bytes());
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/slip/@v/v1.0.0.zip",
            zip);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    try (Stream<Path> all = Files.walk(tmp)) {
      assertThat(all.filter(p -> p.getFileName().toString().equals("evil.sh")).toList()).isEmpty();
    }
  }

  @Test
  void notAZipIs400() throws Exception {
    Path junk = tmp.resolve("junk.zip");
    Files.writeString(junk, "this is not a zip file at all");
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/junk/@v/v1.0.0.zip",
            junk);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("zip");
  }

  @Test
  void zipWithEntriesOutsideTheModulePrefixIs400() throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("slip"),
            "corp.example.com/other",
            "v1.0.0",
            Map.of("go.mod", "module corp.example.com/other\n"));
    var r =
        Http.putFile(
            TestNodes.url(node) + "/_berth/api/go/publish/corp.example.com/slip/@v/v1.0.0.zip",
            zip);
    assertThat(r.statusCode()).isEqualTo(400);
  }

  @Test
  void truncatedUploadTimesOutWith408AndStoresNothing() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("PUT /_berth/api/go/publish/corp.example.com/trunc/@v/v1.0.0.zip HTTP/1.1\r\n"
                  + "Host: x\r\nContent-Length: 10000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[500]);
      out.flush();
      InputStream in = s.getInputStream();
      String resp = new String(in.readNBytes(400), StandardCharsets.ISO_8859_1);
      assertThat(Http.status(resp)).as(resp).isEqualTo(408);
      assertThat(resp).contains("truncated");
    }
    assertThat(node.moduleIndex().versions(io.berth.common.ModulePath.of("corp.example.com/trunc")))
        .isEmpty();
  }

  @Test
  void badPublishPathsAre400() throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("ok"),
            "corp.example.com/ok",
            "v1.0.0",
            Map.of("go.mod", "module corp.example.com/ok\n"));
    for (String p :
        List.of(
            "corp.example.com/ok/@v/v1.0.zip",
            "corp.example.com/ok/@v/latest.zip",
            "corp.example.com/Ok/@v/v1.0.0.zip",
            "corp.example.com/ok/v1.0.0.zip")) {
      var r = Http.putFile(TestNodes.url(node) + "/_berth/api/go/publish/" + p, zip);
      assertThat(r.statusCode()).as(p + ": " + r.body()).isEqualTo(400);
    }
  }

  private static String body(String raw) {
    int i = raw.indexOf("\r\n\r\n");
    return i < 0 ? "" : raw.substring(i + 4);
  }

  private static List<Path> listFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }
}
