package org.smyrf4j.cuda;

/** Runs kernel launches: on the GPU ({@link CudaLauncher}) or recorded, in tests. */
interface KernelLauncher {

    void launch(KernelLaunch launch);
}
