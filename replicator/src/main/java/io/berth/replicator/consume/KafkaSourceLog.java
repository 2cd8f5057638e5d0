package io.berth.replicator.consume;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SourceLog} on the source region's Kafka topic. The link's consumer group ({@code
 * berth-replicator-<source>-to-<target>}) holds the committed offsets, shared by every instance
 * that may own the link; partitions are assigned manually (no rebalances: ownership is decided in
 * ZooKeeper, not by the group). Offsets are committed only by {@link #commit}. Connects lazily.
 *
 * <p>{@link #commit} takes effect at once for this reader ({@link #rewind} and {@link #behind}
 * start from it), but reaches Kafka at most once per commit interval (1 s by default): the first
 * commit after a quiet interval is sent at once, later ones wait for the next {@link #commit} or
 * {@link #poll} after the interval, and {@link #close} sends the last one synchronously. An owner
 * that crashes can thus leave up to one interval of handed-over events uncommitted; the next owner
 * hands them over again and the target skips them. Each commit costs the broker a write to its
 * offsets log and a group-coordinator round, so committing per batch cost a busy link several
 * requests per second.
 */
public final class KafkaSourceLog implements SourceLog {
  private static final Logger log = LoggerFactory.getLogger(KafkaSourceLog.class);

  private final Properties props = new Properties();
  private final String topic;
  private KafkaConsumer<String, byte[]> consumer;
  private List<TopicPartition> partitions = List.of();
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private final Map<TopicPartition, Long> pending = new HashMap<>();

  /** The last position handed to {@link #commit}, committed synchronously on close. */
  private final Map<TopicPartition, Long> toClose = new HashMap<>();

  /** Positions handed to {@link #commit} but not yet sent to Kafka. */
  private final Map<TopicPartition, Long> unsent = new HashMap<>();

  /** The default for how often commits reach Kafka. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(1);

  private final long commitIntervalNanos;

  /** When commits last went to Kafka; starts one interval back, so the first goes at once. */
  private long lastSent;

  private volatile long behind = -1;
  private long lastLagCheck;

  public KafkaSourceLog(String bootstrap, String topic, String groupId) {
    this(bootstrap, topic, groupId, DEFAULT_COMMIT_INTERVAL);
  }

  /** A reader whose commits reach Kafka at most once per {@code commitInterval}. */
  public KafkaSourceLog(String bootstrap, String topic, String groupId, Duration commitInterval) {
    this.topic = topic;
    this.commitIntervalNanos = commitInterval.toNanos();
    this.lastSent = System.nanoTime() - commitIntervalNanos;
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 200);
    // a long poll: with fetch.min.bytes=1 the broker answers as soon as a record arrives, so this
    // adds no latency; it only bounds the empty fetches of an idle consumer (10 ms made every idle
    // consumer send ~100 requests/s, a steady share of a small machine's CPU)
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
    props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
  }

  /** The consumer group of a link. */
  public static String groupFor(String source, String target) {
    return "berth-replicator-" + source + "-to-" + target;
  }

  private void connect() {
    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props);
    try {
      List<PartitionInfo> parts = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (parts == null || parts.isEmpty()) {
        throw new IllegalStateException("source topic " + topic + " does not exist yet");
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo p : parts) {
        tps.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(tps);
      Map<TopicPartition, OffsetAndMetadata> offsets = c.committed(new HashSet<>(tps));
      for (TopicPartition tp : tps) {
        OffsetAndMetadata om = offsets.get(tp);
        if (om != null) {
          c.seek(tp, om.offset());
          committed.put(tp, om.offset());
        } else {
          c.seekToBeginning(List.of(tp));
          committed.put(tp, c.position(tp));
        }
      }
      partitions = tps;
      consumer = c;
      log.info("consuming {} from {}", topic, committed);
    } catch (RuntimeException e) {
      c.close(Duration.ZERO);
      throw e;
    }
  }

  @Override
  public List<ChangeEvent> poll(Duration timeout) {
    if (consumer == null) {
      connect();
    }
    List<ChangeEvent> out = new ArrayList<>();
    org.apache.kafka.clients.consumer.ConsumerRecords<String, byte[]> records;
    try {
      sendIfDue();
      records = consumer.poll(timeout);
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
      return out;
    }
    for (ConsumerRecord<String, byte[]> r : records) {
      pending.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
      try {
        out.add(ChangeEvent.parseFrom(r.value()));
      } catch (InvalidProtocolBufferException e) {
        log.error(
            "skipping an undecodable record at {}-{}@{}", r.topic(), r.partition(), r.offset());
      }
    }
    refreshLag(false);
    return out;
  }

  private void refreshLag(boolean force) {
    long now = System.nanoTime();
    if (!force && now - lastLagCheck < 1_000_000_000L) {
      return;
    }
    lastLagCheck = now;
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(5));
    long total = 0;
    for (TopicPartition tp : partitions) {
      total += Math.max(0, end.getOrDefault(tp, 0L) - committed.getOrDefault(tp, 0L));
    }
    behind = total;
  }

  /**
   * Records that everything polled so far was handled; the position is sent to Kafka
   * asynchronously, at most once per commit interval (see the class comment). A commit lost in a
   * crash or a failover only means that its events are delivered again, and the target skips the
   * events it already holds.
   */
  @Override
  public void commit() {
    if (consumer == null || pending.isEmpty()) {
      return;
    }
    committed.putAll(pending);
    toClose.putAll(pending);
    unsent.putAll(pending);
    pending.clear();
    try {
      sendIfDue();
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while committing offsets of " + topic, e);
    }
  }

  private void sendIfDue() {
    long now = System.nanoTime();
    if (unsent.isEmpty() || now - lastSent < commitIntervalNanos) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = offsets(unsent);
    consumer.commitAsync(
        offsets,
        (done, e) -> {
          if (e != null) {
            log.warn(
                "committing {} of {} failed (the events will be delivered again): {}",
                done == null ? offsets : done,
                topic,
                e.toString());
          }
        });
    unsent.clear();
    lastSent = now;
  }

  @Override
  public void rewind() {
    if (consumer == null) {
      return;
    }
    for (TopicPartition tp : partitions) {
      Long at = committed.get(tp);
      if (at != null) {
        consumer.seek(tp, at);
      }
    }
    pending.clear();
  }

  private static Map<TopicPartition, OffsetAndMetadata> offsets(Map<TopicPartition, Long> of) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    of.forEach((tp, o) -> offsets.put(tp, new OffsetAndMetadata(o)));
    return offsets;
  }

  @Override
  public long behind() {
    if (consumer != null) {
      try {
        refreshLag(false);
      } catch (org.apache.kafka.common.errors.InterruptException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        log.debug("cannot read the end offsets of {}: {}", topic, e.toString());
      }
    }
    return behind;
  }

  @Override
  public void close() {
    if (consumer != null) {
      // a term ended by an interrupt still closes its consumer fully (the flag would make close
      // give up at once and leave the consumer's sockets behind)
      boolean interrupted = Thread.interrupted();
      try {
        if (!toClose.isEmpty()) {
          consumer.commitSync(offsets(toClose), Duration.ofSeconds(2));
        }
      } catch (RuntimeException e) {
        log.debug("last commit of {} on close: {}", topic, e.toString());
      }
      unsent.clear();
      try {
        consumer.close(Duration.ofSeconds(2));
      } catch (RuntimeException e) {
        log.debug("closing the consumer of {}: {}", topic, e.toString());
      } finally {
        consumer = null;
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
