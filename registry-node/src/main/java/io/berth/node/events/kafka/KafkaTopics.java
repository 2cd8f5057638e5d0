package io.berth.node.events.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the region topic with the recommended settings when it does not exist: the configured
 * partitions and replication factor, {@code min.insync.replicas}, unclean leader election off, and
 * infinite retention (a new node rebuilds its index by replaying the topic). Compaction is not
 * used: events are keyed by repository or module version and every event of a key matters for a
 * replay (a compacted topic would keep only a repository's last event). An existing topic is left
 * as it is, but settings that break those guarantees are logged as warnings.
 */
public final class KafkaTopics {
  private static final Logger log = LoggerFactory.getLogger(KafkaTopics.class);

  private KafkaTopics() {}

  /** The topic settings applied at creation. */
  public static Map<String, String> settings(int minInsyncReplicas) {
    return Map.of(
        "min.insync.replicas", Integer.toString(minInsyncReplicas),
        "unclean.leader.election.enable", "false",
        "cleanup.policy", "delete",
        "retention.ms", "-1",
        "retention.bytes", "-1");
  }

  /**
   * What differs, in an existing topic, from the settings the change log relies on (empty if
   * nothing).
   */
  public static List<String> deviations(Admin admin, String topic, int minIsr)
      throws ExecutionException, InterruptedException, TimeoutException {
    List<String> out = new ArrayList<>();
    ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    Config cfg = admin.describeConfigs(List.of(res)).all().get(10, TimeUnit.SECONDS).get(res);
    Map<String, String> want = settings(minIsr);
    for (String key : List.of("cleanup.policy", "retention.ms", "unclean.leader.election.enable")) {
      var entry = cfg.get(key);
      String have = entry == null ? null : entry.value();
      if (have != null && !have.equals(want.get(key))) {
        out.add(
            key
                + "="
                + have
                + " (recommended "
                + want.get(key)
                + "): a new node may not be able to rebuild its index from the topic");
      }
    }
    var isr = cfg.get("min.insync.replicas");
    if (isr != null && Integer.parseInt(isr.value()) < minIsr) {
      out.add(
          "min.insync.replicas="
              + isr.value()
              + " (configured "
              + minIsr
              + "): acknowledged events may be lost with a broker");
    }
    TopicDescription d =
        admin.describeTopics(List.of(topic)).allTopicNames().get(10, TimeUnit.SECONDS).get(topic);
    int rf = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
    if (rf < minIsr) {
      out.add("replication factor " + rf + " is below min.insync.replicas " + minIsr);
    }
    return out;
  }

  /**
   * Ensures the topic exists.
   *
   * @throws IllegalStateException if Kafka cannot be reached or refuses
   */
  public static void ensure(
      String bootstrap, String topic, int partitions, short replication, int minIsr) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    try (Admin admin = Admin.create(p)) {
      Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
      if (names.contains(topic)) {
        for (String w : deviations(admin, topic, minIsr)) {
          log.warn("topic {}: {}", topic, w);
        }
        return;
      }
      NewTopic t = new NewTopic(topic, partitions, replication).configs(settings(minIsr));
      admin.createTopics(List.of(t)).all().get(10, TimeUnit.SECONDS);
      log.info("created topic {} ({} partitions, replication {})", topic, partitions, replication);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return;
      }
      throw new IllegalStateException("cannot create topic " + topic + ": " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka at " + bootstrap + " did not answer", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
