package io.berth.platform;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The shared process infrastructure never reaches into a process (ADR 0019). */
class ArchitectureTest {
  @Test
  void platformNeverDependsOnAProcess() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.berth.platform");
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.berth.node..", "io.berth.replicator..", "io.berth.coordinator..")
        .check(classes);
  }
}
