#!/usr/bin/env python3
# tests/fuzz/mkseeds.py: writes the committed seed corpora, tests/fuzz/corpus/<harness>/,
# a few tiny inputs per harness in the input format its header comment describes (well-formed
# cases for the fuzzer to mutate). Run it from the repository root after changing a format:
#   python3 tests/fuzz/mkseeds.py
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v & 0xffffffff)
def u64(v): return struct.pack("<Q", v & 0xffffffffffffffff)


def write(name, seeds):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    for i, (tag, data) in enumerate(seeds):
        with open(os.path.join(d, "%02d-%s" % (i, tag)), "wb") as fh:
            fh.write(data)


# ---- multiboot: sel, errlen, info offset (u16), then memory from physical 0 ----
def mb1():
    mem = bytearray(0x400)
    info = 0x10
    def put(off, b): mem[off:off + len(b)] = b
    put(info, u32((1 << 0) | (1 << 2) | (1 << 3) | (1 << 6) | (1 << 9)))
    put(info + 4, u32(639)); put(info + 8, u32(130048))
    put(info + 16, u32(0x200)); put(0x200, b"console=com1 workers=2\0")
    put(info + 20, u32(1)); put(info + 24, u32(0x240))
    put(0x240, u32(0x100000) + u32(0x180000) + u32(0x260) + u32(0)); put(0x260, b"demo.elf vm=demo\0")
    ents = b""
    for base, ln, t in ((0, 0x9fc00, 1), (0x100000, 0x7f00000, 1), (0xf0000, 0x10000, 2)):
        ents += u32(20) + u64(base) + u64(ln) + u32(t)
    put(info + 44, u32(len(ents))); put(info + 48, u32(0x300)); put(0x300, ents)
    put(info + 64, u32(0x2e0)); put(0x2e0, b"GRUB 2.06\0")
    return bytes([0, 120]) + u16(info) + bytes(mem)


def mb2(big=False):
    tags = b""
    def tag(t, payload):
        nonlocal tags
        b = u32(t) + u32(8 + len(payload)) + payload
        b += b"\0" * (-len(b) % 8)
        tags += b
    tag(1, b"console=com1 workers=2\0")
    tag(2, b"GRUB 2.06\0")
    tag(4, u32(639) + u32(130048))
    tag(6, u32(24) + u32(0) + u64(0) + u64(0x9fc00) + u32(1) + u32(0) +
        u64(0x100000) + u64(0x7f00000) + u32(1) + u32(0))
    tag(3, u32(0x200000) + u32(0x280000) + b"demo.elf vm=demo\0")
    if big:    # past MB_MAX_MMAP and MB_MAX_MODS: both are truncated
        tag(6, u32(24) + u32(0) + b"".join(u64(i << 20) + u64(1 << 20) + u32(1 + i % 6) + u32(0) for i in range(66)))
        for i in range(17):
            tag(3, u32(i << 20) + u32((i + 1) << 20) + b"m\0")
    tag(14, b"RSD PTR " + bytes(12))
    tag(15, b"RSD PTR " + bytes(28))
    tag(21, b"\1\2\3\4\5")
    tag(0, b"")
    info = u32(8 + len(tags)) + u32(0) + tags
    return bytes([2, 120]) + u16(0x10) + bytes(0x10) + info


# ---- ELF: errlen byte, then the image ----
MB_HDR = u32(0x1BADB002) + u32(3) + u32(-(0x1BADB002 + 3))


def elf32():
    ph = u32(1) + u32(0x60) + u32(0x100000) + u32(0x100000) + u32(0x40) + u32(0x2000) + u32(5) + u32(0x1000)
    eh = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9) + u16(2) + u16(3) + u32(1) + u32(0x100000) + \
        u32(52) + u32(0) + u32(0) + u16(52) + u16(32) + u16(1) + u16(0) + u16(0) + u16(0)
    img = bytearray(eh + ph)
    img += bytes(0x60 - len(img))
    img += MB_HDR + bytes(0x40 - 12)
    return bytes([100]) + bytes(img)


def elf64(nsegs=2, adjacent=False):
    def ph(off, paddr, filesz, memsz, fl):
        return u32(1) + u32(fl) + u64(off) + u64(paddr) + u64(paddr) + u64(filesz) + u64(memsz) + u64(0x1000)
    eh = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + u16(2) + u16(62) + u32(1) + u64(0x100010) + \
        u64(64) + u64(0) + u32(0) + u16(64) + u16(56) + u16(nsegs) + u16(0) + u16(0) + u16(0)
    step, base = (0x3000, 0x100040) if adjacent else (0x10000, 0x200000)
    phs = ph(0x100, 0x100000, 0x40, 0x40, 5) + b"".join(
        ph(0, base + (nsegs - 2 - i) * step, 0, 0x3000, 6) for i in range(nsegs - 1))   # descending
    hdr = 0x100 if nsegs <= 2 else 0x400
    img = bytearray(eh + phs)
    img += bytes(hdr - len(img))
    img += MB_HDR + bytes(0x40 - 12)
    return bytes([60]) + bytes(img)


# ---- PV: size bytes, then ops (see fuzz_pv.c's switch) ----
def pv():
    reg = bytes([0, 0, 1, 0, 4, 0, 0, 0xec])            # register ve=0x1000 pv=0x4000 vector 0xec
    fill = lambda i, d: bytes([8, i, d, 0, 9])           # entry i, decision (odd: CAN_CONTINUE), gpa 0x9000
    report = lambda i, d: bytes([2, i, d])
    complete = lambda i, how: bytes([4, i, how])
    take, unreg, query = bytes([6]), bytes([1]), bytes([7])
    s1 = bytes([9, 0]) + reg + fill(3, 1) + report(3, 1) + fill(5, 2) + report(5, 2) + \
        complete(5, 0) + complete(3, 0) + fill(7, 1) + report(7, 1) + complete(7, 2) + \
        u64(0x9000) + bytes([2, 3]) + u64(0x9000) + bytes([2]) + take + \
        bytes([9, 3, 9, 5, 9, 7]) + query + unreg + reg
    s2 = bytes([9, 0]) + reg + fill(1, 1) + report(1, 1) + bytes([10, 0, 0, 0x10, 7]) + b"scribble" + \
        unreg + complete(1, 1) + unreg + take + bytes([11, 200]) + reg + query
    return [("flow", s1), ("scribble", s2)]


# ---- UART: ops (op & 7 = register, (op >> 3) % 6: 0-1 read, 2-3 write VAL, 4 receive, 5 irq) ----
def uart():
    W = lambda reg, v: bytes([0x10 | reg, v])
    R = lambda reg: bytes([reg])
    rx = lambda data: bytes([0x20]) + data[:1] if len(data) == 1 else bytes([0xE0]) + data
    s1 = W(2, 0x07) + W(1, 0x0F) + W(4, 0x0B) + R(2) + rx(b"A") + R(2) + R(5) + R(0) + \
        rx(bytes(range(0x30, 0x43))) + R(5) + R(2) + R(0) * 17 + bytes([0x28])
    s2 = W(3, 0x80) + W(0, 0x0C) + W(1, 0) + R(0) + W(3, 0x03) + W(4, 0x1F) + W(0, 0x55) + \
        R(0) + R(6) + W(2, 0) + rx(b"x") + rx(b"y") + R(5) + R(0) + W(7, 0x42) + R(7)
    return [("fifo", s1), ("dlab-loop", s2)]


# ---- PIC: ops (op % 8: 0-1 write PORT VAL, 2 read PORT, 3-4 irq, 5 ack, 6 pending, 7 init) ----
def pic():
    P = {0x20: 0, 0x21: 1, 0xA0: 2, 0xA1: 3}
    W = lambda port, v: bytes([0, P[port], v])
    R = lambda port: bytes([2, P[port]])
    irq = lambda n, lvl: bytes([3, n | (0x80 if lvl else 0)])
    ack, pend = bytes([5]), bytes([6])
    s1 = bytes([7, 0x01, 0x87, 0x01]) + W(0x21, 0) + W(0xA1, 0) + irq(4, 1) + pend + ack + \
        irq(12, 1) + ack + W(0x20, 0x0B) + R(0x20) + W(0xA0, 0x20) + W(0x20, 0x20) + ack + \
        irq(4, 0) + irq(4, 1) + ack + W(0x20, 0x64) + R(0x21)
    s2 = bytes([7, 0x05, 0x87, 0x07]) + irq(0, 1) + irq(9, 1) + ack + ack + ack + W(0x21, 0xFB) + \
        irq(1, 1) + pend + W(0x20, 0x0A) + R(0x20) + R(0xA0)
    return [("cascade", s1), ("aeoi", s2)]


# ---- bzImage: errlen byte (and load-address selector), then the image ----
def bzimage(version=0x020F, sects=4, klen=0x400):
    setup = bytearray(b"\x90" * ((sects + 1) * 512))
    def put(off, b): setup[off:off + len(b)] = b
    put(0x1F1, bytes([sects])); put(0x1F4, u32(klen // 16)); put(0x1FE, u16(0xAA55))
    put(0x200, bytes([0xEB, 0x6A])); put(0x202, b"HdrS"); put(0x206, u16(version))
    put(0x211, bytes([1])); put(0x214, u32(0x100000)); put(0x22C, u32(0x7FFFFFFF))
    put(0x230, u32(0x200000)); put(0x234, bytes([1, 21])); put(0x236, u16(0x7F))
    put(0x238, u32(2047)); put(0x258, u64(0x1000000)); put(0x260, u32(0x10000))
    return bytes([120]) + bytes(setup) + b"\xcc" * klen


def main():
    write("mb", [("v1", mb1()), ("v2", mb2()), ("v2-many", mb2(True))])
    write("elf", [("elf32", elf32()), ("elf64", elf64()), ("elf64-17segs", elf64(17)),
                  ("elf64-adjacent", elf64(4, True))])
    write("cmdline", [
        ("keys", b"\x10n=16 b mode=on l=a,b many=k3,k63 s=hi -- guest args"),
        ("numbers", b"\x01big=18446744073709551615 big=18446744073709551616 big=0xffffffffffffffff "
                    b"big=0x10000000000000000 big=17179869183G big=16777215m hi=0x1000 n=4096 n=4097"),
        ("bad", b"\x85help big=0x10M hi=4K b=off none=x n=0 =7 bad=1 k=v=1 n2=5 s=toolongforit l=z many=k1,k65"),
    ])
    write("ranges", [
        ("count", b"\x01" + b"0x1000,2M-3M,4K+1:3"),
        ("plain", b"\x40" + b"0-0x1000,5,0xfffffffffffff000+0xfff"),
        ("top", b"\x40" + b"0xfffffffffffff000-0xfffffffffffff001"),
        ("top-ok", b"\x41" + b"0xffffffffffffe000+0xfff,0xffffffffffffd000:254"),
        ("17items", b"\x40" + b",".join(b"%dK" % (4 * i) for i in range(17))),
    ])
    write("pv", pv())
    write("uart", uart())
    write("pic", pic())
    write("failset", [("ops", bytes([0, 1, 0, 0, 2, 3, 4, 1, 0, 6, 1, 0, 0, 250]) + u64(0x123456789000) + bytes([4, 2, 7, 0x87, 0]))])
    write("bzimage", [("v2.15", bzimage()), ("v2.06", bzimage(0x0206, 0))])
    write("queue", [("cap8", bytes([8, 0x0F, 0x00, 0x11, 0x06, 0x81]) + u64(42) + bytes([0x02]))])


if __name__ == "__main__":
    main()
