package io.berth.node.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  @Test
  void defaultsAreTheEmbeddedNode() {
    NodeConfig c = ConfigLoader.load(null, Map.of());
    assertThat(c.http().port()).isEqualTo(8080);
    assertThat(c.storage().type()).isEqualTo("file");
    assertThat(c.cluster().zookeeper()).isEmpty();
  }

  @Test
  void yamlThenEnvironmentOverrides() throws Exception {
    Path f = dir.resolve("b.yaml");
    Files.writeString(
        f,
        "http:\n  port: 9000\nstorage:\n  dataDir: /srv/berth\ngo:\n  privatePatterns: [a.example.com]\n");
    NodeConfig c =
        ConfigLoader.load(
            f,
            Map.of(
                "BERTH_HTTP_PORT", "9100",
                "BERTH_GO_PRIVATE_PATTERNS", "x.example.com, *.corp.example.com",
                "BERTH_GO_LIST_TTL_SECONDS", "5",
                "PATH", "/bin"));
    assertThat(c.http().port()).isEqualTo(9100);
    assertThat(c.storage().dataDir()).isEqualTo("/srv/berth");
    assertThat(c.go().privatePatterns()).containsExactly("x.example.com", "*.corp.example.com");
    assertThat(c.go().listTtlSeconds()).isEqualTo(5);
  }

  @Test
  void theS3ReadCacheIsOnByDefaultAndSetFromTheEnvironment() {
    NodeConfig.LocalCacheSection d = ConfigLoader.load(null, Map.of()).storage().s3().localCache();
    assertThat(d.enabled()).isTrue();
    assertThat(d.maxBytes()).isEqualTo(10L << 30);
    assertThat(d.maxBlobBytes()).isEqualTo(256L << 20);
    assertThat(d.fillOnWrite()).isFalse();
    assertThat(d.dirUnder("/srv/berth")).isEqualTo(Path.of("/srv/berth/blob-cache"));
    NodeConfig.LocalCacheSection c =
        ConfigLoader.load(
                null,
                Map.of(
                    "BERTH_STORAGE_S3_LOCAL_CACHE_ENABLED", "false",
                    "BERTH_STORAGE_S3_LOCAL_CACHE_DIR", "/cache",
                    "BERTH_STORAGE_S3_LOCAL_CACHE_MAX_BYTES", "1000",
                    "BERTH_STORAGE_S3_LOCAL_CACHE_MAX_BLOB_BYTES", "100",
                    "BERTH_STORAGE_S3_LOCAL_CACHE_FILL_ON_WRITE", "true"))
            .storage()
            .s3()
            .localCache();
    assertThat(c.enabled()).isFalse();
    assertThat(c.dirUnder("/srv/berth")).isEqualTo(Path.of("/cache"));
    assertThat(c.maxBytes()).isEqualTo(1000);
    assertThat(c.maxBlobBytes()).isEqualTo(100);
    assertThat(c.fillOnWrite()).isTrue();
  }

  @Test
  void unknownSettingsAreNamedInTheError() throws Exception {
    Path f = dir.resolve("b.yaml");
    Files.writeString(f, "http:\n  prot: 9000\n");
    assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http.prot");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BERTH_NOPE", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("BERTH_NOPE");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BERTH_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void ociUpstreamsFromYamlAndFromTheEnvironment() throws Exception {
    Path f = dir.resolve("oci.yaml");
    Files.writeString(
        f,
        "oci:\n  upstreams:\n    - prefix: hub\n      url: http://127.0.0.1:5000\n"
            + "      tagTtlSeconds: 30\n  privatePatterns: [hub/corp]\n");
    NodeConfig c = ConfigLoader.load(f, Map.of());
    assertThat(c.oci().upstreams())
        .containsExactly(
            new NodeConfig.OciUpstream("hub", "http://127.0.0.1:5000", "", "", 30L, ""));
    assertThat(c.oci().privatePatterns()).containsExactly("hub/corp");

    NodeConfig e =
        ConfigLoader.load(
            f,
            Map.of(
                "BERTH_OCI_UPSTREAMS",
                "[{prefix: ghcr, url: \"https://ghcr.io\", username: u, password: p},"
                    + " {prefix: hub, url: \"https://registry-1.docker.io\", remotePrefix: library}]",
                "BERTH_OCI_UPSTREAM_TIMEOUT_SECONDS",
                "7"));
    assertThat(e.oci().upstreams()).hasSize(2);
    NodeConfig.OciUpstream ghcr = e.oci().upstreams().get(0);
    assertThat(ghcr.prefix()).isEqualTo("ghcr");
    assertThat(ghcr.password()).isEqualTo("p");
    assertThat(ghcr.tagTtlSeconds()).as("default TTL").isEqualTo(300L);
    assertThat(ghcr.toString()).doesNotContain("password=p").contains("password=***");
    assertThat(e.oci().upstreams().get(1).remotePrefix()).isEqualTo("library");
    assertThat(e.oci().upstreamTimeoutSeconds()).isEqualTo(7L);
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("BERTH_OCI_UPSTREAMS", "[{prefix: [unclosed")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("BERTH_OCI_UPSTREAMS", "[{prefx: hub}]")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("prefx");
  }

  @Test
  void exampleConfigInDeployLoads() {
    Path example = Path.of("..", "deploy", "berth.example.yaml");
    assertThat(example).exists();
    NodeConfig c = ConfigLoader.load(example, Map.of());
    assertThat(c.http().port()).isEqualTo(8080);
  }

  @Test
  void replicationSettings() {
    NodeConfig d = ConfigLoader.load(null, Map.of());
    assertThat(d.node().mode()).isEqualTo("primary");
    assertThat(d.node().replica()).isFalse();
    assertThat(d.http().grpcPort()).as("gRPC off by default").isEqualTo(-1);
    assertThat(d.cluster().peers()).isEmpty();
    NodeConfig c =
        ConfigLoader.load(
            null,
            Map.of(
                "BERTH_NODE_MODE", "replica",
                "BERTH_HTTP_GRPC_PORT", "9090",
                "BERTH_CLUSTER_PEERS", "eu=http://10.0.0.1:8080, us=http://10.0.1.1:8080",
                "BERTH_JAVA_OPTS", "-Xmx1g",
                "BERTH_LOG_LEVEL", "DEBUG",
                "BERTH_REGISTRY", "http://x"));
    assertThat(c.node().replica()).isTrue();
    assertThat(c.http().grpcPort()).isEqualTo(9090);
    assertThat(c.cluster().peers())
        .containsExactly("eu=http://10.0.0.1:8080", "us=http://10.0.1.1:8080");
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BERTH_NODE_MODE", "secondary")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("node.mode must be primary or replica");
  }

  @Test
  void replicationRpcSecuritySettings() {
    NodeConfig d = ConfigLoader.load(null, Map.of());
    assertThat(d.http().grpcBindHost()).as("defaults to the HTTP host").isEqualTo("0.0.0.0");
    assertThat(d.http().grpcToken()).isEmpty();
    assertThat(d.http().grpcMaxEpochJump()).isEqualTo(1L << 42);
    NodeConfig c =
        ConfigLoader.load(
            null,
            Map.of(
                "BERTH_HTTP_GRPC_HOST", "10.0.0.5",
                "BERTH_HTTP_GRPC_TOKEN", "t0ken",
                "BERTH_HTTP_GRPC_MAX_EPOCH_JUMP", "0"));
    assertThat(c.http().grpcBindHost()).isEqualTo("10.0.0.5");
    assertThat(c.http().grpcToken()).isEqualTo("t0ken");
    assertThat(c.http().grpcMaxEpochJump()).isZero();
    assertThat(c.http().toString()).doesNotContain("t0ken");
    assertThatThrownBy(
            () -> ConfigLoader.load(null, Map.of("BERTH_HTTP_GRPC_MAX_EPOCH_JUMP", "-1")))
        .hasMessageContaining("grpcMaxEpochJump");
  }

  @Test
  void booleansFromTheEnvironmentMustBeTrueOrFalse() {
    NodeConfig c =
        ConfigLoader.load(
            null, Map.of("BERTH_STORAGE_GC_ENABLED", "FALSE", "BERTH_HTTP_ACCESS_LOG", " true "));
    assertThat(c.storage().gc().enabled()).isFalse();
    assertThat(c.http().accessLog()).isTrue();
    for (String bad : new String[] {"yes", "no", "1", "0", "on", "", "tru"}) {
      assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BERTH_STORAGE_GC_ENABLED", bad)))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("BERTH_STORAGE_GC_ENABLED")
          .hasMessageContaining("true or false");
    }
  }

  @Test
  void badNumbersNameTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("BERTH_HTTP_PORT", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("BERTH_HTTP_PORT");
  }
}
