package io.berth.node.events.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.node.events.ChangeSubscriber;
import io.berth.node.events.LogPosition;
import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
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
 * {@link ChangeSubscriber} on Kafka. Each node is its own consumer group and reads every partition
 * of the region topic (manual assignment: no rebalance pauses). Offsets are committed only by
 * {@link #commit}, after the applier has durably applied what was polled; {@link #rewind} closes
 * the consumer so the next poll resumes from the committed offsets. Connects lazily, so a node
 * starts while Kafka is down. {@link #end} asks the broker through a separate (thread-safe) admin
 * client.
 */
public final class KafkaChangeSubscriber implements ChangeSubscriber {
  private static final Logger log = LoggerFactory.getLogger(KafkaChangeSubscriber.class);

  private final Properties props = new Properties();
  private final Properties adminProps = new Properties();
  private final String topic;
  private Admin admin;
  private volatile List<TopicPartition> partitions;
  private final Runnable ensureTopic;
  private KafkaConsumer<String, byte[]> consumer;
  private Map<TopicPartition, Long> endAtStart;
  private final Map<TopicPartition, OffsetAndMetadata> pending = new HashMap<>();
  private boolean caughtUp;

  public KafkaChangeSubscriber(
      String bootstrap, String topic, String groupId, Runnable ensureTopic) {
    this.topic = topic;
    this.ensureTopic = ensureTopic;
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    // a long poll: with fetch.min.bytes=1 the broker answers as soon as a record arrives, so this
    // adds no latency; it only bounds the empty fetches of an idle consumer (10 ms made every idle
    // consumer send ~100 requests/s, a steady share of a small machine's CPU)
    props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
    props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    adminProps.put(AdminClientConfig.CLIENT_ID_CONFIG, groupId + "-end-offsets");
    adminProps.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000);
  }

  private void connect() {
    ensureTopic.run();
    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props);
    try {
      List<PartitionInfo> parts = c.partitionsFor(topic, Duration.ofSeconds(10));
      if (parts == null || parts.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " has no partitions yet");
      }
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo p : parts) {
        tps.add(new TopicPartition(topic, p.partition()));
      }
      c.assign(tps);
      Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new java.util.HashSet<>(tps));
      for (TopicPartition tp : tps) {
        OffsetAndMetadata om = committed.get(tp);
        if (om != null) {
          c.seek(tp, om.offset());
        } else {
          c.seekToBeginning(List.of(tp));
        }
      }
      if (endAtStart == null) {
        endAtStart = c.endOffsets(tps);
      }
      partitions = List.copyOf(tps);
      pending.clear();
      consumer = c;
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
    for (ConsumerRecord<String, byte[]> r : consumer.poll(timeout)) {
      pending.put(
          new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
      try {
        out.add(ChangeEvent.parseFrom(r.value()));
      } catch (InvalidProtocolBufferException e) {
        log.error("skipping undecodable event at {}-{}@{}", r.topic(), r.partition(), r.offset());
      }
    }
    if (!caughtUp) {
      boolean all = true;
      for (Map.Entry<TopicPartition, Long> e : endAtStart.entrySet()) {
        if (consumer.position(e.getKey()) < e.getValue()) {
          all = false;
          break;
        }
      }
      caughtUp = all;
    }
    return out;
  }

  @Override
  public void commit() {
    if (consumer != null && !pending.isEmpty()) {
      consumer.commitSync(new HashMap<>(pending));
      pending.clear();
    }
  }

  @Override
  public void rewind() {
    pending.clear();
    if (consumer != null) {
      consumer.close(Duration.ZERO);
      consumer = null;
    }
  }

  @Override
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  public LogPosition position() {
    if (consumer == null) {
      return LogPosition.START;
    }
    Map<Integer, Long> next = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      next.put(tp.partition(), consumer.position(tp));
    }
    return new LogPosition(next);
  }

  /** One query of the log's end, shared by the callers that arrived before it started. */
  private record EndQuery(long startedNanos, CompletableFuture<LogPosition> result) {}

  private final Object endLock = new Object();
  private EndQuery lastEnd;

  /**
   * Concurrent callers share one query: a caller gets the answer of a query that started after it
   * arrived (so no event it must see is missing from it), joins one in flight if that started after
   * it arrived, and otherwise waits for the one in flight and then starts (or joins) the next. Many
   * reads that miss at once thus cost about one query per round trip, not one each.
   */
  @Override
  public LogPosition end(Duration timeout) {
    long arrived = System.nanoTime();
    long deadline = arrived + timeout.toNanos();
    while (true) {
      EndQuery q;
      boolean run = false;
      synchronized (endLock) {
        q = lastEnd;
        if (q == null || (q.result().isDone() && q.startedNanos() < arrived)) {
          q = new EndQuery(System.nanoTime(), new CompletableFuture<>());
          lastEnd = q;
          run = true;
        }
      }
      if (run) {
        try {
          q.result().complete(queryEnd(deadline));
        } catch (RuntimeException e) {
          q.result().completeExceptionally(e);
        }
      }
      boolean fresh = q.startedNanos() >= arrived;
      try {
        LogPosition p = q.result().get(left(deadline), TimeUnit.NANOSECONDS);
        if (fresh) {
          return p;
        }
      } catch (ExecutionException e) {
        if (fresh) {
          throw e.getCause() instanceof RuntimeException re
              ? re
              : new IllegalStateException(e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("the end of " + topic + " is unknown: timed out", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  private LogPosition queryEnd(long deadline) {
    try {
      Admin a = admin();
      List<TopicPartition> tps = partitions;
      if (tps == null) {
        TopicDescription d =
            a.describeTopics(List.of(topic))
                .allTopicNames()
                .get(left(deadline), TimeUnit.NANOSECONDS)
                .get(topic);
        List<TopicPartition> found = new ArrayList<>();
        d.partitions().forEach(p -> found.add(new TopicPartition(topic, p.partition())));
        tps = found;
      }
      Map<TopicPartition, OffsetSpec> query = new HashMap<>();
      for (TopicPartition tp : tps) {
        query.put(tp, OffsetSpec.latest());
      }
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r =
          a.listOffsets(query).all().get(left(deadline), TimeUnit.NANOSECONDS);
      Map<Integer, Long> next = new HashMap<>();
      r.forEach((tp, info) -> next.put(tp.partition(), info.offset()));
      return new LogPosition(next);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the end of " + topic + " is unknown: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static long left(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  private synchronized Admin admin() {
    if (admin == null) {
      admin = Admin.create(adminProps);
    }
    return admin;
  }

  @Override
  public void close() {
    if (consumer != null) {
      consumer.close(Duration.ofSeconds(2));
      consumer = null;
    }
    synchronized (this) {
      if (admin != null) {
        admin.close(Duration.ofSeconds(2));
        admin = null;
      }
    }
  }
}
