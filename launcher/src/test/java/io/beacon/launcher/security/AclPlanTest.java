package io.beacon.launcher.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.schemas.topics.TopicNames;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

class AclPlanTest {

    private final AclPlan plan = new AclPlan(TopicNames.defaults(), "beacon-router", "beacon-worker-",
            "beacon-demo-results", Map.of());

    @Test
    void shouldLetTheRunnerWriteJobsAndReadResultsWithItsGroupAndNothingElse() {
        assertThat(lines(Role.RUNNER)).containsExactlyInAnyOrder(
                "User:runner WRITE TOPIC LITERAL inference-requests",
                "User:runner READ TOPIC LITERAL inference-results",
                "User:runner READ GROUP LITERAL beacon-demo-results");
    }

    @Test
    void shouldLetAWorkerReadOnlyItsOwnJobsAndTheDeploymentsAndWriteAttemptsHeartbeatsAndCosts() {
        assertThat(lines(Role.WORKER_GOLEM)).containsExactlyInAnyOrder(
                "User:worker-golem READ TOPIC LITERAL provider-jobs.golem",
                "User:worker-golem READ GROUP LITERAL beacon-worker-golem",
                "User:worker-golem WRITE TOPIC LITERAL job-attempts",
                "User:worker-golem WRITE TOPIC LITERAL provider-status",
                "User:worker-golem WRITE TOPIC LITERAL cost-ledger",
                "User:worker-golem READ TOPIC LITERAL deployments");
        assertThat(lines(Role.WORKER_MODAL)).contains("User:worker-modal READ TOPIC LITERAL provider-jobs.modal")
                .noneMatch(line -> line.contains("provider-jobs.golem") || line.contains("provider-jobs.runpod"));
    }

    @Test
    void shouldGiveTheRouterItsTopicsGroupInternalTopicsAndTransactionalIds() {
        List<String> router = lines(Role.ROUTER);
        assertThat(router).contains(
                "User:router READ TOPIC LITERAL inference-requests",
                "User:router WRITE TOPIC LITERAL provider-jobs.golem",
                "User:router WRITE TOPIC LITERAL provider-jobs.modal",
                "User:router WRITE TOPIC LITERAL provider-jobs.runpod",
                "User:router WRITE TOPIC LITERAL inference-results",
                "User:router WRITE TOPIC LITERAL inference-requests.dlq",
                "User:router READ TOPIC LITERAL router.deployment-stats",
                "User:router WRITE TOPIC LITERAL router.attempts-by-deployment",
                "User:router ALL TOPIC PREFIXED beacon-router-",
                "User:router READ GROUP LITERAL beacon-router",
                "User:router WRITE TRANSACTIONAL_ID PREFIXED beacon-router-",
                "User:router DESCRIBE GROUP LITERAL beacon-worker-runpod");
        // It routes jobs; it never calls a provider, so it reads no provider's jobs, and it writes no attempt.
        assertThat(router).noneMatch(line -> line.contains("READ TOPIC LITERAL provider-jobs"))
                .noneMatch(line -> line.contains("WRITE TOPIC LITERAL job-attempts"))
                .noneMatch(line -> line.contains("CLUSTER"));
    }

    @Test
    void shouldLetOpsDescribeOnlyAndGiveTheAdminNoBindingAsASuperUser() {
        assertThat(lines(Role.OPS)).containsExactlyInAnyOrder(
                "User:ops DESCRIBE GROUP LITERAL *",
                "User:ops DESCRIBE TOPIC LITERAL *");
        assertThat(plan.bindings(Role.ADMIN)).isEmpty();
        assertThat(plan.superUsers()).isEqualTo("User:admin");
    }

    @Test
    void shouldAllowOnlyAndFromAnyHost() {
        assertThat(plan.bindings()).allSatisfy(binding -> {
            assertThat(binding.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
            assertThat(binding.entry().host()).isEqualTo("*");
        });
        assertThat(plan.bindings()).extracting(b -> b.entry().operation())
                .doesNotContain(AclOperation.ALTER, AclOperation.ALTER_CONFIGS, AclOperation.CLUSTER_ACTION);
    }

    @Test
    void shouldFollowRenamedTopicsGroupsAndPrincipals() {
        Map<String, String> settings = Map.of(TopicNames.REQUESTS, "prod.jobs", TopicNames.GOLEM_JOBS, "prod.golem");
        TopicNames names = TopicNames.from(new org.apache.kafka.common.config.AbstractConfig(
                TopicNames.define(new org.apache.kafka.common.config.ConfigDef()), settings, false));
        AclPlan renamed = new AclPlan(names, "router-prod", "workers-prod-", "runner-prod",
                Map.of(Role.RUNNER, "User:beacon-runner", Role.WORKER_GOLEM, "User:CN=golem.example"));
        assertThat(lines(renamed, Role.RUNNER)).contains("User:beacon-runner WRITE TOPIC LITERAL prod.jobs",
                "User:beacon-runner READ GROUP LITERAL runner-prod");
        assertThat(lines(renamed, Role.WORKER_GOLEM)).contains("User:CN=golem.example READ TOPIC LITERAL prod.golem",
                "User:CN=golem.example READ GROUP LITERAL workers-prod-golem");
        assertThat(lines(renamed, Role.ROUTER)).contains("User:router WRITE TRANSACTIONAL_ID PREFIXED router-prod-",
                "User:router ALL TOPIC PREFIXED router-prod-");
    }

    @Test
    void shouldRefuseAPrincipalWithoutAType() {
        assertThatThrownBy(() -> new AclPlan(TopicNames.defaults(), "beacon-router", "beacon-worker-", "g",
                Map.of(Role.RUNNER, "runner")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("User:NAME");
    }

    @Test
    void shouldPrintOneTableLinePerBinding() {
        String table = plan.table();
        assertThat(table.lines()).hasSize(plan.bindings().size() + 1);
        assertThat(table.lines().findFirst().orElseThrow()).startsWith("PRINCIPAL");
        assertThat(table).contains("User:worker-runpod").contains("TRANSACTIONAL_ID");
    }

    private List<String> lines(Role role) {
        return lines(plan, role);
    }

    private static List<String> lines(AclPlan plan, Role role) {
        return plan.bindings(role).stream().map(AclPlanTest::line).collect(Collectors.toList());
    }

    private static String line(AclBinding b) {
        ResourceType type = b.pattern().resourceType();
        PatternType pattern = b.pattern().patternType();
        return b.entry().principal() + " " + b.entry().operation() + " " + type + " " + pattern + " " + b.pattern().name();
    }
}
