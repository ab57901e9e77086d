package io.beacon.router.topology;

import io.beacon.schemas.avro.ProviderStatus;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global deployment-state store: the newest heartbeat per deployment. Global, because any task
 * routing any job must see every deployment. An older heartbeat arriving late never replaces a newer one.
 */
final class DeploymentStateUpdater implements Processor<String, ProviderStatus, Void, Void> {

    private final DeploymentView view;
    private final RoutingEvents events;
    private KeyValueStore<String, ProviderStatus> store;

    DeploymentStateUpdater(DeploymentView view) {
        this(view, RoutingEvents.NONE);
    }

    /** @param events told of every heartbeat kept (the condition gauges) and every deployment removed */
    DeploymentStateUpdater(DeploymentView view, RoutingEvents events) {
        this.view = view;
        this.events = events;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(RouterNames.DEPLOYMENT_STATE_STORE);
    }

    @Override
    public void process(Record<String, ProviderStatus> record) {
        if (record.key() == null) {
            return;
        }
        ProviderStatus status = record.value();
        if (status == null) {
            ProviderStatus last = store.delete(record.key());
            view.changed();
            events.deploymentReported(record.key(), last, true);
            return;
        }
        ProviderStatus current = store.get(record.key());
        if (current == null || !status.getObservedAt().isBefore(current.getObservedAt())) {
            store.put(record.key(), status);
            view.changed();
            events.deploymentReported(record.key(), status, false);
        }
    }
}
