package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * One kernel launch, fully described: the entry point, a grid of {@code (gridX, gridY, gridZ)}
 * blocks of {@code blockThreads} threads, dynamic shared memory in bytes, and the arguments in
 * the entry point's parameter order. The kernel families build these; a {@link KernelLauncher}
 * runs them (on the GPU, or recorded in tests).
 */
record KernelLaunch(EntryPoint entryPoint, int gridX, int gridY, int gridZ, int sharedBytes, List<KernelArg> args) {

    /** CUDA's limits on grid dimensions y and z. */
    static final int MAX_GRID_YZ = 65535;

    KernelLaunch {
        if (gridX < 1 || gridY < 1 || gridY > MAX_GRID_YZ || gridZ < 1 || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException(entryPoint.name() + ": grid (" + gridX + ", " + gridY + ", " + gridZ
                    + ") is outside CUDA's limits (x >= 1, 1 <= y, z <= " + MAX_GRID_YZ + ")");
        }
        if (sharedBytes < 0) {
            throw new IllegalArgumentException(entryPoint.name() + ": sharedBytes must be >= 0, got " + sharedBytes);
        }
        args = List.copyOf(args);
    }

    int blockThreads() { return entryPoint.blockThreads(); }

    String describe() {
        return entryPoint.name() + " grid (" + gridX + ", " + gridY + ", " + gridZ + ") x " + blockThreads()
                + (sharedBytes > 0 ? ", " + sharedBytes + " B shared" : "");
    }

    static Builder of(EntryPoint entryPoint) {
        return new Builder(entryPoint);
    }

    /** Collects arguments in parameter order. */
    static final class Builder {
        private final EntryPoint entryPoint;
        private final List<KernelArg> args = new ArrayList<>();
        private int gridX = 1;
        private int gridY = 1;
        private int gridZ = 1;
        private int sharedBytes;

        private Builder(EntryPoint entryPoint) {
            this.entryPoint = entryPoint;
        }

        Builder grid(int x, int y, int z) {
            gridX = x;
            gridY = y;
            gridZ = z;
            return this;
        }

        Builder grid(int x) {
            return grid(x, 1, 1);
        }

        Builder shared(long bytes) {
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(entryPoint.name() + ": shared memory " + bytes + " B is too large");
            }
            sharedBytes = (int) bytes;
            return this;
        }

        Builder in(String name, DeviceBuffer buffer) {
            return buffer(name, buffer, KernelArg.Access.IN);
        }

        Builder out(String name, DeviceBuffer buffer) {
            return buffer(name, buffer, KernelArg.Access.OUT);
        }

        Builder inOut(String name, DeviceBuffer buffer) {
            return buffer(name, buffer, KernelArg.Access.IN_OUT);
        }

        private Builder buffer(String name, DeviceBuffer buffer, KernelArg.Access access) {
            args.add(new KernelArg.Buffer(name, buffer, access));
            return this;
        }

        Builder i(String name, int value) {
            args.add(new KernelArg.Int(name, value));
            return this;
        }

        Builder f(String name, float value) {
            args.add(new KernelArg.Float32(name, value));
            return this;
        }

        KernelLaunch build() {
            return new KernelLaunch(entryPoint, gridX, gridY, gridZ, sharedBytes, args);
        }
    }
}
