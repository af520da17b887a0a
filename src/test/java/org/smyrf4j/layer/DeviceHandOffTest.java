package org.smyrf4j.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.smyrf4j.AttentionBackend;
import org.smyrf4j.AttentionConfig;
import org.smyrf4j.AttentionInputs;
import org.smyrf4j.BackendKind;

/**
 * MultiHeadAttention on a backend that runs whole layers ({@link DeviceLayers}): the forward
 * pass goes to the device layer, which is opened once per backend and closed with the layer.
 * The device side is a recording stand-in; the CUDA one is checked by FakeCudaLayerTest.
 */
class DeviceHandOffTest {

    private static final AttentionConfig CONFIG = AttentionConfig.builder().build();
    private final AttentionWeights weights = LayerFixtures.weights(1, 12, true);
    private final LayerInputs inputs = LayerInputs.selfAttention(LayerFixtures.gaussian(2, 5 * 12), 1, 5, 12);

    @Test
    void theForwardPassGoesToOneDeviceLayerPerBackend() {
        Devices first = new Devices("first");
        Devices second = new Devices("second");
        try (MultiHeadAttention layer = new MultiHeadAttention(weights, 3, new RefusingGemm())) {
            assertSame(first.output, layer.forward(first, CONFIG, inputs));
            assertSame(first.output, layer.forward(first, CONFIG, inputs));
            assertEquals(1, first.opened.size(), "opened once, reused");
            assertEquals(2, first.opened.get(0).calls);
            assertEquals("gemm of first", layer.gemmDescription(first));

            assertSame(second.output, layer.forward(second, CONFIG, inputs));
            assertTrue(first.opened.get(0).closed, "another backend: the first device side is freed");
            assertFalse(second.opened.get(0).closed);
        }
        assertTrue(second.opened.get(0).closed, "closing the layer frees its device side");
        assertEquals(1, second.opened.size());
    }

    @Test
    void inputsAreCheckedBeforeTheDevice() {
        Devices devices = new Devices("d");
        try (MultiHeadAttention layer = new MultiHeadAttention(weights, 3, new RefusingGemm())) {
            LayerInputs wide = LayerInputs.selfAttention(new float[5 * 24], 1, 5, 24);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(devices, CONFIG, wide));
            assertTrue(e.getMessage().contains("dmodel = 24 but the weights are for dmodel = 12"), e.getMessage());
            assertTrue(devices.opened.isEmpty());
        }
    }

    /** A backend with a device side that records what it is asked. */
    private final class Devices implements AttentionBackend, DeviceLayers {
        final String name;
        final float[] output = new float[5 * 12];
        final List<Recorded> opened = new ArrayList<>();

        Devices(String name) {
            this.name = name;
        }

        @Override
        public DeviceLayer openLayer(AttentionWeights w, int heads) {
            assertSame(weights, w);
            assertEquals(3, heads);
            Recorded layer = new Recorded(this);
            opened.add(layer);
            return layer;
        }

        @Override
        public BackendKind kind() { return BackendKind.CUDA; }

        @Override
        public String description() { return name; }

        @Override
        public float[] attend(AttentionConfig config, AttentionInputs in) {
            throw new AssertionError("the layer's attention runs on its device side");
        }

        @Override
        public void close() {
        }
    }

    private static final class Recorded implements DeviceLayer {
        final Devices owner;
        int calls;
        boolean closed;

        Recorded(Devices owner) {
            this.owner = owner;
        }

        @Override
        public float[] forward(AttentionConfig config, LayerInputs in) {
            calls++;
            return owner.output;
        }

        @Override
        public String gemmDescription() { return "gemm of " + owner.name; }

        @Override
        public boolean isClosed() { return closed; }

        @Override
        public void close() { closed = true; }
    }

    /** The host GEMM must not run when the device side does the work. */
    private static final class RefusingGemm implements Gemm {
        @Override
        public void linear(float[] x, int rows, int in, float[] weight, float[] bias, float[] y) {
            throw new AssertionError("the host GEMM ran");
        }

        @Override
        public String description() { return "refusing"; }
    }
}
