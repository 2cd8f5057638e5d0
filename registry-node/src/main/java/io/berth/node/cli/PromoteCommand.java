package io.berth.node.cli;

import io.berth.node.cluster.PromotionException;
import io.berth.node.cluster.RegionPromotion;
import io.berth.node.cluster.ZooKeeperSession;
import java.net.InetAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth promote --region <r> --zookeeper <host:port>} and {@code berth demote ...}: record
 * in ZooKeeper that a DR replica region takes writes (once per failover), or returns to read-only.
 */
public final class PromoteCommand {
  private PromoteCommand() {}

  /** The options both commands share. */
  static class Target {
    @Option(
        names = "--region",
        required = true,
        paramLabel = "REGION",
        description = "The replica region (node.region of its nodes).")
    String region;

    @Option(
        names = "--zookeeper",
        paramLabel = "HOST:PORT[,...]",
        description = "The ZooKeeper the region's nodes use. Env: BERTH_CLUSTER_ZOOKEEPER.")
    String zookeeper;

    @Option(
        names = "--timeout-seconds",
        defaultValue = "15",
        description = "How long to wait for ZooKeeper (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    String connectString() {
      String zk = zookeeper != null ? zookeeper : System.getenv("BERTH_CLUSTER_ZOOKEEPER");
      if (zk == null || zk.isBlank()) {
        throw new CliException(
            "--zookeeper is required (or BERTH_CLUSTER_ZOOKEEPER), e.g. --zookeeper zk-1:2181");
      }
      return zk;
    }

    ZooKeeperSession connect() throws InterruptedException {
      if (!region.matches("[a-z0-9][a-z0-9._-]*")) {
        throw new CliException("invalid region name " + region);
      }
      String zk = connectString();
      ZooKeeperSession s = new ZooKeeperSession(zk, timeoutSeconds * 1000).start();
      if (!s.awaitConnected(timeoutSeconds * 1000L)) {
        s.close();
        throw new CliException(
            "cannot reach ZooKeeper at " + zk + " within " + timeoutSeconds + " s");
      }
      return s;
    }
  }

  static String who() {
    String user = System.getProperty("user.name", "?");
    try {
      return user + "@" + InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      return user;
    }
  }

  /** {@code berth promote}. */
  @Command(
      name = "promote",
      mixinStandardHelpOptions = true,
      description =
          "Promote a DR replica region: its nodes start accepting client writes. Recorded in"
              + " ZooKeeper, so a region is promoted once per failover.")
  public static final class Promote implements Callable<Integer> {
    @CommandLine.Mixin Target target;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (ZooKeeperSession s = target.connect()) {
        RegionPromotion.Role r = RegionPromotion.promote(s.client(), target.region, who());
        spec.commandLine()
            .getOut()
            .println(
                "region "
                    + target.region
                    + " promoted (failover "
                    + r.failover()
                    + "); its replica nodes accept writes within seconds");
        return 0;
      } catch (PromotionException e) {
        throw new CliException(e.getMessage());
      }
    }
  }

  /** {@code berth demote}. */
  @Command(
      name = "demote",
      mixinStandardHelpOptions = true,
      description =
          "Return a promoted region to read-only DR replica (its nodes in replica mode refuse"
              + " client writes again); the next promotion starts a new failover.")
  public static final class Demote implements Callable<Integer> {
    @CommandLine.Mixin Target target;
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      try (ZooKeeperSession s = target.connect()) {
        RegionPromotion.Role r = RegionPromotion.demote(s.client(), target.region, who());
        spec.commandLine()
            .getOut()
            .println(
                "region "
                    + target.region
                    + " is a read-only replica again (after failover "
                    + r.failover()
                    + ")");
        return 0;
      } catch (PromotionException e) {
        throw new CliException(e.getMessage());
      }
    }
  }
}
