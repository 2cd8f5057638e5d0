package io.berth.node.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Package boundaries of the node (DESIGN.md section 8): protocol services are plain Java, concrete
 * storage/index/event implementations are built only by the assembly, and nothing is an *Impl.
 */
class ArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.berth.node");
  }

  @Test
  void protocolCodeNeverTouchesRocksDbS3OrKafka() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.berth.node.gomod..",
            "io.berth.node.sumdb..",
            "io.berth.node.oci..",
            "io.berth.node.upstream..",
            "io.berth.node.access..",
            "io.berth.node.http..",
            "io.berth.node.gc..",
            "io.berth.node.scrub..",
            "io.berth.node.replication..",
            "io.berth.node.rpc..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.rocksdb..", "io.minio..", "org.apache.kafka..", "software.amazon..")
        .check(classes);
  }

  @Test
  void servicesDoNotDependOnNetty() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Service")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.netty..")
        .check(classes);
  }

  @Test
  void concreteImplementationsAreOnlyBuiltByTheAssembly() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "io.berth.node.bootstrap..",
            "io.berth.node.storage..",
            "io.berth.node.index..",
            "io.berth.node.events..",
            "io.berth.node.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.berth.node.storage.file..", "io.berth.node.storage.s3..",
            "io.berth.node.index.rocksdb..", "io.berth.node.events.kafka..")
        .check(classes);
  }

  @Test
  void storageDoesNotDependOnProtocols() {
    noClasses()
        .that()
        .resideInAnyPackage("io.berth.node.storage..", "io.berth.node.index..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.berth.node.gomod..",
            "io.berth.node.oci..",
            "io.berth.node.sumdb..",
            "io.berth.node.http..")
        .check(classes);
  }

  @Test
  void sumdbAndGomodMeetOnlyAtTheChecksumVerifierSpi() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.sumdb..")
        .should()
        .dependOnClassesThat(
            com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage(
                    "io.berth.node.gomod..")
                .and(
                    com.tngtech.archunit.base.DescribedPredicate.not(
                        com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf(
                            io.berth.node.gomod.ChecksumVerifier.class))))
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.gomod..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.berth.node.sumdb..")
        .check(classes);
  }

  @Test
  void ociServicesArePlainJavaBelowTheHandler() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.oci")
        .and()
        .haveNameNotMatching("io\\.berth\\.node\\.oci\\.Oci(Handler|Route)(\\$.*)?")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.berth.node.http..", "io.netty..")
        .check(classes);
  }

  @Test
  void thePullThroughCacheIsPlainJavaAndTheUpstreamClientKnowsNoProtocol() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.oci.pullthrough..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.berth.node.http..", "io.netty..", "io.berth.node.gomod..")
        .check(classes);
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.upstream..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.berth.node.oci..",
            "io.berth.node.gomod..",
            "io.berth.node.sumdb..",
            "io.berth.node.http..",
            "io.berth.node.index..",
            "io.netty..")
        .check(classes);
  }

  @Test
  void clusterMembershipDoesNotDependOnProtocolsOrStorage() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.cluster..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.berth.node.gomod..",
            "io.berth.node.oci..",
            "io.berth.node.http..",
            "io.berth.node.index..",
            "io.berth.node.storage..",
            "org.rocksdb..")
        .check(classes);
  }

  @Test
  void onlyTheOciErrorPackageWritesOciErrorResponses() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.berth.node.oci..", "io.berth.node.bootstrap..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.berth.node.oci..")
        .check(classes);
  }

  @Test
  void changeLogLogicIsPlainJavaAboveKafkaAndRocksDb() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.node.events")
        .or()
        .resideInAPackage("io.berth.node.index")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.kafka..",
            "org.rocksdb..",
            "io.berth.node.events.kafka..",
            "io.berth.node.index.rocksdb..")
        .check(classes);
  }

  @Test
  void replicationServicesArePlainJavaAndOnlyTheRpcPackageSpeaksGrpc() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.berth.node.rpc..", "io.berth.node.bootstrap..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..")
        .check(classes);
  }

  @Test
  void noImplSuffix() {
    noClasses().should().haveSimpleNameEndingWith("Impl").check(classes);
  }

  @Test
  void onlyOneAssemblyClass() {
    classes()
        .that()
        .haveSimpleNameEndingWith("Assembly")
        .should()
        .resideInAPackage("io.berth.node.bootstrap")
        .check(classes);
  }
}
