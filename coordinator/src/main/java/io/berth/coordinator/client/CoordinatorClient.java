package io.berth.coordinator.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.berth.proto.coordinator.v1.ClientReport;
import io.berth.proto.coordinator.v1.ResolveResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client of a coordinator's HTTP JSON resolve API, for the CLI tools. */
public final class CoordinatorClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** A failed call, with a message for the user. */
  public static final class CoordinatorException extends Exception {
    public CoordinatorException(String message) {
      super(message);
    }
  }

  public CoordinatorClient(String baseUrl) {
    this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** The ranked nodes for {@code client} (null or empty: the caller's address). */
  public ResolveResponse resolve(String client, int limit)
      throws CoordinatorException, InterruptedException {
    StringBuilder url = new StringBuilder(base).append("/v1/resolve?limit=").append(limit);
    if (client != null && !client.isBlank()) {
      String key = client.contains("/") ? "subnet" : "client";
      url.append('&')
          .append(key)
          .append('=')
          .append(URLEncoder.encode(client, StandardCharsets.UTF_8));
    }
    String body = call(HttpRequest.newBuilder(uri(url.toString())).GET(), 200);
    ResolveResponse.Builder b = ResolveResponse.newBuilder();
    try {
      JsonFormat.parser().ignoringUnknownFields().merge(body, b);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordinatorException("the coordinator at " + base + " sent an unreadable answer");
    }
    return b.build();
  }

  /** Sends client measurements; returns how many were accepted. */
  public int report(ClientReport report) throws CoordinatorException, InterruptedException {
    String json;
    try {
      json = JsonFormat.printer().print(report);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
    String body =
        call(
            HttpRequest.newBuilder(uri(base + "/v1/reports"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)),
            202);
    try {
      return JSON.readTree(body).path("accepted").asInt();
    } catch (IOException e) {
      return 0;
    }
  }

  private URI uri(String s) throws CoordinatorException {
    try {
      return URI.create(s);
    } catch (IllegalArgumentException e) {
      throw new CoordinatorException(
          "'" + base + "' is not a coordinator URL (like http://host:8053)");
    }
  }

  private String call(HttpRequest.Builder req, int expected)
      throws CoordinatorException, InterruptedException {
    HttpResponse<String> r;
    try {
      r =
          http.send(
              req.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CoordinatorException(
          "cannot reach the coordinator at " + base + ": " + e + " (check --coordinator)");
    }
    if (r.statusCode() != expected) {
      String msg = r.body();
      try {
        JsonNode n = JSON.readTree(r.body());
        if (n.path("error").has("message")) {
          msg = n.path("error").path("message").asText();
        }
      } catch (IOException e) {
        // not JSON: show the body as is
      }
      throw new CoordinatorException(
          "the coordinator at " + base + " answered " + r.statusCode() + ": " + msg);
    }
    return r.body();
  }
}
