package io.beacon.router.topology;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many jobs each task of one router instance holds for the baseline tier. A task forecasting a new job's
 * start on the baseline counts every held job of the instance ahead of it, not only its own: the jobs of one
 * benchmark run are spread over the partitions, and the baseline serves them all. Shared by the instance's
 * job-lifecycle processors (like {@link DeploymentView}); thread-safe, as stream threads share it.
 */
final class HeldJobs {

    private final ConcurrentHashMap<Integer, Integer> byPartition = new ConcurrentHashMap<>();

    void set(int partition, int jobs) {
        byPartition.put(partition, jobs);
    }

    /** Jobs held by every task of the instance. */
    int total() {
        int sum = 0;
        for (int jobs : byPartition.values()) {
            sum += jobs;
        }
        return sum;
    }
}
