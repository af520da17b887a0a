package org.smyrf4j;

/**
 * One engine that computes SPEC.md's attention: the CPU engine or the CUDA engine.
 * Implementations are safe to call from several threads at once and give, for the same
 * inputs and configuration, bit-identical results on every call.
 */
public interface AttentionBackend extends AutoCloseable {

    BackendKind kind();

    /** A one-line description: the device or machine it runs on. */
    String description();

    /**
     * Computes attention on host arrays.
     *
     * @param config what to compute (not modified)
     * @param inputs Q, K, V and the optional mask (not modified)
     * @return the output, (batch, queryLen, valueDim) row-major
     * @throws IllegalArgumentException when the configuration does not fit the inputs
     */
    float[] attend(AttentionConfig config, AttentionInputs inputs);

    /** Frees what the engine holds; later calls fail. */
    @Override
    void close();
}
