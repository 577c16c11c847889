package dev.ferry.group;

import java.util.Arrays;
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
