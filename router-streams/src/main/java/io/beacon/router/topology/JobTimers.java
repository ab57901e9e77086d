package io.beacon.router.topology;

/**
 * Keys of the job-timer store: {@code <epoch millis, 16 digits zero-padded>|<job id>}. Zero padding makes
 * the store's byte order the time order, so "everything due by t" is one range scan.
 */
final class JobTimers {

    /** The smallest key. */
    static final String FIRST = pad(0);
    private static final int DIGITS = 16;

    private JobTimers() {
    }

    static String key(long epochMs, String jobId) {
        return pad(epochMs) + '|' + jobId;
    }

    /**
     * The inclusive upper bound of a range holding every key due at or before {@code epochMs}: the next
     * millisecond's bare prefix sorts after all keys of {@code epochMs} and before all of its own.
     */
    static String upTo(long epochMs) {
        return pad(epochMs + 1);
    }

    static long time(String key) {
        return Long.parseLong(key, 0, DIGITS, 10);
    }

    static String jobId(String key) {
        return key.substring(DIGITS + 1);
    }

    private static String pad(long epochMs) {
        if (epochMs < 0) {
            throw new IllegalArgumentException("timer before the epoch: " + epochMs);
        }
        String digits = Long.toString(epochMs);
        StringBuilder out = new StringBuilder(DIGITS + 40);
        for (int i = digits.length(); i < DIGITS; i++) {
            out.append('0');
        }
        return out.append(digits).toString();
    }
}
