package io.beacon.schemas.topics;

import io.beacon.schemas.avro.ProviderKind;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The name of every topic, from configuration. The defaults below are the only place a topic name is
 * written; everything else asks this value (or the {@link Topics} catalogue built from it).
 */
public record TopicNames(String requests, String results, Map<ProviderKind, String> providerJobs,
                         String attempts, String status, String requestsDlq, String attemptsByDeployment,
                         String deploymentStats, String costLedger, String deployments) {

    public static final String REQUESTS = "topics.requests";
    public static final String RESULTS = "topics.results";
    public static final String GOLEM_JOBS = "topics.provider-jobs.golem";
    public static final String MODAL_JOBS = "topics.provider-jobs.modal";
    public static final String RUNPOD_JOBS = "topics.provider-jobs.runpod";
    public static final String ATTEMPTS = "topics.attempts";
    public static final String STATUS = "topics.status";
    public static final String REQUESTS_DLQ = "topics.requests-dlq";
    public static final String ATTEMPTS_BY_DEPLOYMENT = "topics.attempts-by-deployment";
    public static final String DEPLOYMENT_STATS = "topics.deployment-stats";
    public static final String COST_LEDGER = "topics.cost-ledger";
    public static final String DEPLOYMENTS = "topics.deployments";

    /** Every topic-name setting, for tools that rename them all (tests give each run its own topics). */
    public static final java.util.List<String> ALL = java.util.List.of(REQUESTS, RESULTS, GOLEM_JOBS, MODAL_JOBS,
            RUNPOD_JOBS, ATTEMPTS, STATUS, REQUESTS_DLQ, ATTEMPTS_BY_DEPLOYMENT, DEPLOYMENT_STATS, COST_LEDGER,
            DEPLOYMENTS);

    public TopicNames {
        providerJobs = Map.copyOf(providerJobs);
    }

    /** The default names. */
    public static TopicNames defaults() {
        return from(new AbstractConfig(define(new ConfigDef()), Map.of(), false));
    }

    public static ConfigDef define(ConfigDef definition) {
        return definition
                .define(REQUESTS, Type.STRING, "inference-requests", Importance.MEDIUM,
                        "Topic the runner writes InferenceRequest records to.")
                .define(RESULTS, Type.STRING, "inference-results", Importance.MEDIUM,
                        "Topic of final InferenceResult records, one per job.")
                .define(GOLEM_JOBS, Type.STRING, "provider-jobs.golem", Importance.LOW,
                        "Topic of RoutedJob records for Golem workers.")
                .define(MODAL_JOBS, Type.STRING, "provider-jobs.modal", Importance.LOW,
                        "Topic of RoutedJob records for Modal workers.")
                .define(RUNPOD_JOBS, Type.STRING, "provider-jobs.runpod", Importance.LOW,
                        "Topic of RoutedJob records for RunPod workers.")
                .define(ATTEMPTS, Type.STRING, "job-attempts", Importance.LOW,
                        "Topic of JobAttempt records written by workers.")
                .define(STATUS, Type.STRING, "provider-status", Importance.LOW,
                        "Compacted topic of ProviderStatus heartbeats, keyed by deployment id.")
                .define(REQUESTS_DLQ, Type.STRING, "inference-requests.dlq", Importance.LOW,
                        "Dead-letter topic for request records that cannot be decoded, with headers saying why.")
                .define(ATTEMPTS_BY_DEPLOYMENT, Type.STRING, "router.attempts-by-deployment", Importance.LOW,
                        "The router's own topic: applied attempts re-keyed by deployment id, so one task owns each"
                                + " deployment's statistics.")
                .define(DEPLOYMENT_STATS, Type.STRING, "router.deployment-stats", Importance.LOW,
                        "The router's own compacted topic of DeploymentStats, read back by every instance as a"
                                + " global store.")
                .define(COST_LEDGER, Type.STRING, "cost-ledger", Importance.LOW,
                        "Topic of CostEntry records, keyed by deployment id: every billed second of every deployment"
                                + " (attempt shares, probes, idle capacity, fees), written by the workers.")
                .define(DEPLOYMENTS, Type.STRING, "deployments", Importance.LOW,
                        "Compacted topic of DeploymentSpec records, keyed by deployment id: deployments added,"
                                + " changed or retired while the pipeline runs (beacon deployments add|remove), read"
                                + " from the beginning by every worker of the provider kind.");
    }

    public static TopicNames from(AbstractConfig config) {
        Map<ProviderKind, String> jobs = new EnumMap<>(ProviderKind.class);
        jobs.put(ProviderKind.GOLEM, config.getString(GOLEM_JOBS));
        jobs.put(ProviderKind.MODAL, config.getString(MODAL_JOBS));
        jobs.put(ProviderKind.RUNPOD, config.getString(RUNPOD_JOBS));
        return new TopicNames(config.getString(REQUESTS), config.getString(RESULTS), jobs,
                config.getString(ATTEMPTS), config.getString(STATUS), config.getString(REQUESTS_DLQ),
                config.getString(ATTEMPTS_BY_DEPLOYMENT), config.getString(DEPLOYMENT_STATS),
                config.getString(COST_LEDGER), config.getString(DEPLOYMENTS));
    }

    /** The jobs topic of one provider kind. */
    public String providerJobs(ProviderKind kind) {
        String name = providerJobs.get(kind);
        if (name == null) {
            throw new IllegalArgumentException("no jobs topic for provider kind " + kind);
        }
        return name;
    }
}
