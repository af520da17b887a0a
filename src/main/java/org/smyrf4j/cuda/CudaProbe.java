package org.smyrf4j.cuda;

/** Finds out whether the CUDA engine can run here. Placeholder until the CUDA engine lands. */
public final class CudaProbe {

    private CudaProbe() {
    }

    /**
     * What the probe found. Fields that could not be read are null.
     *
     * @param usable            whether the CUDA engine can run
     * @param reason            why (or why not), in words a user can act on
     * @param deviceName        the card, e.g. "NVIDIA H100 80GB HBM3"
     * @param computeCapability e.g. "9.0"
     * @param driverVersion     e.g. "13.0" (the CUDA version the driver supports)
     * @param kernelPack        summary of the kernel pack: targets, families, which image serves this card
     * @param cublas            whether cuBLAS loads, and why not
     */
    public record Result(boolean usable, String reason, String deviceName, String computeCapability,
            String driverVersion, String kernelPack, String cublas) {
        public String summary() { return reason; }
    }

    /** Never throws: every failure becomes a reason. */
    public static Result probe() {
        return new Result(false, "the CUDA engine is not built into this version", null, null, null, null, null);
    }
}
