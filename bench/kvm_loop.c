/*
 * kvm_loop: a minimal KVM VMM in C, the reference for jkvm's exit benchmarks.
 *
 * It sets up one vCPU in 64-bit long mode exactly as `jkvm --mode long` does, loads a flat
 * image at 0x100000, starts it there with RCX = iterations and RFLAGS = 0x3002 (IOPL = 3),
 * and runs KVM_RUN in a loop:
 *   KVM_EXIT_IO to port 0x10   counted (the data is read, as a VMM would), re-entered
 *                              (in calibrate mode this is unexpected too);
 *   KVM_EXIT_IO to port 0xf4   debug-exit: the run ends;
 *   anything else              the reason is printed and the program exits with status 2.
 * Only the run loop is timed (CLOCK_MONOTONIC, from just before the first KVM_RUN to the
 * 0xf4 exit), and one machine-readable line is printed per run.
 *
 * Usage:
 *   kvm_loop [--repeat R] [--cpl0] out IMAGE ITERATIONS   e.g. guests/bench_out.bin
 *   kvm_loop [--repeat R] calibrate    IMAGE ITERATIONS   e.g. guests/calibrate.bin
 * Output:
 *   mode=out cpl=3 iterations=N exits=N seconds=S exits_per_sec=E ns_per_exit=T
 *   mode=calibrate iterations=N seconds=S instructions_per_sec=I
 * With --repeat R the VM is created once; before each of the R runs the image, GDT and page
 * tables are copied in again and the registers reset (one line per run).
 * --cpl0 sets RBX = 1, which tells bench_out.bin to run its loop at CPL0 (no ring switch).
 *
 * Plain libc + <linux/kvm.h>; build with bench/build.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE        (64ull << 20)
#define LOAD_ADDR       0x100000ull
#define GDT_ADDR        0x500ull
#define PML4_ADDR       0x9000ull
#define PDPT_ADDR       0xA000ull
#define PD_ADDR         0xB000ull    /* four PDs: 0xB000, 0xC000, 0xD000, 0xE000 */
#define PORT_BENCH      0x10
#define PORT_DEBUG_EXIT 0xf4

#define CR0_PE (1ull << 0)
#define CR0_ET (1ull << 4)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define PTE_P  (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PS (1ull << 7)

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static int xioctl(int fd, unsigned long req, void *arg, const char *name)
{
    int r = ioctl(fd, req, arg);
    if (r < 0)
        die(name);
    return r;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* GDT and identity-mapped page tables (0-4 GiB, 2 MiB pages), as jkvm --mode long. */
static void setup_memory(uint8_t *mem)
{
    uint64_t *gdt = (uint64_t *)(mem + GDT_ADDR);
    gdt[0] = 0;                     /* 0x00 null */
    gdt[1] = 0x00cf9a000000ffffull; /* 0x08 flat 32-bit code, DPL0 */
    gdt[2] = 0x00cf92000000ffffull; /* 0x10 flat data, DPL0 */
    gdt[3] = 0x00af9a000000ffffull; /* 0x18 64-bit code, DPL0 */
    gdt[4] = 0x00cff2000000ffffull; /* 0x20 flat data, DPL3 */
    gdt[5] = 0x00affa000000ffffull; /* 0x28 64-bit code, DPL3 */

    uint64_t *pml4 = (uint64_t *)(mem + PML4_ADDR);
    uint64_t *pdpt = (uint64_t *)(mem + PDPT_ADDR);
    memset(pml4, 0, 4096);
    memset(pdpt, 0, 4096);
    pml4[0] = PDPT_ADDR | PTE_P | PTE_RW | PTE_US;
    for (uint64_t i = 0; i < 4; i++) {
        uint64_t *pd = (uint64_t *)(mem + PD_ADDR + i * 4096);
        pdpt[i] = (PD_ADDR + i * 4096) | PTE_P | PTE_RW | PTE_US;
        for (uint64_t j = 0; j < 512; j++)
            pd[j] = ((i * 512 + j) << 21) | PTE_P | PTE_RW | PTE_US | PTE_PS;
    }
}

static struct kvm_segment seg(uint16_t selector, uint8_t type, uint8_t l, uint8_t db)
{
    struct kvm_segment s = {
        .base = 0, .limit = 0xffffffff, .selector = selector,
        .type = type, .present = 1, .dpl = 0, .db = db, .s = 1, .l = l, .g = 1,
    };
    return s;
}

/* Long mode at CPL0, RIP = LOAD_ADDR, RCX = iterations, RFLAGS = 0x3002. */
static void setup_vcpu(int vcpu, uint64_t iterations, uint64_t rbx)
{
    struct kvm_sregs sregs;
    xioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    sregs.cs = seg(0x18, 0xb, 1, 0);  /* 64-bit code, execute/read, accessed */
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = seg(0x10, 0x3, 0, 1); /* data rw, accessed */
    sregs.gdt.base = GDT_ADDR;
    sregs.gdt.limit = 6 * 8 - 1;
    sregs.idt.base = 0;
    sregs.idt.limit = 0;              /* no IDT */
    /* TR and LDT keep KVM's reset values (TR: busy TSS, base 0, limit 0xffff). */
    sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;  /* 0x80000011, as jkvm (not KVM's reset CD|NW) */
    sregs.cr3 = PML4_ADDR;
    sregs.cr4 = CR4_PAE;                                     /* 0x20 */
    sregs.efer = EFER_LME | EFER_LMA;                        /* 0x500 */
    xioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");

    struct kvm_regs regs;
    memset(&regs, 0, sizeof regs);
    regs.rip = LOAD_ADDR;
    regs.rsp = 0;
    regs.rflags = 0x3002;             /* IOPL = 3, reserved bit 1 */
    regs.rcx = iterations;
    regs.rbx = rbx;                   /* bench_out.bin: 0 = loop at CPL3, 1 = at CPL0 */
    xioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
}

static void set_cpuid(int kvm, int vcpu)
{
    int n = 256;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + n * sizeof cpuid->entries[0]);
    if (!cpuid)
        die("calloc");
    cpuid->nent = n;
    xioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
    xioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
    free(cpuid);
}

static const char *exit_name(uint32_t r)
{
    switch (r) {
    case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
    case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
    case KVM_EXIT_IO: return "KVM_EXIT_IO";
    case KVM_EXIT_DEBUG: return "KVM_EXIT_DEBUG";
    case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
    case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
    case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
    case KVM_EXIT_INTR: return "KVM_EXIT_INTR";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
    default: return "other";
    }
}

static void unexpected_exit(int vcpu, struct kvm_run *run)
{
    struct kvm_regs regs;
    ioctl(vcpu, KVM_GET_REGS, &regs);
    fprintf(stderr, "kvm_loop: unexpected exit %u (%s) at rip=0x%llx",
            run->exit_reason, exit_name(run->exit_reason), (unsigned long long)regs.rip);
    if (run->exit_reason == KVM_EXIT_IO)
        fprintf(stderr, ": %s port 0x%x size %u count %u",
                run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
                run->io.port, run->io.size, run->io.count);
    else if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
        fprintf(stderr, ": suberror %u", run->internal.suberror);
    else if (run->exit_reason == KVM_EXIT_FAIL_ENTRY)
        fprintf(stderr, ": hardware_entry_failure_reason 0x%llx",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    fprintf(stderr, "\n");
    exit(2);
}

static void usage(void)
{
    fprintf(stderr, "usage: kvm_loop [--repeat R] [--cpl0] out|calibrate IMAGE ITERATIONS\n");
    exit(64);
}

int main(int argc, char **argv)
{
    int repeat = 1, cpl0 = 0;
    int a = 1;
    for (;;) {
        if (a + 1 < argc && strcmp(argv[a], "--repeat") == 0) {
            repeat = atoi(argv[a + 1]);
            a += 2;
        } else if (a < argc && strcmp(argv[a], "--cpl0") == 0) {
            cpl0 = 1;
            a += 1;
        } else {
            break;
        }
    }
    if (argc - a != 3 || repeat < 1)
        usage();
    int calibrate;
    if (strcmp(argv[a], "out") == 0)
        calibrate = 0;
    else if (strcmp(argv[a], "calibrate") == 0)
        calibrate = 1;
    else
        usage();
    const char *image = argv[a + 1];
    char *end;
    uint64_t iterations = strtoull(argv[a + 2], &end, 0);
    if (*end)
        usage();

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        fprintf(stderr, "kvm_loop: KVM API version %d, expected %d\n", api, KVM_API_VERSION);
        return 1;
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        die("KVM_CREATE_VM");

    uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        die("mmap guest memory");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .flags = 0, .guest_phys_addr = 0,
        .memory_size = MEM_SIZE, .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    xioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

    int fd = open(image, O_RDONLY);
    if (fd < 0)
        die(image);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die("fstat");
    if ((uint64_t)st.st_size > MEM_SIZE - LOAD_ADDR) {
        fprintf(stderr, "kvm_loop: %s too large\n", image);
        return 1;
    }
    uint8_t *img = malloc(st.st_size ? st.st_size : 1);
    if (!img)
        die("malloc");
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = read(fd, img + off, st.st_size - off);
        if (n <= 0)
            die("read image");
        off += n;
    }
    close(fd);

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < 0)
        die("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    set_cpuid(kvm, vcpu);

    for (int r = 0; r < repeat; r++) {
        /* Every run starts from the same memory and registers. */
        memcpy(mem + LOAD_ADDR, img, st.st_size);
        setup_memory(mem);
        setup_vcpu(vcpu, iterations, cpl0);
        uint64_t exits = 0, data_sum = 0;
        double t0 = now();
        for (;;) {
            if (ioctl(vcpu, KVM_RUN, 0) < 0) {
                if (errno == EINTR || errno == EAGAIN)
                    continue;
                die("KVM_RUN");
            }
            if (run->exit_reason != KVM_EXIT_IO || run->io.direction != KVM_EXIT_IO_OUT)
                unexpected_exit(vcpu, run);
            if (run->io.port == PORT_BENCH && !calibrate) {
                const uint8_t *p = (const uint8_t *)run + run->io.data_offset;
                for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size) {
                    uint32_t v = 0;
                    memcpy(&v, p, run->io.size <= 4 ? run->io.size : 4);
                    data_sum += v;
                    exits++;
                }
            } else if (run->io.port == PORT_DEBUG_EXIT) {
                break;
            } else {
                unexpected_exit(vcpu, run);
            }
        }
        double seconds = now() - t0;

        if (calibrate) {
            printf("mode=calibrate iterations=%llu seconds=%.6f instructions_per_sec=%.0f\n",
                   (unsigned long long)iterations, seconds, 2.0 * iterations / seconds);
        } else {
            /* The guest writes the low byte of its remaining count: check every write arrived. */
            uint64_t expect = 0;
            for (uint64_t k = iterations % 256; k; k--)
                expect += k;
            expect += (iterations / 256) * (255 * 256 / 2);
            if (exits != iterations || data_sum != expect) {
                fprintf(stderr, "kvm_loop: expected %llu exits (data sum %llu), got %llu (%llu)\n",
                        (unsigned long long)iterations, (unsigned long long)expect,
                        (unsigned long long)exits, (unsigned long long)data_sum);
                return 3;
            }
            printf("mode=out cpl=%d iterations=%llu exits=%llu seconds=%.6f exits_per_sec=%.0f ns_per_exit=%.0f\n",
                   cpl0 ? 0 : 3, (unsigned long long)iterations, (unsigned long long)exits, seconds,
                   exits / seconds, exits ? seconds * 1e9 / exits : 0.0);
        }
        fflush(stdout);
    }

    munmap(run, run_size);
    close(vcpu);
    close(vm);
    close(kvm);
    munmap(mem, MEM_SIZE);
    free(img);
    return 0;
}
