package io.jkvm.loader;

import io.jkvm.JkvmException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Decompresses Zstandard frames (RFC 8878), which Linux uses for CONFIG_KERNEL_ZSTD payloads,
 * so jkvm can extract the vmlinux from a bzImage on the host. Pure Java, one call: the whole
 * output is one array, so matches reach back into it directly and a frame's window (2^27 for the
 * kernel's {@code zstd -22 --ultra}, whatever its descriptor says) needs no buffer of its own.
 *
 * <pre>
 * frame:  u32 0xFD2FB528 | header (descriptor, [window], [dictionary id], [content size])
 *         | blocks (u24 header: last, type raw/RLE/compressed, size) | [u32 XXH64 checksum]
 * block:  literals (raw, RLE, or Huffman-coded in 1 or 4 streams)
 *         | sequences (literal length, match length, offset: FSE-coded, one backward bitstream)
 * </pre>
 *
 * Skippable frames are skipped; frames needing a dictionary are refused. The content checksum,
 * when the frame has one, is verified. Corrupt input is a {@link JkvmException}.
 */
public final class Zstd {
    public static final int MAGIC = 0xFD2F_B528;
    private static final int SKIPPABLE_MAGIC = 0x184D_2A50;  // low 4 bits free
    /** Largest block (compressed, and literals regenerated), 128 KiB. */
    static final int BLOCK_MAX = 128 << 10;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // Sequence codes (RFC 8878 3.1.1.3.2.1.1): baselines and extra bits.
    private static final int[] LL_BASE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
    private static final int[] LL_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    private static final int[] ML_BASE = {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
            19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
            35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539};
    private static final int[] ML_BITS = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    private static final int LL = 0, OF = 1, ML = 2;
    private static final String[] KIND = {"literal length", "offset", "match length"};
    private static final int[] MAX_LOG = {9, 8, 9};
    private static final int[] MAX_SYMBOL = {35, 31, 52};
    /** The predefined distributions (RFC 8878 3.1.1.3.2.2). */
    private static final Fse[] PREDEFINED = {
            Fse.build(new short[] {4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1,
                    -1, -1, -1, -1}, 36, 6, 0),
            Fse.build(new short[] {1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1}, 29, 5, 0),
            Fse.build(new short[] {1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1}, 53, 6, 0),
    };

    private final byte[] src;
    private final int end;
    private final byte[] out;
    private int op;
    /** Where the current frame's output starts: matches may not reach before it. */
    private int frameStart;
    // Per-frame state carried from block to block.
    private int rep1, rep2, rep3;
    private short[] huffman;      // symbol | bits << 8, indexed by the next huffmanLog bits
    private int huffmanLog;
    private final Fse[] previous = new Fse[3];
    private final byte[] literals = new byte[BLOCK_MAX];
    private final byte[] weights = new byte[256];

    private Zstd(byte[] src, int end, int capacity) {
        this.src = src;
        this.end = end;
        this.out = new byte[capacity];
    }

    /**
     * Decompresses the frames in {@code src[offset, offset + length)}, producing at most
     * {@code capacity} bytes (more is corrupt input); the result is as long as the output.
     */
    public static byte[] decompress(byte[] src, int offset, int length, int capacity) {
        if (!LittleEndian.inside(src.length, offset, length) || capacity < 0) throw new IllegalArgumentException("range outside the array");
        return new Zstd(src, offset + length, capacity).frames(offset);
    }

    /** The content size the first frame's header names, or -1 if it names none (or there is no frame). */
    public static long frameContentSize(byte[] src, int offset, int length) {
        if (!LittleEndian.inside(src.length, offset, length) || length < 5 || le32(src, offset) != MAGIC) return -1;
        int fhd = src[offset + 4] & 0xff;
        boolean single = (fhd & 0x20) != 0;
        int fcsBytes = fcsBytes(fhd);
        int at = offset + 5 + (single ? 0 : 1) + dictIdBytes(fhd);
        if (fcsBytes == 0 || at + fcsBytes > offset + length) return -1;
        long fcs = le(src, at, fcsBytes);
        return fcsBytes == 2 ? fcs + 256 : fcs;
    }

    private byte[] frames(int ip) {
        boolean any = false;
        while (ip < end) {
            if (end - ip < 4) throw corrupt(end - ip + " stray bytes after the last frame", ip);
            int magic = le32(src, ip);
            if ((magic & 0xFFFF_FFF0) == SKIPPABLE_MAGIC) {
                need(ip, 8, "skippable frame header");
                long size = le32(src, ip + 4) & 0xFFFF_FFFFL;
                if (size > end - ip - 8) throw corrupt("skippable frame of " + size + " bytes runs past the input", ip);
                ip += 8 + (int) size;
                continue;
            }
            if (magic != MAGIC) throw corrupt(any ? "stray bytes after the last frame" : "no zstd frame magic 28 b5 2f fd", ip);
            ip = frame(ip + 4);
            any = true;
        }
        if (!any) throw corrupt("no zstd frame", ip);
        return op == out.length ? out : Arrays.copyOf(out, op);
    }

    /** Decodes one frame, its magic already read; returns where the next frame starts. */
    private int frame(int ip) {
        need(ip, 1, "frame header");
        int fhd = src[ip] & 0xff;
        if ((fhd & 0x08) != 0) throw corrupt("reserved bit set in the frame header descriptor", ip);
        boolean single = (fhd & 0x20) != 0;
        boolean checksum = (fhd & 0x04) != 0;
        int dictIdBytes = dictIdBytes(fhd);
        int fcsBytes = fcsBytes(fhd);
        ip++;
        need(ip, (single ? 0 : 1) + dictIdBytes + fcsBytes, "frame header");
        if (!single) ip++;  // the window descriptor: decoding into one output array needs no window
        long dictId = le(src, ip, dictIdBytes);
        if (dictId != 0) throw corrupt("the frame needs dictionary " + dictId + ", which jkvm does not have", ip);
        ip += dictIdBytes;
        long contentSize = fcsBytes == 0 ? -1 : le(src, ip, fcsBytes) + (fcsBytes == 2 ? 256 : 0);
        ip += fcsBytes;

        frameStart = op;
        rep1 = 1;
        rep2 = 4;
        rep3 = 8;
        huffman = null;
        Arrays.fill(previous, null);
        boolean last;
        do {
            need(ip, 3, "block header");
            int header = (src[ip] & 0xff) | (src[ip + 1] & 0xff) << 8 | (src[ip + 2] & 0xff) << 16;
            ip += 3;
            last = (header & 1) != 0;
            int size = header >>> 3;
            switch ((header >>> 1) & 3) {
                case 0 -> {
                    need(ip, size, "raw block");
                    room(size, ip);
                    System.arraycopy(src, ip, out, op, size);
                    op += size;
                    ip += size;
                }
                case 1 -> {
                    need(ip, 1, "RLE block");
                    room(size, ip);
                    Arrays.fill(out, op, op + size, src[ip]);
                    op += size;
                    ip += 1;
                }
                case 2 -> {
                    if (size > BLOCK_MAX) throw corrupt("compressed block of " + size + " bytes, above 128 KiB", ip - 3);
                    need(ip, size, "compressed block");
                    compressedBlock(ip, ip + size);
                    ip += size;
                }
                default -> throw corrupt("reserved block type", ip - 3);
            }
        } while (!last);

        long produced = op - frameStart;
        if (contentSize >= 0 && contentSize != produced) {
            throw corrupt("the frame decompressed to " + produced + " bytes, but its header names " + Long.toUnsignedString(contentSize), ip);
        }
        if (checksum) {
            need(ip, 4, "content checksum");
            int expected = le32(src, ip);
            int actual = (int) xxh64(out, frameStart, op - frameStart);
            if (expected != actual) {
                throw corrupt(String.format("content checksum %08x, but the output's XXH64 is %08x", expected, actual), ip);
            }
            ip += 4;
        }
        return ip;
    }

    // ---- blocks ----

    private void compressedBlock(int ip, int blockEnd) {
        within(ip, 1, blockEnd, "literals section header");
        int b0 = src[ip] & 0xff;
        int type = b0 & 3;
        int sizeFormat = (b0 >>> 2) & 3;
        byte[] lit;
        int litPos;
        int litSize;
        if (type < 2) {  // raw or RLE
            int headerSize = (sizeFormat & 1) == 0 ? 1 : sizeFormat == 1 ? 2 : 3;
            within(ip, headerSize, blockEnd, "literals section header");
            litSize = switch (headerSize) {
                case 1 -> b0 >>> 3;
                case 2 -> (b0 >>> 4) | (src[ip + 1] & 0xff) << 4;
                default -> (b0 >>> 4) | (src[ip + 1] & 0xff) << 4 | (src[ip + 2] & 0xff) << 12;
            };
            ip += headerSize;
            if (litSize > BLOCK_MAX) throw corrupt(litSize + " literals, above 128 KiB", ip);
            if (type == 0) {
                within(ip, litSize, blockEnd, "raw literals");
                lit = src;
                litPos = ip;
                ip += litSize;
            } else {
                within(ip, 1, blockEnd, "RLE literals");
                Arrays.fill(literals, 0, litSize, src[ip]);
                lit = literals;
                litPos = 0;
                ip += 1;
            }
        } else {  // Huffman-coded, with a new tree (2) or the previous one (3)
            int headerSize = sizeFormat < 2 ? 3 : sizeFormat + 2;
            int bits = sizeFormat < 2 ? 10 : sizeFormat == 2 ? 14 : 18;
            within(ip, headerSize, blockEnd, "literals section header");
            long header = le(src, ip, headerSize);
            litSize = (int) ((header >>> 4) & ((1 << bits) - 1));
            int compressedSize = (int) ((header >>> (4 + bits)) & ((1 << bits) - 1));
            ip += headerSize;
            if (litSize > BLOCK_MAX) throw corrupt(litSize + " literals, above 128 KiB", ip);
            within(ip, compressedSize, blockEnd, "Huffman-coded literals");
            int literalsEnd = ip + compressedSize;
            if (type == 2) {
                ip = huffmanTree(ip, literalsEnd);
            } else if (huffman == null) {
                throw corrupt("literals reuse a Huffman tree, but the frame has had none", ip);
            }
            huffmanStreams(ip, literalsEnd, sizeFormat == 0 ? 1 : 4, litSize);
            lit = literals;
            litPos = 0;
            ip = literalsEnd;
        }
        sequences(ip, blockEnd, lit, litPos, litSize);
    }

    private void sequences(int ip, int blockEnd, byte[] lit, int litPos, int litSize) {
        within(ip, 1, blockEnd, "sequences section header");
        int b0 = src[ip++] & 0xff;
        int count;
        if (b0 < 128) {
            count = b0;
        } else if (b0 < 255) {
            within(ip, 1, blockEnd, "sequences section header");
            count = (b0 - 128) << 8 | (src[ip++] & 0xff);
        } else {
            within(ip, 2, blockEnd, "sequences section header");
            count = ((src[ip] & 0xff) | (src[ip + 1] & 0xff) << 8) + 0x7F00;
            ip += 2;
        }
        int litEnd = litPos + litSize;
        if (count == 0) {
            if (ip != blockEnd) throw corrupt(blockEnd - ip + " stray bytes after a block without sequences", ip);
            room(litSize, ip);
            System.arraycopy(lit, litPos, out, op, litSize);
            op += litSize;
            return;
        }
        within(ip, 1, blockEnd, "symbol compression modes");
        int modes = src[ip++] & 0xff;
        if ((modes & 3) != 0) throw corrupt("reserved bits set in the symbol compression modes", ip - 1);
        ip = table(LL, modes >>> 6, ip, blockEnd);
        ip = table(OF, (modes >>> 4) & 3, ip, blockEnd);
        ip = table(ML, (modes >>> 2) & 3, ip, blockEnd);
        Fse llTable = previous[LL], ofTable = previous[OF], mlTable = previous[ML];

        Bits bits = new Bits(src, ip, blockEnd);
        int llState = bits.read(llTable.log);
        int ofState = bits.read(ofTable.log);
        int mlState = bits.read(mlTable.log);
        for (int i = 0; i < count; i++) {
            int ofCode = ofTable.symbol[ofState];
            int mlCode = mlTable.symbol[mlState];
            int llCode = llTable.symbol[llState];
            long offsetValue = (1L << ofCode) + (bits.read(ofCode) & 0xFFFF_FFFFL);
            int matchLength = ML_BASE[mlCode] + bits.read(ML_BITS[mlCode]);
            int literalLength = LL_BASE[llCode] + bits.read(LL_BITS[llCode]);
            int offset;
            if (offsetValue > 3) {
                if (offsetValue - 3 > Integer.MAX_VALUE) throw corrupt("match offset " + (offsetValue - 3) + " is too large", blockEnd);
                offset = (int) (offsetValue - 3);
                rep3 = rep2;
                rep2 = rep1;
                rep1 = offset;
            } else {
                // A repeat offset; without literals before the match, the codes shift by one.
                int index = (int) offsetValue - (literalLength == 0 ? 0 : 1);
                if (index == 0) {
                    offset = rep1;
                } else {
                    offset = switch (index) {
                        case 1 -> rep2;
                        case 2 -> rep3;
                        default -> rep1 - 1;
                    };
                    if (offset == 0) throw corrupt("repeat offset 0", blockEnd);
                    if (index != 1) rep3 = rep2;
                    rep2 = rep1;
                    rep1 = offset;
                }
            }
            if (i + 1 < count) {
                llState = llTable.base[llState] + bits.read(llTable.bits[llState]);
                mlState = mlTable.base[mlState] + bits.read(mlTable.bits[mlState]);
                ofState = ofTable.base[ofState] + bits.read(ofTable.bits[ofState]);
            }

            if (literalLength > litEnd - litPos) throw corrupt("a sequence needs more literals than the block has", blockEnd);
            room((long) literalLength + matchLength, blockEnd);
            System.arraycopy(lit, litPos, out, op, literalLength);
            litPos += literalLength;
            op += literalLength;
            if (offset > op - frameStart) throw corrupt("match offset " + offset + " reaches before the frame's output", blockEnd);
            int from = op - offset;
            if (offset >= matchLength) {
                System.arraycopy(out, from, out, op, matchLength);
            } else {
                // Overlapping: the match repeats its last `offset` bytes; copy in growing chunks.
                for (int done = 0; done < matchLength; ) {
                    int chunk = Math.min(matchLength - done, op + done - from);
                    System.arraycopy(out, from, out, op + done, chunk);
                    done += chunk;
                }
            }
            op += matchLength;
        }
        if (bits.left != 0) throw corrupt("the sequences bitstream " + (bits.left < 0 ? "ran out" : "has bits left over"), blockEnd);
        room(litEnd - litPos, blockEnd);
        System.arraycopy(lit, litPos, out, op, litEnd - litPos);
        op += litEnd - litPos;
    }

    /** Reads the decoding table of one sequence code; returns where the next section starts. */
    private int table(int kind, int mode, int ip, int limit) {
        Fse table;
        switch (mode) {
            case 0 -> table = PREDEFINED[kind];
            case 1 -> {
                within(ip, 1, limit, KIND[kind] + " RLE symbol");
                int symbol = src[ip++] & 0xff;
                if (symbol > MAX_SYMBOL[kind]) throw corrupt(KIND[kind] + " code " + symbol + " out of range", ip - 1);
                table = Fse.rle(symbol);
            }
            case 2 -> {
                table = readFse(ip, limit, MAX_LOG[kind], MAX_SYMBOL[kind]);
                ip += table.descriptionSize;
            }
            default -> {
                table = previous[kind];
                if (table == null) throw corrupt(KIND[kind] + " codes repeat a table, but the frame has had none", ip);
            }
        }
        previous[kind] = table;
        return ip;
    }

    // ---- Huffman-coded literals ----

    /** Reads a Huffman tree description into {@link #huffman}; returns where the streams start. */
    private int huffmanTree(int ip, int limit) {
        within(ip, 1, limit, "Huffman tree description");
        int header = src[ip++] & 0xff;
        int n;
        if (header >= 128) {  // weights as 4-bit fields
            n = header - 127;
            int bytes = (n + 1) / 2;
            within(ip, bytes, limit, "Huffman weights");
            for (int i = 0; i < n; i++) {
                int b = src[ip + i / 2] & 0xff;
                weights[i] = (byte) ((i & 1) == 0 ? b >>> 4 : b & 15);
            }
            ip += bytes;
        } else {  // FSE-compressed weights, `header` bytes
            if (header == 0) throw corrupt("empty Huffman weights", ip - 1);
            within(ip, header, limit, "Huffman weights");
            n = fseWeights(ip, ip + header);
            ip += header;
        }

        long total = 0;
        for (int i = 0; i < n; i++) {
            if (weights[i] > 11) throw corrupt("Huffman weight " + weights[i] + " above 11", ip);
            if (weights[i] > 0) total += 1L << (weights[i] - 1);
        }
        if (total == 0) throw corrupt("Huffman weights all zero", ip);
        int log = 64 - Long.numberOfLeadingZeros(total);
        if (log > 11) throw corrupt("Huffman codes longer than 11 bits", ip);
        long rest = (1L << log) - total;
        if (Long.bitCount(rest) != 1) throw corrupt("Huffman weights do not complete a tree", ip);
        weights[n] = (byte) (64 - Long.numberOfLeadingZeros(rest));  // the last symbol's weight is implied
        int symbols = n + 1;

        int[] start = new int[log + 2];
        for (int s = 0; s < symbols; s++) start[weights[s]] += weights[s] == 0 ? 0 : 1 << (weights[s] - 1);
        for (int w = 1, at = 0; w <= log; w++) {  // lower weights (longer codes) first
            int length = start[w];
            start[w] = at;
            at += length;
        }
        short[] table = new short[1 << log];
        for (int s = 0; s < symbols; s++) {
            int w = weights[s];
            if (w == 0) continue;
            int length = 1 << (w - 1);
            Arrays.fill(table, start[w], start[w] + length, (short) (s | (log + 1 - w) << 8));
            start[w] += length;
        }
        huffman = table;
        huffmanLog = log;
        return ip;
    }

    /** Decodes FSE-compressed Huffman weights from src[ip, limit) into {@link #weights}; returns their number. */
    private int fseWeights(int ip, int limit) {
        Fse table = readFse(ip, limit, 6, 255);
        Bits bits = new Bits(src, ip + table.descriptionSize, limit);
        int state1 = bits.read(table.log);
        int state2 = bits.read(table.log);
        int n = 0;
        // Two interleaved states; once the stream runs out, the other state gives the last weight.
        while (true) {
            if (n > 253) throw corrupt("more than 255 Huffman weights", ip);
            weights[n++] = (byte) table.symbol[state1];
            state1 = table.base[state1] + bits.read(table.bits[state1]);
            if (bits.left < 0) {
                weights[n++] = (byte) table.symbol[state2];
                return n;
            }
            weights[n++] = (byte) table.symbol[state2];
            state2 = table.base[state2] + bits.read(table.bits[state2]);
            if (bits.left < 0) {
                if (n > 254) throw corrupt("more than 255 Huffman weights", ip);
                weights[n++] = (byte) table.symbol[state1];
                return n;
            }
        }
    }

    /** Decodes {@code size} literals from 1 or 4 Huffman streams in src[ip, limit). */
    private void huffmanStreams(int ip, int limit, int streams, int size) {
        if (streams == 1) {
            huffmanStream(ip, limit, 0, size);
            return;
        }
        within(ip, 6, limit, "Huffman jump table");
        int start1 = ip + 6;
        int start2 = start1 + ((src[ip] & 0xff) | (src[ip + 1] & 0xff) << 8);
        int start3 = start2 + ((src[ip + 2] & 0xff) | (src[ip + 3] & 0xff) << 8);
        int start4 = start3 + ((src[ip + 4] & 0xff) | (src[ip + 5] & 0xff) << 8);
        if (start4 > limit) throw corrupt("Huffman streams run past the literals section", ip);
        int segment = (size + 3) / 4;
        if (3 * segment > size) throw corrupt(size + " literals are too few for 4 Huffman streams", ip);
        huffmanStream(start1, start2, 0, segment);
        huffmanStream(start2, start3, segment, segment);
        huffmanStream(start3, start4, 2 * segment, segment);
        huffmanStream(start4, limit, 3 * segment, size - 3 * segment);
    }

    private void huffmanStream(int from, int to, int at, int count) {
        Bits bits = new Bits(src, from, to);
        short[] table = huffman;
        int log = huffmanLog;
        for (int i = 0; i < count; i++) {
            int entry = table[bits.peek(log)];
            literals[at + i] = (byte) entry;
            bits.left -= entry >>> 8;
        }
        if (bits.left != 0) throw corrupt("a Huffman stream " + (bits.left < 0 ? "ran out" : "has bits left over"), from);
    }

    // ---- FSE ----

    /** An FSE decoding table: for each state, its symbol, and how the next state is read. */
    private static final class Fse {
        final int log;
        final short[] symbol;
        final byte[] bits;
        final int[] base;
        /** Bytes of the table description this table was read from (0 for built-in ones). */
        final int descriptionSize;

        private Fse(int log, int descriptionSize) {
            this.log = log;
            int size = 1 << log;
            this.symbol = new short[size];
            this.bits = new byte[size];
            this.base = new int[size];
            this.descriptionSize = descriptionSize;
        }

        static Fse rle(int symbol) {
            Fse t = new Fse(0, 1);
            t.symbol[0] = (short) symbol;
            return t;
        }

        /** RFC 8878 4.1.1: spreads the symbols over the states; -1 ("less than 1") symbols go last. Null if inconsistent. */
        static Fse build(short[] normalized, int symbols, int log, int descriptionSize) {
            Fse t = new Fse(log, descriptionSize);
            int size = 1 << log;
            int high = size - 1;
            int[] next = new int[symbols];
            for (int s = 0; s < symbols; s++) {
                if (normalized[s] == -1) {
                    t.symbol[high--] = (short) s;
                    next[s] = 1;
                } else {
                    next[s] = normalized[s];
                }
            }
            int step = (size >>> 1) + (size >>> 3) + 3;
            int position = 0;
            for (int s = 0; s < symbols; s++) {
                for (int i = 0; i < normalized[s]; i++) {
                    t.symbol[position] = (short) s;
                    do {
                        position = (position + step) & (size - 1);
                    } while (position > high);
                }
            }
            if (position != 0) return null;
            for (int state = 0; state < size; state++) {
                int x = next[t.symbol[state]]++;
                int bits = log - (31 - Integer.numberOfLeadingZeros(x));
                t.bits[state] = (byte) bits;
                t.base[state] = (x << bits) - size;
            }
            return t;
        }
    }

    /** Reads an FSE table description (a forward bitstream) at src[ip, limit). */
    private Fse readFse(int ip, int limit, int maxLog, int maxSymbol) {
        int bitPos = 0;
        int log = forwardBits(ip, limit, bitPos, 4) + 5;
        bitPos += 4;
        if (log > maxLog) throw corrupt("FSE accuracy log " + log + " above " + maxLog, ip);
        short[] normalized = new short[maxSymbol + 1];
        int remaining = (1 << log) + 1;
        int threshold = 1 << log;
        int nbBits = log + 1;
        int symbol = 0;
        while (remaining > 1) {
            if (symbol > maxSymbol) throw corrupt("FSE distribution with symbols above " + maxSymbol, ip);
            int max = 2 * threshold - 1 - remaining;
            int v = forwardBits(ip, limit, bitPos, nbBits);
            int value;
            if ((v & (threshold - 1)) < max) {
                value = v & (threshold - 1);
                bitPos += nbBits - 1;
            } else {
                value = v & (2 * threshold - 1);
                if (value >= threshold) value -= max;
                bitPos += nbBits;
            }
            int probability = value - 1;  // -1: "less than 1", counting as 1
            remaining -= Math.abs(probability);
            if (remaining < 1) throw corrupt("FSE probabilities add up to more than 2^" + log, ip);
            normalized[symbol++] = (short) probability;
            if (probability == 0) {
                int repeat;
                do {
                    repeat = forwardBits(ip, limit, bitPos, 2);
                    bitPos += 2;
                    symbol += repeat;
                    if (symbol > maxSymbol + 1) throw corrupt("FSE distribution with symbols above " + maxSymbol, ip);
                } while (repeat == 3);
            }
            while (remaining < threshold) {
                nbBits--;
                threshold >>= 1;
            }
        }
        int bytes = (bitPos + 7) >>> 3;
        if (bytes > limit - ip) throw corrupt("FSE table description runs past its section", ip);
        Fse table = Fse.build(normalized, symbol, log, bytes);
        if (table == null) throw corrupt("inconsistent FSE distribution", ip);
        return table;
    }

    /** {@code n} (at most 10) bits at bit {@code bitPos} of a little-endian stream at src[ip, limit); zeros past the limit. */
    private int forwardBits(int ip, int limit, int bitPos, int n) {
        int i = ip + (bitPos >>> 3);
        int v = 0;
        for (int k = 0; k < 3 && i + k < limit; k++) v |= (src[i + k] & 0xff) << (8 * k);
        return (v >>> (bitPos & 7)) & ((1 << n) - 1);
    }

    /**
     * A backward bitstream (Huffman streams, FSE-coded sequences and weights): written forward,
     * read from its end, where a 1 bit marks the start. {@link #left} is the count of unread
     * bits; reading past the start gives zeros and makes it negative.
     */
    private static final class Bits {
        private final byte[] b;
        private final int start;
        int left;

        Bits(byte[] b, int start, int end) {
            if (end <= start) throw corrupt("empty bitstream", start);
            int last = b[end - 1] & 0xff;
            if (last == 0) throw corrupt("bitstream without its end mark", end - 1);
            this.b = b;
            this.start = start;
            this.left = (end - 1 - start) * 8 + (31 - Integer.numberOfLeadingZeros(last));
        }

        /** The next {@code n} bits (at most 32), most significant first, without consuming them. */
        int peek(int n) {
            int lo = left - n;
            if (lo >= 0) return (int) ((load64(b, start + (lo >>> 3)) >>> (lo & 7)) & ((1L << n) - 1));
            if (left <= 0) return 0;
            return (int) ((load64(b, start) & ((1L << left) - 1)) << -lo);
        }

        int read(int n) {
            int v = peek(n);
            left -= n;
            return v;
        }
    }

    // ---- XXH64 (the content checksum is its low 32 bits, seed 0) ----

    private static final long P1 = 0x9E3779B185EBCA87L, P2 = 0xC2B2AE3D27D4EB4FL, P3 = 0x165667B19E3779F9L,
            P4 = 0x85EBCA77C2B2AE63L, P5 = 0x27D4EB2F165667C5L;

    static long xxh64(byte[] b, int off, int len) {
        int p = off;
        int end = off + len;
        long h;
        if (len >= 32) {
            long v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1;
            do {
                v1 = round(v1, (long) LONG_LE.get(b, p));
                v2 = round(v2, (long) LONG_LE.get(b, p + 8));
                v3 = round(v3, (long) LONG_LE.get(b, p + 16));
                v4 = round(v4, (long) LONG_LE.get(b, p + 24));
                p += 32;
            } while (p <= end - 32);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = P5;
        }
        h += len;
        for (; p + 8 <= end; p += 8) {
            h ^= round(0, (long) LONG_LE.get(b, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (p + 4 <= end) {
            h ^= (le32(b, p) & 0xFFFF_FFFFL) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        for (; p < end; p++) {
            h ^= (b[p] & 0xff) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        return Long.rotateLeft(acc + input * P2, 31) * P1;
    }

    private static long merge(long acc, long v) {
        return (acc ^ round(0, v)) * P1 + P4;
    }

    // ---- helpers ----

    private static int dictIdBytes(int fhd) {
        return switch (fhd & 3) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            default -> 4;
        };
    }

    private static int fcsBytes(int fhd) {
        return switch (fhd >>> 6) {
            case 0 -> (fhd & 0x20) != 0 ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
    }

    /** Eight bytes little-endian at {@code i}, zeros past the array's end. */
    private static long load64(byte[] b, int i) {
        if (i + 8 <= b.length) return (long) LONG_LE.get(b, i);
        long v = 0;
        for (int k = 0; i + k < b.length; k++) v |= (b[i + k] & 0xffL) << (8 * k);
        return v;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }

    private static long le(byte[] b, int i, int bytes) {
        long v = 0;
        for (int k = 0; k < bytes; k++) v |= (b[i + k] & 0xffL) << (8 * k);
        return v;
    }

    private void need(int ip, int n, String what) {
        within(ip, n, end, what);
    }

    private static void within(int ip, int n, int limit, String what) {
        if (n > limit - ip) throw corrupt(what + " runs past the end of its section", ip);
    }

    private void room(long n, int ip) {
        if (n > out.length - op) throw corrupt("output exceeds " + out.length + " bytes", ip);
    }

    private static JkvmException corrupt(String what, int at) {
        return new JkvmException("corrupt zstd data at input offset " + at + ": " + what);
    }
}
