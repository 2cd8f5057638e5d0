package io.berth.coordinator.config;

import io.berth.coordinator.routing.Cidr;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a loaded {@link CoordinatorConfig}; each failure names the setting and the fix. */
public final class ConfigChecks {
  private static final Pattern LABELS =
      Pattern.compile(
          "(@|[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*)");
  private static final Pattern ZONE =
      Pattern.compile(
          "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.?");

  private ConfigChecks() {}

  /**
   * @throws ConfigException for the first problem found
   */
  public static void check(CoordinatorConfig c) {
    CoordinatorConfig.DnsSection d = c.dns();
    if (!ZONE.matcher(d.zone()).matches() || d.zone().length() > 253) {
      throw new ConfigException("dns.zone '" + d.zone() + "' is not a DNS name (like berth.corp.)");
    }
    for (String n : d.names()) {
      if (!LABELS.matcher(n).matches()) {
        throw new ConfigException(
            "dns.names entry '" + n + "' is not a relative DNS name (like go, or @ for the apex)");
      }
    }
    for (String ns : d.nameservers()) {
      int eq = ns.indexOf('=');
      String name = eq < 0 ? ns : ns.substring(0, eq);
      if (name.isBlank() || (eq >= 0 && Cidr.parseLiteral(ns.substring(eq + 1).trim()) == null)) {
        throw new ConfigException(
            "dns.nameservers entry '"
                + ns
                + "' must be <name> or <name>=<ip> (like ns1=10.0.0.53)");
      }
    }
    port("dns.port", d.port(), false);
    port("http.port", c.http().port(), false);
    port("grpc.port", c.grpc().port(), true);
    positive("dns.ttlSeconds", d.ttlSeconds(), true);
    positive("dns.maxAnswers", d.maxAnswers(), false);
    positive("dns.udpThreads", d.udpThreads(), false);
    positive("dns.tcpMaxConnections", d.tcpMaxConnections(), false);
    positive("dns.tcpIdleSeconds", d.tcpIdleSeconds(), false);
    if (d.udpPayloadBytes() < 512 || d.udpPayloadBytes() > 65535) {
      throw new ConfigException("dns.udpPayloadBytes must be between 512 and 65535");
    }
    if (c.zookeeper().connect().isBlank()) {
      throw new ConfigException("zookeeper.connect is empty (like 127.0.0.1:2181)");
    }
    Set<String> names = new HashSet<>();
    for (CoordinatorConfig.NetworkSection n : c.networks()) {
      if (n.name().isBlank() || n.name().equals("default")) {
        throw new ConfigException(
            "every entry of networks needs a name other than 'default' (the fallback)");
      }
      if (!names.add(n.name())) {
        throw new ConfigException("networks: the name '" + n.name() + "' is used twice");
      }
      if (n.region().isBlank()) {
        throw new ConfigException("networks." + n.name() + ".region is empty");
      }
      if (n.cidrs().isEmpty()) {
        throw new ConfigException("networks." + n.name() + ".cidrs is empty");
      }
      for (String cidr : n.cidrs()) {
        try {
          Cidr.parse(cidr);
        } catch (IllegalArgumentException e) {
          throw new ConfigException("networks." + n.name() + ".cidrs: " + e.getMessage());
        }
      }
    }
    CoordinatorConfig.RoutingSection r = c.routing();
    if (r.recomputeIntervalMs() < 50 || r.healthProbeIntervalMs() < 50) {
      throw new ConfigException(
          "routing.recomputeIntervalMs and routing.healthProbeIntervalMs must be at least 50");
    }
    if (r.staleAfterMs() < 100 || r.healthProbeTimeoutMs() < 10) {
      throw new ConfigException(
          "routing.staleAfterMs must be at least 100 and routing.healthProbeTimeoutMs at least 10");
    }
  }

  private static void port(String name, int port, boolean mayBeOff) {
    if (port > 65535 || (port < 0 && !mayBeOff)) {
      throw new ConfigException(
          name + " " + port + " is not a port (0-65535" + (mayBeOff ? ", or -1 for off)" : ")"));
    }
  }

  private static void positive(String name, int v, boolean zeroOk) {
    if (v < 0 || (v == 0 && !zeroOk)) {
      throw new ConfigException(name + " must be " + (zeroOk ? "0 or more" : "at least 1"));
    }
  }
}
