#!/usr/bin/env python3
# unwind_cfi_seeds.py - writes the seeds of fuzz_unwind_cfi into
# tests/fuzz/corpus/fuzz_unwind_cfi/: CFI of the shapes the unwinder
# meets (a GCC frame, a PLT CFA expression, glibc's signal trampoline,
# GCC's stack realignment) with a small fake stack. Run it from the top
# of the tree after changing the input layout of fuzz_unwind_cfi.c.
import os
import struct


def uleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def sleb(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        done = (v == 0 and not b & 0x40) or (v == -1 and b & 0x40)
        out.append(b | (0 if done else 0x80))
        if done:
            return bytes(out)


def cfi(cie_insns, fde_insns, aug=b"zR"):
    """CIE at 0, FDE, terminator, .eh_frame_hdr; returns (bytes, hdr, fde)."""
    body = struct.pack("<IB", 0, 1) + aug + b"\0" + uleb(1) + sleb(-8)
    body += bytes([16]) + uleb(1) + bytes([0x1B]) + cie_insns
    cie = struct.pack("<I", len(body)) + body
    fde_off = len(cie)
    pc_field = fde_off + 8
    pc_begin = 0x1000 - pc_field  # pcrel: the function at seg + 0x1000
    body = struct.pack("<IiI", fde_off + 4, pc_begin, 0x100) + uleb(0)
    body += fde_insns
    fde = struct.pack("<I", len(body)) + body
    seg = cie + fde + struct.pack("<I", 0)
    hdr = len(seg)
    seg += bytes([1, 0x1B, 0x03, 0x3B])
    seg += struct.pack("<i", -(hdr + 4))
    seg += struct.pack("<I", 1)
    seg += struct.pack("<ii", 0x1000 - hdr, fde_off - hdr)
    return seg, hdr, fde_off


def seed(name, seg, hdr, fde_off, pc_off, stack_words, rbp_word=2):
    head = struct.pack("<HHBBH", len(seg), pc_off, hdr, rbp_word, fde_off)
    stack = b"".join(struct.pack("<Q", w) for w in stack_words)
    path = os.path.join("tests/fuzz/corpus/fuzz_unwind_cfi", name)
    with open(path, "wb") as f:
        f.write(head + seg + stack)


GCC_CIE = bytes([0x0C, 7, 8, 0x90, 1])
os.makedirs("tests/fuzz/corpus/fuzz_unwind_cfi", exist_ok=True)

gcc = bytes([0x41, 0x0E, 16, 0x86, 2, 0x43, 0x0D, 6, 0x54, 0x0C, 7, 8])
seed("gcc_frame", *cfi(GCC_CIE, gcc), 5, [0, 0, 0, 0, 0, 0x1011, 0, 0])

plt = bytes([0x0F, 11, 0x77, 8, 0x80, 0, 0x3F, 0x1A, 0x3B, 0x2A, 0x33,
             0x24, 0x22])
seed("plt_expression", *cfi(GCC_CIE, plt), 12, [0x1011, 0, 0, 0])

sig = bytes([0x0F, 4, 0x77, 0xA0, 0x01, 0x06])
for reg, off in ((6, 120), (3, 128), (7, 160), (16, 168)):
    sig += bytes([0x10, reg, 3, 0x77]) + sleb(off)
seed("signal_frame", *cfi(b"", sig, b"zRS"), 0, [0] * 24)

drap = bytes([0x41, 0x0C, 10, 0, 0x41, 0x10, 6, 2, 0x76, 0, 0x0F, 3,
              0x76, 0x78, 0x06, 0x41, 0x0A, 0x0B])
seed("drap_realign", *cfi(GCC_CIE, drap), 3, [0, 0x40, 0, 0, 0x1011, 0])
