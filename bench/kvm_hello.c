/*
 * The tutorial's program in C, for the start-up benchmark: runs guests/hello.S (16-bit, loaded
 * at 0x1000, CS = 0, IP = 0x1000, RAX = RBX = 2), copies its port 0x3f8 output to stdout and
 * stops at KVM_EXIT_HLT, printing "KVM_EXIT_HLT" as `jkvm demo hello` does.
 * Usage: kvm_hello bench/build/guests/hello.bin
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE (1 << 20)
#define LOAD_ADDR 0x1000

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: kvm_hello hello.bin\n"); return 2; }
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) die("/dev/kvm");
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != 12) { fprintf(stderr, "KVM API != 12\n"); return 1; }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) die("KVM_CREATE_VM");
    uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) die("mmap");
    struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
                                                  .userspace_addr = (uint64_t) mem };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) die("KVM_SET_USER_MEMORY_REGION");
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) die(argv[1]);
    if (read(fd, mem + LOAD_ADDR, MEM_SIZE - LOAD_ADDR) <= 0) die("read image");
    close(fd);
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0) die("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    struct kvm_run *run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) die("mmap kvm_run");
    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) die("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0) die("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = LOAD_ADDR, .rax = 2, .rbx = 2, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0) die("KVM_SET_REGS");
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) die("KVM_RUN");
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x3f8)
                fwrite((char *) run + run->io.data_offset, run->io.size, run->io.count, stdout);
            break;
        case KVM_EXIT_HLT:
            puts("KVM_EXIT_HLT");
            return 0;
        default:
            fprintf(stderr, "exit reason %u\n", run->exit_reason);
            return 1;
        }
    }
}
