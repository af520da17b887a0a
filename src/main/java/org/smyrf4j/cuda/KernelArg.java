package org.smyrf4j.cuda;

/** One argument of a kernel launch, in the entry point's parameter order. */
sealed interface KernelArg {

    /** The parameter's name in docs/kernels.md. */
    String name();

    /** How a kernel uses a buffer; outputs are poisoned before the launch in checked mode. */
    enum Access { IN, OUT, IN_OUT }

    /** A device pointer; {@code buffer} null passes a null pointer (optional inputs and outputs). */
    record Buffer(String name, DeviceBuffer buffer, Access access) implements KernelArg {
    }

    /** An {@code int} parameter. */
    record Int(String name, int value) implements KernelArg {
    }

    /** A {@code float} parameter. */
    record Float32(String name, float value) implements KernelArg {
    }
}
