package org.smyrf4j.cuda;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java CUDA path end to end without a GPU: a child JVM runs {@link FakeDriverSmoke} on the
 * stand-in driver ({@link StandInDriverRun}), and the stand-in's counters must balance.
 */
class FakeCudaDriverTest {

    @Test
    void engineRunsEndToEndOnTheStandInDriver(@TempDir Path work) throws IOException, InterruptedException {
        StandInDriverRun.run(work, FakeDriverSmoke.class, "fake driver smoke: OK");
    }
}
