package io.beacon.kafka;

/**
 * One embedded broker per JVM for integration tests in other modules: starting Kafka costs seconds, so
 * all test classes in a test JVM share it. It is started on first use, on free ports and in a temporary
 * directory, and stopped (the directory deleted) by its JVM shutdown hook when the test JVM exits.
 *
 * <p>Tests sharing it should use their own topic names (or delete what they create with
 * {@link TopicAdmin}), since every test sees every other test's topics and groups.
 */
public final class SharedBroker {

    private static final Object LOCK = new Object();
    private static volatile EmbeddedKafkaBroker broker;

    private SharedBroker() {
    }

    /**
     * The shared broker's {@code bootstrap.servers}, starting it first if this is the first call in the
     * JVM. Safe to call from several threads at once; the broker starts exactly once. If starting fails
     * the error is thrown and the next call tries again.
     */
    public static String bootstrapServers() {
        EmbeddedKafkaBroker running = broker;
        if (running == null) {
            synchronized (LOCK) {
                running = broker;
                if (running == null) {
                    running = EmbeddedKafkaBroker.builder().freePorts().build().start();
                    broker = running;
                }
            }
        }
        return running.bootstrapServers();
    }
}
