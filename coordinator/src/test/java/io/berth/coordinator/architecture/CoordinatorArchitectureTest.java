package io.berth.coordinator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Package boundaries of the coordinator (DESIGN.md section 8). */
class CoordinatorArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.berth.coordinator");
  }

  @Test
  void routingIsPureLogic() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.coordinator.routing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.curator..",
            "org.apache.zookeeper..",
            "org.xbill..",
            "io.grpc..",
            "com.sun.net.httpserver..",
            "java.net.http..",
            "io.berth.coordinator.dns..",
            "io.berth.coordinator.membership..",
            "io.berth.coordinator.api..")
        .check(classes);
  }

  @Test
  void resolveServiceKnowsNoWireProtocol() {
    noClasses()
        .that()
        .haveSimpleNameEndingWith("Service")
        .and()
        .doNotHaveSimpleName("GrpcResolveService")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.grpc..", "com.sun.net.httpserver..", "org.xbill..", "org.apache.curator..")
        .check(classes);
  }

  @Test
  void dnsDoesNotTouchZooKeeper() {
    noClasses()
        .that()
        .resideInAPackage("io.berth.coordinator.dns..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.curator..", "org.apache.zookeeper..", "io.grpc..")
        .check(classes);
  }

  @Test
  void onlyOneAssemblyAndNoImpl() {
    classes()
        .that()
        .haveSimpleNameEndingWith("Assembly")
        .should()
        .resideInAPackage("io.berth.coordinator.bootstrap")
        .check(classes);
    noClasses().should().haveSimpleNameEndingWith("Impl").check(classes);
  }
}
