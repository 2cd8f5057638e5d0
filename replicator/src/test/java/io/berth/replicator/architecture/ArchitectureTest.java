package io.berth.replicator.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Package boundaries of the replicator (DESIGN.md sections 1 and 8). */
class ArchitectureTest {
  static JavaClasses classes;

  @BeforeAll
  static void load() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.berth.replicator");
  }

  @Test
  void neverLinksRegistryNodeCode() {
    noClasses().should().dependOnClassesThat().resideInAPackage("io.berth.node..").check(classes);
  }

  @Test
  void onlyTheRegionClientSpeaksGrpcAndOnlyConsumeSpeaksKafka() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.berth.replicator.region..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..")
        .check(classes);
    noClasses()
        .that()
        .resideOutsideOfPackages("io.berth.replicator.consume..", "io.berth.replicator.bootstrap..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.apache.kafka..")
        .check(classes);
  }

  @Test
  void onlyTheBucketSpeaksS3() {
    noClasses()
        .that()
        .resideOutsideOfPackages("io.berth.replicator.bucket..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.minio..", "okhttp3..")
        .check(classes);
  }

  @Test
  void theLinkPipelineUsesInterfacesNotImplementations() {
    noClasses()
        .that()
        .resideInAnyPackage("io.berth.replicator.link..", "io.berth.replicator.copy..")
        .should()
        .dependOnClassesThat()
        .haveSimpleName("GrpcRegionClient")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleName("KafkaSourceLog")
        .orShould()
        .dependOnClassesThat()
        .haveSimpleName("S3TargetBucket")
        .check(classes);
  }

  @Test
  void onlyOneAssemblyAndNoImpl() {
    classes()
        .that()
        .haveSimpleNameEndingWith("Assembly")
        .should()
        .resideInAPackage("io.berth.replicator.bootstrap")
        .check(classes);
    noClasses().should().haveSimpleNameEndingWith("Impl").check(classes);
  }
}
