package org.smyrf4j.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tensor-core setting and how its choice reads, without a GPU. */
class TensorCoresTest {

    @Test
    void offUnlessThePropertyOrTheVariableSaysOn() {
        assertEquals(TensorCores.OFF, setting(Map.of(), Map.of()));
        assertEquals(TensorCores.ON, setting(Map.of("smyrf4j.cuda.tensorCores", " On "), Map.of()));
        assertEquals(TensorCores.ON, setting(Map.of(), Map.of("SMYRF4J_TENSOR_CORES", "on")));
        // The property wins over the variable; a blank property leaves it to the variable.
        assertEquals(TensorCores.OFF,
                setting(Map.of("smyrf4j.cuda.tensorCores", "off"), Map.of("SMYRF4J_TENSOR_CORES", "on")));
        assertEquals(TensorCores.ON,
                setting(Map.of("smyrf4j.cuda.tensorCores", " "), Map.of("SMYRF4J_TENSOR_CORES", "ON")));
    }

    @Test
    void badValuesNameTheSettingAndTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> setting(Map.of("smyrf4j.cuda.tensorCores", "Yes"), Map.of()));
        assertEquals("-Dsmyrf4j.cuda.tensorCores must be off or on, got 'yes'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> setting(Map.of(), Map.of("SMYRF4J_TENSOR_CORES", "true")));
        assertEquals("SMYRF4J_TENSOR_CORES must be off or on, got 'true'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TensorCores.parse(null, "--tensor-cores"));
        assertEquals("--tensor-cores must be off or on, got 'null'", e.getMessage());
    }

    @Test
    void choicesDescribeThemselves() {
        AttentionKernelChoice tc = AttentionKernelChoice.tensorCores("");
        assertTrue(tc.tensorCores());
        assertEquals("tensor cores (3xTF32)", tc.description());
        assertEquals("tensor cores (3xTF32)", tc.shortText());
        AttentionKernelChoice cuda = AttentionKernelChoice.cudaCores("tensor cores off: -Dsmyrf4j.cuda.tensorCores=on"
                + " to try them");
        assertFalse(cuda.tensorCores());
        assertEquals("CUDA cores (float32; tensor cores off: -Dsmyrf4j.cuda.tensorCores=on to try them)",
                cuda.toString());
        assertEquals("CUDA cores (float32)", cuda.shortText());
        assertEquals("on", TensorCores.ON.label());
    }

    private static TensorCores setting(Map<String, String> properties, Map<String, String> environment) {
        return TensorCores.fromLookup(properties::get, environment::get);
    }
}
