package io.berth.coordinator.dns;

import io.berth.coordinator.config.CoordinatorConfig.DnsSection;
import io.berth.coordinator.routing.Cidr;
import io.berth.coordinator.routing.TableIndex;
import io.berth.proto.coordinator.v1.NetworkRoute;
import io.berth.proto.coordinator.v1.RankedNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.NameTooLongException;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;

/**
 * The zone's content for one published routing table: SOA, NS (with glue), the registry names whose
 * A/AAAA/SRV answers depend on the client network, and one host name per node ({@code
 * <node>.<region>.nodes.<zone>}, the SRV targets). Immutable; rebuilt when a new table arrives.
 */
public final class ZoneAnswers {
  /** The addresses and SRV targets one client network gets. */
  record RouteAnswers(List<InetAddress> v4, List<InetAddress> v6, List<Target> targets) {}

  /** An SRV target: a node's host name, port and rank. */
  record Target(Name host, int port, int priority) {}

  private final Name zone;
  private final long ttl;
  private final int maxAnswers;
  private final SOARecord soa;
  private final List<Record> ns;
  private final Map<Name, List<Record>> fixed = new HashMap<>();
  private final Set<Name> registryNames = new HashSet<>();
  private final Set<Name> srvNames = new HashSet<>();
  private final Set<Name> existing = new HashSet<>();
  private final Map<NetworkRoute, RouteAnswers> routes = new IdentityHashMap<>();
  private final TableIndex index;

  /**
   * Builds the zone for {@code index}'s table.
   *
   * @throws IllegalArgumentException if the configured zone or names are not valid DNS names
   */
  public ZoneAnswers(DnsSection dns, TableIndex index) {
    this.index = index;
    this.zone = zoneName(dns.zone());
    this.ttl = dns.ttlSeconds();
    this.maxAnswers = dns.maxAnswers();
    existing.add(zone);
    List<Record> nsRecords = new ArrayList<>();
    List<String> servers = dns.nameservers().isEmpty() ? List.of("ns1") : dns.nameservers();
    for (String entry : servers) {
      int eq = entry.indexOf('=');
      Name host = name(eq < 0 ? entry : entry.substring(0, eq), zone);
      nsRecords.add(new NSRecord(zone, DClass.IN, ttl, host));
      if (eq >= 0 && host.subdomain(zone)) {
        InetAddress a = Cidr.address(entry.substring(eq + 1).trim());
        fixed.computeIfAbsent(host, h -> new ArrayList<>()).add(addressRecord(host, a));
        existing.add(host);
      }
    }
    this.ns = List.copyOf(nsRecords);
    long serial = Math.max(1, (index.table().getComputedAtMillis() / 1000) & 0xffffffffL);
    this.soa =
        new SOARecord(
            zone,
            DClass.IN,
            ttl,
            ((NSRecord) ns.get(0)).getTarget(),
            name(dns.hostmaster(), zone),
            serial,
            60,
            30,
            3600,
            ttl);
    for (String n : dns.names()) {
      Name owner = n.equals("@") ? zone : name(n, zone);
      registryNames.add(owner);
      existing.add(owner);
      Name srv = concat(name("_http._tcp", Name.empty), owner);
      srvNames.add(srv);
      existing.add(srv);
    }
    Map<String, Name> hosts = new HashMap<>();
    for (RankedNode node : index.table().getFallback().getNodesList()) {
      Name host = hostName(node);
      hosts.put(node.getRegion() + "/" + node.getNodeId(), host);
      existing.add(host);
      List<Record> records = new ArrayList<>();
      for (String a : node.getAddressesList()) {
        try {
          records.add(addressRecord(host, Cidr.address(a)));
        } catch (IllegalArgumentException e) {
          // not an IP literal: no address record
        }
      }
      fixed.put(host, records);
    }
    List<NetworkRoute> all = new ArrayList<>(index.table().getNetworksList());
    all.add(index.table().getFallback());
    for (NetworkRoute r : all) {
      List<InetAddress> v4 = new ArrayList<>();
      List<InetAddress> v6 = new ArrayList<>();
      List<Target> targets = new ArrayList<>();
      int rank = 0;
      for (RankedNode node : r.getNodesList()) {
        if (rank >= maxAnswers) {
          break;
        }
        for (String a : node.getAddressesList()) {
          try {
            InetAddress addr = Cidr.address(a);
            (addr.getAddress().length == 4 ? v4 : v6).add(addr);
          } catch (IllegalArgumentException e) {
            // skip
          }
        }
        Name host = hosts.getOrDefault(node.getRegion() + "/" + node.getNodeId(), hostName(node));
        targets.add(new Target(host, node.getPort(), rank));
        rank++;
      }
      routes.put(r, new RouteAnswers(List.copyOf(v4), List.copyOf(v6), List.copyOf(targets)));
    }
  }

  private Name hostName(RankedNode node) {
    return concat(
        name(label(node.getNodeId()) + "." + label(node.getRegion()) + ".nodes", Name.empty), zone);
  }

  /** A DNS label from an id: lower case, {@code [a-z0-9-]}, other characters become {@code -}. */
  static String label(String id) {
    StringBuilder b = new StringBuilder();
    for (char c : id.toLowerCase(Locale.ROOT).toCharArray()) {
      b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '-');
    }
    String s = b.length() == 0 ? "x" : b.toString();
    return s.length() > 63 ? s.substring(0, 63) : s;
  }

  static Name zoneName(String zone) {
    String z = zone.endsWith(".") ? zone : zone + ".";
    try {
      return Name.fromString(z);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("dns.zone '" + zone + "' is not a DNS name");
    }
  }

  private static Name name(String text, Name origin) {
    try {
      return Name.fromString(text, origin);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a DNS name");
    }
  }

  private static Name concat(Name prefix, Name suffix) {
    try {
      return Name.concatenate(prefix, suffix);
    } catch (NameTooLongException e) {
      throw new IllegalArgumentException("name too long: " + prefix + suffix);
    }
  }

  private Record addressRecord(Name owner, InetAddress a) {
    if (a.getAddress().length == 4) {
      return new ARecord(owner, DClass.IN, ttl, a);
    }
    try {
      return new AAAARecord(owner, DClass.IN, ttl, InetAddress.getByAddress(a.getAddress()));
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  Name zone() {
    return zone;
  }

  long ttl() {
    return ttl;
  }

  SOARecord soa() {
    return soa;
  }

  List<Record> ns() {
    return ns;
  }

  boolean isRegistryName(Name n) {
    return registryNames.contains(n);
  }

  /** The registry name of an SRV owner ({@code _http._tcp.<name>}), or null. */
  Name srvBase(Name n) {
    return srvNames.contains(n) ? new Name(n, 2) : null;
  }

  /** Address records of a fixed name (name server or node host), or null if none is fixed. */
  List<Record> fixedRecords(Name n) {
    return fixed.get(n);
  }

  boolean exists(Name n) {
    if (existing.contains(n)) {
      return true;
    }
    for (Name e : existing) {
      if (e.subdomain(n)) {
        return true; // an empty non-terminal
      }
    }
    return false;
  }

  TableIndex index() {
    return index;
  }

  RouteAnswers answersFor(NetworkRoute route) {
    RouteAnswers a = routes.get(route);
    return a != null ? a : new RouteAnswers(List.of(), List.of(), List.of());
  }
}
