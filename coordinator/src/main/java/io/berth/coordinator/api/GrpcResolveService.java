package io.berth.coordinator.api;

import io.berth.proto.coordinator.v1.ClientReport;
import io.berth.proto.coordinator.v1.ReportAck;
import io.berth.proto.coordinator.v1.ResolveRequest;
import io.berth.proto.coordinator.v1.ResolveResponse;
import io.berth.proto.coordinator.v1.ResolverGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** The gRPC binding of {@link ResolveService} ({@code berth.coordinator.v1.Resolver}). */
public final class GrpcResolveService extends ResolverGrpc.ResolverImplBase {
  static final Context.Key<InetAddress> CALLER = Context.key("berth-caller");

  private final ResolveService service;

  public GrpcResolveService(ResolveService service) {
    this.service = service;
  }

  /** Puts the caller's address in the call context. */
  public static ServerInterceptor callerInterceptor() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        InetAddress a =
            remote instanceof InetSocketAddress i
                ? i.getAddress()
                : InetAddress.getLoopbackAddress();
        return Contexts.interceptCall(Context.current().withValue(CALLER, a), call, headers, next);
      }
    };
  }

  private static InetAddress caller() {
    InetAddress a = CALLER.get();
    return a != null ? a : InetAddress.getLoopbackAddress();
  }

  @Override
  public void resolve(ResolveRequest request, StreamObserver<ResolveResponse> out) {
    try {
      out.onNext(
          service.resolve(
              request.getClientAddress(), request.getClientSubnet(), request.getLimit(), caller()));
      out.onCompleted();
    } catch (ResolveException e) {
      out.onError(status(e).asRuntimeException());
    }
  }

  @Override
  public void report(ClientReport request, StreamObserver<ReportAck> out) {
    try {
      out.onNext(ReportAck.newBuilder().setAccepted(service.report(request, caller())).build());
      out.onCompleted();
    } catch (ResolveException e) {
      out.onError(status(e).asRuntimeException());
    }
  }

  private static Status status(ResolveException e) {
    Status s =
        switch (e.reason()) {
          case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
          case UNAVAILABLE -> Status.UNAVAILABLE;
        };
    return s.withDescription(e.getMessage());
  }
}
