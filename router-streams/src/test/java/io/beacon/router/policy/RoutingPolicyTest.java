package io.beacon.router.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.avro.ProviderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutingPolicyTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final RoutingPolicy policy = new RoutingPolicy(Duration.ofSeconds(5), 1.5);

    private final List<DeploymentSnapshot> fleet = List.of(
            deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 0),
            deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0),
            deployment("runpod-us-east", ProviderKind.RUNPOD, "us-east", 0.00016, 8, 0));

    @Test
    void shouldPreferTheFirstPreferredProviderThatCanServe() {
        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL)).build(),
                Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
        assertThat(decision.reason()).contains("preferred provider modal");
    }

    @Test
    void shouldRefuseOtherProvidersWhenFallbacksAreNotAllowed() {
        List<DeploymentSnapshot> noModal = fleet.stream().filter(d -> d.provider() != ProviderKind.MODAL).toList();

        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL))
                .setAllowFallbacks(false).build(), Set.of(), noModal, NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.reason()).contains("fallbacks are not allowed");
    }

    @Test
    void shouldFallBackWhenThePreferredProviderIsMissingAndFallbacksAreAllowed() {
        List<DeploymentSnapshot> noModal = fleet.stream().filter(d -> d.provider() != ProviderKind.MODAL).toList();

        Decision decision = policy.decide(request().setProviderPreference(List.of(ProviderKind.MODAL)).build(),
                Set.of(), noModal, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("golem-eu-1");
    }

    @Test
    void shouldPickASameRegionDeploymentWithHeadroomFirst() {
        Decision decision = policy.decide(request().setRegionPreference("us-east").build(), Set.of(), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("runpod-us-east");
        assertThat(decision.reason()).contains("in preferred region us-east");
    }

    @Test
    void shouldSkipDeploymentsOverThePriceCap() {
        Decision decision = policy.decide(request().setMaxPricePerInferenceUsd(0.0002).build(), Set.of(),
                fleet.subList(1, 3), NOW);

        assertThat(decision.chosen()).isEmpty();
        assertThat(decision.candidates()).allSatisfy(c -> assertThat(c.getNote()).contains("over the cap"));
    }

    @Test
    void shouldPickTheFastestExpectedCompletionWithoutCostPriority() {
        List<DeploymentSnapshot> busyGolem = List.of(
                deployment("golem-eu-1", ProviderKind.GOLEM, "eu-central", 0.0001, 4, 6),
                deployment("modal-us-east", ProviderKind.MODAL, "us-east", 0.000164, 8, 0));

        Decision decision = policy.decide(request().setCostPriority(false).build(), Set.of(), busyGolem, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::id).hasValue("modal-us-east");
    }

    @Test
    void shouldNotChooseADeploymentTheJobAlreadyTried() {
        Decision decision = policy.decide(request().build(), Set.of("golem-eu-1"), fleet, NOW);

        assertThat(decision.chosen()).map(DeploymentSnapshot::provider).hasValueSatisfying(
                p -> assertThat(p).isNotEqualTo(ProviderKind.GOLEM));
    }

    private static InferenceRequest.Builder request() {
        return InferenceRequest.newBuilder().setJobId("job-1").setModel("llama3.2:1b").setPrompt("p").setCreatedAt(NOW);
    }

    private static DeploymentSnapshot deployment(String id, ProviderKind kind, String region, double price,
                                                 int capacity, int inFlight) {
        return new DeploymentSnapshot(ProviderStatus.newBuilder().setDeploymentId(id).setProvider(kind)
                .setRegion(region).setModels(List.of("llama3.2:1b")).setPricePerSecondUsd(price)
                .setCapacity(capacity).setInFlight(inFlight).setHealthy(true).setObservedAt(NOW)
                .setWorkerId("w").build(), 0);
    }
}
