package org.smyrf4j.cuda;

import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdeviceptr;

/** Records launches instead of running them, for checking launch plans without a GPU. */
final class RecordingLauncher implements KernelLauncher {

    final List<KernelLaunch> launches = new ArrayList<>();
    /** What {@link #clear} was asked, in order: "purpose of the buffer:words". */
    final List<String> cleared = new ArrayList<>();

    @Override
    public void launch(KernelLaunch launch) {
        launches.add(launch);
    }

    @Override
    public void clear(DeviceBuffer buffer, long words, String name) {
        cleared.add(buffer.purpose() + ":" + words);
    }

    /** A stand-in buffer of {@code bytes}: no device memory behind it, never freed. */
    static DeviceBuffer fakeBuffer(String purpose, long bytes) {
        return new DeviceBuffer(null, new CUdeviceptr(), bytes, purpose);
    }
}
