package org.smyrf4j.cuda;

import java.util.Objects;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.BackendKind;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.DeviceLayer;
import org.smyrf4j.layer.DeviceLayers;

/**
 * A CUDA engine whose layers run their projections on the GEMM a test names, so that code
 * reaching the device through {@link org.smyrf4j.layer.MultiHeadAttention}'s hand-off (the BERT
 * encoder) can be pinned to the kernel pack's GEMM without setting {@code -Dsmyrf4j.gemm} for
 * the whole JVM. Attention calls go to the engine unchanged. Closing this leaves the engine open.
 */
final class FixedGemmBackend implements AttentionBackend, DeviceLayers {

    private final CudaEngine engine;
    private final GemmSettings settings;

    FixedGemmBackend(CudaEngine engine, GemmSettings settings) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    GemmSettings settings() { return settings; }

    /** The GEMM the layers opened here run on, and why. */
    GemmChoice gemmChoice() { return engine.layerGemm(settings); }

    @Override
    public DeviceLayer openLayer(AttentionWeights weights, int heads) {
        return engine.openLayer(weights, heads, settings);
    }

    @Override
    public BackendKind kind() { return engine.kind(); }

    @Override
    public String description() { return engine.description(); }

    @Override
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        return engine.attend(config, inputs);
    }

    /** The engine belongs to the caller: nothing to free here. */
    @Override
    public void close() {
    }
}
