package org.smyrf4j.cuda;

/** Runs kernel launches: on the GPU ({@link CudaLauncher}) or recorded, in tests. */
interface KernelLauncher {

    void launch(KernelLaunch launch);

    /** Sets the first {@code words} 32-bit words of {@code buffer} to zero, in stream order. */
    void clear(DeviceBuffer buffer, long words, String name);
}
