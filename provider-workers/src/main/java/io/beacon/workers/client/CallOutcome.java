package io.beacon.workers.client;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What one call to a provider came to, with the provider's own figures where it gives them.
 *
 * @param outcome          succeeded, retryable failure (the router may fail over) or permanent failure
 * @param response         generated text when succeeded, else null
 * @param error            what went wrong, never holding credentials; null when succeeded
 * @param startedAt        when the worker started the call
 * @param finishedAt       when the worker had the final answer
 * @param providerTimeMs   provider's own time figure (Ollama total_duration, RunPod executionTime), else wall time
 * @param queueTimeMs      time in the provider's queue when it reports it (RunPod delayTime), else 0
 * @param billedSeconds    unit seconds the cost ledger apportioned to the call (its share of the billed
 *                         capacity it ran on); 0 from the clients, set by {@link #withCharge}
 * @param costEstimateUsd  money the cost ledger apportioned to the call
 * @param promptTokens     prompt tokens reported, 0 when unknown
 * @param completionTokens generated tokens reported, 0 when unknown
 * @param httpStatus       status of the provider's answer that ended the call; 0 when none ended it (a
 *                         success, a connection error, a time-out, a failure inside a 200 answer)
 * @param retryAfter       how long the provider asked us to wait before trying again ({@code Retry-After}),
 *                         null when it did not say; never negative
 * @param blame            whose fault a failure was (see {@link FailureClassifier}); null when succeeded
 */
public record CallOutcome(AttemptOutcome outcome, String response, String error, Instant startedAt,
                          Instant finishedAt, long providerTimeMs, long queueTimeMs, double billedSeconds,
                          double costEstimateUsd, int promptTokens, int completionTokens, int httpStatus,
                          Duration retryAfter, FailureBlame blame) {

    public CallOutcome {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        if (retryAfter != null && retryAfter.isNegative()) {
            retryAfter = Duration.ZERO;
        }
        if (outcome == AttemptOutcome.SUCCEEDED) {
            blame = null;
        } else if (blame == null) {
            blame = defaultBlame(outcome);
        }
    }

    /**
     * The blame of a failure whose cause was not classified further: a retryable failure is the deployment's
     * trouble, a permanent one the request's (the meaning both outcomes had before blame existed).
     */
    public static FailureBlame defaultBlame(AttemptOutcome outcome) {
        return switch (outcome) {
            case SUCCEEDED -> null;
            case PERMANENT_FAILURE -> FailureBlame.REQUEST;
            default -> FailureBlame.UNHEALTHY;
        };
    }

    /**
     * True when the provider's front door refused the call for its credentials (HTTP 401, 403 or 407): Modal's
     * proxy, RunPod's API and a requestor's proxy in front of a Golem node answer those before any container,
     * worker or node is reached, so nothing is billed for it.
     */
    public boolean refusedAtTheDoor() {
        return httpStatus == 401 || httpStatus == 403 || httpStatus == 407;
    }

    /** True when the failure is the deployment's set-up (credentials refused, model missing there). */
    public boolean misconfigured() {
        return blame == FailureBlame.MISCONFIGURED;
    }

    public boolean succeeded() {
        return outcome == AttemptOutcome.SUCCEEDED;
    }

    /** Wall time of the call. */
    public Duration wallTime() {
        return Duration.between(startedAt, finishedAt);
    }

    /** A failure that happened before any call was made (nothing billed), blamed by its outcome. */
    public static CallOutcome notCalled(AttemptOutcome outcome, String error, Instant at) {
        return notCalled(outcome, null, error, at);
    }

    /** A failure that happened before any call was made (nothing billed), with its blame. */
    public static CallOutcome notCalled(AttemptOutcome outcome, FailureBlame blame, String error, Instant at) {
        return new CallOutcome(outcome, null, error, at, at, 0, 0, 0.0, 0.0, 0, 0, 0, null, blame);
    }

    /**
     * This outcome as the end of an attempt that made earlier calls too (retries): it started when the
     * first call did, bills and costs what all calls did, and says in its error how many retries it took.
     *
     * @param note appended to the error of a failure, e.g. {@code " (after 2 retries)"}; may be empty
     */
    public CallOutcome spanning(Instant firstStartedAt, double earlierBilledSeconds, double earlierCostUsd,
                                String note) {
        String text = error == null || note.isEmpty() ? error : error + note;
        return new CallOutcome(outcome, response, text, firstStartedAt, finishedAt, providerTimeMs, queueTimeMs,
                billedSeconds + earlierBilledSeconds, costEstimateUsd + earlierCostUsd, promptTokens,
                completionTokens, httpStatus, retryAfter, blame);
    }

    /** This outcome billed {@code seconds} and {@code usd}: the cost ledger's share of the call. */
    public CallOutcome withCharge(double seconds, double usd) {
        return new CallOutcome(outcome, response, error, startedAt, finishedAt, providerTimeMs, queueTimeMs,
                seconds, usd, promptTokens, completionTokens, httpStatus, retryAfter, blame);
    }

    public static Builder builder(Instant startedAt, Instant finishedAt) {
        return new Builder(startedAt, finishedAt);
    }

    /** Assembles an outcome; provider time defaults to wall time and billed seconds to none. */
    public static final class Builder {
        private final Instant startedAt;
        private final Instant finishedAt;
        private AttemptOutcome outcome;
        private String response;
        private String error;
        private Long providerTimeMs;
        private long queueTimeMs;
        private double billedSeconds;
        private double pricePerSecondUsd;
        private int promptTokens;
        private int completionTokens;
        private int httpStatus;
        private Duration retryAfter;
        private FailureBlame blame;

        private Builder(Instant startedAt, Instant finishedAt) {
            this.startedAt = startedAt;
            this.finishedAt = finishedAt;
        }

        public Builder succeeded(String text) {
            this.outcome = AttemptOutcome.SUCCEEDED;
            this.response = text;
            this.error = null;
            this.blame = null;
            return this;
        }

        /** A failure blamed by its outcome ({@link #defaultBlame}). */
        public Builder failed(AttemptOutcome failure, String errorText) {
            return failed(failure, defaultBlame(failure), errorText);
        }

        /** A failure with its blame, as {@link FailureClassifier} decided it. */
        public Builder failed(AttemptOutcome failure, FailureBlame whose, String errorText) {
            if (failure == AttemptOutcome.SUCCEEDED) {
                throw new IllegalArgumentException("a failure needs a failure outcome");
            }
            this.outcome = failure;
            this.blame = whose;
            this.error = errorText;
            this.response = null;
            return this;
        }

        /** A failure as {@code verdict} classified it, its error text {@code detail} behind the verdict's reason. */
        public Builder failed(FailureClassifier.Verdict verdict, String detail) {
            return failed(verdict.outcome(), verdict.blame(), verdict.describe(detail));
        }

        public Builder providerTimeMs(long ms) {
            this.providerTimeMs = Math.max(0, ms);
            return this;
        }

        public Builder queueTimeMs(long ms) {
            this.queueTimeMs = Math.max(0, ms);
            return this;
        }

        public Builder billedSeconds(double seconds) {
            this.billedSeconds = Math.max(0.0, seconds);
            return this;
        }

        public Builder pricePerSecondUsd(double price) {
            this.pricePerSecondUsd = price;
            return this;
        }

        public Builder tokens(int prompt, int completion) {
            this.promptTokens = Math.max(0, prompt);
            this.completionTokens = Math.max(0, completion);
            return this;
        }

        /** The HTTP status that ended the call and the wait its {@code Retry-After} asked for (null: none). */
        public Builder httpStatus(int status, Duration retryAfterValue) {
            this.httpStatus = status;
            this.retryAfter = retryAfterValue;
            return this;
        }

        public CallOutcome build() {
            Objects.requireNonNull(outcome, "outcome not set");
            long provider = providerTimeMs != null ? providerTimeMs : wallMillis();
            return new CallOutcome(outcome, response, error, startedAt, finishedAt, provider, queueTimeMs,
                    billedSeconds, billedSeconds * pricePerSecondUsd, promptTokens, completionTokens, httpStatus,
                    retryAfter, blame);
        }

        private long wallMillis() {
            return Math.max(0, Duration.between(startedAt, finishedAt).toMillis());
        }
    }
}
