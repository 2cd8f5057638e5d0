package io.berth.node.events.kafka;

import io.berth.node.events.ChangePublisher;
import io.berth.node.events.ChangePublisherContract;
import io.berth.node.events.ChangeSubscriber;
import io.berth.node.events.ChangeSubscriberContract;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.TopicReader;
import io.berth.proto.events.v1.ChangeEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaChangeSubscriber} keeps the subscriber contract against a real KRaft broker (one
 * broker for the class, a new three-partition topic per test), with events published by {@link
 * KafkaChangePublisher} as the relay publishes them; {@link Publisher} runs the publisher contract
 * on the same broker.
 */
class KafkaChangeSubscriberIT extends ChangeSubscriberContract {
  @TempDir static Path tmp;
  static KafkaBroker kafka;
  static final AtomicInteger topics = new AtomicInteger();
  String topic;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  private void ensure() {
    KafkaTopics.ensure(kafka.bootstrap(), topic, 3, (short) 1, 1);
  }

  @Override
  protected void newLog() {
    topic = "berth.contract" + topics.incrementAndGet() + ".changes";
    ensure();
  }

  @Override
  protected void append(List<ChangeEvent> events) throws Exception {
    try (KafkaChangePublisher p =
        new KafkaChangePublisher(kafka.bootstrap(), topic, this::ensure, "contract-relay")) {
      p.publish(events);
    }
  }

  @Override
  protected ChangeSubscriber open() {
    return new KafkaChangeSubscriber(kafka.bootstrap(), topic, "contract-" + topic, this::ensure);
  }

  /**
   * {@link KafkaChangePublisher} keeps the publisher contract on the class's broker: a new
   * three-partition topic per test, read back with a plain consumer; the unreachable log is a
   * bootstrap address nothing listens on.
   */
  @Nested
  class Publisher extends ChangePublisherContract {
    String publisherTopic;

    private void ensurePublisherTopic() {
      KafkaTopics.ensure(kafka.bootstrap(), publisherTopic, 3, (short) 1, 1);
    }

    @Override
    protected ChangePublisher newPublisher() {
      publisherTopic = "berth.publisher" + topics.incrementAndGet() + ".changes";
      ensurePublisherTopic();
      return new KafkaChangePublisher(
          kafka.bootstrap(), publisherTopic, this::ensurePublisherTopic, "contract-publisher");
    }

    @Override
    protected List<ChangeEvent> logged() throws Exception {
      return TopicReader.readAll(kafka.bootstrap(), publisherTopic);
    }

    @Override
    protected ChangePublisher unreachablePublisher() throws Exception {
      return new KafkaChangePublisher(
          "127.0.0.1:" + NodeProcess.freePort(),
          "berth.unreachable.changes",
          () -> {},
          "contract-unreachable");
    }
  }
}
