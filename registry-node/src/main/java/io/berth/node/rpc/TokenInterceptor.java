package io.berth.node.rpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses every replication call that does not carry the shared token as {@code authorization:
 * Bearer <token>} call metadata (status UNAUTHENTICATED, counted as {@code
 * berth_replication_calls_unauthenticated}). The comparison takes the same time whatever the
 * offered token, so the token cannot be guessed byte by byte.
 */
public final class TokenInterceptor implements ServerInterceptor {
  private static final Logger log = LoggerFactory.getLogger(TokenInterceptor.class);

  /** The metadata key the token travels in. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String BEARER = "Bearer ";

  private final byte[] expected;
  private final Counter refused;

  public TokenInterceptor(String token, MeterRegistry metrics) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the replication token must not be empty");
    }
    this.expected = token.getBytes(StandardCharsets.UTF_8);
    this.refused =
        Counter.builder("berth_replication_calls_unauthenticated")
            .description("replication calls refused for a missing or wrong token")
            .register(metrics);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String offered = headers.get(AUTHORIZATION);
    String why = null;
    if (offered == null) {
      why = "this node requires the replication token (authorization: Bearer <token>)";
    } else if (!offered.startsWith(BEARER)
        || !MessageDigest.isEqual(
            expected, offered.substring(BEARER.length()).getBytes(StandardCharsets.UTF_8))) {
      why = "the replication token is wrong (check regions.<name>.token of the replicator)";
    }
    if (why != null) {
      refused.increment();
      log.warn(
          "refused replication call {}: {}", call.getMethodDescriptor().getFullMethodName(), why);
      call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
