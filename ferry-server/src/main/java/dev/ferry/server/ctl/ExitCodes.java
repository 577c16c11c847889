package dev.ferry.server.ctl;

/**
 * rabbitmqctl's exit codes (the BSD sysexits values its CLI uses), so that runbooks and scripts
 * that test them behave the same against Ferry.
 */
public final class ExitCodes {
    public static final int OK = 0;
    /** A command line that does not parse: unknown command, missing or extra argument, bad option. */
    public static final int USAGE = 64;
    /** The arguments parse but name something that does not exist or is not valid (a queue, a vhost). */
    public static final int DATA_ERROR = 65;
    /** The user named does not exist. */
    public static final int NO_USER = 67;
    /** The broker cannot be reached, or refused ferryctl's credentials. */
    public static final int UNAVAILABLE = 69;
    /** The broker answered something ferryctl did not expect. */
    public static final int SOFTWARE = 70;
    /** sysexits' EX_CANTCREAT: an output file could not be written. */
    public static final int CANT_CREATE = 73;
    /** The broker did not answer within the timeout. */
    public static final int TEMPORARY_FAILURE = 75;
    /** Ferry's own: the user ferryctl logs in as lacks the tag or permission the command needs. */
    public static final int NO_PERMISSION = 77;
    /** ferryctl's own configuration (the credential file) is unusable. */
    public static final int CONFIG = 78;

    private ExitCodes() {
    }
}
