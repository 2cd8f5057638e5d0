package io.berth.replicator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  static final String YAML =
      """
      instanceId: repl-1
      zookeeper: 127.0.0.1:2181
      http:
        port: 9401
      regions:
        eu:
          kafkaBootstrap: 127.0.0.1:9092
          nodes:
            - grpc: 127.0.1.1:9090
              http: http://127.0.1.1:8080
        us:
          kafkaBootstrap: 127.0.0.1:9092
          topic: us-changes
          nodes:
            - grpc: 127.0.2.1:9090
      links:
        - source: eu
          target: us
          bandwidthBytesPerSecond: 1048576
          concurrency: 8
        - source: us
          target: eu
          mode: filtered
          filters:
            modulePrefixes: [corp.example.com/shared]
      """;

  Path write(String yaml) throws Exception {
    Path f = dir.resolve("r.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void loadsTheFileWithDefaultsAndEnvOverrides() throws Exception {
    ReplicatorConfig c =
        ConfigLoader.load(
            write(YAML),
            Map.of(
                "BERTH_REPLICATOR_HTTP_PORT", "9500",
                "BERTH_REPLICATOR_REGIONS_EU_KAFKA_BOOTSTRAP", "10.0.0.1:9092",
                "BERTH_REPLICATOR_SESSION_TIMEOUT_MS", "4000",
                "PATH", "/usr/bin"));
    assertThat(c.instanceId()).isEqualTo("repl-1");
    assertThat(c.http().port()).isEqualTo(9500);
    assertThat(c.http().host()).isEqualTo("127.0.0.1");
    assertThat(c.sessionTimeoutMs()).isEqualTo(4000);
    assertThat(c.regions().get("eu").kafkaBootstrap()).isEqualTo("10.0.0.1:9092");
    assertThat(c.regions().get("eu").topicFor("eu")).isEqualTo("berth.eu.changes");
    assertThat(c.regions().get("us").topicFor("us")).isEqualTo("us-changes");
    assertThat(c.links()).hasSize(2);
    ReplicatorConfig.LinkSection l = c.links().get(0);
    assertThat(l.id()).isEqualTo("eu->us");
    assertThat(l.mode()).isEqualTo("mirror");
    assertThat(l.bandwidthBytesPerSecond()).isEqualTo(1_048_576L);
    assertThat(l.concurrency()).isEqualTo(8);
    assertThat(c.links().get(1).filters().modulePrefixes())
        .containsExactly("corp.example.com/shared");
    assertThat(c.links().get(1).concurrency()).as("the default").isEqualTo(16);
  }

  @Test
  void instanceIdDefaultsToHostAndPid() throws Exception {
    ReplicatorConfig c =
        ConfigLoader.load(write(YAML.replace("instanceId: repl-1\n", "")), Map.of());
    assertThat(c.instanceId()).endsWith("-" + ProcessHandle.current().pid());
    assertThat(
            ConfigLoader.load(write(YAML), Map.of("BERTH_REPLICATOR_INSTANCE_ID", "other"))
                .instanceId())
        .isEqualTo("other");
  }

  @Test
  void badSettingsAreNamed() throws Exception {
    assertThatThrownBy(
            () -> ConfigLoader.load(write(YAML.replace("target: us\n", "target: ap\n")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("target region 'ap' is not defined");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(write(YAML.replace("mode: filtered", "mode: mirror")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("filters need mode: filtered");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    write(YAML.replace("concurrency: 8", "concurrency: 0")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("concurrency");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(write(YAML.replace("zookeeper: 127.0.0.1:2181\n", "")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("zookeeper is required");
    assertThatThrownBy(() -> ConfigLoader.load(write(YAML + "bogus: 1\n"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bogus");
    assertThatThrownBy(() -> ConfigLoader.load(write(YAML), Map.of("BERTH_REPLICATOR_NOPE", "1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("BERTH_REPLICATOR_NOPE");
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    write(YAML.replace("grpc: 127.0.2.1:9090", "grpc: nowhere")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("host:port");
    assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not exist");
  }

  @Test
  void theExampleFileIsValid() {
    Path example = Path.of("..", "deploy", "replicator.example.yaml");
    ReplicatorConfig c = ConfigLoader.load(example, Map.of());
    assertThat(c.links()).isNotEmpty();
    assertThat(c.links().get(0).maxAttempts()).isEqualTo(5);
    assertThat(c.links().get(0).deadLetterKeep()).isEqualTo(100);
    assertThat(c.links().get(1).maxAttempts()).as("default").isEqualTo(5);
    ReplicatorConfig withToken =
        ConfigLoader.load(example, Map.of("BERTH_REPLICATOR_REGIONS_EU_TOKEN", "s3cret"));
    assertThat(withToken.regions().get("eu").token()).isEqualTo("s3cret");
    assertThat(withToken.regions().get("us").token()).isEmpty();
    assertThat(withToken.regions().get("eu").toString()).doesNotContain("s3cret");
    ReplicatorConfig.BucketSection bucket =
        ConfigLoader.load(
                example, Map.of("BERTH_REPLICATOR_REGIONS_US_BUCKET_SECRET_KEY", "bucket-s3cret"))
            .regions()
            .get("us")
            .bucket();
    assertThat(bucket.endpoint()).isEqualTo("http://127.0.0.1:9000");
    assertThat(bucket.bucket()).isEqualTo("berth-us");
    assertThat(bucket.secretKey()).isEqualTo("bucket-s3cret");
    assertThat(bucket.region()).as("default").isEqualTo("us-east-1");
    assertThat(bucket.bufferBytes()).as("default").isEqualTo(64L << 20);
    assertThat(bucket.toString()).doesNotContain("bucket-s3cret");
    assertThat(withToken.regions().get("eu").bucket()).as("optional").isNull();
    assertThatThrownBy(
            () ->
                ConfigLoader.load(
                    example,
                    Map.of("BERTH_REPLICATOR_REGIONS_US_BUCKET_ENDPOINT", "127.0.0.1:9000")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("bucket.endpoint must be the S3 server's URL");
  }
}
