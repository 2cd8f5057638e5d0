package io.berth.node.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * {@code GET /_berth/api/replication}: this node's replication state as JSON: mode (primary or
 * replica), whether it accepts client writes, the region's recorded promotion, the gRPC port, and
 * per link the highest owner epoch and the stale writes refused.
 */
public final class ReplicationStatusHandler implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String node;
  private final String region;
  private final String mode;
  private final BooleanSupplier writable;
  private final Supplier<Object> promotion;
  private final IntSupplier grpcPort;
  private final LinkFences fences;

  public ReplicationStatusHandler(
      String node,
      String region,
      String mode,
      BooleanSupplier writable,
      Supplier<Object> promotion,
      IntSupplier grpcPort,
      LinkFences fences) {
    this.node = node;
    this.region = region;
    this.mode = mode;
    this.writable = writable;
    this.promotion = promotion;
    this.grpcPort = grpcPort;
    this.fences = fences;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", node);
    out.put("region", region);
    out.put("mode", mode);
    out.put("acceptsClientWrites", writable.getAsBoolean());
    out.put("promotion", promotion.get());
    out.put("grpcPort", grpcPort.getAsInt());
    out.put("links", fences.snapshot());
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(out), Map.of());
  }
}
