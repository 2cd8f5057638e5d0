package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryChangePublisherTest extends ChangePublisherContract {
  private InMemoryChangePublisher log;

  @Override
  protected ChangePublisher newPublisher() {
    log = new InMemoryChangePublisher();
    return log;
  }

  @Override
  protected List<ChangeEvent> logged() {
    return log.log();
  }

  @Override
  protected ChangePublisher unreachablePublisher() {
    InMemoryChangePublisher down = new InMemoryChangePublisher();
    down.down(true);
    return down;
  }

  @Test
  void theAcknowledgedPrefixIsInTheLog() throws Exception {
    newPublisher();
    log.acceptThenFail(3);
    List<ChangeEvent> batch = events(1, 5);
    assertThatThrownBy(() -> log.publish(batch))
        .isInstanceOfSatisfying(
            ChangePublisher.PublishException.class, e -> assertThat(e.acknowledged()).isEqualTo(3));
    assertThat(logged()).containsExactlyElementsOf(batch.subList(0, 3));
  }
}
