/**
 * A real Kafka broker inside the JVM, so the router can be run and tested on a laptop without installing
 * Kafka: {@link io.beacon.kafka.EmbeddedKafkaBroker} for the launcher, {@link io.beacon.kafka.SharedBroker}
 * for other modules' integration tests, {@link io.beacon.kafka.KafkaCluster} for a three-node KRaft cluster of
 * separate node JVMs (one can be killed and restarted), and {@link io.beacon.kafka.TopicAdmin} for creating topics on any
 * cluster, embedded or real.
 */
package io.beacon.kafka;
