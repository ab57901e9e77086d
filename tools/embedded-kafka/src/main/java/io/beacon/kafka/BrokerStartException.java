package io.beacon.kafka;

/**
 * The embedded broker could not be started; the message says why and what to do, so the launcher can
 * show it to the user as it is.
 */
public class BrokerStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BrokerStartException(String message) {
        super(message);
    }

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
