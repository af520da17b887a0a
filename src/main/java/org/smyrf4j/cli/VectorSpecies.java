package org.smyrf4j.cli;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;

/** Kept apart so that its Vector API reference loads only when the module is present. */
final class VectorSpecies {

    private VectorSpecies() {
    }

    /** The float vector the CPU engine's loops use, e.g. "float vectors of 256 bits (8 lanes)". */
    static String preferredFloatSpecies() {
        return String.format(Locale.ROOT, "float vectors of %d bits (%d lanes)",
                FloatVector.SPECIES_PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED.length());
    }
}
