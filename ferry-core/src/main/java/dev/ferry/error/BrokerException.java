package dev.ferry.error;

/**
 * A request the broker refuses, with the code a protocol front reports and a text a person can act
 * on (it names the queue, exchange or argument at fault). Thrown for a client's mistakes, so it
 * carries no stack trace: logging one is never a reason to print a trace.
 */
public class BrokerException extends RuntimeException {
    private final ErrorCode errorCode;

    public BrokerException(ErrorCode errorCode, String text) {
        super(text, null, false, false);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }

    public static BrokerException notFound(String text) {
        return new BrokerException(ErrorCode.NOT_FOUND, text);
    }

    public static BrokerException preconditionFailed(String text) {
        return new BrokerException(ErrorCode.PRECONDITION_FAILED, text);
    }

    public static BrokerException accessRefused(String text) {
        return new BrokerException(ErrorCode.ACCESS_REFUSED, text);
    }

    public static BrokerException resourceLocked(String text) {
        return new BrokerException(ErrorCode.RESOURCE_LOCKED, text);
    }
}
