package io.berth.node.events.kafka;

import io.berth.node.events.ChangePublisher;
import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@link ChangePublisher} on Kafka: idempotent producer, {@code acks=all}, keyed by the event's
 * artifact key so per-key order holds. After a failure the producer is recreated (an idempotent
 * producer can be left in a fatal state).
 */
public final class KafkaChangePublisher implements ChangePublisher {
  private final Properties props = new Properties();
  private final String topic;
  private final Runnable ensureTopic;
  private KafkaProducer<String, byte[]> producer;
  private boolean topicReady;

  public KafkaChangePublisher(String bootstrap, String topic, Runnable ensureTopic) {
    this(bootstrap, topic, ensureTopic, "berth-relay");
  }

  /** A publisher whose producer has the client id {@code clientId}. */
  public KafkaChangePublisher(
      String bootstrap, String topic, Runnable ensureTopic, String clientId) {
    this.topic = topic;
    this.ensureTopic = ensureTopic;
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
  }

  @Override
  public void publish(List<ChangeEvent> events) throws PublishException {
    List<Future<RecordMetadata>> acks = new ArrayList<>(events.size());
    try {
      if (!topicReady) {
        ensureTopic.run();
        topicReady = true;
      }
      if (producer == null) {
        producer = new KafkaProducer<>(props);
      }
      for (ChangeEvent e : events) {
        acks.add(producer.send(new ProducerRecord<>(topic, e.getKey(), e.toByteArray())));
      }
      producer.flush();
      for (Future<RecordMetadata> f : acks) {
        f.get(20, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      int ok = acknowledgedPrefix(acks);
      reset();
      throw new PublishException("Kafka rejected the batch: " + e.getCause(), e.getCause(), ok);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reset();
      throw new PublishException("interrupted", e);
    } catch (Exception e) {
      int ok = acknowledgedPrefix(acks);
      reset();
      throw new PublishException("Kafka unavailable: " + e, e, ok);
    }
  }

  /** How many leading sends completed successfully (they are durably in the topic). */
  private static int acknowledgedPrefix(List<Future<RecordMetadata>> acks) {
    int n = 0;
    for (Future<RecordMetadata> f : acks) {
      if (!f.isDone()) {
        break;
      }
      try {
        f.get(0, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        break;
      }
      n++;
    }
    return n;
  }

  private void reset() {
    if (producer != null) {
      producer.close(Duration.ZERO);
      producer = null;
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(5));
      producer = null;
    }
  }
}
