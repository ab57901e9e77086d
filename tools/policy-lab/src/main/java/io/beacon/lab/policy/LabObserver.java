package io.beacon.lab.policy;

import io.beacon.schemas.avro.JobAttempt;
import io.beacon.schemas.avro.RoutedJob;

/**
 * What a policy that learns from its own traffic is told, as LiteLLM's router tells its strategies through
 * callbacks: each job it sent, and each answer when it comes back.
 */
public interface LabObserver {

    /** The router sent {@code job} where this policy chose. */
    default void routed(RoutedJob job) {
    }

    /** The attempt of {@code job} came back to the router. */
    default void answered(RoutedJob job, JobAttempt attempt) {
    }
}
