package org.apache.kafka.tools.consumer.group;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs {@code kafka-consumer-groups --describe} in-process, from the kafka-tools jar, and returns the rows
 * it would print. It lives in the tool's package because the tool's service class is package-private.
 */
public final class ConsumerGroupsTool {

    /** One row of the describe table; a column the tool prints as "-" is empty. */
    public record Row(String topic, int partition, Optional<Long> currentOffset, Optional<Long> logEndOffset,
                      Optional<Long> lag) {
    }

    private ConsumerGroupsTool() {
    }

    public static List<Row> describe(String bootstrapServers, String group) throws Exception {
        ConsumerGroupCommandOptions options = ConsumerGroupCommandOptions.fromArgs(new String[] {
            "--bootstrap-server", bootstrapServers, "--describe", "--group", group});
        try (ConsumerGroupCommand.ConsumerGroupService service =
                new ConsumerGroupCommand.ConsumerGroupService(options, Map.of())) {
            Collection<PartitionAssignmentState> rows = service.collectGroupOffsets(group).getValue().orElse(List.of());
            return rows.stream().filter(row -> row.topic().isPresent() && row.partition().isPresent())
                    .map(row -> new Row(row.topic().get(), row.partition().get(), row.offset(), row.logEndOffset(),
                            row.lag()))
                    .toList();
        }
    }
}
