package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionShape;
import org.smyrf4j.layer.AttentionWeights;
import org.smyrf4j.layer.DeviceLayer;
import org.smyrf4j.layer.LayerInputs;
import org.smyrf4j.layer.MultiHeadAttention;

/**
 * {@link MultiHeadAttention}'s forward pass on a {@link CudaEngine}, with every step on the
 * device. With x (B, N, D), memory (B, M, D) (x in self-attention), h heads of dh = D / h:
 * <pre>
 *   upload x, memory; the key mask repeated per head                   (B*h, M) bytes
 *   P = x Wq^T + bq       (DeviceGemm)  -> split heads -> Q            (B*h, N, dh)
 *   P = memory Wk^T + bk                -> split heads -> K            (B*h, M, dh)
 *   P = memory Wv^T + bv                -> split heads -> V            (B*h, M, dh)
 *   O = the engine's attention on device tensors (Q, K, V, mask)       (B*h, N, dh)
 *   P = merge heads (O)                                                (B, N, D)
 *   y = P Wo^T + bo, downloaded                                        (B, N, D)
 * </pre>
 * The projections run on cuBLAS where it loads and starts, else on the kernel pack's GEMM
 * ({@link #gemm()} says which and why; {@link GemmSettings} forces either). With the kernel
 * pack's GEMM the projections are the CPU layer's bit for bit.
 *
 * <p>The weights are copied to the device once, when the layer opens. The other buffers live
 * in a workspace that grows to the largest shape seen, so repeated calls allocate nothing. A
 * failed call frees the workspace. Calls run one at a time on the engine (its lock), so a layer
 * is safe to share between threads. Close it when done; closing the engine frees it too.
 */
public final class CudaLayer implements DeviceLayer {

    /** The buffers of one forward pass; shapes with B batch rows, N queries, M keys, h heads. */
    enum Role {
        /** x (B, N, dmodel) and, in cross-attention, memory (B, M, dmodel), as uploaded. */
        X, MEMORY,
        /** One projection in the model layout (B, N|M, dmodel), then the merged heads. */
        PROJECTED,
        /** Q and the attention output (B*h, N, dh); K and V (B*h, M, dh). */
        Q, K, V, O,
        /** y (B, N, dmodel). */
        Y,
        /** The key mask repeated per head, (B*h, M) bytes. */
        KEY_VALID
    }

    private final CudaEngine engine;
    private final int heads;
    private final int headDim;
    private final int modelDim;
    private final DeviceGemm gemm;
    private final DeviceLinear query;
    private final DeviceLinear key;
    private final DeviceLinear value;
    private final DeviceLinear output;
    private final Workspace<Role> workspace;
    private volatile boolean closed;

    private CudaLayer(CudaEngine engine, int heads, int modelDim, DeviceGemm gemm, List<DeviceLinear> weights) {
        this.engine = engine;
        this.heads = heads;
        this.headDim = modelDim / heads;
        this.modelDim = modelDim;
        this.gemm = gemm;
        this.query = weights.get(0);
        this.key = weights.get(1);
        this.value = weights.get(2);
        this.output = weights.get(3);
        this.workspace = new Workspace<>(engine.context(), Role.class, "layer ");
    }

    /** See {@link CudaEngine#openLayer(AttentionWeights, int, GemmSettings)}. */
    static CudaLayer open(CudaEngine engine, AttentionWeights weights, int heads, GemmSettings settings) {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(settings, "settings");
        int modelDim = weights.modelDim();
        if (heads <= 0 || modelDim % heads != 0) {
            throw new IllegalArgumentException("heads must divide dmodel = " + modelDim + ", got heads = " + heads);
        }
        return engine.runLocked(() -> {
            DeviceGemm gemm = engine.layerGemms().choose(settings);
            List<DeviceLinear> uploaded = new ArrayList<>(4);
            try {
                uploaded.add(DeviceLinear.upload(engine.context(), engine.stream(), "query", weights.query()));
                uploaded.add(DeviceLinear.upload(engine.context(), engine.stream(), "key", weights.key()));
                uploaded.add(DeviceLinear.upload(engine.context(), engine.stream(), "value", weights.value()));
                uploaded.add(DeviceLinear.upload(engine.context(), engine.stream(), "output", weights.output()));
                return new CudaLayer(engine, heads, modelDim, gemm, uploaded);
            } catch (RuntimeException e) {
                for (DeviceLinear w : uploaded) {
                    try {
                        w.close();
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw e;
            }
        });
    }

    public int heads() { return heads; }

    /** dh = dmodel / h. */
    public int headDim() { return headDim; }

    public int modelDim() { return modelDim; }

    /** The GEMM the projections run on, and why. */
    public GemmChoice gemm() { return gemm.choice(); }

    @Override
    public String gemmDescription() { return gemm.choice().description(); }

    @Override
    public boolean isClosed() { return closed; }

    /**
     * The layer's output; see {@link MultiHeadAttention#forward}.
     *
     * @param config what attention to compute, for head dimension dh. Not modified.
     * @param inputs x, the optional memory and mask. Not modified.
     * @return y (B, N, dmodel) row-major
     * @throws IllegalArgumentException when the inputs' dmodel is not the layer's, or the
     *                                  configuration does not fit the per-head shapes on this card
     */
    @Override
    public float[] forward(AttentionConfig config, LayerInputs inputs) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(inputs, "inputs");
        if (inputs.modelDim() != modelDim) {
            throw new IllegalArgumentException("the inputs have dmodel = " + inputs.modelDim()
                    + " but the weights are for dmodel = " + modelDim);
        }
        AttentionShape perHead = new AttentionShape(Math.multiplyExact(inputs.batch(), heads), inputs.queryLen(),
                inputs.keyLen(), headDim, headDim);
        requireOpen();
        // Before any work: a configuration that does not fit is bad input, not a failed call.
        engine.checkAttention(config, perHead);
        byte[] mask = inputs.keyValid() == null ? null : maskPerHead(inputs);
        float[] y = new float[Math.multiplyExact(inputs.batch() * inputs.queryLen(), modelDim)];
        return engine.runLocked(() -> {
            requireOpen();
            try {
                run(config, inputs, perHead, mask, y);
                return y;
            } catch (RuntimeException | Error e) {
                // Wait for what was queued before freeing the buffers it uses.
                try {
                    engine.stream().synchronize("failed layer call");
                } catch (RuntimeException sync) {
                    e.addSuppressed(sync);
                }
                try {
                    workspace.release();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        });
    }

    /** The steps of the class comment, queued on the engine's stream; returns once y is on the host. */
    private void run(AttentionConfig config, LayerInputs inputs, AttentionShape perHead, byte[] mask, float[] y) {
        CudaStream stream = engine.stream();
        HeadKernels moves = engine.headKernels();
        int batch = inputs.batch();
        int n = inputs.queryLen();
        int m = inputs.keyLen();
        long queryRows = (long) batch * n;
        long keyRows = (long) batch * m;

        DeviceBuffer x = workspace.floats(Role.X, queryRows * modelDim);
        stream.upload(x, inputs.x(), "x");
        DeviceBuffer keySource = x;
        if (inputs.isCrossAttention()) {
            keySource = workspace.floats(Role.MEMORY, keyRows * modelDim);
            stream.upload(keySource, inputs.memory(), "memory");
        }
        DeviceBuffer keyValid = null;
        if (mask != null) {
            keyValid = workspace.get(Role.KEY_VALID, mask.length);
            stream.upload(keyValid, mask, "keyValid per head");
        }
        DeviceBuffer projected = workspace.floats(Role.PROJECTED, Math.max(queryRows, keyRows) * modelDim);
        DeviceBuffer q = workspace.floats(Role.Q, queryRows * modelDim);
        DeviceBuffer k = workspace.floats(Role.K, keyRows * modelDim);
        DeviceBuffer v = workspace.floats(Role.V, keyRows * modelDim);
        DeviceBuffer o = workspace.floats(Role.O, queryRows * modelDim);
        DeviceBuffer out = workspace.floats(Role.Y, queryRows * modelDim);

        gemm.linear(x, (int) queryRows, query, projected);
        moves.split(projected, batch, n, heads, headDim, q);
        gemm.linear(keySource, (int) keyRows, key, projected);
        moves.split(projected, batch, m, heads, headDim, k);
        gemm.linear(keySource, (int) keyRows, value, projected);
        moves.split(projected, batch, m, heads, headDim, v);

        // Views of this call's shape over the workspace's buffers: the workspace owns the memory,
        // so they are never closed.
        int rows = perHead.batch();
        engine.attend(config, new DeviceTensor(q, new int[] {rows, n, headDim}),
                new DeviceTensor(k, new int[] {rows, m, headDim}), new DeviceTensor(v, new int[] {rows, m, headDim}),
                keyValid == null ? null : new DeviceMask(keyValid, rows, m, mask),
                new DeviceTensor(o, new int[] {rows, n, headDim}));

        moves.merge(o, batch, n, heads, headDim, projected);
        gemm.linear(projected, (int) queryRows, output, out);
        stream.synchronize("attention layer (projections, heads, attention, output projection)");
        stream.download(y, out, "y");
    }

    /** The mask (B, M) as bytes (B*h, M): row b*h + hh is row b, as the attention layout needs. */
    private byte[] maskPerHead(LayerInputs inputs) {
        boolean[] valid = inputs.keyValid();
        int keyLen = inputs.keyLen();
        byte[] bytes = new byte[Math.multiplyExact(valid.length, heads)];
        for (int b = 0; b < inputs.batch(); b++) {
            for (int hh = 0; hh < heads; hh++) {
                int to = (b * heads + hh) * keyLen;
                for (int j = 0; j < keyLen; j++) {
                    bytes[to + j] = valid[b * keyLen + j] ? (byte) 1 : (byte) 0;
                }
            }
        }
        return bytes;
    }

    /** Bytes the layer's workspace holds on the device (weights not included). */
    public long workspaceBytes() {
        return engine.runLocked(workspace::bytes);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the CUDA layer is closed");
        }
    }

    /** Frees the workspace and the weights on the device. Idempotent; fine after the engine closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        // A closed engine's context has freed every buffer already: nothing left to do then.
        engine.ifOpen(() -> {
            if (closed) {
                return;
            }
            closed = true;
            RuntimeException failure = null;
            for (Runnable step : new Runnable[] {workspace::release, query::close, key::close, value::close,
                    output::close}) {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        });
        closed = true;
    }

    @Override
    public String toString() {
        return "CudaLayer(dmodel=" + modelDim + ", heads=" + heads + ", headDim=" + headDim + ", gemm: "
                + gemmDescription() + ")";
    }
}
