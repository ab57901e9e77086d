package io.beacon.lab.scenario;

/** A scenario file that cannot be run, with the file and the field at fault in the message. */
public final class ScenarioException extends RuntimeException {

    public ScenarioException(String message) {
        super(message);
    }

    public ScenarioException(String message, Throwable cause) {
        super(message, cause);
    }
}
