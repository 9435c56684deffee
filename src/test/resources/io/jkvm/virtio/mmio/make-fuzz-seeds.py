# Makes the seed inputs in VirtioMmioFuzzTestInputs/fuzzRegisters/ (run from the repository root): python3 src/test/resources/io/jkvm/virtio/mmio/make-fuzz-seeds.py
import struct, os
d='src/test/resources/io/jkvm/virtio/mmio/VirtioMmioFuzzTestInputs/fuzzRegisters'
def blob(chains_desc, avail_ring, extra=()):
    mem=bytearray(0x3ff0)  # the input masks the blob length with 0x3fff
    for i,(addr,ln,fl,nx) in enumerate(chains_desc):
        struct.pack_into('<QIHH',mem,0x1000+16*i,addr,ln,fl,nx)
    struct.pack_into('<HH',mem,0x2000,0,len(avail_ring))
    for i,h in enumerate(avail_ring): struct.pack_into('<H',mem,0x2004+2*i,h)
    for at,data in extra: mem[at:at+len(data)]=data
    return struct.pack('<H',len(mem))+bytes(mem)
def init(choice=1, feats=None, desc=0x1000, avail=0x2000, used=0x3000, sizesel=3):
    b=bytes([6,choice])+struct.pack('<HHH',desc//2,avail//2,used//2)+bytes([sizesel])
    if not choice&1: b+=struct.pack('<IB',feats&0xffffffff,feats>>32)
    return b
notify=bytes([3,0]); readisr=bytes([0])+struct.pack('<H',0x60)+bytes([3]); ack=bytes([7]); cfg=bytes([5])
reset=bytes([1])+struct.pack('<H',0x70)+bytes([3])+struct.pack('<Q',0)
NEXT,WRITE,IND=1,2,4
seeds={
 'empty': b'',
 'direct': blob([(0x5000,16,NEXT,1),(0x6000,16,WRITE,0)],[0])+init()+notify+readisr+ack+cfg+readisr+ack+reset+init()+notify,
 'hole': blob([(0x7ff8,16,NEXT,1),(0x6000,16,WRITE,0)],[0])+init()+notify+readisr+ack+reset,
 'indirect': blob([(0x3800,32,IND,0)],[0],[(0x3800,struct.pack('<QIHHQIHH',0x5000,8,NEXT,1,0x10000,64,WRITE,0))])+init()+notify+ack,
 'loop': blob([(0x5000,16,NEXT,1),(0x5000,16,NEXT,0)],[0])+init()+notify+ack+init()+notify,
 'badfeatures': blob([(0x5000,16,0,0)],[0])+init(0,0x20)+init(0,(1<<32)|(1<<5))+init(0,(1<<32)|1)+notify,
 'widths': struct.pack('<H',0)+b''.join(bytes([0])+struct.pack('<H',o)+bytes([s]) for o in (0,1,0x60,0x70,0x100,0x101,0x103,0xff8,0xfff) for s in range(8))
          +b''.join(bytes([1])+struct.pack('<H',o)+bytes([s])+struct.pack('<Q',0xffffffffffffffff) for o in (0x70,0x71,0x104,0x106,0x50,0xffc) for s in range(8)),
 'queuesel': struct.pack('<H',0)+bytes([2,3])+struct.pack('<I',0x10000)+bytes([2,4])+struct.pack('<I',4)+bytes([2,5])+struct.pack('<I',1)
          +bytes([2,3])+struct.pack('<I',1)+bytes([2,4])+struct.pack('<I',7)+bytes([2,5])+struct.pack('<I',1)+bytes([0])+struct.pack('<H',0x44)+bytes([3]),
 'pokes': blob([(0x5000,16,NEXT,1),(0x6000,16,WRITE,0)],[0])+init()+bytes([4])+struct.pack('<H',0x2002)+bytes([5])+notify+bytes([4])+struct.pack('<H',0x1000)+bytes([0xf8])+bytes([4])+struct.pack('<H',0x2004)+bytes([0])+notify,
}
for k,v in seeds.items():
    open(os.path.join(d,k),'wb').write(v)
print({k:len(v) for k,v in seeds.items()})
