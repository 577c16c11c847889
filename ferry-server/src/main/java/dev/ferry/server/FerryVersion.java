package dev.ferry.server;

/** The version the broker reports in its logs and, later, to clients. */
public final class FerryVersion {
    /** Taken from the jar manifest when packaged; a development build says so. */
    public static final String VERSION = versionFromManifest();

    private FerryVersion() {
    }

    private static String versionFromManifest() {
        String version = FerryVersion.class.getPackage().getImplementationVersion();
        return version == null ? "0.1.0-dev" : version;
    }
}
