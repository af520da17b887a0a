package org.smyrf4j.layer;

/**
 * An attention backend that runs whole layers on its device (the CUDA engine): inputs go up
 * once, the projections, the head split, the attention, the merge and the output projection
 * all run there, and y comes back. {@link MultiHeadAttention} hands its forward pass to such a
 * backend instead of running the projections on the host.
 */
public interface DeviceLayers {

    /**
     * The device side of one layer: its weights copied to the device, a workspace that grows
     * to the largest shape seen. The caller closes it (closing the backend frees it too).
     *
     * @throws IllegalArgumentException when heads does not divide dmodel
     * @throws IllegalStateException    when the backend is closed or a requested GEMM does not run
     */
    DeviceLayer openLayer(AttentionWeights weights, int heads);
}
