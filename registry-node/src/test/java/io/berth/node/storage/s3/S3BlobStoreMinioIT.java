package io.berth.node.storage.s3;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.berth.node.config.NodeConfig;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BlobStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;

/**
 * The BlobStore contract against a real MinIO server in a container (Testcontainers), when a Docker
 * engine is reachable. Without one the class is skipped with a loud message; {@link S3BlobStoreIT}
 * runs the same contract against S3Proxy in every build.
 */
class S3BlobStoreMinioIT extends BlobStoreContract {
  static final String USER = "berth-minio";
  static final String PASSWORD = "berth-minio-secret";
  static GenericContainer<?> minio;
  static final AtomicInteger buckets = new AtomicInteger();

  @BeforeAll
  static void startMinio() {
    boolean docker;
    String why = "";
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable t) {
      docker = false;
      why = t.toString();
    }
    if (!docker) {
      System.err.println(
          "*** S3BlobStoreMinioIT SKIPPED: no Docker engine reachable; the S3Proxy variant"
              + " (S3BlobStoreIT) ran the same contract instead ***");
    }
    assumeTrue(
        docker,
        "no Docker engine reachable: "
            + (why.isEmpty() ? "DockerClientFactory found none" : why)
            + "; MinIO contract run skipped; the S3Proxy variant (S3BlobStoreIT) ran instead");
    minio =
        new GenericContainer<>("minio/minio:latest")
            .withCommand("server", "/data")
            .withEnv("MINIO_ROOT_USER", USER)
            .withEnv("MINIO_ROOT_PASSWORD", PASSWORD)
            .withExposedPorts(9000)
            .waitingFor(Wait.forHttp("/minio/health/ready").forPort(9000));
    minio.start();
  }

  @AfterAll
  static void stopMinio() {
    if (minio != null) {
      minio.stop();
    }
  }

  private S3BlobStore s3() {
    return (S3BlobStore) store;
  }

  @Override
  protected BlobStore newStore() {
    String endpoint = "http://" + minio.getHost() + ":" + minio.getMappedPort(9000);
    return new S3BlobStore(
        NodeConfig.S3Section.of(endpoint, "contract-" + buckets.incrementAndGet(), USER, PASSWORD),
        "writer-a");
  }

  @Override
  protected boolean noTemporaryData() {
    return s3().incompleteUploads().isEmpty()
        && s3().allKeys().stream().allMatch(k -> k.startsWith("blobs/"));
  }
}
