package io.beacon.ops.lag;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.GroupType;
import org.junit.jupiter.api.Test;

class AdminOffsetSourceTest {

    private static GroupListing listing(GroupType type, String protocol) {
        return new GroupListing("g", Optional.ofNullable(type), protocol, Optional.of(GroupState.STABLE));
    }

    @Test
    void shouldWatchConsumerGroupsOnEitherProtocolAndStreamsGroups() {
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.CONSUMER, "consumer"))).contains(GroupKind.CONSUMER);
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.CLASSIC, "consumer"))).contains(GroupKind.CONSUMER);
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.STREAMS, "streams"))).contains(GroupKind.STREAMS);
    }

    @Test
    void shouldWatchAGroupThatOnlyCommitsOffsetsAndAListingFromABrokerThatGivesNoType() {
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.CLASSIC, ""))).contains(GroupKind.CONSUMER);
        assertThat(AdminOffsetSource.kindOf(listing(null, "consumer"))).contains(GroupKind.CONSUMER);
    }

    @Test
    void shouldLeaveOutShareGroupsAndClassicGroupsOfOtherProtocols() {
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.SHARE, "share"))).isEmpty();
        assertThat(AdminOffsetSource.kindOf(listing(GroupType.CLASSIC, "connect"))).isEmpty();
    }
}
