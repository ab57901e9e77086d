package io.beacon.schemas.registry;

/**
 * The registry refused a request or could not be reached. Carries the HTTP status and the
 * registry's own error code (e.g. 40401 subject not found, 40403 schema not found, 409 incompatible)
 * when there was an answer; both are -1 when there was none.
 */
public class SchemaRegistryException extends RuntimeException {

    private final int httpStatus;
    private final int errorCode;

    public SchemaRegistryException(String message, int httpStatus, int errorCode) {
        super(message);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
        this.httpStatus = -1;
        this.errorCode = -1;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public int errorCode() {
        return errorCode;
    }
}
