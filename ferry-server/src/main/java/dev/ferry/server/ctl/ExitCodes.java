package dev.ferry.server.ctl;

/**
 * rabbitmqctl's exit codes (the BSD sysexits values its CLI uses), so that runbooks and scripts
 * that test them behave the same against Ferry.
 */
final class ExitCodes {
    static final int OK = 0;
    /** A command line that does not parse: unknown command, missing or extra argument, bad option. */
    static final int USAGE = 64;
    /** The arguments parse but name something that does not exist or is not valid (a queue, a vhost). */
    static final int DATA_ERROR = 65;
    /** The user named does not exist. */
    static final int NO_USER = 67;
    /** The broker cannot be reached, or refused ferryctl's credentials. */
    static final int UNAVAILABLE = 69;
    /** The broker answered something ferryctl did not expect. */
    static final int SOFTWARE = 70;
    /** The broker did not answer within the timeout. */
    /** sysexits' EX_CANTCREAT: an output file could not be written. */
    static final int CANT_CREATE = 73;
    static final int TEMPORARY_FAILURE = 75;
    /** Ferry's own: the user ferryctl logs in as lacks the tag or permission the command needs. */
    static final int NO_PERMISSION = 77;
    /** ferryctl's own configuration (the credential file) is unusable. */
    static final int CONFIG = 78;

    private ExitCodes() {
    }
}
