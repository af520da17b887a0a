package org.smyrf4j.cuda;

/**
 * Device memory as one engine sees it.
 *
 * @param liveBuffers    allocations of the engine not yet freed (workspace and open tensors)
 * @param liveBytes      their bytes
 * @param allocations    allocations made over the engine's life; constant while calls reuse the workspace
 * @param workspaceBytes bytes held by the workspace
 * @param deviceFree     free device memory (cuMemGetInfo), all processes together
 * @param deviceTotal    total device memory
 */
public record DeviceMemoryStats(int liveBuffers, long liveBytes, long allocations, long workspaceBytes,
        long deviceFree, long deviceTotal) {
}
