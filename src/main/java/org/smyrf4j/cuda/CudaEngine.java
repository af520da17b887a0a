package org.smyrf4j.cuda;

import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.BackendKind;

/** Placeholder until the CUDA engine lands. */
public final class CudaEngine implements AttentionBackend {

    public static CudaEngine open(CudaProbe.Result probe) {
        throw new IllegalStateException("CUDA engine unavailable: " + probe.reason());
    }

    @Override
    public BackendKind kind() { return BackendKind.CUDA; }

    @Override
    public String description() { return "cuda"; }

    @Override
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }
}
