package io.beacon.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;

/**
 * What every simulated provider does before it looks at an inference request: count it, answer an
 * injected fail-all in the provider's own error shape, and read the JSON body (a bad body is a 400 in
 * that shape too).
 */
abstract class InferenceProtocol implements HttpHandler {

    protected final SimEngine engine;

    protected InferenceProtocol(SimEngine engine) {
        this.engine = engine;
    }

    /** Answers with the provider's error shape for {@code status}. */
    protected abstract void failNow(HttpExchange exchange, int status, String message);

    /** The provider's message for an injected failure with {@code status}. */
    protected abstract String injectedFailureMessage(int status);

    /**
     * The provider's answer for a model it does not have, in its own words (an injected fail-all 404 is that:
     * the deployment has no model by that name); by default the generic injected message.
     */
    protected String modelNotFoundMessage(String model) {
        return injectedFailureMessage(404);
    }

    /** The request's JSON body, or null when the request has already been answered (or dropped). */
    protected final ObjectNode admit(HttpExchange exchange) {
        engine.countRequest();
        FaultControl.Faults faults = engine.faults().current();
        if (faults.failingAll() && faults.failStatus() == 404) {
            // Answered like the real server's "no such model", naming the model the request asked for.
            String model = "";
            try {
                model = HttpIo.readJsonObject(exchange).path("model").asText("");
            } catch (HttpIo.BadRequestException | IOException | RuntimeException unreadable) {
                HttpIo.drainBody(exchange);
            }
            failNow(exchange, 404, modelNotFoundMessage(model));
            return null;
        }
        if (faults.failingAll()) {
            HttpIo.drainBody(exchange);
            failNow(exchange, faults.failStatus(), injectedFailureMessage(faults.failStatus()));
            return null;
        }
        try {
            return HttpIo.readJsonObject(exchange);
        } catch (HttpIo.BadRequestException e) {
            failNow(exchange, 400, e.getMessage());
            return null;
        } catch (IOException e) {
            engine.countImmediateOutcome(false);
            exchange.close();
            return null;
        }
    }
}
