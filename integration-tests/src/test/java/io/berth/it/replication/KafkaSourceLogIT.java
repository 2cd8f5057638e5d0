package io.berth.it.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.node.testsupport.KafkaBroker;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.replicator.consume.KafkaSourceLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator's reader of a source topic against a real KRaft broker: a commit takes effect at
 * once for the reader, but reaches Kafka at most once per commit interval, and closing sends the
 * last position synchronously.
 */
class KafkaSourceLogIT {
  @TempDir static Path dir;
  static KafkaBroker kafka;
  static Admin admin;
  static KafkaProducer<String, byte[]> producer;

  static final Duration INTERVAL = Duration.ofSeconds(5);

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaBroker.start(dir.resolve("kafka"));
    Properties a = new Properties();
    a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    admin = Admin.create(a);
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    producer = new KafkaProducer<>(p);
  }

  @AfterAll
  static void stop() throws Exception {
    if (producer != null) {
      producer.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  /** Each test has its own one-partition topic. */
  String topic;

  long seq;

  void newTopic(String name) throws Exception {
    topic = name;
    admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
  }

  void produce(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      ChangeEvent e = ChangeEvent.newBuilder().setKey("k").setSeq(++seq).build();
      producer.send(new ProducerRecord<>(topic, "k", e.toByteArray())).get();
    }
  }

  /** The group's offset as the broker holds it, or -1 if none. */
  long brokerOffset(String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> m =
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    OffsetAndMetadata o = m.get(new TopicPartition(topic, 0));
    return o == null ? -1 : o.offset();
  }

  List<ChangeEvent> pollUntil(KafkaSourceLog log, int count) {
    List<ChangeEvent> got = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (got.size() < count && System.nanoTime() < deadline) {
      got.addAll(log.poll(Duration.ofMillis(200)));
    }
    assertThat(got).hasSize(count);
    return got;
  }

  @Test
  void commitsReachKafkaAtMostOncePerIntervalAndCloseSendsTheLast() throws Exception {
    newTopic("berth.interval.events");
    String group = "berth-replicator-src-to-it";
    long base = seq;
    KafkaSourceLog log = new KafkaSourceLog(kafka.bootstrap(), topic, group, INTERVAL);
    try {
      produce(2);
      pollUntil(log, 2);
      log.commit();
      long sentAt = System.nanoTime();
      // the first commit is sent at once
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                log.poll(Duration.ofMillis(50));
                return brokerOffset(group) == base + 2;
              });

      produce(3);
      pollUntil(log, 3);
      log.commit();
      log.poll(Duration.ofMillis(300));
      long held = brokerOffset(group);
      boolean withinInterval = System.nanoTime() - sentAt < INTERVAL.toNanos();
      if (withinInterval) {
        assertThat(held)
            .as("a second commit within the interval is not sent yet")
            .isEqualTo(base + 2);
      }
      // lag counts from the reader's own commit (the end offsets are re-read once a second)
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                log.poll(Duration.ofMillis(100));
                return log.behind() == 0;
              });

      // after the interval, the next poll sends it
      await()
          .atMost(INTERVAL.plusSeconds(20))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                log.poll(Duration.ofMillis(100));
                return brokerOffset(group) == base + 5;
              });

      produce(1);
      pollUntil(log, 1);
      log.commit();
    } finally {
      log.close();
    }
    assertThat(brokerOffset(group)).as("close commits the last position").isEqualTo(base + 6);

    // the next owner resumes after it
    KafkaSourceLog next = new KafkaSourceLog(kafka.bootstrap(), topic, group, INTERVAL);
    try {
      produce(1);
      List<ChangeEvent> again = pollUntil(next, 1);
      assertThat(again.get(0).getSeq()).isEqualTo(base + 7);
    } finally {
      next.close();
    }
  }

  @Test
  void rewindReturnsToTheReadersLastCommitEvenBeforeKafkaHasIt() throws Exception {
    newTopic("berth.rewind.events");
    String group = "berth-replicator-src-to-rewind";
    KafkaSourceLog log = new KafkaSourceLog(kafka.bootstrap(), topic, group, INTERVAL);
    try {
      produce(1);
      pollUntil(log, 1);
      log.commit(); // sent at once (the first)
      produce(2);
      pollUntil(log, 2);
      log.commit(); // within the interval: held back
      produce(1);
      List<ChangeEvent> first = pollUntil(log, 1);
      log.rewind();
      List<ChangeEvent> second = pollUntil(log, 1);
      assertThat(second.get(0).getSeq())
          .as("rewind goes back to the last commit, not to what Kafka has")
          .isEqualTo(first.get(0).getSeq());
    } finally {
      log.close();
    }
  }
}
