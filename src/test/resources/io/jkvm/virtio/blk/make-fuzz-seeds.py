#!/usr/bin/env python3
"""Writes BlockDeviceFuzzTest's seed inputs into BlockDeviceFuzzTestInputs/fuzzDevice/.

Each seed is a queue of 16 at desc 0x0 / avail 0x1000 / used 0x2000 (unless said otherwise),
request headers from 0x3000, data from 0x3200, and an op program (0 = notify). The disk has 16
sectors. Run from this directory: python3 make-fuzz-seeds.py
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "BlockDeviceFuzzTestInputs", "fuzzDevice")
NEXT, WRITE, INDIRECT = 1, 2, 4
IN, OUT_, FLUSH, GET_ID, DISCARD, WRITE_ZEROES = 0, 1, 4, 8, 11, 13


class Seed:
    def __init__(self, size_sel=4, mode=0, start=0):
        self.mem = bytearray(0x3fff)
        self.size_sel, self.mode, self.start = size_sel, mode, start
        self.size = 1 << (size_sel % 9)
        self.desc, self.avail = 0, 0x1000
        self.next_desc = 0
        self.avail_idx = start
        self.hdr = 0x3000
        self.ops = bytearray()

    def put(self, addr, data):
        self.mem[addr:addr + len(data)] = data

    def header(self, type_, sector):
        at = self.hdr
        self.put(at, struct.pack("<IIQ", type_, 0, sector))
        self.hdr += 0x20
        return at

    def descriptor(self, i, addr, length, flags, nxt, table=None):
        base = (self.desc if table is None else table) + 16 * i
        self.put(base, struct.pack("<QIHH", addr, length, flags, nxt))

    def chain(self, *bufs):
        """bufs: (addr, len, writable)"""
        head = self.next_desc
        for k, (addr, length, w) in enumerate(bufs):
            i = (head + k) % self.size
            last = k == len(bufs) - 1
            self.descriptor(i, addr, length, (WRITE if w else 0) | (0 if last else NEXT), (i + 1) % self.size)
        self.next_desc = (head + len(bufs)) % self.size
        self.publish(head)

    def indirect(self, table, *bufs):
        for k, (addr, length, w) in enumerate(bufs):
            last = k == len(bufs) - 1
            self.descriptor(k, addr, length, (WRITE if w else 0) | (0 if last else NEXT), k + 1, table)
        head = self.next_desc
        self.descriptor(head, table, 16 * len(bufs), INDIRECT, 0)
        self.next_desc = (head + 1) % self.size
        self.publish(head)

    def publish(self, head):
        self.put(self.avail + 4 + 2 * (self.avail_idx % self.size), struct.pack("<H", head))
        self.avail_idx = (self.avail_idx + 1) & 0xffff
        self.put(self.avail + 2, struct.pack("<H", self.avail_idx))

    def bytes(self, extra_setup=b""):
        blob = bytes(self.mem)
        return (bytes([self.size_sel, self.mode]) + extra_setup + struct.pack("<HH", self.start, len(blob))
                + blob + bytes(self.ops))


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def rw_requests(s, status=0x3f00):
    s.chain((s.header(IN, 2), 16, False), (0x4000, 1024, True), (status, 1, True))
    s.put(0x3200, bytes(range(256)) * 2)
    s.chain((s.header(OUT_, 1), 16, False), (0x3200, 512, False), (0x3e00, 1024, False), (status + 1, 1, True))


os.makedirs(OUT, exist_ok=True)

s = Seed()
rw_requests(s)
s.ops += b"\x00"
write("read_write", s.bytes())

s = Seed()
s.chain((s.header(FLUSH, 0), 16, False), (0x3f00, 1, True))
s.chain((s.header(GET_ID, 0), 16, False), (0x3300, 20, True), (0x3f01, 1, True))
s.ops += b"\x00"
write("flush_get_id", s.bytes())

s = Seed()
s.put(0x3400, struct.pack("<QII", 2, 4, 0) + struct.pack("<QII", 10, 2, 0))
s.chain((s.header(DISCARD, 0), 16, False), (0x3400, 32, False), (0x3f00, 1, True))
s.put(0x3440, struct.pack("<QII", 4, 4, 1) + struct.pack("<QII", 12, 4, 0))
s.chain((s.header(WRITE_ZEROES, 0), 16, False), (0x3440, 32, False), (0x3f01, 1, True))
s.ops += b"\x00"
write("discard_write_zeroes", s.bytes())

s = Seed()
s.indirect(0x0400, (s.header(IN, 0), 16, False), (0x3800, 512, True), (0x7000, 512, True), (0x3f00, 1, True))
s.ops += b"\x00"
write("indirect", s.bytes())

s = Seed()
s.chain((s.header(IN, 0), 16, False), (0x3f00, 1, False))            # no writable status
s.chain((s.header(IN, 0), 8, False), (0x3800, 512, True), (0x3f01, 1, True))  # short header
s.chain((s.header(IN, 15), 16, False), (0x3800, 1024, True), (0x3f02, 1, True))  # past the end
s.chain((s.header(OUT_, 0), 16, False), (0x3800, 500, False), (0x3f03, 1, True))  # partial sector
s.chain((s.header(0x77, 0), 16, False), (0x3f04, 1, True))            # unknown type
s.chain((s.header(IN, 0xffffffffffffffff), 16, False), (0x3800, 512, True), (0x3f05, 1, True))
s.ops += b"\x00"
write("malformed", s.bytes())

s = Seed(mode=1)
rw_requests(s)
s.put(s.avail + 4 + 2 * s.size, struct.pack("<H", 1))  # used_event
s.ops += b"\x00\x03\x00\x04\x24\x02\x02\x00\x30\x01\x00"
write("event_idx_reset", s.bytes())

s = Seed(mode=8)
rw_requests(s)
s.put(0x3400, struct.pack("<QII", 2, 4, 0))
s.chain((s.header(DISCARD, 0), 16, False), (0x3400, 16, False), (0x3f08, 1, True))
s.ops += b"\x00"
write("read_only", s.bytes())

s = Seed()
rw_requests(s)
s.put(s.avail + 2, struct.pack("<H", 40))  # avail.idx too far ahead: a broken queue
s.ops += b"\x00\x00"
write("broken", s.bytes())

s = Seed(size_sel=1)  # a queue of 2: header + status only
s.chain((s.header(FLUSH, 0), 16, False), (0x3f00, 1, True))
s.ops += b"\x00\x05\x01\x05\x00"
write("tiny_queue", s.bytes())

s = Seed(start=0xfffe)
rw_requests(s)
rw_requests(s, status=0x3f10)
s.ops += b"\x00"
write("wrap", s.bytes())
