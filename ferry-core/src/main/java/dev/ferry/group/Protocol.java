package dev.ferry.group;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One protocol a member supports (for consumers, an assignor such as {@code range} or
 * {@code cooperative-sticky}) with the member's metadata for it, opaque to the broker.
 */
public record Protocol(String name, byte[] metadata) {
    public Protocol {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metadata, "metadata");
    }

    /** The metadata {@code protocols} list for {@code name}, or null when none is named so. */
    static byte[] metadataOf(List<Protocol> protocols, String name) {
        for (Protocol protocol : protocols) {
            if (protocol.name().equals(name)) {
                return protocol.metadata();
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Protocol that && name.equals(that.name) && Arrays.equals(metadata, that.metadata);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(metadata);
    }

    @Override
    public String toString() {
        return name + "(" + metadata.length + " bytes)";
    }
}
