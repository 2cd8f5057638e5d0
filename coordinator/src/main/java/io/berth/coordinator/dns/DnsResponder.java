package io.berth.coordinator.dns;

import io.berth.coordinator.routing.TableIndex;
import io.berth.proto.coordinator.v1.NetworkRoute;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.EDNSOption;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers one DNS query from the current {@link ZoneAnswers}: the wire bytes in, the wire bytes out
 * (encoding by dnsjava). Thread-safe.
 *
 * <p>Contract: never throws for any input. Returns null (drop) for packets too short to carry a
 * header and for responses; FORMERR for anything else that does not parse or has not exactly one
 * question; NOTIMP for opcodes other than QUERY; BADVERS for EDNS versions above 0; REFUSED for
 * names outside the zone or classes other than IN; SERVFAIL while no table is known; NXDOMAIN (with
 * the SOA) for names in the zone that do not exist; NOERROR without answers (with the SOA) for
 * types a name does not have. The client is the EDNS Client Subnet when present with a non-zero
 * source prefix, else the source address. UDP answers are cut to 512 bytes, or to the smaller of
 * the client's EDNS payload size and {@code udpPayloadBytes}, setting TC.
 */
public final class DnsResponder {
  private final Supplier<ZoneAnswers> zone;
  private final int maxUdpPayload;

  public DnsResponder(Supplier<ZoneAnswers> zone, int maxUdpPayload) {
    this.zone = zone;
    this.maxUdpPayload = Math.max(512, maxUdpPayload);
  }

  /**
   * The client a query is answered for: the subnet address and prefix; {@code ecs} is the query's
   * Client Subnet option (echoed), {@code fromEcs} whether it chose the client.
   */
  record Client(InetAddress address, int prefix, ClientSubnetOption ecs, boolean fromEcs) {}

  /**
   * The response to {@code packet[0..length)} from {@code source}, or null to send nothing.
   *
   * @param tcp whether the query came over TCP (no truncation)
   */
  public byte[] respond(byte[] packet, int length, InetAddress source, boolean tcp) {
    if (length < Header.LENGTH) {
      return null;
    }
    Message query;
    try {
      query = new Message(length == packet.length ? packet : Arrays.copyOf(packet, length));
    } catch (IOException | RuntimeException e) {
      return formErr(packet);
    }
    try {
      return answer(query, source, tcp);
    } catch (RuntimeException e) {
      return simple(query, Rcode.SERVFAIL);
    }
  }

  private byte[] answer(Message query, InetAddress source, boolean tcp) {
    Header h = query.getHeader();
    if (h.getFlag(Flags.QR)) {
      return null;
    }
    if (h.getOpcode() != Opcode.QUERY) {
      return simple(query, Rcode.NOTIMP);
    }
    Record question = query.getQuestion();
    if (question == null || h.getCount(Section.QUESTION) != 1) {
      return simple(query, Rcode.FORMERR);
    }
    OPTRecord opt = query.getOPT();
    if (opt != null && opt.getVersion() > 0) {
      Message r = response(query, Rcode.NOERROR);
      r.addRecord(new OPTRecord(maxUdpPayload, Rcode.BADVERS >> 4, 0, 0), Section.ADDITIONAL);
      return r.toWire();
    }
    Client client = client(opt, source);
    ZoneAnswers z = zone.get();
    if (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY) {
      return finish(query, response(query, Rcode.REFUSED), opt, client, 0, tcp);
    }
    if (z == null) {
      return finish(query, response(query, Rcode.SERVFAIL), opt, client, 0, tcp);
    }
    Name qname = question.getName();
    if (!qname.subdomain(z.zone())) {
      return finish(query, response(query, Rcode.REFUSED), opt, client, 0, tcp);
    }
    Message r = response(query, Rcode.NOERROR);
    r.getHeader().setFlag(Flags.AA);
    int type = question.getType();
    TableIndex index = z.index();
    NetworkRoute route =
        client.fromEcs()
            ? index.routeFor(client.address(), client.prefix())
            : index.routeFor(client.address());
    int scope = client.fromEcs() ? Math.min(client.prefix(), scopeOf(index, client)) : 0;
    boolean any = type == Type.ANY;
    if (qname.equals(z.zone())) {
      if (type == Type.SOA || any) {
        r.addRecord(z.soa(), Section.ANSWER);
      }
      if (type == Type.NS || any) {
        for (Record n : z.ns()) {
          r.addRecord(n, Section.ANSWER);
        }
        glue(z, r);
      }
    }
    if (z.isRegistryName(qname)) {
      ZoneAnswers.RouteAnswers a = z.answersFor(route);
      if (type == Type.A || any) {
        for (InetAddress addr : a.v4()) {
          r.addRecord(new ARecord(qname, DClass.IN, z.ttl(), addr), Section.ANSWER);
        }
      }
      if (type == Type.AAAA || any) {
        for (InetAddress addr : a.v6()) {
          r.addRecord(new AAAARecord(qname, DClass.IN, z.ttl(), addr), Section.ANSWER);
        }
      }
    }
    Name srvBase = z.srvBase(qname);
    if (srvBase != null && (type == Type.SRV || any)) {
      ZoneAnswers.RouteAnswers a = z.answersFor(route);
      for (ZoneAnswers.Target t : a.targets()) {
        r.addRecord(
            new SRVRecord(qname, DClass.IN, z.ttl(), t.priority(), 0, t.port(), t.host()),
            Section.ANSWER);
        List<Record> addrs = z.fixedRecords(t.host());
        if (addrs != null) {
          addrs.forEach(x -> r.addRecord(x, Section.ADDITIONAL));
        }
      }
    }
    List<Record> fixed = z.fixedRecords(qname);
    if (fixed != null) {
      for (Record x : fixed) {
        if (x.getType() == type || any) {
          r.addRecord(x, Section.ANSWER);
        }
      }
    }
    if (r.getHeader().getCount(Section.ANSWER) == 0) {
      if (!z.exists(qname)) {
        r.getHeader().setRcode(Rcode.NXDOMAIN);
      }
      r.addRecord(z.soa(), Section.AUTHORITY);
    }
    return finish(query, r, opt, client, scope, tcp);
  }

  private static int scopeOf(TableIndex index, Client client) {
    int matched = index.matchedPrefix(client.address());
    return matched == 0 ? client.prefix() : matched;
  }

  private static void glue(ZoneAnswers z, Message r) {
    for (Record n : z.ns()) {
      List<Record> addrs = z.fixedRecords(((org.xbill.DNS.NSRecord) n).getTarget());
      if (addrs != null) {
        addrs.forEach(x -> r.addRecord(x, Section.ADDITIONAL));
      }
    }
  }

  static Client client(OPTRecord opt, InetAddress source) {
    if (opt != null) {
      for (EDNSOption o : opt.getOptions(EDNSOption.Code.CLIENT_SUBNET)) {
        if (o instanceof ClientSubnetOption ecs) {
          if (ecs.getSourcePrefixLength() > 0) {
            return new Client(ecs.getAddress(), ecs.getSourcePrefixLength(), ecs, true);
          }
          return new Client(source, source.getAddress().length * 8, ecs, false);
        }
      }
    }
    return new Client(source, source.getAddress().length * 8, null, false);
  }

  private byte[] finish(
      Message query, Message r, OPTRecord opt, Client client, int scope, boolean tcp) {
    int limit = 512;
    if (opt != null) {
      limit = Math.min(Math.max(512, opt.getPayloadSize()), maxUdpPayload);
      r.addRecord(
          client.ecs() == null
              ? new OPTRecord(maxUdpPayload, 0, 0)
              : new OPTRecord(
                  maxUdpPayload,
                  0,
                  0,
                  0,
                  new ClientSubnetOption(
                      client.ecs().getSourcePrefixLength(), scope, client.ecs().getAddress())),
          Section.ADDITIONAL);
    }
    return tcp ? r.toWire(Message.MAXLENGTH) : r.toWire(limit);
  }

  private static Message response(Message query, int rcode) {
    Message r = new Message(query.getHeader().getID());
    Header h = r.getHeader();
    h.setFlag(Flags.QR);
    if (query.getHeader().getFlag(Flags.RD)) {
      h.setFlag(Flags.RD);
    }
    h.setOpcode(query.getHeader().getOpcode());
    h.setRcode(rcode);
    Record q = query.getQuestion();
    if (q != null) {
      r.addRecord(q, Section.QUESTION);
    }
    return r;
  }

  private static byte[] simple(Message query, int rcode) {
    Message r = response(query, rcode);
    if (rcode == Rcode.FORMERR && query.getHeader().getCount(Section.QUESTION) != 1) {
      r.removeAllRecords(Section.QUESTION);
    }
    return r.toWire(512);
  }

  /** FORMERR echoing the id of an unparseable query; null if it claims to be a response. */
  private static byte[] formErr(byte[] packet) {
    Header q;
    try {
      q = new Header(Arrays.copyOf(packet, Header.LENGTH));
    } catch (IOException e) {
      return null;
    }
    if (q.getFlag(Flags.QR)) {
      return null;
    }
    Header h = new Header(q.getID());
    h.setFlag(Flags.QR);
    h.setOpcode(q.getOpcode());
    h.setRcode(Rcode.FORMERR);
    return h.toWire();
  }
}
