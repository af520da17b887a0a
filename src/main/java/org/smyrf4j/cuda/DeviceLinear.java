package org.smyrf4j.cuda;

import org.smyrf4j.layer.Linear;

/**
 * One projection's weights in device memory, as the host holds them: W (out, in) row-major
 * (nn.Linear layout, which both device GEMMs read without a transposing copy) and the bias
 * (out), or null.
 */
record DeviceLinear(String name, DeviceBuffer weight, DeviceBuffer bias, int out, int in) implements AutoCloseable {

    /**
     * Copies {@code layer} to the device. The context must be current; on failure nothing stays
     * allocated.
     */
    static DeviceLinear upload(CudaContext context, CudaStream stream, String name, Linear layer) {
        DeviceBuffer weight = context.allocate(4L * layer.weight().length, name + ".weight");
        DeviceBuffer bias = null;
        try {
            stream.upload(weight, layer.weight(), name + ".weight");
            if (layer.hasBias()) {
                bias = context.allocate(4L * layer.bias().length, name + ".bias");
                stream.upload(bias, layer.bias(), name + ".bias");
            }
            return new DeviceLinear(name, weight, bias, layer.outFeatures(), layer.inFeatures());
        } catch (RuntimeException e) {
            weight.close();
            if (bias != null) {
                bias.close();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        weight.close();
        if (bias != null) {
            bias.close();
        }
    }
}
