#!/usr/bin/env python3
# Writes the hand-made seeds of tests/fuzz/corpus: the scenarios of the
# upstream test suite and the edge cases, in the byte format that
# fuzz-memory-set.c decodes (see the comment at its top).
#
#   tests/fuzz/make-seeds.py tests/fuzz/corpus
import os
import sys

POINTS = [
    0, 1, 2, 3, 4, 5, 6, 7, 8,
    0x7ff, 0x800, 0x801, 0xfff, 0x1000, 0x1001, 0x1800, 0x2000, 0x3000,
    0x4000, 0x8000, 0x10000,
    0xffffffff, 0x100000000, 0x100001000,
    0x7fffffffffffffff, 0x8000000000000000, 0x8000000000001000,
    0xffffffffffffd000, 0xffffffffffffe000, 0xffffffffffffefff,
    0xfffffffffffff000, 0xfffffffffffff001, 0xfffffffffffffffe,
    0xffffffffffffffff,
]
FLAGS = [0, 1, 2, 3, 7, 0x13, 1 << 63, (1 << 64) - 1]
SIZES = [0, 1, 2, 3, 0x7ff, 0x800, 0x1000, 0x2000, 0x3000,
         0x100000000, 1 << 63, (1 << 64) - 1, (1 << 64) - 1 - 0xfff]
UPDATES = {'set': 0, 'leave': 1, 'xor': 2, 'same': 3, 'odd-leave': 4}
# Special ends of a range.
TOP = 'top'            # ends at 2^64: overflows
LAST = 'last'          # ends at 2^64 - 1
HUGE = 'huge'          # size 2^64 - 1
EMPTY = 'empty'        # size 0


def pt(addr):
    return POINTS.index(addr)


def rng(start, end):
    special = {HUGE: 0xf0, TOP: 0xf1, LAST: 0xf2, EMPTY: 0xf3}
    a = pt(start)
    if end in special:
        return [a, special[end]]
    b = pt(end)
    return [a, b - a - 1 if b > a else 0xc0 + b]


def failure(k):
    assert 0 <= k <= 16
    return 0xe0 + k - 1 if k else 0


def fl(flags):
    return FLAGS.index(flags)


def addr(a):
    """A query address: a point, a point - 1 or a point + 1, else raw."""
    n = len(POINTS)
    for i, p in enumerate(POINTS):
        for k, delta in ((0, 0), (1, -1), (2, 1)):
            if (p + delta) % (1 << 64) == a and i + k * n < 0xff:
                return [i + k * n]
    return [0xff] + list(a.to_bytes(8, 'little'))


def size(s):
    if s in SIZES:
        return [SIZES.index(s)]
    return [0xff] + list(s.to_bytes(8, 'little'))


def align(a):
    if a == 0:
        return [0xf8]
    if a == 3:
        return [0xf9]
    shift = a.bit_length() - 1
    return [shift] if shift < 14 else [0x80 + shift]


def map_(start, end, flags=1, backend=0, overlap=False, hold=None, fail=0):
    options = backend | (2 if overlap else 0)
    if hold is not None:
        options |= 4 | (hold << 3)
    return [0] + rng(start, end) + [fl(flags), options, failure(fail)]


def unmap(start, end, fail=0):
    return [1] + rng(start, end) + [failure(fail)]


def protect(start, end, flags, fail=0):
    return [2] + rng(start, end) + [fl(flags), failure(fail)]


def protect_with(start, end, update, flags=1, fail=0):
    return [3] + rng(start, end) + [UPDATES[update], fl(flags), failure(fail)]


def clear(fail=0):
    return [4, failure(fail)]


def find(a, hold=0xff):
    return [5] + addr(a) + [hold]


def overlaps(a, s):
    return [6] + addr(a) + size(s)


def ffa(hint, s, limit_start, limit_end, a):
    return [7] + addr(hint) + size(s) + addr(limit_start) + addr(limit_end) + align(a)


SMALL = [0, 0x1000, 0x2000, 0x3000, 0x4000, 0x8000, 0x10000]
HIGH = [0xffffffffffffd000, 0xffffffffffffe000, 0xfffffffffffff000,
        0xffffffffffffffff]

SEEDS = {
    # Upstream's README example.
    'readme': map_(0x1000, 0x8000) + unmap(0x2000, 0x4000),
    # map_unmap: neighbours, AlreadyExists, unmap_overlap, unmaps through holes.
    'map-unmap':
        map_(0, 0x1000) + map_(0x2000, 0x3000) + map_(0x4000, 0x8000)
        + map_(0x1000, 0x2000, 2) + map_(0x3000, 0x4000, 2)
        + find(0x1800) + map_(0x1800, 0x4000, 3)
        + map_(0x1800, 0x4000, 3, overlap=True)
        + unmap(0x2000, 0x8000) + unmap(0, 0x10000),
    # unmap_split: shrink both ends, split in the middle.
    'unmap-split':
        map_(0, 0x1000) + map_(0x2000, 0x4000) + map_(0x8000, 0x10000)
        + unmap(0x800, 0x2000) + unmap(0x3000, 0x8000) + unmap(0x801, 0xfff)
        + unmap(0x8000, 0x10000) + unmap(0, 0x10000),
    # protect: three-way splits, "leave alone", unchanged flags.
    'protect':
        map_(0, 0x1000, 7) + map_(0x2000, 0x4000, 7) + map_(0x8000, 0x10000, 0x13)
        + protect_with(0x800, 0x3000, 'set', 1)
        + protect_with(0x7ff, 0x801, 'xor', 0x13)
        + protect_with(0, 0x10000, 'odd-leave', 2)
        + protect_with(0, 0x10000, 'same')
        + protect_with(0, 0x10000, 'leave')
        + protect(0x1000, 0x8000, 7) + protect(0, 0x10000, 3),
    # find_free_area: upstream's queries and the limit edge cases.
    'find-free-area':
        map_(0, 0x1000) + map_(0x2000, 0x3000) + map_(0x4000, 0x8000)
        + ffa(0, 0x1000, 0, 0x10000, 1) + ffa(0x800, 0x800, 0, 0x10000, 0x800)
        + ffa(0x1800, 0x800, 0, 0x10000, 0x800) + ffa(0x1800, 0x1000, 0, 0x10000, 0x1000)
        + ffa(0x2000, 0x1000, 0, 0x10000, 0x1000) + ffa(0x8000, 0x1000, 0, 0x10000, 0x1000)
        + ffa(0x8001, 0x1000, 0, 0x10000, 0x1000) + ffa(0, 0x1000, 0, 0x2000, 0x1000)
        + ffa(0, 0x3000, 0, 0x10000, 0x1000) + ffa(0, 0, 0, 0x10000, 1)
        + ffa(0, 0x1000, 0, 0x10000, 3) + ffa(0, 0x800, 0, 0x10000, 0x1000)
        + ffa(0, 0x1000, 0x8000, 0x8000, 1) + ffa(0, 0x1000, 0, 0x10000, 0)
        + ffa(0xfffffffffffff001, 0x1000, 0, (1 << 64) - 1, 0x1000)
        + ffa(0xffffffffffffe000, 0x1000, 0, (1 << 64) - 1, 0x1000)
        + ffa(0, (1 << 64) - 1 - 0xfff, 0, (1 << 64) - 1, 1),
    # Overflowing, empty and huge ranges, near and at the top.
    'huge':
        map_(0, HUGE) + map_(1, HUGE) + map_(1, TOP) + map_(0x1000, EMPTY)
        + map_(0x8000000000000000, LAST) + map_(0xffffffffffffd000, 0xffffffffffffe000)
        + map_(0xffffffffffffe000, LAST, overlap=True)
        + unmap(0xfffffffffffff000, TOP) + unmap(0xfffffffffffff000, LAST)
        + protect(0x7fffffffffffffff, TOP, 2) + protect(0x7fffffffffffffff, LAST, 2)
        + protect(0x1000, 0x800, 2) + unmap(0x1000, 0x800)
        + overlaps(0xfffffffffffffffe, (1 << 64) - 1) + overlaps(0, 0)
        + find(0xffffffffffffffff) + find(0xfffffffffffffffe, 0)
        + map_(0, LAST, 3, overlap=True) + unmap(0, LAST),
    # Backend failures: map, unmap_overlap, unmap, protect, clear.
    'failures':
        map_(0, 0x1000, fail=1) + map_(0, 0x1000) + map_(0x2000, 0x3000)
        + map_(0x4000, 0x8000, backend=1)
        + map_(0x800, 0x4000, 3, overlap=True, fail=2)
        + map_(0x800, 0x8000, 3, overlap=True, fail=3)
        + unmap(0, 0x10000, fail=2) + protect(0, 0x10000, 7, fail=1)
        + protect_with(0, 0x10000, 'xor', 3, fail=2) + clear(fail=2) + clear(fail=1)
        + clear(),
    # Two backends side by side, areas held across changes.
    'two-backends':
        map_(0, 0x1000, 1, backend=0, hold=0) + map_(0x1000, 0x2000, 2, backend=1, hold=1)
        + map_(0x2000, 0x4000, 3, backend=0) + find(0x2000, 2)
        + protect(0x800, 0x3000, 7) + unmap(0xfff, 0x1001)
        + map_(0x800, 0x3000, 0x13, backend=1, overlap=True, hold=3) + clear(),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'corpus')
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        assert all(0 <= b < 256 for b in data), name
        with open(os.path.join(out, 'seed-' + name), 'wb') as f:
            f.write(bytes(data))


if __name__ == '__main__':
    main()
