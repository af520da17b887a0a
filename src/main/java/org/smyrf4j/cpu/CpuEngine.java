package org.smyrf4j.cpu;

import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.BackendKind;
import org.smyrf4j.SmyrfTrace;

/** Placeholder: the CPU engine (SPEC.md step by step) is being written. */
public final class CpuEngine implements AttentionBackend {

    @Override
    public BackendKind kind() { return BackendKind.CPU; }

    @Override
    public String description() {
        return "cpu, " + Runtime.getRuntime().availableProcessors() + " threads";
    }

    @Override
    public float[] attend(AttentionConfig config, AttentionInputs inputs) {
        throw new UnsupportedOperationException("not yet");
    }

    /** SMYRF with every intermediate stage kept (SPEC steps 1-7). */
    public SmyrfTrace trace(AttentionConfig config, AttentionInputs inputs) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void close() {
    }
}
