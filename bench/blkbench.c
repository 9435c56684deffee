/*
 * blkbench: block I/O throughput inside a guest, one request at a time (queue depth 1), with
 * O_DIRECT so every request reaches the virtio-blk device (no guest page cache).
 *
 *   blkbench DEVICE MODE BLOCK_SIZE SECONDS [SPAN_BYTES]
 *
 * MODE: seqread, seqwrite (consecutive blocks from offset 0, wrapping at SPAN), randread,
 * randwrite (block-aligned offsets in [0, SPAN) from a fixed xorshift sequence, so every run
 * asks for the same offsets). SPAN defaults to the device's size (BLKGETSIZE64; a file's size
 * for a regular file). Runs until
 * SECONDS have passed (CLOCK_MONOTONIC, checked after each request), then prints one line:
 *
 *   blkbench: mode=randread bs=4096 ops=1234 bytes=5054464 seconds=5.001 MBps=1.01 iops=246.8
 *
 * Writes write a pattern (the block's index in each 8 bytes); a write job ends with fdatasync,
 * which is timed. Exit status 1 with a message on any error (a short read or write included).
 * Built static (gcc -static) by bench/build.sh so it runs from a busybox initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "blkbench: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: blkbench DEVICE seqread|seqwrite|randread|randwrite BLOCK_SIZE SECONDS [SPAN_BYTES]\n");
        return 2;
    }
    const char *dev = argv[1], *mode = argv[2];
    size_t bs = strtoul(argv[3], NULL, 0);
    double seconds = strtod(argv[4], NULL);
    int write = strstr(mode, "write") != NULL, random = strncmp(mode, "rand", 4) == 0;
    if (bs == 0 || bs % 512 || seconds <= 0 || (!write && strstr(mode, "read") == NULL)) {
        fprintf(stderr, "blkbench: bad arguments\n");
        return 2;
    }
    int fd = open(dev, (write ? O_RDWR : O_RDONLY) | O_DIRECT);
    if (fd < 0) die(dev);
    uint64_t span;
    if (argc > 5) span = strtoull(argv[5], NULL, 0);
    else if (ioctl(fd, BLKGETSIZE64, &span) < 0) {   /* a regular file: its size */
        struct stat st;
        if (fstat(fd, &st) < 0) die("fstat");
        span = (uint64_t) st.st_size;
    }
    uint64_t blocks = span / bs;
    if (blocks == 0) {
        fprintf(stderr, "blkbench: %s is smaller than one block\n", dev);
        return 1;
    }
    void *buf;
    if (posix_memalign(&buf, 4096, bs)) die("posix_memalign");
    memset(buf, 0, bs);

    uint64_t x = 0x9e3779b97f4a7c15ull, ops = 0, block = 0;
    double start = now(), end = start + seconds, t = start;
    while (t < end) {
        if (random) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;   /* xorshift64 */
            block = x % blocks;
        }
        off_t off = (off_t) (block * bs);
        ssize_t n;
        if (write) {
            for (size_t i = 0; i < bs; i += 8) memcpy((char *) buf + i, &block, 8);
            n = pwrite(fd, buf, bs, off);
        } else {
            n = pread(fd, buf, bs, off);
        }
        if (n < 0) die(write ? "pwrite" : "pread");
        if ((size_t) n != bs) {
            fprintf(stderr, "blkbench: short %s at %lld: %zd of %zu bytes\n", write ? "write" : "read", (long long) off, n, bs);
            return 1;
        }
        ops++;
        if (!random) block = (block + 1) % blocks;
        t = now();
    }
    if (write && fdatasync(fd) < 0) die("fdatasync");
    double took = now() - start;
    printf("blkbench: mode=%s bs=%zu ops=%llu bytes=%llu seconds=%.3f MBps=%.2f iops=%.1f\n", mode, bs,
           (unsigned long long) ops, (unsigned long long) (ops * bs), took, ops * bs / took / 1e6, ops / took);
    close(fd);
    return 0;
}
