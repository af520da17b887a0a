package org.smyrf4j.layer;

import org.smyrf4j.AttentionConfig;

/**
 * One multi-head attention layer living on a device ({@link DeviceLayers#openLayer}): the
 * computation of {@link MultiHeadAttention}, with data staying on the device between steps.
 * Thread-safe: calls on one device run one at a time.
 */
public interface DeviceLayer extends AutoCloseable {

    /**
     * The layer's output, as {@link MultiHeadAttention#forward} defines it.
     *
     * @return y (B, N, dmodel) row-major
     * @throws IllegalArgumentException when the inputs' dmodel is not the layer's, or the
     *                                  configuration does not fit the per-head shapes
     * @throws IllegalStateException    when the layer or its device is closed
     */
    float[] forward(AttentionConfig config, LayerInputs inputs);

    /** Which GEMM the projections run on, and why, in one line. */
    String gemmDescription();

    boolean isClosed();

    /** Frees the layer's device memory; later calls fail. Idempotent. */
    @Override
    void close();
}
