#!/usr/bin/env python3
"""Writes seed inputs for hba_registers_fuzz into corpora/hba_registers_fuzz/.

The encoder mirrors libFuzzer's FuzzedDataProvider: integers are taken from the end of the
input (most significant byte first, as many bytes as the range needs), byte strings from the
front. Each seed replays the decoder's calls in hba_registers_fuzz.cc one for one, so a change
to the decoder needs the same change here.
"""
import os
import sys

OPCODES = [0x00, 0x01, 0x02, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0C, 0x7F, 0xFF]
(CONFIG_WRITE, CONFIG_READ, MMIO_WRITE, MMIO_READ, DOORBELL, STEPS, ADVANCE_TIME, HOST_MEMORY,
 COMMAND, BRING_UP, FAULTS, RUN_UNTIL_IDLE, MSIX_PROGRAM) = range(13)
OP_MAX = 12
REGION_A = 0x100000


class Encoder:
    def __init__(self):
        self.front = bytearray()
        self.back = bytearray()  # in consumption order

    def int(self, value, lo, hi, bits=64):
        span = hi - lo
        assert lo <= value <= hi, (value, lo, hi)
        count = 0
        while count * 8 < bits and (span >> (count * 8)) > 0:
            count += 1
        self.back += (value - lo).to_bytes(count, "big") if count else b""

    def bool(self, value):
        self.int(1 if value else 0, 0, 255, 8)

    def u8(self, v): self.int(v, 0, 0xFF, 8)
    def u16(self, v): self.int(v, 0, 0xFFFF, 16)
    def u32(self, v): self.int(v, 0, 0xFFFFFFFF, 32)
    def u64(self, v): self.int(v, 0, 0xFFFFFFFFFFFFFFFF, 64)

    def data(self, raw):
        self.front += raw

    def output(self):
        return bytes(self.front) + bytes(reversed(self.back))


def config(e, msix=True, msi=True, vectors=16, messages=8, entries=256, dstrd=0, queues=4,
           namespaces=((2048, 512),)):
    e.bool(msix); e.bool(msi)
    e.int(vectors, 1, 2048, 32); e.int(messages, 1, 32, 32); e.int(entries, 2, 4096, 32)
    e.int(dstrd, 0, 3, 32); e.int(queues, 1, 8, 32); e.int(5, 1, 5, 8)
    e.int(0, 0, 3); e.int(0, 0, 3)
    e.int(len(namespaces), 0, 3, 32)
    for blocks, size in namespaces:
        e.int(blocks, 1, 1 << 21); e.bool(size == 4096)


def faults(e, plan=None):
    e.bool(plan is not None)
    if plan is None:
        return
    small = lambda name, mx: e.int(plan.get(name, 0), 0, mx, 32)
    small("drop", 5); small("dup", 5); small("misroute", 5); e.u32(plan.get("xor", 1))
    small("delay", 5); small("delay_ns", 100000); small("spurious", 20)
    e.u32(plan.get("spurious_vector", 0)); small("storm_at", 200); small("storm_count", 500)
    e.u32(plan.get("storm_vector", 0)); small("late", 5); small("late_ns", 100000)
    small("window", 8); small("cid", 7); small("sqid", 7); small("phase", 7)
    e.bool(plan.get("after_reset", False)); small("removal", 2000); small("fatal", 2000)


def op(e, code):
    e.int(code, 0, OP_MAX, 8)


def address_page(e, page):  # Address() case 2
    e.int(2, 0, 3, 32); e.int(page, 0, 63)


def bring_up(e, msix=True, admin_entries=16, mme=0):
    op(e, BRING_UP)
    e.bool(msix)
    if not msix:
        e.int(mme, 0, 5, 32)
    e.int(admin_entries, 2, 64, 32)


def command(e, opcode, slot, cid=1, nsid=0, prp1_page=0, cdw10=0, cdw11=0, cdw12=0,
            prp2_page=0):
    op(e, COMMAND)
    e.int(OPCODES.index(opcode), 0, len(OPCODES) - 1)
    e.bool(True)  # flags 0
    e.u16(cid); e.int(nsid, 0, 4, 32)
    address_page(e, prp1_page)
    address_page(e, prp2_page)
    e.bool(True); e.u32(cdw10)
    e.bool(True); e.u32(cdw11)
    e.int(cdw12, 0, 300, 32)
    e.int(slot, 0, 255)


def doorbell(e, index, value):
    op(e, DOORBELL); e.int(index, 0, 20, 32); e.int(value, 0, 70, 32)


def run(e):
    op(e, RUN_UNTIL_IDLE)


def io_pair_and_data(e, vector=1):
    # Admin SQ at region A slots 0..15, admin CQ at page 1; I/O CQ page 3, I/O SQ page 2.
    command(e, 0x05, 0, cid=1, prp1_page=3, cdw10=(15 << 16) | 1, cdw11=(vector << 16) | 3)
    command(e, 0x01, 1, cid=2, prp1_page=2, cdw10=(15 << 16) | 1, cdw11=(1 << 16) | 1)
    doorbell(e, 0, 2)
    run(e)
    doorbell(e, 1, 2)  # admin CQ head
    op(e, HOST_MEMORY); address_page(e, 8); e.int(64, 1, 64); e.data(bytes(range(64)))
    command(e, 0x01, 128, cid=3, nsid=1, prp1_page=8, cdw10=5, cdw12=7)   # Write 8 blocks
    command(e, 0x02, 129, cid=4, nsid=1, prp1_page=9, cdw10=5, cdw12=7)   # Read them back
    command(e, 0x00, 130, cid=5, nsid=1)                                  # Flush
    doorbell(e, 2, 3)
    run(e)
    doorbell(e, 3, 3)


def seed_msix_io():
    e = Encoder(); config(e); faults(e); bring_up(e, msix=True); io_pair_and_data(e)
    return e.output()


def seed_msi_identify():
    e = Encoder(); config(e, msix=False); faults(e); bring_up(e, msix=False, mme=2)
    command(e, 0x06, 0, cid=9, prp1_page=10, cdw10=1)
    command(e, 0x06, 1, cid=10, nsid=1, prp1_page=11, cdw10=0)
    command(e, 0x09, 2, cid=11, cdw10=7, cdw11=0x00030003)
    command(e, 0x0A, 3, cid=12, cdw10=8)
    doorbell(e, 0, 4)
    run(e)
    return e.output()


def seed_intx():
    e = Encoder(); config(e, msix=False, msi=False); faults(e); bring_up(e, msix=False)
    io_pair_and_data(e, vector=0)
    return e.output()


def seed_faults():
    e = Encoder(); config(e)
    faults(e, {"drop": 3, "dup": 2, "misroute": 5, "xor": 1, "delay": 4, "delay_ns": 5000,
               "late": 2, "late_ns": 7000, "window": 3, "cid": 5, "phase": 7, "after_reset": True})
    bring_up(e, msix=True); io_pair_and_data(e)
    op(e, ADVANCE_TIME); e.int(100000, 0, 200000)
    op(e, MMIO_WRITE); e.int(0, 0, 5, 32); e.bool(True); e.int(0x14, 0, 0x40); e.int(0, 0, 4, 32)
    e.u64(0x00460000)  # CC.EN=0: reset with completions in flight
    bring_up(e, msix=True); io_pair_and_data(e)
    return e.output()


def seed_storm_and_removal():
    e = Encoder(); config(e, vectors=2048)
    faults(e, {"spurious": 7, "spurious_vector": 3, "storm_at": 40, "storm_count": 50,
               "storm_vector": 2047, "removal": 400})
    bring_up(e, msix=True); io_pair_and_data(e)
    op(e, MSIX_PROGRAM); e.int(1, 0, 2048); e.bool(True)
    op(e, STEPS); e.int(64, 1, 64, 32)
    op(e, MSIX_PROGRAM); e.int(1, 0, 2048); e.bool(False)
    op(e, STEPS); e.int(64, 1, 64, 32)
    return e.output()


def host_memory(e, page, raw):
    op(e, HOST_MEMORY); address_page(e, page); e.int(len(raw), 1, 64); e.data(raw)


def seed_prp_list():
    e = Encoder(); config(e); faults(e); bring_up(e, msix=True)
    command(e, 0x05, 0, cid=1, prp1_page=3, cdw10=(15 << 16) | 1, cdw11=(1 << 16) | 3)
    command(e, 0x01, 1, cid=2, prp1_page=2, cdw10=(15 << 16) | 1, cdw11=(1 << 16) | 1)
    doorbell(e, 0, 2)
    run(e)
    list_entries = b"".join((REGION_A + p * 4096).to_bytes(8, "little") for p in (17, 18, 19))
    host_memory(e, 12, list_entries)
    host_memory(e, 16, bytes(range(64)))
    # 32 blocks = 4 pages: PRP1 page 16, PRP2 a list at page 12 naming pages 17..19.
    command(e, 0x01, 128, cid=3, nsid=1, prp1_page=16, cdw10=40, cdw12=31, prp2_page=12)
    command(e, 0x02, 129, cid=4, nsid=1, prp1_page=16, cdw10=40, cdw12=31, prp2_page=12)
    # Two pages: PRP2 is the second data page.
    command(e, 0x02, 130, cid=5, nsid=1, prp1_page=20, cdw10=40, cdw12=15, prp2_page=21)
    doorbell(e, 2, 3)
    run(e)
    return e.output()


def seed_admin_tour():
    e = Encoder(); config(e, namespaces=((64, 4096), (128, 512))); faults(e)
    bring_up(e, msix=True, admin_entries=32)
    cmds = [
        (0x06, dict(prp1_page=10, cdw10=2)),                       # active namespace list
        (0x06, dict(nsid=2, prp1_page=10, cdw10=0)),               # identify namespace 2
        (0x02, dict(prp1_page=10, cdw10=(127 << 16) | 2)),         # SMART log
        (0x09, dict(cdw10=8, cdw11=0x0102)),                       # coalescing
        (0x09, dict(cdw10=9, cdw11=0x10001)),                      # vector 1 config
        (0x0A, dict(cdw10=9, cdw11=1)),
        (0x0C, dict()),                                            # AER, held
        (0x08, dict()),                                            # abort
        (0x05, dict(prp1_page=3, cdw10=(7 << 16) | 1, cdw11=(1 << 16) | 3)),
        (0x01, dict(prp1_page=2, cdw10=(7 << 16) | 1, cdw11=(1 << 16) | 1)),
        (0x04, dict(cdw10=1)),                                     # refused: SQ 1 uses CQ 1
        (0x00, dict(cdw10=1)),
        (0x04, dict(cdw10=1)),
        (0x7F, dict()),
    ]
    for slot, (opcode, fields) in enumerate(cmds):
        command(e, opcode, slot, cid=slot + 1, **fields)
    doorbell(e, 0, len(cmds))
    run(e)
    doorbell(e, 1, len(cmds) - 1)
    op(e, ADVANCE_TIME); e.int(100000, 0, 200000)
    run(e)
    return e.output()


def main():
    root = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "..", "..", "corpora", "hba_registers_fuzz")
    os.makedirs(out, exist_ok=True)
    seeds = {
        "msix-io": seed_msix_io(),
        "msi-identify": seed_msi_identify(),
        "intx-io": seed_intx(),
        "faults-reset": seed_faults(),
        "storm-removal": seed_storm_and_removal(),
        "prp-list": seed_prp_list(),
        "admin-tour": seed_admin_tour(),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
