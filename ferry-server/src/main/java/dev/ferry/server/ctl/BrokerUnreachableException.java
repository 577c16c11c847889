package dev.ferry.server.ctl;

/**
 * Nothing answered at the broker's URL (refused, reset, timed out connecting): exit code 69, and
 * the condition {@code await_startup} waits out.
 */
final class BrokerUnreachableException extends CtlException {
    BrokerUnreachableException(String message) {
        super(ExitCodes.UNAVAILABLE, message);
    }
}
