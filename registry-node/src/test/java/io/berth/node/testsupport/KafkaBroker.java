package io.berth.node.testsupport;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka KRaft broker (broker + controller) from the kafka_2.13 jar, in its own
 * JVM: storage formatted with {@code kafka.tools.StorageTool}, then {@code kafka.Kafka}. It can be
 * stopped, killed and restarted on the same ports and data directory (outage tests).
 */
public final class KafkaBroker implements AutoCloseable {
  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final Path props;
  private JavaProcess process;

  private KafkaBroker(Path dir) throws IOException {
    this.dir = dir;
    this.port = NodeProcess.freePort();
    this.controllerPort = NodeProcess.freePort();
    this.props = dir.resolve("server.properties");
  }

  /** Formats storage and starts the broker; returns once it answers admin requests. */
  public static KafkaBroker start(Path dir) throws Exception {
    Files.createDirectories(dir);
    KafkaBroker b = new KafkaBroker(dir);
    b.writeConfig();
    JavaProcess fmt =
        JavaProcess.start(
            "kafka.tools.StorageTool",
            List.of(
                "format",
                "-t",
                Uuid.randomUuid().toString(),
                "-c",
                b.props.toString(),
                "--ignore-formatted"),
            Map.of(),
            List.of(),
            dir.resolve("format.log"));
    int code = fmt.waitFor(120);
    if (code != 0) {
      throw new AssertionError("kafka storage format failed (" + code + "):\n" + fmt.output());
    }
    b.launch();
    return b;
  }

  private void writeConfig() throws IOException {
    String cfg =
        String.join(
            "\n",
            "process.roles=broker,controller",
            "node.id=1",
            "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
            "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
            "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs=" + dir.resolve("data"),
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "num.partitions=1",
            "auto.create.topics.enable=false",
            "");
    Files.writeString(props, cfg);
  }

  private void launch() throws Exception {
    process =
        JavaProcess.start(
            "kafka.Kafka",
            List.of(props.toString()),
            Map.of(),
            List.of("-XX:TieredStopAtLevel=1"),
            dir.resolve("broker.log"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("kafka exited:\n" + process.output());
      }
      if (answers()) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("kafka did not start:\n" + process.output());
  }

  private boolean answers() {
    try (Socket s = new Socket("127.0.0.1", port)) {
      // listening; now check it serves metadata
    } catch (IOException e) {
      return false;
    }
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
    try (Admin a = Admin.create(p)) {
      return !a.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Graceful stop (SIGTERM). */
  public void stop() throws InterruptedException {
    process.stop();
  }

  /** SIGKILL. */
  public void kill9() throws InterruptedException {
    process.kill9();
  }

  /** Starts again on the same ports and data. */
  public void restart() throws Exception {
    if (process.isAlive()) {
      process.stop();
    }
    launch();
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null) {
      process.kill9();
    }
  }
}
