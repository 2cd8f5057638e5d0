package io.berth.node.replication;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /_berth/api/where?module=<path>&version=<v>} (or {@code ?repository=&tag=}, {@code
 * ?repository=&digest=}, {@code ?key=<artifact key>}): which regions hold the artifact and since
 * when, as JSON. {@code local=true} answers for this region only (what peers ask each other).
 */
public final class WhereHandler implements HttpHandler {
  private static final ObjectMapper JSON =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);
  private final WhereService service;

  public WhereHandler(WhereService service) {
    this.service = service;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("GET")) {
      ex.sendText(405, "method not allowed: use GET", Map.of("Allow", "GET"));
      return;
    }
    String key;
    try {
      key = key(ex);
    } catch (IllegalArgumentException e) {
      ex.sendText(400, "bad request: " + e.getMessage());
      return;
    }
    List<WhereService.Holding> h =
        "true".equals(ex.queryParam("local"))
            ? List.of(service.local(key))
            : service.everywhere(key);
    ex.sendBytes(
        200, "application/json", JSON.writeValueAsBytes(WhereService.render(key, h)), Map.of());
  }

  private static String key(Exchange ex) {
    String key = ex.queryParam("key");
    String module = ex.queryParam("module");
    String repository = ex.queryParam("repository");
    if (key != null && !key.isBlank()) {
      return key;
    }
    if (module != null) {
      String version = ex.queryParam("version");
      if (version == null || version.isBlank()) {
        throw new IllegalArgumentException("module needs a version: ?module=<path>&version=<v>");
      }
      return WhereService.goKey(module, version);
    }
    if (repository != null) {
      String tag = ex.queryParam("tag");
      String digest = ex.queryParam("digest");
      if (tag != null) {
        return WhereService.ociTagKey(repository, tag);
      }
      if (digest != null) {
        return WhereService.ociManifestKey(repository, digest);
      }
      throw new IllegalArgumentException("repository needs a tag or a digest");
    }
    throw new IllegalArgumentException(
        "name the artifact: ?module=<path>&version=<v>, ?repository=<name>&tag=<tag>,"
            + " ?repository=<name>&digest=<digest> or ?key=<artifact key>");
  }
}
