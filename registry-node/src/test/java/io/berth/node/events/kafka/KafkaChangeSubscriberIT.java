package io.berth.node.events.kafka;

import io.berth.node.events.ChangeSubscriber;
import io.berth.node.events.ChangeSubscriberContract;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.proto.events.v1.ChangeEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KafkaChangeSubscriber} keeps the subscriber contract against a real KRaft broker (one
 * broker for the class, a new three-partition topic per test), with events published by {@link
 * KafkaChangePublisher} as the relay publishes them.
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
}
