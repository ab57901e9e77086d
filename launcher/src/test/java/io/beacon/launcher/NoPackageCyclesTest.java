package io.beacon.launcher;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No import cycle between the packages of any main module (STYLE 15): a lower package never imports a
 * higher one. Every package is its own slice, so a cycle between a module's root package and one of its
 * sub-packages counts as much as one between two sub-packages. Runs here because the launcher depends on
 * every main module; each module's main classes are imported from the classpath, its tests left out.
 */
class NoPackageCyclesTest {

    /** Test classes of this module and any test jar (a shared fixture) on the classpath. */
    private static final ImportOption MAIN_CLASSES_ONLY = location ->
            new ImportOption.DoNotIncludeTests().includes(location) && !location.contains("-tests.jar");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "io.beacon.schemas",       // schemas
        "io.beacon.kafka",         // embedded-kafka
        "io.beacon.sim",           // provider-simulators
        "io.beacon.ops",           // ops
        "io.beacon.dashboard",     // dashboard
        "io.beacon.router",        // router-streams
        "io.beacon.workers",       // provider-workers
        "io.beacon.lab",           // policy-lab
        "io.beacon.launcher"})     // launcher
    void shouldHaveNoCycleBetweenTheModulesPackages(String rootPackage) {
        JavaClasses classes = new ClassFileImporter().withImportOption(MAIN_CLASSES_ONLY).importPackages(rootPackage);
        assertThat(classes).as("main classes under %s", rootPackage).isNotEmpty();

        slices().matching("io.beacon.(**)").namingSlices("$1")
                .should().beFreeOfCycles()
                .check(classes);
    }
}
