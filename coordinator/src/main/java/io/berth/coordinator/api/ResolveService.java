package io.berth.coordinator.api;

import io.berth.coordinator.membership.ClientReportStore;
import io.berth.coordinator.routing.Cidr;
import io.berth.coordinator.routing.TableIndex;
import io.berth.proto.coordinator.v1.ClientReport;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.NetworkRoute;
import io.berth.proto.coordinator.v1.ResolveResponse;
import java.net.InetAddress;
import java.util.function.Supplier;

/**
 * The resolve API's logic, shared by the HTTP JSON and gRPC bindings: which nodes a client should
 * use, and client measurement reports. The client is, first that is given: the subnet (like EDNS
 * Client Subnet), the client address, the caller's address.
 */
public final class ResolveService {
  static final int MAX_MEASUREMENTS = 100;

  private final Supplier<TableIndex> table;
  private final ClientReportStore reports;

  public ResolveService(Supplier<TableIndex> table, ClientReportStore reports) {
    this.table = table;
    this.reports = reports;
  }

  /**
   * The ranked nodes for a client.
   *
   * @param clientAddress an IP literal, or null/empty
   * @param clientSubnet a CIDR, or null/empty
   * @param limit at most this many nodes (0: all)
   * @param caller the address the request came from
   * @throws ResolveException INVALID_ARGUMENT for a bad address, subnet or limit; UNAVAILABLE
   *     before the first table
   */
  public ResolveResponse resolve(
      String clientAddress, String clientSubnet, int limit, InetAddress caller)
      throws ResolveException {
    if (limit < 0 || limit > 1000) {
      throw new ResolveException(
          ResolveException.Reason.INVALID_ARGUMENT, "limit must be between 0 and 1000");
    }
    TableIndex index = table.get();
    NetworkRoute route;
    String client;
    if (clientSubnet != null && !clientSubnet.isBlank()) {
      Cidr subnet = parseSubnet(clientSubnet);
      client = subnet.toString();
      requireTable(index);
      String base = client.substring(0, client.indexOf('/'));
      route = index.routeFor(Cidr.address(base), subnet.prefixLength());
    } else {
      InetAddress a =
          clientAddress == null || clientAddress.isBlank() ? caller : parse(clientAddress);
      client = a.getHostAddress();
      requireTable(index);
      route = index.routeFor(a);
    }
    ResolveResponse.Builder b =
        ResolveResponse.newBuilder()
            .setClientAddress(client)
            .setNetwork(route.getName())
            .setRegion(route.getRegion())
            .setTableEpoch(index.table().getEpoch())
            .setTableVersion(index.table().getVersion())
            .setLeaderId(index.table().getLeaderId())
            .addAllPrivatePatterns(index.table().getPrivatePatternsList());
    int n = 0;
    for (var node : route.getNodesList()) {
      if (limit > 0 && n >= limit) {
        break;
      }
      b.addNodes(node);
      n++;
    }
    return b.build();
  }

  /**
   * Records a client's measurements (attributed to the client's network in the current table).
   *
   * @return how many measurements were accepted
   * @throws ResolveException INVALID_ARGUMENT for a bad address, a measurement without a node id or
   *     with negative times, or too many measurements; UNAVAILABLE before the first table
   */
  public int report(ClientReport report, InetAddress caller) throws ResolveException {
    if (report.getMeasurementsCount() == 0) {
      throw new ResolveException(
          ResolveException.Reason.INVALID_ARGUMENT, "a report needs at least one measurement");
    }
    if (report.getMeasurementsCount() > MAX_MEASUREMENTS) {
      throw new ResolveException(
          ResolveException.Reason.INVALID_ARGUMENT,
          "at most " + MAX_MEASUREMENTS + " measurements per report");
    }
    InetAddress client =
        report.getClientAddress().isBlank() ? caller : parse(report.getClientAddress());
    for (Measurement m : report.getMeasurementsList()) {
      if (m.getTargetId().isBlank()) {
        throw new ResolveException(
            ResolveException.Reason.INVALID_ARGUMENT,
            "each measurement needs a targetId (node id)");
      }
      if (m.getConnectMicros() < 0
          || m.getTtfbMicros() < 0
          || m.getTotalMicros() < 0
          || (m.getTtfbMicros() == 0 && m.getConnectMicros() == 0)) {
        throw new ResolveException(
            ResolveException.Reason.INVALID_ARGUMENT,
            "measurement of "
                + m.getTargetId()
                + " needs a positive ttfbMicros or connectMicros, and no negative times");
      }
    }
    TableIndex index = table.get();
    requireTable(index);
    String network = index.routeFor(client).getName();
    for (Measurement m : report.getMeasurementsList()) {
      reports.add(network, m);
    }
    return report.getMeasurementsCount();
  }

  private static void requireTable(TableIndex index) throws ResolveException {
    if (index == null) {
      throw new ResolveException(
          ResolveException.Reason.UNAVAILABLE,
          "no routing table yet (is a coordinator leader running and are nodes registered?)");
    }
  }

  private static InetAddress parse(String address) throws ResolveException {
    try {
      return Cidr.address(address.trim());
    } catch (IllegalArgumentException e) {
      throw new ResolveException(ResolveException.Reason.INVALID_ARGUMENT, e.getMessage());
    }
  }

  private static Cidr parseSubnet(String subnet) throws ResolveException {
    try {
      return Cidr.parse(subnet);
    } catch (IllegalArgumentException e) {
      throw new ResolveException(ResolveException.Reason.INVALID_ARGUMENT, e.getMessage());
    }
  }
}
