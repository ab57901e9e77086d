package io.beacon.workers.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Decides whose fault a failed call was, from the HTTP status and the provider's own error body, so the router
 * knows whether another deployment could serve the job:
 * <ul>
 *   <li><b>the request's</b> ({@link FailureBlame#REQUEST}, a {@link AttemptOutcome#PERMANENT_FAILURE}): invalid
 *       parameters, context length exceeded, content refused. It would fail anywhere; the job ends, naming why.</li>
 *   <li><b>the deployment's set-up</b> ({@link FailureBlame#MISCONFIGURED}, retryable): credentials refused
 *       (401/403), the model not on this deployment (Ollama's {@code model "x" not found, try pulling it first},
 *       vLLM's {@code The model `x` does not exist.}), a plain 404 of a wrong base URL. Another deployment can
 *       serve the job; this one is kept out until a probe shows it fixed.</li>
 *   <li><b>the deployment's health</b> ({@link FailureBlame#UNHEALTHY}, retryable): 5xx, 408/425/429, time-outs,
 *       connection errors, unreadable output, anything not recognised.</li>
 * </ul>
 * The bodies it reads: Ollama's {@code {"error": "..."}}, OpenAI's {@code {"error": {"message","type","code"}}},
 * vLLM's {@code {"object":"error","message","type","code"}}, RunPod's {@code {"error": "..."}} and a FAILED
 * job's {@code error}, and FastAPI's {@code {"detail": ...}}. When in doubt the verdict is retryable: a job
 * failed over in vain costs one more attempt, a job ended wrongly is lost.
 */
public final class FailureClassifier {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The short reasons a verdict names (also in attempt errors, so people and tests can read them). */
    public static final String MODEL_NOT_FOUND = "model not found on this deployment";
    public static final String CREDENTIALS_REFUSED = "credentials refused";
    public static final String ENDPOINT_NOT_FOUND = "endpoint not found (check the deployment's base URL)";
    public static final String WRONG_ENDPOINT = "the endpoint does not take this request (check the deployment's base URL)";
    public static final String CONTEXT_LENGTH = "context length exceeded";
    public static final String CONTENT_REFUSED = "content refused";
    public static final String INVALID_PARAMETERS = "invalid request parameters";
    public static final String REQUEST_TOO_LARGE = "request too large";
    public static final String PROVIDER_TROUBLE = "provider trouble";

    private static final Pattern MODEL_MISSING = Pattern.compile(
            "try pulling it|model_not_found|\\bmodels?\\b[^;|\\n]{0,160}?\\b(not found|does not exist|not exist"
                    + "|not served|is not available|isn't available|no such)"
                    + "|\\b(unknown|no such|invalid) model\\b|\\bmodel\\b[^;|\\n]{0,80}?\\bnot supported by this");
    private static final Pattern CREDENTIALS = Pattern.compile(
            "credential|unauthori[sz]ed|api[ _-]?key|authenticat|forbidden|permission denied|access denied"
                    + "|not authori[sz]ed|invalid token|token (is )?(invalid|expired)");
    private static final Pattern CONTEXT = Pattern.compile(
            "context[ _-]?(length|window)|maximum context|max_model_len|too many tokens|prompt is too long"
                    + "|input is too long|(prompt|input)[^;|\\n]{0,60}?(longer than|exceeds?)|exceeds? the (model'?s? )?"
                    + "(maximum|max|limit)|token limit|too long for the model");
    private static final Pattern CONTENT = Pattern.compile(
            "content[ _-]?(policy|filter|management)|moderation|flagged|\\bsafety\\b|prohibited content"
                    + "|(request|prompt|content|input|message)s? (was |were |has been )?refused"
                    + "|refus(ed|es) to (answer|respond|generate|comply|process)|inappropriate content"
                    + "|violat(es|ion of|ed) (our |the |its )?(usage|content|acceptable use)? ?(policy|policies|terms)");
    /** Parameter trouble in a message that comes without a status (a RunPod job FAILED, an error line). */
    private static final Pattern INVALID = Pattern.compile(
            "invalid (input|request|parameter|argument|value|prompt|message|sampling|json)"
                    + "|must be (at least|at most|between|greater|less|a |an |one of|positive|non-negative)"
                    + "|validation error|field required|out of range|is not a valid|unsupported (parameter|argument|value)"
                    + "|bad request|extra (fields|inputs) not permitted|expected a non-empty|cannot be empty");

    private FailureClassifier() {
    }

    /**
     * Whose fault a failure was and what comes of it.
     *
     * @param outcome retryable (fail over) or permanent (end the job)
     * @param blame   the request's, or the deployment's (misconfigured or unhealthy)
     * @param reason  a few words on why, one of this class's constants
     */
    public record Verdict(AttemptOutcome outcome, FailureBlame blame, String reason) {

        public Verdict {
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(blame, "blame");
            Objects.requireNonNull(reason, "reason");
        }

        /**
         * The attempt's error text: {@code detail} (what the provider said) behind the verdict, for example
         * {@code request rejected (context length exceeded): modal returned HTTP 400: ...}. An unhealthy
         * deployment's error is the detail alone, as it always was.
         */
        public String describe(String detail) {
            return switch (blame) {
                case REQUEST -> "request rejected (" + reason + "): " + detail;
                case MISCONFIGURED -> "deployment misconfigured (" + reason + "): " + detail;
                default -> detail;
            };
        }

        static Verdict request(String reason) {
            return new Verdict(AttemptOutcome.PERMANENT_FAILURE, FailureBlame.REQUEST, reason);
        }

        static Verdict misconfigured(String reason) {
            return new Verdict(AttemptOutcome.RETRYABLE_FAILURE, FailureBlame.MISCONFIGURED, reason);
        }

        static Verdict unhealthy() {
            return new Verdict(AttemptOutcome.RETRYABLE_FAILURE, FailureBlame.UNHEALTHY, PROVIDER_TROUBLE);
        }
    }

    /** A deployment that failed for reasons of its own health: 5xx, time-outs, unreadable output. */
    public static Verdict unhealthy() {
        return Verdict.unhealthy();
    }

    /**
     * An HTTP answer that is not a success, with its body (may be null or not JSON).
     *
     * <ul>
     *   <li>401, 403, 407: credentials refused, the deployment's set-up;</li>
     *   <li>404, 405, 410, 415, 421: the model missing there, or a base URL that points at the wrong thing;</li>
     *   <li>400, 413, 422: the request's fault (context length, content refused, invalid parameters) unless the body
     *       says the model is missing or the credentials are wrong, which some servers answer with 400;</li>
     *   <li>451: content refused;</li>
     *   <li>408, 425, 429, 5xx and anything else: the deployment's trouble.</li>
     * </ul>
     */
    public static Verdict ofHttp(int status, String body) {
        ErrorBody error = ErrorBody.parse(body);
        switch (status) {
            case 401, 403, 407:
                return Verdict.misconfigured(error.says(MODEL_MISSING) ? MODEL_NOT_FOUND : CREDENTIALS_REFUSED);
            case 404, 410:
                return Verdict.misconfigured(error.says(MODEL_MISSING) ? MODEL_NOT_FOUND : ENDPOINT_NOT_FOUND);
            case 405, 415, 421:
                return Verdict.misconfigured(WRONG_ENDPOINT);
            case 400, 413, 422:
                if (error.says(MODEL_MISSING)) {
                    return Verdict.misconfigured(MODEL_NOT_FOUND);
                }
                if (error.says(CREDENTIALS) && !error.says(CONTEXT) && !error.says(CONTENT)) {
                    return Verdict.misconfigured(CREDENTIALS_REFUSED);
                }
                return Verdict.request(requestReason(error, status == 413 ? REQUEST_TOO_LARGE : INVALID_PARAMETERS));
            case 451:
                return Verdict.request(CONTENT_REFUSED);
            default:
                return Verdict.unhealthy();
        }
    }

    /**
     * A failure the provider reported without an error status: an Ollama error line under HTTP 200, a RunPod job
     * that ended FAILED with an {@code error}, worker-vllm's {@code {"error": ...}} inside a COMPLETED output.
     * Only a message that names the request's or the set-up's fault changes the verdict from unhealthy.
     */
    public static Verdict ofReportedError(String message) {
        ErrorBody error = ErrorBody.parse(message);
        if (error.says(MODEL_MISSING)) {
            return Verdict.misconfigured(MODEL_NOT_FOUND);
        }
        if (error.says(CONTEXT)) {
            return Verdict.request(CONTEXT_LENGTH);
        }
        if (error.says(CONTENT)) {
            return Verdict.request(CONTENT_REFUSED);
        }
        if (error.says(CREDENTIALS)) {
            return Verdict.misconfigured(CREDENTIALS_REFUSED);
        }
        if (error.says(INVALID)) {
            return Verdict.request(INVALID_PARAMETERS);
        }
        return Verdict.unhealthy();
    }

    private static String requestReason(ErrorBody error, String otherwise) {
        if (error.says(CONTEXT)) {
            return CONTEXT_LENGTH;
        }
        if (error.says(CONTENT)) {
            return CONTENT_REFUSED;
        }
        return otherwise;
    }

    /** What an error body says: its message plus any {@code type} and {@code code}, lower-cased for matching. */
    private record ErrorBody(String text) {

        static ErrorBody parse(String body) {
            if (body == null || body.isBlank()) {
                return new ErrorBody("");
            }
            StringBuilder text = new StringBuilder();
            try {
                JsonNode node = JSON.readTree(body.strip());
                if (node != null && (node.isObject() || node.isArray())) {
                    collect(node, text, 0);
                } else {
                    text.append(body);
                }
            } catch (IOException | RuntimeException notJson) {
                // A plain-text body (a proxy's "modal-http: invalid credentials ..."): match it as it is.
                text.append(body);
            }
            return new ErrorBody(text.toString().toLowerCase(Locale.ROOT));
        }

        /** The message-like fields of an error body, at any depth the providers use (error.message, detail[].msg). */
        private static void collect(JsonNode node, StringBuilder text, int depth) {
            if (depth > 4 || node == null) {
                return;
            }
            if (node.isTextual()) {
                text.append(node.asText()).append(" | ");
            } else if (node.isArray()) {
                node.forEach(item -> collect(item, text, depth + 1));
            } else if (node.isObject()) {
                // RunPod's handler errors: {"error_type", "error_message", "error_traceback"} (the traceback is
                // left out: a stack says where, not whose fault).
                for (String field : new String[] {"error", "message", "detail", "msg", "type", "code", "reason",
                        "error_type", "error_message"}) {
                    JsonNode value = node.get(field);
                    if (value != null && !value.isNull()) {
                        if (value.isNumber() || value.isBoolean()) {
                            text.append(value.asText()).append(" | ");
                        } else {
                            collect(value, text, depth + 1);
                        }
                    }
                }
            }
        }

        boolean says(Pattern pattern) {
            return pattern.matcher(text).find();
        }
    }
}
