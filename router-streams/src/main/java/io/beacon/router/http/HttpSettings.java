package io.beacon.router.http;

import java.time.Duration;
import java.util.Optional;

/**
 * Settings of the router's HTTP API, as plain values (see {@code RouterConfig} for each one's doc).
 *
 * @param threads            threads serving HTTP requests and writing answers
 * @param maxBodyBytes       largest POST /inference body read; larger is 413
 * @param defaultTimeout     wait for a result (and job deadline) when the request sets none
 * @param maxTimeout         largest timeout a request may ask for
 * @param maxPendingRequests POST /inference requests waiting at once before 503
 * @param authToken          bearer token protecting everything but /health; empty: open
 */
public record HttpSettings(int threads, int maxBodyBytes, Duration defaultTimeout, Duration maxTimeout,
                           int maxPendingRequests, Optional<String> authToken) {

    /** No secret in logs or exception messages that print this record. */
    @Override
    public String toString() {
        return "HttpSettings[threads=" + threads + ", maxBodyBytes=" + maxBodyBytes + ", defaultTimeout="
                + defaultTimeout + ", maxTimeout=" + maxTimeout + ", maxPendingRequests=" + maxPendingRequests
                + ", authToken=" + (authToken.isPresent() ? "[hidden]" : "none") + "]";
    }
}
