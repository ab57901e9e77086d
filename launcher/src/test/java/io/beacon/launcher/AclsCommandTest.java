package io.beacon.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class AclsCommandTest {

    @Test
    void shouldPrintTheBindingsWithTopicNamesFromTheSettingsAndPrincipalsFromTheOptions() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = BeaconCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "acls",
                "--set", "topics.requests=prod.requests", "--set", "application.id=router-prod",
                "--runner", "User:CN=runner.example", "--runner-group", "runner-prod");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .containsPattern("User:CN=runner.example\\s+WRITE\\s+TOPIC\\s+LITERAL\\s+prod.requests")
                .containsPattern("User:CN=runner.example\\s+READ\\s+GROUP\\s+LITERAL\\s+runner-prod")
                .containsPattern("User:router\\s+WRITE\\s+TRANSACTIONAL_ID\\s+PREFIXED\\s+router-prod-")
                .containsPattern("User:worker-golem\\s+READ\\s+TOPIC\\s+LITERAL\\s+provider-jobs.golem")
                .contains("super.users", "User:admin");
    }

    @Test
    void shouldNeedAClusterToApply() {
        StringWriter err = new StringWriter();

        int exit = BeaconCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "acls", "--apply",
                "--set", "bootstrap.servers=");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).contains("--apply needs bootstrap.servers");
    }
}
