package io.berth.node.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 section's factories and copies keep every setting they do not name. */
class S3SectionTest {
  private static final String ALL_SET =
      """
      storage:
        type: s3
        s3:
          endpoint: http://127.0.0.1:9100
          region: eu-central-1
          bucket: b1
          accessKey: ak
          secretKey: sk
          prefix: p/
          createBucket: false
          partSizeBytes: 6291456
          maxPartsInFlight: 5
          requestTimeoutSeconds: 7
          maxAttempts: 4
          retryBaseMillis: 11
          incompleteUploadMaxAgeMinutes: 13
          presignedRedirectMinBytes: 17
          presignedExpirySeconds: 19
          readinessCacheMillis: 23
          maxBufferBytes: 29
          bufferWaitMillis: 31
          localCache:
            enabled: false
            dir: /c
            maxBytes: 37
            maxBlobBytes: 41
      """;

  @TempDir Path dir;

  private NodeConfig.S3Section load(String yaml) throws Exception {
    Path f = dir.resolve("c" + System.nanoTime() + ".yaml");
    Files.writeString(f, yaml);
    return ConfigLoader.load(f, Map.of()).storage().s3();
  }

  private NodeConfig.S3Section loadWith(String key, String value) throws Exception {
    String yaml = ALL_SET.replaceFirst("(?m)^(\\s+" + key + ": ).*$", "$1" + value);
    assertThat(yaml).as("test YAML sets %s", key).isNotEqualTo(ALL_SET);
    return load(yaml);
  }

  @Test
  void theYamlKeysAreTheRecordComponents() {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    List<String> keys = new ArrayList<>();
    yaml.valueToTree(NodeConfig.S3Section.defaults()).fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactlyInAnyOrder(
            "endpoint",
            "region",
            "bucket",
            "accessKey",
            "secretKey",
            "prefix",
            "createBucket",
            "partSizeBytes",
            "maxPartsInFlight",
            "requestTimeoutSeconds",
            "maxAttempts",
            "retryBaseMillis",
            "incompleteUploadMaxAgeMinutes",
            "presignedRedirectMinBytes",
            "presignedExpirySeconds",
            "readinessCacheMillis",
            "maxBufferBytes",
            "bufferWaitMillis",
            "localCache");
  }

  @Test
  void defaultsAreWhatAnEmptyFileLoads() {
    NodeConfig.S3Section d = NodeConfig.S3Section.defaults();
    assertThat(d).isEqualTo(ConfigLoader.load(null, Map.of()).storage().s3());
    assertThat(d.endpoint()).isEqualTo("http://127.0.0.1:9000");
    assertThat(d.region()).isEqualTo("us-east-1");
    assertThat(d.bucket()).isEqualTo("berth");
    assertThat(d.partSizeBytes()).isEqualTo(8L << 20);
    assertThat(d.maxAttempts()).isEqualTo(3);
    assertThat(d.bufferWaitMillis()).isEqualTo(30_000L);
    assertThat(d.localCache()).isEqualTo(NodeConfig.LocalCacheSection.defaults());
  }

  @Test
  void ofSetsTheEndpointBucketAndCredentialsOnly() {
    NodeConfig.S3Section s = NodeConfig.S3Section.of("http://127.0.0.1:1", "b", "a", "s");
    NodeConfig.S3Section d = NodeConfig.S3Section.defaults();
    assertThat(s.endpoint()).isEqualTo("http://127.0.0.1:1");
    assertThat(s.bucket()).isEqualTo("b");
    assertThat(s.accessKey()).isEqualTo("a");
    assertThat(s.secretKey()).isEqualTo("s");
    assertThat(s)
        .usingRecursiveComparison()
        .ignoringFields("endpoint", "bucket", "accessKey", "secretKey")
        .isEqualTo(d);
    assertThat(NodeConfig.S3Section.of(null, null, null, null)).isEqualTo(d);
  }

  @Test
  void withRetriesChangesOnlyTheRetrySettings() throws Exception {
    NodeConfig.S3Section all = load(ALL_SET);
    NodeConfig.S3Section expected =
        load(
            ALL_SET
                .replace("requestTimeoutSeconds: 7", "requestTimeoutSeconds: 70")
                .replace("maxAttempts: 4", "maxAttempts: 9")
                .replace("retryBaseMillis: 11", "retryBaseMillis: 110"));
    assertThat(all.withRetries(70, 9, 110)).isEqualTo(expected);
    assertThat(all.withRetries(70, 0, 110).maxAttempts()).as("bounded like YAML").isEqualTo(1);
  }

  @Test
  void withBuffersChangesOnlyTheBufferSettings() throws Exception {
    NodeConfig.S3Section all = load(ALL_SET);
    NodeConfig.S3Section expected =
        load(
            ALL_SET
                .replace("maxBufferBytes: 29", "maxBufferBytes: 290")
                .replace("bufferWaitMillis: 31", "bufferWaitMillis: 310"));
    assertThat(all.withBuffers(290, 310)).isEqualTo(expected);
  }

  @Test
  void withPresignedRedirectChangesOnlyTheThreshold() throws Exception {
    assertThat(load(ALL_SET).withPresignedRedirect(170))
        .isEqualTo(loadWith("presignedRedirectMinBytes", "170"));
  }

  @Test
  void withLocalCacheChangesOnlyTheCacheSection() throws Exception {
    NodeConfig.LocalCacheSection cache =
        new NodeConfig.LocalCacheSection(true, "/d", 1L, 2L, false);
    NodeConfig.S3Section changed = load(ALL_SET).withLocalCache(cache);
    assertThat(changed.localCache()).isEqualTo(cache);
    assertThat(changed)
        .usingRecursiveComparison()
        .ignoringFields("localCache")
        .isEqualTo(load(ALL_SET));
    assertThat(load(ALL_SET).withLocalCache(null).localCache())
        .isEqualTo(NodeConfig.LocalCacheSection.defaults());
  }
}
