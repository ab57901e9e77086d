package io.beacon.launcher;

import io.beacon.launcher.security.AclPlan;
import io.beacon.launcher.security.Role;
import io.beacon.router.RouterConfig;
import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.config.ConfigLoader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prints, or applies, the least-privilege ACLs of a Beacon deployment on a real cluster ({@link AclPlan}): topic
 * names, the router's application id and the worker group prefix come from the settings, the principals from the
 * options.
 */
@Command(name = "acls", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the ACL bindings each Beacon principal needs on a cluster that authorizes (StandardAuthorizer,"
                + " allow.everyone.if.no.acl.found=false): topic names, application.id and lag.worker.group.prefix from"
                + " the settings, principals from the options.",
                "--apply creates them through the Admin API (bootstrap.servers and the admin's kafka.* login from the"
                        + " settings); bindings that exist are left alone."})
final class AclsCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--apply", description = "Create the bindings on the cluster instead of only printing them.")
    boolean apply;

    @Option(names = "--runner", paramLabel = "PRINCIPAL", defaultValue = "User:runner",
            description = "The runner's principal (default ${DEFAULT-VALUE}).")
    String runner;

    @Option(names = "--runner-group", paramLabel = "GROUP", defaultValue = AclPlan.DEFAULT_RUNNER_GROUP,
            description = "The runner's results consumer group (default ${DEFAULT-VALUE}).")
    String runnerGroup;

    @Option(names = "--router", paramLabel = "PRINCIPAL", defaultValue = "User:router",
            description = "The router's principal (default ${DEFAULT-VALUE}).")
    String router;

    @Option(names = "--worker-golem", paramLabel = "PRINCIPAL", defaultValue = "User:worker-golem",
            description = "The Golem worker's principal (default ${DEFAULT-VALUE}).")
    String workerGolem;

    @Option(names = "--worker-modal", paramLabel = "PRINCIPAL", defaultValue = "User:worker-modal",
            description = "The Modal worker's principal (default ${DEFAULT-VALUE}).")
    String workerModal;

    @Option(names = "--worker-runpod", paramLabel = "PRINCIPAL", defaultValue = "User:worker-runpod",
            description = "The RunPod worker's principal (default ${DEFAULT-VALUE}).")
    String workerRunpod;

    @Option(names = "--ops", paramLabel = "PRINCIPAL", defaultValue = "User:ops",
            description = "The monitoring principal: lag monitor, dashboard, Prometheus exporters (default ${DEFAULT-VALUE}).")
    String ops;

    @Option(names = "--admin", paramLabel = "PRINCIPAL", defaultValue = "User:admin",
            description = "The admin: a super user, given no binding; printed for super.users (default ${DEFAULT-VALUE}).")
    String admin;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Map<String, String> settings = ConfigLoader.merge(RouterConfig.DEFINITION, config.file(), System.getenv(),
                config.overrides(Map.of()));
        AclPlan plan = plan(new RouterConfig(settings));
        PrintWriter out = spec.commandLine().getOut();
        out.print(plan.table());
        out.println("Super user (broker setting super.users, no binding): " + plan.superUsers());
        out.println("Everything else is denied (allow.everyone.if.no.acl.found=false).");
        if (apply) {
            String bootstrap = settings.getOrDefault(CommonConfig.BOOTSTRAP_SERVERS, "");
            if (bootstrap.isBlank()) {
                throw new IllegalArgumentException("--apply needs bootstrap.servers (BEACON_BOOTSTRAP_SERVERS or --set)"
                        + " and the admin's login as kafka.* settings");
            }
            Map<String, Object> props = new HashMap<>(ConfigLoader.kafkaPassthrough(settings));
            props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "beacon-acls");
            try (Admin client = Admin.create(props)) {
                plan.apply(client, Duration.ofSeconds(60));
            }
            out.println("Applied " + plan.bindings().size() + " bindings to " + bootstrap + ".");
        }
        out.flush();
        return 0;
    }

    AclPlan plan(RouterConfig routerConfig) {
        Map<Role, String> principals = new EnumMap<>(Role.class);
        principals.put(Role.RUNNER, runner);
        principals.put(Role.ROUTER, router);
        principals.put(Role.WORKER_GOLEM, workerGolem);
        principals.put(Role.WORKER_MODAL, workerModal);
        principals.put(Role.WORKER_RUNPOD, workerRunpod);
        principals.put(Role.OPS, ops);
        principals.put(Role.ADMIN, admin);
        return new AclPlan(routerConfig.topicNames(), routerConfig.getString(RouterConfig.APPLICATION_ID),
                routerConfig.getString(RouterConfig.LAG_WORKER_GROUP_PREFIX), runnerGroup, principals);
    }
}
