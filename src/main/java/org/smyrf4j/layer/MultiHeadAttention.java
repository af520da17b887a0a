package org.smyrf4j.layer;

import java.util.Objects;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionEngine;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.AttentionShape;

/**
 * Multi-head attention with its four projections, the layer a pre-trained model swaps SMYRF
 * into: the same weights, with dense, SMYRF or auto attention chosen by the
 * {@link AttentionConfig}.
 *
 * <p>With x (B, N, dmodel), memory (B, M, dmodel) (x itself in self-attention), h heads of
 * dh = dmodel / h and weights in {@code nn.Linear} layout:
 * <pre>
 *   Q = x Wq^T + bq,  K = memory Wk^T + bk,  V = memory Wv^T + bv      (B, N|M, dmodel)
 *   split heads: column block hh of row (b, n) -> row (b*h + hh, n)    (B*h, N|M, dh)
 *   O = attention(Q, K, V, keyValid repeated per head)                 (B*h, N, dh)
 *       scale 1/sqrt(dh) unless the config sets one
 *   merge heads (the inverse of the split)                             (B, N, dmodel)
 *   y = O Wo^T + bo                                                    (B, N, dmodel)
 * </pre>
 * Dense attention makes this PyTorch's {@code nn.MultiheadAttention} / BERT self-attention
 * without dropout. The projections run on a {@link Gemm}, the attention on any
 * {@link AttentionBackend}.
 *
 * <p>On a backend that runs whole layers on its device ({@link DeviceLayers}: the CUDA engine),
 * the forward pass goes there instead: inputs are copied up once, every step runs on the device
 * (projections on cuBLAS, or on the kernel pack's GEMM where cuBLAS does not load) and y comes
 * back; the layer's {@link Gemm} is not used then. The layer keeps the device side (its weights
 * on the device, a workspace) for the last such backend it ran on, until {@link #close()}.
 *
 * <p>Cross-attention with M == N and a mask: the attention engines treat query i as padding
 * exactly when key i is (SPEC step 4, meant for self-attention), which changes SMYRF's
 * clustering of the queries; dense attention is unaffected.
 *
 * <p>Thread-safe when its Gemm and backend are. Close it to stop the threads of a GEMM it
 * created itself and to free its device side.
 *
 * <pre>{@code
 * AttentionWeights w = AttentionWeightsLoader.load(TensorSource.open(path), NamingPreset.BERT.names("bert.encoder.layer.0."));
 * try (MultiHeadAttention layer = new MultiHeadAttention(w, 12); AttentionEngine engine = AttentionEngine.create()) {
 *     float[] y = layer.forward(engine, config, LayerInputs.selfAttention(x, batch, tokens, 768));
 * }
 * }</pre>
 */
public final class MultiHeadAttention implements AutoCloseable {

    private final AttentionWeights weights;
    private final int heads;
    private final int headDim;
    private final Gemm gemm;
    private final boolean ownsGemm;
    /** The device side for the last {@link DeviceLayers} backend used, guarded by {@code this}. */
    private DeviceLayers deviceBackend;
    private DeviceLayer device;

    /**
     * A layer whose projections run on a {@link CpuGemm} of its own (closed with the layer).
     *
     * @throws IllegalArgumentException when heads does not divide dmodel
     */
    public MultiHeadAttention(AttentionWeights weights, int heads) {
        this(weights, heads, null);
    }

    /**
     * A layer whose projections run on {@code gemm}, which the caller keeps and closes (several
     * layers can share one). Null means a CpuGemm of the layer's own.
     *
     * @throws IllegalArgumentException when heads does not divide dmodel
     */
    public MultiHeadAttention(AttentionWeights weights, int heads, Gemm gemm) {
        this.weights = Objects.requireNonNull(weights, "weights");
        int modelDim = weights.modelDim();
        if (heads <= 0 || modelDim % heads != 0) {
            throw new IllegalArgumentException("heads must divide dmodel = " + modelDim + ", got heads = " + heads
                    + (heads > 0 ? " (" + modelDim + " / " + heads + " is not whole)" : ""));
        }
        this.heads = heads;
        this.headDim = modelDim / heads;
        this.ownsGemm = gemm == null;
        this.gemm = gemm == null ? new CpuGemm() : gemm;
    }

    public AttentionWeights weights() { return weights; }

    public int heads() { return heads; }

    /** dh = dmodel / h, the dimension each head attends in. */
    public int headDim() { return headDim; }

    public int modelDim() { return weights.modelDim(); }

    /** The GEMM the projections run on when the attention runs on the host's side (see the class comment). */
    public Gemm gemm() { return gemm; }

    /**
     * Which GEMM the projections run on with {@code attention}: the device layer's (opening it)
     * on a {@link DeviceLayers} backend, else {@link #gemm()}'s.
     */
    public String gemmDescription(AttentionBackend attention) {
        Objects.requireNonNull(attention, "attention");
        return attention instanceof DeviceLayers devices ? deviceLayer(devices).gemmDescription() : gemm.description();
    }

    /** {@link #forward(AttentionBackend, AttentionConfig, LayerInputs)} on the engine's backend. */
    public float[] forward(AttentionEngine engine, AttentionConfig config, LayerInputs inputs) {
        Objects.requireNonNull(engine, "engine");
        return forward(engine.backendEngine(), config, inputs);
    }

    /**
     * The layer's output.
     *
     * @param attention the engine for the attention step. Not modified.
     * @param config    what attention to compute, for head dimension dh (its projections, when
     *                  given, are (dh+2, H)). Not modified.
     * @param inputs    x, the optional memory and mask. Not modified.
     * @return y (B, N, dmodel) row-major
     * @throws IllegalArgumentException when the inputs' dmodel is not the weights', or the
     *                                  configuration does not fit the per-head shapes
     */
    public float[] forward(AttentionBackend attention, AttentionConfig config, LayerInputs inputs) {
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        int modelDim = weights.modelDim();
        if (inputs.modelDim() != modelDim) {
            throw new IllegalArgumentException("the inputs have dmodel = " + inputs.modelDim()
                    + " but the weights are for dmodel = " + modelDim);
        }
        if (attention instanceof DeviceLayers devices) {
            return deviceLayer(devices).forward(config, inputs);
        }
        int batch = inputs.batch();
        int n = inputs.queryLen();
        int m = inputs.keyLen();

        float[] q = gemm.apply(weights.query(), inputs.x(), batch * n);
        float[] k = gemm.apply(weights.key(), inputs.keySource(), batch * m);
        float[] v = gemm.apply(weights.value(), inputs.keySource(), batch * m);

        AttentionShape shape = new AttentionShape(batch * heads, n, m, headDim, headDim);
        boolean[] mask = inputs.keyValid() == null ? null
                : HeadLayout.repeatPerHead(inputs.keyValid(), batch, heads, m);
        AttentionInputs perHead = AttentionInputs.of(shape,
                HeadLayout.split(q, batch, n, heads, headDim),
                HeadLayout.split(k, batch, m, heads, headDim),
                HeadLayout.split(v, batch, m, heads, headDim), mask);
        float[] o = attention.attend(config, perHead);

        return gemm.apply(weights.output(), HeadLayout.merge(o, batch, n, heads, headDim), batch * n);
    }

    /** The device side on {@code devices}, opened on first use; the one of another backend is closed. */
    private synchronized DeviceLayer deviceLayer(DeviceLayers devices) {
        if (device != null && (deviceBackend != devices || device.isClosed())) {
            DeviceLayer old = device;
            device = null;
            deviceBackend = null;
            old.close();
        }
        if (device == null) {
            device = devices.openLayer(weights, heads);
            deviceBackend = devices;
        }
        return device;
    }

    /** Frees the device side, if any, and closes the GEMM when the layer created it. */
    @Override
    public void close() {
        synchronized (this) {
            if (device != null) {
                DeviceLayer old = device;
                device = null;
                deviceBackend = null;
                old.close();
            }
        }
        if (ownsGemm && gemm instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the layer's GEMM failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "MultiHeadAttention(dmodel=" + modelDim() + ", heads=" + heads + ", headDim=" + headDim + ", gemm: "
                + gemm.description() + ")";
    }
}
