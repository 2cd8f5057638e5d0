package io.berth.coordinator.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.coordinator.routing.Cidr;
import io.berth.coordinator.routing.TableIndex;
import io.berth.coordinator.routing.Tables;
import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ClientSubnetOption;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class DnsResponderTest {
  static final CoordinatorConfig.DnsSection DNS =
      CoordinatorConfig.defaults().dns().withListener("127.0.0.1", 0);
  static final ZoneAnswers ZONE =
      new ZoneAnswers(withNs(DNS), new TableIndex(Tables.fourNodeTable()));
  static final DnsResponder R = new DnsResponder(() -> ZONE, 1232);
  static final InetAddress FROM_A = Cidr.address("127.0.1.50");
  static final InetAddress FROM_B = Cidr.address("127.0.2.50");

  static CoordinatorConfig.DnsSection withNs(CoordinatorConfig.DnsSection d) {
    return new CoordinatorConfig.DnsSection(
        d.host(),
        d.port(),
        "berth.test.",
        d.names(),
        5,
        2,
        List.of("ns1=127.0.0.53"),
        "hostmaster",
        1,
        4,
        5,
        1232);
  }

  static Message ask(String name, int type, InetAddress from) throws Exception {
    return ask(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)), from);
  }

  static Message ask(Message q, InetAddress from) throws Exception {
    byte[] wire = q.toWire();
    byte[] out = R.respond(wire, wire.length, from, false);
    assertThat(out).as("an answer").isNotNull();
    return new Message(out);
  }

  static List<String> addresses(Message m) {
    return m.getSection(Section.ANSWER).stream()
        .filter(r -> r instanceof ARecord)
        .map(r -> ((ARecord) r).getAddress().getHostAddress())
        .toList();
  }

  @Test
  void sourceAddressPicksTheRegion() throws Exception {
    Message a = ask("go.berth.test.", Type.A, FROM_A);
    assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(a.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(addresses(a)).containsExactlyInAnyOrder("127.0.1.2", "127.0.1.3");
    assertThat(a.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(5);
    assertThat(addresses(ask("go.berth.test.", Type.A, FROM_B)))
        .containsExactlyInAnyOrder("127.0.2.2", "127.0.2.3");
  }

  @Test
  void clientSubnetWinsOverTheSourceAndIsEchoedWithScope() throws Exception {
    Message q =
        Message.newQuery(Record.newRecord(Name.fromString("oci.berth.test."), Type.A, DClass.IN));
    q.addRecord(
        new OPTRecord(1232, 0, 0, 0, new ClientSubnetOption(24, Cidr.address("127.0.2.0"))),
        Section.ADDITIONAL);
    Message r = ask(q, FROM_A);
    assertThat(addresses(r)).containsExactlyInAnyOrder("127.0.2.2", "127.0.2.3");
    ClientSubnetOption echo =
        (ClientSubnetOption)
            r.getOPT().getOptions(org.xbill.DNS.EDNSOption.Code.CLIENT_SUBNET).get(0);
    assertThat(echo.getSourcePrefixLength()).isEqualTo(24);
    assertThat(echo.getScopePrefixLength()).isEqualTo(24);
    assertThat(echo.getAddress().getHostAddress()).isEqualTo("127.0.2.0");
  }

  @Test
  void clientSubnetWithPrefixZeroFallsBackToTheSource() throws Exception {
    Message q =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN));
    q.addRecord(
        new OPTRecord(1232, 0, 0, 0, new ClientSubnetOption(0, Cidr.address("0.0.0.0"))),
        Section.ADDITIONAL);
    assertThat(addresses(ask(q, FROM_B))).containsExactlyInAnyOrder("127.0.2.2", "127.0.2.3");
  }

  @Test
  void srvSoaNsAndNodeHosts() throws Exception {
    Message srv = ask("_http._tcp.go.berth.test.", Type.SRV, FROM_A);
    List<SRVRecord> s = srv.getSection(Section.ANSWER).stream().map(r -> (SRVRecord) r).toList();
    assertThat(s).hasSize(2);
    assertThat(s.get(0).getPriority()).isZero();
    assertThat(s.get(0).getTarget().toString()).matches("a[12]\\.a\\.nodes\\.berth\\.test\\.");
    assertThat(srv.getSection(Section.ADDITIONAL)).anyMatch(r -> r instanceof ARecord);
    Message soa = ask("berth.test.", Type.SOA, FROM_A);
    assertThat(soa.getSection(Section.ANSWER)).hasSize(1).allMatch(r -> r.getType() == Type.SOA);
    Message ns = ask("berth.test.", Type.NS, FROM_A);
    assertThat(ns.getSection(Section.ANSWER)).hasSize(1);
    assertThat(addresses(new Message(ns.toWire()))).isEmpty();
    assertThat(ns.getSection(Section.ADDITIONAL)).anyMatch(r -> r instanceof ARecord);
    assertThat(addresses(ask("b1.b.nodes.berth.test.", Type.A, FROM_A)))
        .containsExactly("127.0.2.2");
  }

  @Test
  void nxdomainNodataAndRefused() throws Exception {
    Message nx = ask("nope.berth.test.", Type.A, FROM_A);
    assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(nx.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(nx.getSection(Section.AUTHORITY)).allMatch(r -> r.getType() == Type.SOA).hasSize(1);
    Message nodata = ask("go.berth.test.", Type.MX, FROM_A);
    assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
    assertThat(nodata.getSection(Section.AUTHORITY)).hasSize(1);
    assertThat(ask("nodes.berth.test.", Type.A, FROM_A).getRcode())
        .as("empty non-terminal")
        .isEqualTo(Rcode.NOERROR);
    Message refused = ask("example.com.", Type.A, FROM_A);
    assertThat(refused.getRcode()).isEqualTo(Rcode.REFUSED);
    assertThat(refused.getHeader().getFlag(Flags.AA)).isFalse();
    Message chaos =
        ask(
            Message.newQuery(
                Record.newRecord(Name.fromString("go.berth.test."), Type.TXT, DClass.CH)),
            FROM_A);
    assertThat(chaos.getRcode()).isEqualTo(Rcode.REFUSED);
  }

  @Test
  void caseInsensitiveNamesKeepTheAskedCase() throws Exception {
    Message m = ask("GO.Berth.TEST.", Type.A, FROM_A);
    assertThat(addresses(m)).hasSize(2);
    assertThat(m.getSection(Section.ANSWER).get(0).getName().toString())
        .isEqualTo("GO.Berth.TEST.");
  }

  @Test
  void badOpcodeVersionAndShapes() throws Exception {
    Message notify =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN));
    notify.getHeader().setOpcode(Opcode.NOTIFY);
    assertThat(ask(notify, FROM_A).getRcode()).isEqualTo(Rcode.NOTIMP);
    Message v1 =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN));
    v1.addRecord(new OPTRecord(1232, 0, 1, 0), Section.ADDITIONAL);
    assertThat(ask(v1, FROM_A).getRcode()).isEqualTo(Rcode.BADVERS);
    Message none = new Message();
    assertThat(ask(none, FROM_A).getRcode()).isEqualTo(Rcode.FORMERR);
    Message two =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN));
    two.addRecord(
        Record.newRecord(Name.fromString("oci.berth.test."), Type.A, DClass.IN), Section.QUESTION);
    assertThat(ask(two, FROM_A).getRcode()).isEqualTo(Rcode.FORMERR);
    Message response =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN));
    response.getHeader().setFlag(Flags.QR);
    byte[] w = response.toWire();
    assertThat(R.respond(w, w.length, FROM_A, false)).as("responses are dropped").isNull();
  }

  @Test
  void garbageIsFormerrOrDroppedNeverAnException() throws Exception {
    assertThat(R.respond(new byte[5], 5, FROM_A, false)).isNull();
    byte[] truncated =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN))
            .toWire();
    byte[] cut = java.util.Arrays.copyOf(truncated, truncated.length - 3);
    Message formerr = new Message(R.respond(cut, cut.length, FROM_A, false));
    assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
    assertThat(formerr.getHeader().getID()).isEqualTo(new Message(truncated).getHeader().getID());
    Random rnd = new Random(42);
    for (int i = 0; i < 20_000; i++) {
      byte[] junk = new byte[rnd.nextInt(600)];
      rnd.nextBytes(junk);
      if (rnd.nextBoolean() && junk.length > 12) {
        System.arraycopy(truncated, 0, junk, 0, Math.min(truncated.length, junk.length));
        junk[12 + rnd.nextInt(Math.max(1, junk.length - 12))] ^= (byte) (1 + rnd.nextInt(255));
      }
      byte[] out = R.respond(junk, junk.length, FROM_A, rnd.nextBoolean());
      if (out != null) {
        assertThat(out.length).isGreaterThanOrEqualTo(12);
      }
    }
  }

  @Test
  void udpAnswersAreTruncatedWithTcButNotOverTcp() throws Exception {
    List<io.berth.coordinator.routing.ClusterView.ObservedMember> many =
        new java.util.ArrayList<>();
    for (int i = 0; i < 60; i++) {
      many.add(Tables.observed(Tables.member("a", "n" + i, "127.0.1." + (i + 2), 8000 + i)));
    }
    io.berth.proto.coordinator.v1.RoutingTable t =
        new io.berth.coordinator.routing.LatencyAwareRoutingPolicy(
                CoordinatorConfig.RoutingSection.defaults())
            .compute(Tables.view(many));
    CoordinatorConfig.DnsSection d =
        new CoordinatorConfig.DnsSection(
            "127.0.0.1",
            0,
            "berth.test.",
            List.of("go"),
            5,
            60,
            List.of("ns1=127.0.0.53"),
            "hostmaster",
            1,
            4,
            5,
            1232);
    ZoneAnswers z = new ZoneAnswers(d, new TableIndex(t));
    DnsResponder r = new DnsResponder(() -> z, 1232);
    byte[] w =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN))
            .toWire();
    Message udp = new Message(r.respond(w, w.length, FROM_A, false));
    assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(udp.toWire().length).isLessThanOrEqualTo(512);
    Message tcp = new Message(r.respond(w, w.length, FROM_A, true));
    assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
    assertThat(addresses(tcp)).hasSize(60);
  }

  @Test
  void noTableYetIsServfail() throws Exception {
    DnsResponder empty = new DnsResponder(() -> null, 1232);
    byte[] w =
        Message.newQuery(Record.newRecord(Name.fromString("go.berth.test."), Type.A, DClass.IN))
            .toWire();
    assertThat(new Message(empty.respond(w, w.length, FROM_A, false)).getRcode())
        .isEqualTo(Rcode.SERVFAIL);
  }
}
