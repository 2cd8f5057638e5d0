package io.berth.node.rpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's gRPC listener (the replication service the replicator calls); every service goes
 * through the given interceptors (the token check).
 */
public final class GrpcServer implements AutoCloseable {
  private final Server server;

  public GrpcServer(String host, int port, List<BindableService> services) {
    this(host, port, services, List.of());
  }

  public GrpcServer(
      String host, int port, List<BindableService> services, List<ServerInterceptor> interceptors) {
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .maxInboundMessageSize(4 << 20)
            // replicators ping every 10 s to notice a dead node quickly
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    services.forEach(s -> b.addService(ServerInterceptors.intercept(s, interceptors)));
    this.server = b.build();
  }

  public GrpcServer start() throws IOException {
    server.start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
  }
}
