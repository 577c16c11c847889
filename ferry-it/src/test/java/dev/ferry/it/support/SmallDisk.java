package dev.ferry.it.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, so that a broker's disk really fills up and its writes really
 * fail with "No space left on device". The tests run as root (here and in CI): a mount that fails
 * fails the test, it is never skipped. Unmount it after the broker on it has stopped.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path mountPoint;

    private SmallDisk(Path mountPoint) {
        this.mountPoint = mountPoint;
    }

    /** Mounts a tmpfs of {@code mebibytes} MiB on {@code mountPoint} (created if needed). */
    public static SmallDisk mount(Path mountPoint, int mebibytes) throws IOException, InterruptedException {
        Files.createDirectories(mountPoint);
        run(List.of("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m", "tmpfs", mountPoint.toString()));
        return new SmallDisk(mountPoint);
    }

    public Path path() {
        return mountPoint;
    }

    public long freeBytes() throws IOException {
        return Files.getFileStore(mountPoint).getUsableSpace();
    }

    /** Writes a filler file that leaves about {@code leftBytes} free; deleting it gives the space back. */
    public Path fill(long leftBytes) throws IOException {
        Path filler = mountPoint.resolve("filler");
        ByteBuffer block = ByteBuffer.allocate(64 * 1024);
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (freeBytes() > leftBytes) {
                block.clear().limit((int) Math.min(block.capacity(), Math.max(4096, freeBytes() - leftBytes)));
                try {
                    channel.write(block);
                } catch (IOException full) {
                    break;
                }
            }
        }
        return filler;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run(List.of("umount", mountPoint.toString()));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish within 30 s");
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue()
                    + "; the tests need root to mount a tmpfs): " + output.strip());
        }
    }
}
