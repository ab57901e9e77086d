package io.beacon.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.beacon.kafka.TopicAdmin;
import io.beacon.schemas.avro.InferenceRequest;
import io.beacon.schemas.avro.ProviderKind;
import io.beacon.schemas.topics.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Two runs on the shared broker: their own topics, created; typed records in and out; offset totals. */
class IsolatedRunIT {

    @Test
    void shouldCreateEveryTopicOfEachRunAndKeepTwoRunsApart() {
        try (IsolatedRun first = IsolatedRun.start("fixture-it");
             IsolatedRun second = IsolatedRun.start("fixture-it");
             TopicAdmin admin = new TopicAdmin(first.bootstrapServers())) {
            // Then each run's catalogue topics exist on the broker
            List<String> firstTopics = names(first);
            List<String> secondTopics = names(second);
            assertThat(admin.listTopics(Duration.ofSeconds(30))).containsAll(firstTopics).containsAll(secondTopics);

            // And nothing is shared: topics, registry, application id, worker groups
            Set<String> shared = new HashSet<>(firstTopics);
            shared.retainAll(secondTopics);
            assertThat(shared).isEmpty();
            assertThat(first.id()).isNotEqualTo(second.id()).startsWith("fixture-it-");
            assertThat(first.registryUrl()).isEqualTo("mem://" + first.id()).isNotEqualTo(second.registryUrl());
            assertThat(first.applicationId()).isNotEqualTo(second.applicationId());
            assertThat(first.workerGroup(ProviderKind.GOLEM)).startsWith(first.id())
                    .isNotEqualTo(second.workerGroup(ProviderKind.GOLEM));
        }
    }

    @Test
    void shouldReadWhatItSentWithTheCataloguesSerdesAndSeeOnlyNewRecordsFromTheEnd() {
        try (IsolatedRun run = IsolatedRun.named("fixture-io").partitions(2).start()) {
            TopicSpec<String, InferenceRequest> requests = run.topics().requests();
            // Given one request sent before a reader from the end is opened
            run.send(requests, "job-1", request("job-1"));
            try (TopicReader<String, InferenceRequest> fromEnd = run.readerFromEnd(requests)) {
                // When a second one is sent
                run.send(requests, 1, "job-2", request("job-2"));

                // Then a reader from the beginning reads both, typed; the one from the end only the second
                assertThat(run.readValues(requests, 2, Duration.ofSeconds(30)))
                        .extracting(InferenceRequest::getJobId).containsExactlyInAnyOrder("job-1", "job-2");
                assertThat(fromEnd.awaitAtLeast(1, Duration.ofSeconds(30))).extracting(ConsumerRecord::key)
                        .containsExactly("job-2");
                assertThat(fromEnd.readFor(Duration.ofMillis(300))).hasSize(1);
            }
            // And waiting for more than there is fails, saying what was read
            try (TopicReader<String, InferenceRequest> reader = run.reader(requests)) {
                assertThatThrownBy(() -> reader.awaitAtLeast(3, Duration.ofMillis(500)))
                        .isInstanceOf(AssertionError.class).hasMessageContaining(requests.name())
                        .hasMessageContaining("read 2 of the 3");
            }
        }
    }

    @Test
    void shouldTotalAGroupsCommittedOffsetsAgainstTheEndOffsets() {
        try (IsolatedRun run = IsolatedRun.start("fixture-offsets");
             GroupOffsets offsets = new GroupOffsets(run.bootstrapServers())) {
            // Given three records on a three-partition topic and a group that committed two of them
            TopicSpec<String, InferenceRequest> requests = run.topics().requests();
            for (int partition = 0; partition < 3; partition++) {
                run.send(requests, partition, "job-" + partition, request("job-" + partition));
            }
            String group = run.newGroupId("committer");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    "bootstrap.servers", run.bootstrapServers(), "group.id", group),
                    new StringDeserializer(), new StringDeserializer())) {
                consumer.commitSync(Map.of(new TopicPartition(requests.name(), 0), new OffsetAndMetadata(1),
                        new TopicPartition(requests.name(), 1), new OffsetAndMetadata(1)));
            }

            // Then the totals say so, and the group has not committed to the end
            assertThat(offsets.endOffsetsTotal(requests.name())).isEqualTo(3);
            assertThat(offsets.committedTotal(group)).isEqualTo(2);
            assertThat(offsets.committedToEnd(group, List.of(requests.name()))).isFalse();
            assertThat(offsets.committedToEnd(group, List.of(run.topics().results().name()))).isTrue();
        }
    }

    private static List<String> names(IsolatedRun run) {
        return run.topics().newTopics(1, (short) 1).stream().map(NewTopic::name).toList();
    }

    private static InferenceRequest request(String id) {
        return InferenceRequest.newBuilder().setJobId(id).setModel("llama3.2:1b").setPrompt("p")
                .setCreatedAt(Instant.now()).build();
    }
}
