package io.beacon.workers.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.beacon.schemas.avro.AttemptOutcome;
import io.beacon.schemas.avro.FailureBlame;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Whose fault a failure was, from each provider's real error answers: Ollama on a Golem node, vLLM's
 * OpenAI-compatible server behind Modal (and OpenAI's own shape), RunPod's API and its workers' FAILED jobs.
 */
class FailureClassifierTest {

    private static void assertVerdict(FailureClassifier.Verdict verdict, AttemptOutcome outcome, FailureBlame blame,
                                      String reason) {
        assertThat(verdict.outcome()).isEqualTo(outcome);
        assertThat(verdict.blame()).isEqualTo(blame);
        assertThat(verdict.reason()).isEqualTo(reason);
    }

    private static void request(FailureClassifier.Verdict verdict, String reason) {
        assertVerdict(verdict, AttemptOutcome.PERMANENT_FAILURE, FailureBlame.REQUEST, reason);
    }

    private static void misconfigured(FailureClassifier.Verdict verdict, String reason) {
        assertVerdict(verdict, AttemptOutcome.RETRYABLE_FAILURE, FailureBlame.MISCONFIGURED, reason);
    }

    private static void unhealthy(FailureClassifier.Verdict verdict) {
        assertVerdict(verdict, AttemptOutcome.RETRYABLE_FAILURE, FailureBlame.UNHEALTHY, FailureClassifier.PROVIDER_TROUBLE);
    }

    @Nested
    class Ollama {

        @Test
        void shouldBlameTheNodeWhenItDoesNotHaveTheModel() {
            misconfigured(FailureClassifier.ofHttp(404,
                    "{\"error\":\"model \\\"llama3.2:1b\\\" not found, try pulling it first\"}"),
                    FailureClassifier.MODEL_NOT_FOUND);
        }

        @Test
        void shouldBlameTheNodesAddressWhenThePathIsNotThere() {
            // Something else answers at the configured base URL (a wrong port, a proxy without the route)
            misconfigured(FailureClassifier.ofHttp(404, "404 page not found"), FailureClassifier.ENDPOINT_NOT_FOUND);
        }

        @Test
        void shouldBlameTheNodesCredentialsWhenItsProxyRefusesThem() {
            misconfigured(FailureClassifier.ofHttp(401, "Unauthorized"), FailureClassifier.CREDENTIALS_REFUSED);
            misconfigured(FailureClassifier.ofHttp(403, ""), FailureClassifier.CREDENTIALS_REFUSED);
        }

        @Test
        void shouldEndTheJobOnABadRequestOrAnInputBeyondTheContext() {
            request(FailureClassifier.ofHttp(400,
                    "{\"error\":\"json: cannot unmarshal string into Go struct field .options.num_predict of type int\"}"),
                    FailureClassifier.INVALID_PARAMETERS);
            request(FailureClassifier.ofHttp(400, "{\"error\":\"input length exceeds the context length\"}"),
                    FailureClassifier.CONTEXT_LENGTH);
        }

        @Test
        void shouldBlameTheNodesHealthOnServerErrorsAndAFullQueue() {
            unhealthy(FailureClassifier.ofHttp(500, "{\"error\":\"llama runner process has terminated: exit status 2\"}"));
            unhealthy(FailureClassifier.ofHttp(503,
                    "{\"error\":\"server busy, please try again.  maximum pending requests exceeded\"}"));
        }

        @Test
        void shouldBlameTheNodesHealthWhenTheStreamBreaks() {
            unhealthy(FailureClassifier.ofReportedError("an error was encountered while running the model: unexpected EOF"));
            unhealthy(FailureClassifier.ofReportedError("stream broke: IOException"));
        }
    }

    @Nested
    class VllmBehindModal {

        @Test
        void shouldBlameTheDeploymentWhenVllmDoesNotKnowTheModel() {
            // vLLM knows the model by its Hugging Face id unless started with an alias
            misconfigured(FailureClassifier.ofHttp(404, "{\"object\":\"error\",\"message\":\"The model `llama3.2:1b`"
                    + " does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}"),
                    FailureClassifier.MODEL_NOT_FOUND);
            // OpenAI's shape, and servers that answer an unknown model with 400
            misconfigured(FailureClassifier.ofHttp(404, "{\"error\":{\"message\":\"The model `gpt-x` does not exist or"
                    + " you do not have access to it.\",\"type\":\"invalid_request_error\",\"param\":null,"
                    + "\"code\":\"model_not_found\"}}"), FailureClassifier.MODEL_NOT_FOUND);
            misconfigured(FailureClassifier.ofHttp(400, "{\"object\":\"error\",\"message\":\"The model"
                    + " `meta-llama/Llama-3.2-1B` does not exist.\",\"type\":\"BadRequestError\",\"code\":400}"),
                    FailureClassifier.MODEL_NOT_FOUND);
        }

        @Test
        void shouldBlameTheDeploymentWhenModalsProxyRefusesTheCredentials() {
            misconfigured(FailureClassifier.ofHttp(401, "modal-http: invalid credentials for proxy authorization"),
                    FailureClassifier.CREDENTIALS_REFUSED);
            misconfigured(FailureClassifier.ofHttp(401, "modal-http: missing credentials for proxy authorization"),
                    FailureClassifier.CREDENTIALS_REFUSED);
            misconfigured(FailureClassifier.ofHttp(401, "{\"error\":{\"message\":\"Incorrect API key provided\","
                    + "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"),
                    FailureClassifier.CREDENTIALS_REFUSED);
        }

        @Test
        void shouldEndTheJobWhenThePromptIsLongerThanTheContext() {
            request(FailureClassifier.ofHttp(400, "{\"object\":\"error\",\"message\":\"This model's maximum context"
                    + " length is 2048 tokens. However, you requested 4096 tokens (3000 in the messages, 1096 in the"
                    + " completion). Please reduce the length of the messages or completion.\",\"type\":"
                    + "\"BadRequestError\",\"param\":null,\"code\":400}"), FailureClassifier.CONTEXT_LENGTH);
            request(FailureClassifier.ofHttp(400, "{\"error\":{\"message\":\"...\",\"type\":\"invalid_request_error\","
                    + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}"), FailureClassifier.CONTEXT_LENGTH);
        }

        @Test
        void shouldEndTheJobWhenTheContentIsRefused() {
            request(FailureClassifier.ofHttp(400, "{\"error\":{\"message\":\"Your request was rejected as a result of"
                    + " our safety system.\",\"type\":\"invalid_request_error\",\"code\":\"content_policy_violation\"}}"),
                    FailureClassifier.CONTENT_REFUSED);
            request(FailureClassifier.ofHttp(451, ""), FailureClassifier.CONTENT_REFUSED);
        }

        @Test
        void shouldEndTheJobOnInvalidParameters() {
            request(FailureClassifier.ofHttp(400, "{\"object\":\"error\",\"message\":\"max_tokens must be at least 1,"
                    + " got 0.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"),
                    FailureClassifier.INVALID_PARAMETERS);
            request(FailureClassifier.ofHttp(422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"messages\"],"
                    + "\"msg\":\"Field required\",\"input\":{}}]}"), FailureClassifier.INVALID_PARAMETERS);
        }

        @ParameterizedTest
        @ValueSource(ints = {408, 425, 429, 500, 502, 503, 504})
        void shouldBlameTheDeploymentsHealthOnTransientAnswers(int status) {
            unhealthy(FailureClassifier.ofHttp(status, "{\"object\":\"error\",\"message\":\"Service unavailable\","
                    + "\"type\":\"ServiceUnavailableError\",\"code\":" + status + "}"));
        }

        @Test
        void shouldBlameTheAddressWhenTheRouteDoesNotTakeThisRequest() {
            misconfigured(FailureClassifier.ofHttp(405, "{\"detail\":\"Method Not Allowed\"}"),
                    FailureClassifier.WRONG_ENDPOINT);
            misconfigured(FailureClassifier.ofHttp(404, "{\"detail\":\"Not Found\"}"), FailureClassifier.ENDPOINT_NOT_FOUND);
        }
    }

    @Nested
    class RunPod {

        @Test
        void shouldBlameTheEndpointWhenTheKeyIsRefusedOrTheEndpointIsUnknown() {
            misconfigured(FailureClassifier.ofHttp(401, "{\"error\":\"Unauthorized\"}"),
                    FailureClassifier.CREDENTIALS_REFUSED);
            misconfigured(FailureClassifier.ofHttp(404, "{\"error\":\"Endpoint not found\"}"),
                    FailureClassifier.ENDPOINT_NOT_FOUND);
        }

        @Test
        void shouldEndTheJobWhenTheWorkerRejectedTheInput() {
            request(FailureClassifier.ofReportedError("max_tokens must be at least 1, got 0"),
                    FailureClassifier.INVALID_PARAMETERS);
            request(FailureClassifier.ofReportedError("Invalid input: expected a non-empty 'prompt' or 'messages'"),
                    FailureClassifier.INVALID_PARAMETERS);
            // The handler's own error object, as RunPod reports an exception in a worker
            request(FailureClassifier.ofReportedError("{\"error_type\":\"<class 'ValueError'>\",\"error_message\":"
                    + "\"This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.\","
                    + "\"error_traceback\":\"Traceback (most recent call last): ...\"}"), FailureClassifier.CONTEXT_LENGTH);
        }

        @Test
        void shouldBlameTheEndpointWhenItsWorkerServesAnotherModel() {
            misconfigured(FailureClassifier.ofReportedError("Model llama3.2:1b is not served by this endpoint (serves"
                    + " [meta-llama/Llama-3.2-1B-Instruct])"), FailureClassifier.MODEL_NOT_FOUND);
        }

        @Test
        void shouldBlameTheEndpointsHealthWhenItsWorkerCrashed() {
            unhealthy(FailureClassifier.ofReportedError("CUDA out of memory. Tried to allocate 2.00 GiB"));
            unhealthy(FailureClassifier.ofReportedError("Worker failed: connection refused by the vLLM engine"));
            unhealthy(FailureClassifier.ofReportedError("Simulated worker failure"));
        }
    }

    @Test
    void shouldNameTheVerdictInTheErrorTextOfTheRequestsAndTheSetUpsFaultsOnly() {
        assertThat(FailureClassifier.ofHttp(400, "{\"error\":\"bad\"}").describe("modal returned HTTP 400: bad"))
                .isEqualTo("request rejected (invalid request parameters): modal returned HTTP 400: bad");
        assertThat(FailureClassifier.ofHttp(401, "").describe("HTTP 401"))
                .isEqualTo("deployment misconfigured (credentials refused): HTTP 401");
        assertThat(FailureClassifier.ofHttp(503, "").describe("ollama returned HTTP 503"))
                .isEqualTo("ollama returned HTTP 503");
    }
}
