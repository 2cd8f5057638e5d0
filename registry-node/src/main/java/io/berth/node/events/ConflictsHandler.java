package io.berth.node.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.index.ChangeLog;
import io.berth.proto.index.v1.ChangeConflictRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /_berth/api/conflicts[?limit=N]}: the remote changes this node refused because they
 * conflict with what it already stores (a Go version published with other content on another node),
 * oldest first, as JSON. Conflicts are durable: they survive restarts.
 */
public final class ConflictsHandler implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEFAULT_LIMIT = 100;
  private static final int MAX_LIMIT = 10_000;

  private final ChangeLog changes;

  public ConflictsHandler(ChangeLog changes) {
    this.changes = changes;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("GET") && !ex.isHead()) {
      ex.sendText(405, "method not allowed: use GET", Map.of("Allow", "GET, HEAD"));
      return;
    }
    int limit = DEFAULT_LIMIT;
    String raw = ex.queryParam("limit");
    if (raw != null) {
      try {
        limit = Integer.parseInt(raw);
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > MAX_LIMIT) {
        ex.sendText(400, "limit must be a number from 1 to " + MAX_LIMIT + ", got '" + raw + "'");
        return;
      }
    }
    List<Map<String, Object>> list = new ArrayList<>();
    for (ChangeConflictRecord c : changes.conflictRecords(limit)) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("key", c.getKey());
      m.put("originRegion", c.getOriginRegion());
      m.put("originNode", c.getOriginNode());
      m.put("originIncarnation", c.getOriginIncarnation());
      m.put("seq", c.getSeq());
      m.put("hlc", c.getHlcWallMillis() + "." + c.getHlcLogical());
      m.put("detected", Instant.ofEpochMilli(c.getDetectedUnixMillis()).toString());
      m.put("field", c.getField());
      m.put("local", c.getLocalValue());
      m.put("remote", c.getRemoteValue());
      list.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("node", changes.nodeId());
    out.put("region", changes.region());
    out.put("count", changes.conflicts());
    out.put("conflicts", list);
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(out), Map.of());
  }
}
