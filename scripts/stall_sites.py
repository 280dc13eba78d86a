#!/usr/bin/env python3
"""Where a kernel's warps wait, instruction by instruction, from Nsight Compute's source page.

Reads the CSV that `ncu -i REPORT --page source --print-source sass --csv` prints for a report taken with the
SourceCounters section (warp-state sampling), and prints: the samples in all; the instructions with the most samples,
each with its share, its SASS and its three largest stall reasons; and the samples summed by kind of instruction
(the waits for wgmma, the mbarrier and named-barrier waits, the special-function and tensor instructions), which
says which wait sets the pace of gpu-check's attention kernels. Column names differ between ncu versions, so they are
found by their words; where that fails the CSV's first lines are printed instead, for a reader to go on by hand.

Usage: stall_sites.py SOURCE.csv [TOP]
"""
import csv
import re
import sys

# Kinds of instruction by their SASS opcode, the first match wins.
KINDS = [
    ("wgmma wait (WARPGROUP.DEPBAR)", re.compile(r"WARPGROUP\.DEPBAR")),
    ("wgmma issue (HGMMA)", re.compile(r"\bHGMMA\b")),
    ("mbarrier wait (SYNCS)", re.compile(r"\bSYNCS\.")),
    ("named barrier (BAR)", re.compile(r"\bBAR\.")),
    ("special function (MUFU)", re.compile(r"\bMUFU\b")),
    ("warp shuffle (SHFL)", re.compile(r"\bSHFL\b")),
    ("vote / warp sync", re.compile(r"\b(VOTE|WARPSYNC|WARPGROUP\.ARRIVE)\b")),
    ("shared memory (LDS/STS/LDSM)", re.compile(r"\b(LDS|STS|LDSM)\b")),
    ("global memory (LDG/STG)", re.compile(r"\b(LDG|STG)\b")),
    ("branch", re.compile(r"\b(BRA|BRX|JMP|EXIT|RET|CALL)\b")),
]


def number(text):
    try:
        return float(text.replace(",", ""))
    except (AttributeError, ValueError):
        return None


def kind_of(sass):
    for name, pattern in KINDS:
        if pattern.search(sass):
            return name
    return "other (FFMA, FMNMX, F2FP, ...)"


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    with open(path, newline="", errors="replace") as f:
        lines = f.read().splitlines()
    # The header is the first line that names the source column; anything before it is ncu's preamble.
    start = next((i for i, l in enumerate(lines) if re.search(r'"?Source"?\s*,', l)), None)
    if start is None:
        print("no source column found; the CSV's first lines:")
        print("\n".join(lines[:60]))
        return
    rows = list(csv.reader(lines[start:]))
    header = rows[0]
    source = next(i for i, h in enumerate(header) if h.strip() == "Source" or h.strip().startswith("Source"))
    address = next((i for i, h in enumerate(header) if h.strip() in ("Address", "#")), None)
    samples = next((i for i, h in enumerate(header) if "Sampling" in h and "All" in h), None)
    if samples is None:
        samples = next((i for i, h in enumerate(header) if "Sampling" in h), None)
    if samples is None:
        print("no warp-state sampling column; the header:", header)
        print("\n".join(lines[start:start + 40]))
        return
    reasons = [i for i, h in enumerate(header) if i not in (source, samples) and
               re.search(r"stall|Stall", h) and "Sampling" not in h]
    data = []
    for r in rows[1:]:
        if len(r) <= max(source, samples):
            continue
        n = number(r[samples])
        if n is None:
            continue
        data.append((n, r))
    total = sum(n for n, _ in data)
    print(f"{path}: {len(data)} instructions, {total:.0f} samples ({header[samples]})")
    if total == 0:
        return
    by_kind = {}
    for n, r in data:
        k = kind_of(r[source])
        by_kind[k] = by_kind.get(k, 0.0) + n
    print("\nsamples by kind of instruction:")
    for k, n in sorted(by_kind.items(), key=lambda kv: -kv[1]):
        print(f"  {100 * n / total:5.1f}%  {k}")
    print(f"\nthe {top} instructions with the most samples:")
    for n, r in sorted(data, key=lambda x: -x[0])[:top]:
        named = sorted(((number(r[i]) or 0.0, header[i]) for i in reasons if i < len(r)), reverse=True)[:3]
        why = ", ".join(f"{h.strip()} {v:.0f}" for v, h in named if v > 0)
        at = r[address].strip() if address is not None and address < len(r) else ""
        print(f"  {100 * n / total:5.1f}%  {at:>8}  {r[source].strip()[:70]:<70}  {why}")


if __name__ == "__main__":
    main()
