package io.berth.node.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.index.ChangeLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /_berth/api/events}: the change log's state as JSON (sequence, published position,
 * backlog, whether the applier caught up, conflicts with the most recent ones).
 */
public final class EventsStatusHandler implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ChangeLog changes;
  private final BooleanSupplier caughtUp;
  private final boolean relayed;

  public EventsStatusHandler(ChangeLog changes, BooleanSupplier caughtUp, boolean relayed) {
    this.changes = changes;
    this.caughtUp = caughtUp;
    this.relayed = relayed;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", changes.nodeId());
    out.put("region", changes.region());
    out.put("incarnation", changes.incarnation());
    out.put("relayedToKafka", relayed);
    out.put("lastSeq", changes.lastSeq());
    out.put("publishedSeq", changes.publishedSeq());
    out.put("backlog", relayed ? changes.lastSeq() - changes.publishedSeq() : 0);
    out.put("caughtUp", caughtUp.getAsBoolean());
    out.put("conflicts", changes.conflicts());
    out.put("recentConflicts", changes.recentConflicts());
    out.put("skewedClockReadings", changes.skewedClockReadings());
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(out), Map.of());
  }
}
