package io.beacon.launcher.security;

import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.topics.TopicNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least-privilege ACLs of a Beacon deployment: for each {@link Role}'s principal, exactly the topics, groups
 * and transactional ids it uses, from the topic names, application id and group names in the settings. The admin
 * is a super user ({@code super.users}) and gets no bindings; everything not bound here is denied
 * ({@code allow.everyone.if.no.acl.found=false}, Kafka's default).
 *
 * <p>Operations implied by others are not repeated: READ and WRITE on a topic imply DESCRIBE, and an
 * idempotent producer needs WRITE on some topic only (no cluster-wide IDEMPOTENT_WRITE since KIP-679).
 */
public final class AclPlan {

    /** The demo runner's results group, the default of {@code --runner-group}. */
    public static final String DEFAULT_RUNNER_GROUP = "beacon-demo-results";

    private final TopicNames topics;
    private final String applicationId;
    private final String workerGroupPrefix;
    private final String runnerGroup;
    private final Map<Role, String> principals;

    /**
     * @param applicationId     the router's {@code application.id}: its consumer group, and the prefix of its
     *                          internal topics and transactional ids
     * @param workerGroupPrefix the workers' consumer groups are this plus the provider kind ({@code lag.worker.group.prefix})
     * @param runnerGroup       the runner's results consumer group
     * @param principals        each role's principal, {@code User:NAME}; missing roles get {@code User:<default user>}
     */
    public AclPlan(TopicNames topics, String applicationId, String workerGroupPrefix, String runnerGroup,
                   Map<Role, String> principals) {
        this.topics = Objects.requireNonNull(topics, "topics");
        this.applicationId = requireNonBlank(applicationId, "application.id");
        this.workerGroupPrefix = Objects.requireNonNull(workerGroupPrefix, "workerGroupPrefix");
        this.runnerGroup = requireNonBlank(runnerGroup, "runner group");
        Map<Role, String> named = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            String principal = principals.getOrDefault(role, "User:" + role.defaultUser());
            if (!principal.matches("[A-Za-z]+:.+")) {
                throw new IllegalArgumentException("principal of " + role + " must look like User:NAME, not '" + principal + "'");
            }
            named.put(role, principal);
        }
        this.principals = Map.copyOf(named);
    }

    /** The principal of {@code role}, e.g. {@code User:runner}. */
    public String principal(Role role) {
        return principals.get(role);
    }

    /** The consumer group of the worker of {@code kind}. */
    public String workerGroup(ProviderKind kind) {
        return workerGroupPrefix + kind.name().toLowerCase(Locale.ROOT);
    }

    /** The {@code super.users} entry the cluster needs: the admin's principal. */
    public String superUsers() {
        return principal(Role.ADMIN);
    }

    /** Every binding of every role, in role order. */
    public List<AclBinding> bindings() {
        List<AclBinding> all = new ArrayList<>();
        for (Role role : Role.values()) {
            all.addAll(bindings(role));
        }
        return all;
    }

    /** The bindings of one role (none for the admin, a super user). */
    public List<AclBinding> bindings(Role role) {
        Grants grants = new Grants(principal(role));
        switch (role) {
            case RUNNER -> {
                grants.topic(topics.requests(), AclOperation.WRITE);
                grants.topic(topics.results(), AclOperation.READ);
                grants.group(runnerGroup, PatternType.LITERAL, AclOperation.READ);
            }
            case ROUTER -> {
                // The topology reads jobs, attempts, heartbeats and the ledger; the HTTP facade writes jobs too.
                grants.topic(topics.requests(), AclOperation.READ);
                grants.topic(topics.requests(), AclOperation.WRITE);
                grants.topic(topics.attempts(), AclOperation.READ);
                grants.topic(topics.status(), AclOperation.READ);
                grants.topic(topics.costLedger(), AclOperation.READ);
                for (ProviderKind kind : Role.WORKER_KINDS) {
                    grants.topic(topics.providerJobs(kind), AclOperation.WRITE);
                }
                // Final results are written by the topology and read back, without a group, by the HTTP facade.
                grants.topic(topics.results(), AclOperation.WRITE);
                grants.topic(topics.results(), AclOperation.READ);
                // Dead letters are written by Streams' handler and counted by the router's watch.
                grants.topic(topics.requestsDlq(), AclOperation.WRITE);
                grants.topic(topics.requestsDlq(), AclOperation.READ);
                for (String own : List.of(topics.attemptsByDeployment(), topics.deploymentStats())) {
                    grants.topic(own, AclOperation.READ);
                    grants.topic(own, AclOperation.WRITE);
                }
                // Changelog topics (<application.id>-<store>-changelog): created, read, written, trimmed by Streams.
                grants.add(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED, AclOperation.ALL);
                grants.group(applicationId, PatternType.LITERAL, AclOperation.READ);
                // exactly_once_v2: one transactional id per stream thread, <application.id>-<process>-<thread>.
                grants.add(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED, AclOperation.WRITE);
                // Routing backs off a provider whose workers fall behind: the router reads their groups' offsets.
                for (ProviderKind kind : Role.WORKER_KINDS) {
                    grants.group(workerGroup(kind), PatternType.LITERAL, AclOperation.DESCRIBE);
                }
            }
            case WORKER_GOLEM, WORKER_MODAL, WORKER_RUNPOD -> {
                ProviderKind kind = role.providerKind();
                grants.topic(topics.providerJobs(kind), AclOperation.READ);
                grants.group(workerGroup(kind), PatternType.LITERAL, AclOperation.READ);
                grants.topic(topics.attempts(), AclOperation.WRITE);
                grants.topic(topics.status(), AclOperation.WRITE);
                grants.topic(topics.costLedger(), AclOperation.WRITE);
                // Deployments joining and leaving: every worker reads the whole compacted topic, without a group.
                grants.topic(topics.deployments(), AclOperation.READ);
            }
            case OPS -> {
                // Lag is committed offsets against end offsets: DESCRIBE on groups and topics, no record read.
                grants.add(ResourceType.GROUP, ResourcePattern.WILDCARD_RESOURCE, PatternType.LITERAL, AclOperation.DESCRIBE);
                grants.add(ResourceType.TOPIC, ResourcePattern.WILDCARD_RESOURCE, PatternType.LITERAL, AclOperation.DESCRIBE);
            }
            case ADMIN -> {
                // A super user: no binding.
            }
        }
        return grants.list;
    }

    /** The bindings as a table: principal, operation, resource type, pattern type, name; one line each. */
    public String table() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"PRINCIPAL", "OPERATION", "RESOURCE", "PATTERN", "NAME"});
        for (AclBinding binding : bindings()) {
            rows.add(new String[] {binding.entry().principal(), binding.entry().operation().name(),
                    binding.pattern().resourceType().name(), binding.pattern().patternType().name(),
                    binding.pattern().name()});
        }
        int[] widths = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                out.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + (widths[i] + 2) + "s", row[i]));
            }
            out.append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Creates every binding through the Admin API (a binding that exists already is left as it is). The admin
     * client must log in as a super user or hold ALTER on the cluster.
     */
    public void apply(Admin admin, Duration timeout) throws InterruptedException {
        try {
            admin.createAcls(bindings()).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("creating the ACLs failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("creating the ACLs took longer than " + timeout.toSeconds() + " s", e);
        }
    }

    /** Sorts bindings for stable output and comparison. */
    public static Comparator<AclBinding> order() {
        return Comparator.comparing((AclBinding b) -> b.entry().principal())
                .thenComparing(b -> b.pattern().resourceType())
                .thenComparing(b -> b.pattern().name())
                .thenComparing(b -> b.entry().operation());
    }

    private static String requireNonBlank(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be blank");
        }
        return value;
    }

    /** Collects ALLOW bindings of one principal from any host. */
    private static final class Grants {
        private final String principal;
        private final List<AclBinding> list = new ArrayList<>();

        Grants(String principal) {
            this.principal = principal;
        }

        void topic(String name, AclOperation operation) {
            add(ResourceType.TOPIC, name, PatternType.LITERAL, operation);
        }

        void group(String name, PatternType type, AclOperation operation) {
            add(ResourceType.GROUP, name, type, operation);
        }

        void add(ResourceType type, String name, PatternType patternType, AclOperation operation) {
            list.add(new AclBinding(new ResourcePattern(type, name, patternType),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
