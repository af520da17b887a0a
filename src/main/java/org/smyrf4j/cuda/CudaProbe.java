package org.smyrf4j.cuda;

/** Finds out whether the CUDA engine can run here. Placeholder until the CUDA engine lands. */
public final class CudaProbe {

    private CudaProbe() {
    }

    /** What the probe found. */
    public record Result(boolean usable, String reason) {
        public String summary() { return reason; }
    }

    /** Never throws: every failure becomes a reason. */
    public static Result probe() {
        return new Result(false, "the CUDA engine is not built into this version");
    }
}
