package io.beacon.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.config.CommonConfig;
import io.beacon.schemas.serde.SerdeProvider;
import io.beacon.schemas.topics.TopicNames;
import io.beacon.schemas.topics.Topics;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/** The names a run gets, without a broker: every catalogue topic renamed, nothing shared between runs. */
class IsolatedRunSettingsTest {

    @Test
    void shouldRenameEveryTopicSettingOfTheCatalogueUnderTheRunsId() {
        // Given the settings of a run
        Map<String, String> settings = IsolatedRun.isolatedSettings("names-1a2b3c4d", "localhost:1", "mem://names");

        // Then every topic setting the catalogue defines is there, named <id>.<default>
        Map<String, ConfigDef.ConfigKey> catalogue = TopicNames.define(new ConfigDef()).configKeys();
        assertThat(catalogue.keySet()).containsAll(TopicNames.ALL);
        assertThat(catalogue).allSatisfy((setting, key) ->
                assertThat(settings).containsEntry(setting, "names-1a2b3c4d." + key.defaultValue));

        // And every topic of the typed catalogue built from them carries the id
        assertThat(topicsOf(settings)).isNotEmpty()
                .allSatisfy(name -> assertThat(name).startsWith("names-1a2b3c4d."));
    }

    @Test
    void shouldGiveTwoRunsNoTopicRegistryApplicationIdOrGroupInCommon() {
        // Given two runs of the same name
        Map<String, String> first = IsolatedRun.isolatedSettings("same-00000001", "localhost:1", "mem://same-1");
        Map<String, String> second = IsolatedRun.isolatedSettings("same-00000002", "localhost:1", "mem://same-2");

        // Then they share no topic, no registry, no application id and no worker group prefix
        Set<String> shared = new HashSet<>(topicsOf(first));
        shared.retainAll(topicsOf(second));
        assertThat(shared).isEmpty();
        for (String setting : List.of(CommonConfig.SCHEMA_REGISTRY_URL, IsolatedRun.APPLICATION_ID,
                IsolatedRun.LAG_WORKER_GROUP_PREFIX)) {
            assertThat(first.get(setting)).as(setting).isNotEqualTo(second.get(setting));
        }
        // And each serves HTTP on a free port, reaching the broker it was given
        assertThat(first).containsEntry(IsolatedRun.HTTP_PORT, "0").containsEntry(CommonConfig.BOOTSTRAP_SERVERS,
                "localhost:1");
    }

    private static List<String> topicsOf(Map<String, String> settings) {
        CommonConfig config = new CommonConfig(CommonConfig.define(new ConfigDef()), settings);
        try (SerdeProvider serdes = config.serdeProvider()) {
            return Topics.create(config.topicNames(), serdes).newTopics(1, (short) 1).stream()
                    .map(NewTopic::name).toList();
        }
    }
}
