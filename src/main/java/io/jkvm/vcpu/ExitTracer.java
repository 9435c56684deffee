package io.jkvm.vcpu;

import io.jkvm.kvm.KvmExitReason;
import io.jkvm.kvm.KvmRun;

import java.io.PrintStream;

/**
 * Prints every exit, as the mission's demo does: the reason on one line, then what the guest
 * did. {@link Style#REASONS} prints only the reason (the counter demo, whose port logger prints
 * the data in the original program's words); {@link Style#DETAILED} adds port or address,
 * direction, size, count and data ({@code --trace exits}). Tracing is slow by nature; it is
 * off unless asked for.
 */
public final class ExitTracer {
    public enum Style { REASONS, DETAILED }

    private final PrintStream out;
    private final Style style;
    private final boolean prefixVcpu;

    public ExitTracer(PrintStream out, Style style, boolean prefixVcpu) {
        this.out = out;
        this.style = style;
        this.prefixVcpu = prefixVcpu;
    }

    /** Called before the exit is handled: {@link Style#REASONS} prints here, ahead of what devices print. */
    public void beforeDispatch(int vcpu, KvmRun run) {
        if (style == Style.REASONS) print(vcpu, run, false);
    }

    /** Called after the exit was handled, so that IN and MMIO reads show the data returned. */
    public void afterDispatch(int vcpu, KvmRun run) {
        if (style == Style.DETAILED) print(vcpu, run, true);
    }

    private void print(int vcpu, KvmRun run, boolean detailed) {
        int reason = run.exitReason();
        String prefix = prefixVcpu ? "[vcpu" + vcpu + "] " : "";
        StringBuilder sb = new StringBuilder(prefix).append(KvmExitReason.name(reason));
        if (detailed) {
            String detail = detail(run, reason);
            if (detail != null) sb.append('\n').append(prefix).append(detail);
        }
        synchronized (out) {
            out.println(sb);
        }
    }

    static String detail(KvmRun run, int reason) {
        return switch (reason) {
            case KvmExitReason.KVM_EXIT_IO -> {
                int size = run.ioSize();
                int count = run.ioCount();
                StringBuilder d = new StringBuilder(run.ioDirection() == KvmExitReason.KVM_EXIT_IO_OUT ? "out" : "in")
                        .append(" port: 0x").append(Integer.toHexString(run.ioPort()))
                        .append(", size: ").append(size).append(", count: ").append(count).append(", data:");
                int shown = Math.min(count, 16);
                for (int i = 0; i < shown; i++) {
                    d.append(" 0x").append(Long.toHexString(run.readLe(run.ioDataOffset() + (long) i * size, size)));
                }
                if (count > shown) d.append(" ...");
                yield d.toString();
            }
            case KvmExitReason.KVM_EXIT_MMIO -> String.format("mmio %s addr: 0x%x, len: %d, data: 0x%x",
                    run.mmioIsWrite() ? "write" : "read", run.mmioPhysAddr(), run.mmioLen(),
                    run.mmioData(Math.min(Math.max(run.mmioLen(), 1), 8)));
            case KvmExitReason.KVM_EXIT_FAIL_ENTRY -> String.format("hardware_entry_failure_reason: 0x%x, cpu: %d",
                    run.failEntryReason(), run.failEntryCpu());
            case KvmExitReason.KVM_EXIT_INTERNAL_ERROR -> "suberror: " + run.internalSuberror() + ", ndata: " + run.internalNdata();
            case KvmExitReason.KVM_EXIT_UNKNOWN -> String.format("hardware_exit_reason: 0x%x", run.hardwareExitReason());
            case KvmExitReason.KVM_EXIT_DEBUG -> String.format("exception: %d, pc: 0x%x", run.debugException(), run.debugPc());
            case KvmExitReason.KVM_EXIT_SYSTEM_EVENT -> "type: " + run.systemEventType();
            default -> null;
        };
    }
}
