package io.jkvm.vcpu;

/** What the exit dispatcher may ask of the vCPU when an exit ends the run (KVM adapter or a test fake). */
public interface VcpuInspector {
    /** General, segment and control registers, several lines. */
    String registerDump();

    /** Guest-physical address of the instruction at CS:RIP, or -1 when it does not translate. */
    long instructionAddress();

    /** An inspector that knows nothing (for tests that do not look at registers). */
    VcpuInspector NONE = new VcpuInspector() {
        @Override
        public String registerDump() { return "(registers not available)\n"; }

        @Override
        public long instructionAddress() { return -1; }
    };
}
