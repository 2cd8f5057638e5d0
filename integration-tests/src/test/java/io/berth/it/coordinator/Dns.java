package io.berth.it.coordinator;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** In-JVM DNS queries (dnsjava's resolver) for tight polling loops; dig checks the results. */
final class Dns {
  private Dns() {}

  /** The A answers for {@code name} asked from {@code source}, or null if no answer came. */
  static List<String> a(int port, String source, String name) {
    try {
      SimpleResolver r = new SimpleResolver("127.0.0.1");
      r.setPort(port);
      r.setLocalAddress(new InetSocketAddress(source, 0));
      r.setTimeout(Duration.ofMillis(1500));
      Message resp =
          r.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
      return resp.getSection(Section.ANSWER).stream()
          .filter(x -> x instanceof ARecord)
          .map(x -> ((ARecord) x).getAddress().getHostAddress())
          .toList();
    } catch (Exception e) {
      return null;
    }
  }
}
