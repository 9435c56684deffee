package io.jkvm.kvm;

import io.jkvm.JkvmException;
import io.jkvm.sys.Errno;
import io.jkvm.sys.Libc;
import io.jkvm.sys.SysException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The system fd, {@code /dev/kvm} (api.rst 4.1-4.5): API version, capabilities, CPUID support,
 * and the factory for VMs. Closing it does not affect VMs already created.
 */
public final class Kvm implements AutoCloseable {
    public static final String DEVICE = "/dev/kvm";
    /** api.rst 4.1: "Applications should refuse to run if KVM_GET_API_VERSION returns a value other than 12." */
    public static final int KVM_API_VERSION = 12;
    /** KVM_GET_SUPPORTED_CPUID answers E2BIG when the array is too small; this is plenty. */
    private static final int MAX_CPUID_ENTRIES = 256;

    private final int fd;
    private boolean closed;

    private Kvm(int fd) {
        this.fd = fd;
    }

    /** Opens /dev/kvm and checks the API version; errors tell the user how to fix the host. */
    public static Kvm open() {
        return open(DEVICE);
    }

    public static Kvm open(String device) {
        int fd = Libc.open(device, Libc.O_RDWR);
        if (fd < 0) throw new JkvmException(openFailure(device, -fd));
        Kvm kvm = new Kvm(fd);
        try {
            int version;
            try {
                version = kvm.apiVersion();
            } catch (SysException e) {
                throw new JkvmException(device + " is not a KVM device (KVM_GET_API_VERSION: " + Errno.describe(e.errno()) + ")");
            }
            if (version != KVM_API_VERSION) {
                throw new JkvmException("KVM API version is " + version + ", jkvm needs " + KVM_API_VERSION
                        + ": this kernel's KVM is not supported");
            }
            return kvm;
        } catch (RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    static String openFailure(String device, int errno) {
        return switch (errno) {
            case Errno.ENOENT -> device + " does not exist: KVM is not available on this host "
                    + "(load the kvm_intel or kvm_amd module, or enable nested virtualization)";
            case Errno.EACCES, Errno.EPERM -> "permission denied opening " + device
                    + ": add your user to the 'kvm' group (usermod -aG kvm $USER, then log in again) or run as root";
            case Errno.ENXIO, Errno.ENODEV -> device + " has no driver behind it: load the kvm_intel or kvm_amd module";
            default -> "cannot open " + device + ": " + Errno.describe(errno);
        };
    }

    public int fd() { return fd; }

    public int apiVersion() {
        return Libc.ioctlOrThrow("KVM_GET_API_VERSION", fd, KvmIoctls.KVM_GET_API_VERSION, 0L);
    }

    /** KVM_CHECK_EXTENSION: 0 when absent, else 1 or a capability-specific value. */
    public int checkExtension(KvmCap cap) {
        int r = Libc.ioctl(Libc.callState(), fd, KvmIoctls.KVM_CHECK_EXTENSION, cap.number());
        return Math.max(r, 0);
    }

    public int vcpuMmapSize() {
        return Libc.ioctlOrThrow("KVM_GET_VCPU_MMAP_SIZE", fd, KvmIoctls.KVM_GET_VCPU_MMAP_SIZE, 0L);
    }

    /** api.rst 4.4 on KVM_CAP_MAX_VCPUS: fall back to NR_VCPUS, then to 4. */
    public int maxVcpus() {
        int max = checkExtension(KvmCap.KVM_CAP_MAX_VCPUS);
        if (max == 0) max = checkExtension(KvmCap.KVM_CAP_NR_VCPUS);
        return max == 0 ? 4 : max;
    }

    /** KVM_GET_SUPPORTED_CPUID, copied into {@code arena}: a kvm_cpuid2 ready for KVM_SET_CPUID2. */
    public MemorySegment supportedCpuid(Arena arena) {
        MemorySegment cpuid = arena.allocate(KvmCpuid2.sizeFor(MAX_CPUID_ENTRIES), 8);
        KvmCpuid2.setCount(cpuid, MAX_CPUID_ENTRIES);
        Libc.ioctlOrThrow("KVM_GET_SUPPORTED_CPUID", fd, KvmIoctls.KVM_GET_SUPPORTED_CPUID, cpuid);
        return cpuid;
    }

    public List<KvmCpuid2.Leaf> supportedCpuidLeaves() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpuid = supportedCpuid(arena);
            List<KvmCpuid2.Leaf> leaves = new ArrayList<>();
            for (int i = 0; i < KvmCpuid2.count(cpuid); i++) {
                leaves.add(new KvmCpuid2.Leaf(KvmCpuid2.get(cpuid, i, KvmCpuid2.FUNCTION),
                        KvmCpuid2.get(cpuid, i, KvmCpuid2.INDEX), KvmCpuid2.get(cpuid, i, KvmCpuid2.FLAGS),
                        KvmCpuid2.get(cpuid, i, KvmCpuid2.EAX), KvmCpuid2.get(cpuid, i, KvmCpuid2.EBX),
                        KvmCpuid2.get(cpuid, i, KvmCpuid2.ECX), KvmCpuid2.get(cpuid, i, KvmCpuid2.EDX)));
            }
            return leaves;
        }
    }

    /** KVM_CREATE_VM with the default machine type (0). */
    public VmFd createVm() {
        int vmFd;
        try {
            vmFd = Libc.ioctlOrThrow("KVM_CREATE_VM", fd, KvmIoctls.KVM_CREATE_VM, 0L);
        } catch (SysException e) {
            throw new JkvmException("KVM_CREATE_VM failed: " + Errno.describe(e.errno())
                    + (e.errno() == Errno.EBUSY ? " (another hypervisor may own the virtualization extensions)" : ""), e);
        }
        return new VmFd(vmFd, vcpuMmapSize());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
