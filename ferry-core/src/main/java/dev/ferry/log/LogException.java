package dev.ferry.log;

/**
 * The root of every exception the log throws on purpose; each names the log it concerns so a
 * message in the broker's output can be traced to one directory on disk.
 */
public class LogException extends RuntimeException {
    private final String logName;

    /**
     * @param writableStackTrace false for a caller's mistake (bad input, closed log), where the
     *     message says everything and a stack trace would only cost time
     */
    protected LogException(String logName, String message, Throwable cause, boolean writableStackTrace) {
        super(message, cause, false, writableStackTrace);
        this.logName = logName;
    }

    /** The name of the log (its directory name) this exception concerns. */
    public String logName() {
        return logName;
    }
}
