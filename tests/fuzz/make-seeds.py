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


def map_(start, end, flags=1, backend=0, overlap=False, name=0, offset=0, fail=0):
    """offset: 0 anonymous (its start), 1 zero, 3 near 2^64."""
    options = backend | (4 if overlap else 0) | (name << 3) | (offset << 5)
    return [0] + rng(start, end) + [fl(flags), options, failure(fail)]


def unmap(start, end, fail=0):
    return [1] + rng(start, end) + [failure(fail)]


def protect(start, end, flags, fail=0):
    return [2] + rng(start, end) + [fl(flags), failure(fail)]


def protect_with(start, end, update, flags=1, fail=0):
    return [3] + rng(start, end) + [UPDATES[update], fl(flags), failure(fail)]


def clear(fail=0):
    return [4, failure(fail)]


def remap(start, end, new_start=None, new_size=0x1000, fail=0):
    """new_start None: in place."""
    where = [0] if new_start is None else [0x80] + addr(new_start)
    return [5] + rng(start, end) + where + size(new_size) + [failure(fail)]


def load(lines, backend=0, fail=0):
    """lines: (start, end, flags, name)"""
    out = [6, len(lines) - 1]
    for start, end, flags, name in lines:
        out += rng(start, end) + [fl(flags), name << 2]
    return out + [backend, failure(fail)]


def merge(on):
    return [7, 1 if on else 0]


def limit(delta):
    """The limit: the number of areas + delta (-2 to 2), or None for none."""
    return [8, 0xf0 if delta is None else delta + 2]


def hold(a):
    return [9] + addr(a)


def queries(hint, s, limit_start, limit_end, a):
    return [10] + addr(hint) + size(s) + addr(limit_start) + addr(limit_end) + align(a)


def check():
    return [11]


def reenter(on):
    return [12, 1 if on else 0]


def maps_text(lines):
    """lines: (start, end, perms index, with offset, name index or None)"""
    out = [13, len(lines)]
    for start, end, perms, with_offset, name in lines:
        b = perms | (0x08 if with_offset or name is not None else 0)
        if name is not None:
            b |= 0x10 | (name << 6)
        out += [b] + rng(start, end)
        if b & 0x08:
            out += [pt(0x1000)]
    return out


def dispose(what, start, end):
    """what: 0 unmap, 1 clear, 2 map over, 3 protect, 4 remap"""
    out = [14, what] + rng(start, end)
    if what == 3:
        out += [fl(2)]
    if what == 4:
        out += addr(0x8000) + size(0x1000)
    return out


def burst(n, start, size_shift=4, stride_shift=1, backend=0, fail=0):
    """n areas of 0x10 << size_shift bytes, 2**stride_shift of that apart"""
    return [16, n, pt(start), size_shift | (stride_shift << 3) | (backend << 5), failure(fail)]


def host(what, first, n, c=3):
    """what: 0 map, 1 unmap, 2 protect_with, 3 remap, 4 merge, 5 clear"""
    return [15, what, first, n - 1, c]


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
        + hold(0x1800) + map_(0x1800, 0x4000, 3)
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
        + protect(0x1000, 0x8000, 7) + protect(0, 0x10000, 3) + check(),
    # find_free_area: upstream's queries and the limit edge cases.
    'find-free-area':
        map_(0, 0x1000) + map_(0x2000, 0x3000) + map_(0x4000, 0x8000)
        + queries(0, 0x1000, 0, 0x10000, 1) + queries(0x800, 0x800, 0, 0x10000, 0x800)
        + queries(0x1800, 0x800, 0, 0x10000, 0x800) + queries(0x1800, 0x1000, 0, 0x10000, 0x1000)
        + queries(0x2000, 0x1000, 0, 0x10000, 0x1000) + queries(0x8000, 0x1000, 0, 0x10000, 0x1000)
        + queries(0x8001, 0x1000, 0, 0x10000, 0x1000) + queries(0, 0x1000, 0, 0x2000, 0x1000)
        + queries(0, 0x3000, 0, 0x10000, 0x1000) + queries(0, 0, 0, 0x10000, 1)
        + queries(0, 0x1000, 0, 0x10000, 3) + queries(0, 0x800, 0, 0x10000, 0x1000)
        + queries(0, 0x1000, 0x8000, 0x8000, 1) + queries(0, 0x1000, 0, 0x10000, 0)
        + queries(0xfffffffffffff001, 0x1000, 0, (1 << 64) - 1, 0x1000)
        + queries(0xffffffffffffe000, 0x1000, 0, (1 << 64) - 1, 0x1000)
        + queries(0, (1 << 64) - 1 - 0xfff, 0, (1 << 64) - 1, 1),
    # Overflowing, empty and huge ranges, near and at the top.
    'huge':
        map_(0, HUGE) + map_(1, HUGE) + map_(1, TOP) + map_(0x1000, EMPTY)
        + map_(0x8000000000000000, LAST) + map_(0xffffffffffffd000, 0xffffffffffffe000)
        + map_(0xffffffffffffe000, LAST, overlap=True)
        + unmap(0xfffffffffffff000, TOP) + unmap(0xfffffffffffff000, LAST)
        + protect(0x7fffffffffffffff, TOP, 2) + protect(0x7fffffffffffffff, LAST, 2)
        + protect(0x1000, 0x800, 2) + unmap(0x1000, 0x800)
        + queries(0xfffffffffffffffe, (1 << 64) - 1, 0, (1 << 64) - 1, 1)
        + hold(0xfffffffffffffffe)
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
    # Several backends side by side, areas held across changes.
    'backends':
        map_(0, 0x1000, 1, backend=0) + hold(0) + map_(0x1000, 0x2000, 2, backend=1)
        + hold(0x1000) + map_(0x2000, 0x4000, 3, backend=3) + hold(0x2000)
        + protect(0x800, 0x3000, 7) + unmap(0xfff, 0x1001)
        + map_(0x800, 0x3000, 0x13, backend=2, overlap=True) + clear(),
    # Offsets and names that follow splits; merging.
    'offsets-names':
        map_(0x1000, 0x4000, 1, name=1, offset=1) + map_(0x4000, 0x8000, 1, name=1, offset=0)
        + protect(0x2000, 0x3000, 2) + merge(True) + protect(0x2000, 0x3000, 1)
        + map_(0x8000, 0x10000, 1, name=2) + merge(False) + unmap(0x1800, 0x2000)
        + map_(0, 0x1000, 1, offset=3) + protect(0x800, 0x1000, 2) + check(),
    # The limit on areas, moved around.
    'limit':
        map_(0, 0x1000) + map_(0x2000, 0x3000) + limit(0) + protect(0x800, 0x801, 2)
        + unmap(0x800, 0x801) + limit(1) + unmap(0x800, 0x801) + limit(None)
        + protect(0x2000, 0x3000, 2) + limit(-2) + clear(),
    # Moving and growing, with and without a move method, failures.
    'remap':
        map_(0x1000, 0x3000, 1, name=1) + remap(0x1000, 0x2000)
        + remap(0x2000, 0x3000, 0x8000, 0x2000) + remap(0x1000, 0x2000, None, 0x800)
        + map_(0x10000, 0x100000000, backend=3) + remap(0x10000, 0x100000000, 0x8000, 0x1000)
        + remap(0x8000, 0x10000, 0x100000000, 0x3000, fail=2) + remap(0x4000, 0x8000)
        + check(),
    # Maps text: loaded, overlapping, failing midway.
    'load':
        load([(0x1000, 0x2000, 1, 0), (0x2000, 0x3000, 3, 1)]) + load([(0x1800, 0x4000, 1, 0)])
        + load([(0x4000, 0x8000, 7, 2), (0x8000, 0x10000, 7, 2), (0x10000, 0xffffffff, 1, 3)], fail=2)
        + merge(True) + load([(0x100000000, 0x100001000, 1, 0), (0x100001000, 0x7fffffffffffffff, 1, 0)]),
    # Changes from inside backend calls, update functions and notifications.
    'reenter':
        reenter(True) + map_(0, 0x1000) + map_(0x2000, 0x3000) + protect_with(0, 0x10000, 'xor', 3)
        + remap(0x2000, 0x3000, 0x8000, 0x2000) + load([(0x4000, 0x8000, 1, 0)])
        + unmap(0x800, 0x2000) + merge(True) + clear() + reenter(False),
    # Scratch maps text, kernel layout.
    'maps-text':
        maps_text([(0x1000, 0x2000, 0, False, None), (0x2000, 0x3000, 1, True, 0),
                   (0x3000, 0x4000, 3, True, 2), (0, 0x800, 5, False, None)])
        + maps_text([(0x4000, 0x3000, 0, False, None)]),
    # Backends that go with their last area, mid-change.
    'dispose':
        map_(0, 0x1000) + map_(0x2000, 0x3000, backend=1) + map_(0x4000, 0x8000, backend=2)
        + dispose(0, 0x800, 0x3000) + dispose(1, 0, 0) + dispose(2, 0x800, 0x8000)
        + dispose(3, 0x800, 0x2000) + dispose(4, 0x2000, 0x3000),
    # Hundreds of areas: the gap index splits and joins buckets.
    'burst':
        burst(255, 0x10000) + burst(200, 0x100000000, 2, 0) + merge(True)
        + queries(0, 0x1000, 0, (1 << 64) - 1, 0x1000) + unmap(0x10000, 0x100000000)
        + burst(255, 0, 0, 2, fail=16) + protect(0, 0x10000, 3) + merge(False) + clear(),
    # The host backend: protections and bytes follow.
    'host':
        host(0, 0, 4, 3) + host(0, 4, 4, 1) + host(2, 2, 4, 7) + host(3, 0, 2, 0x28)
        + host(4, 0, 1, 1) + host(0, 8, 8, 0x0b) + host(3, 8, 2, 0x40 | 0x2c) + host(1, 1, 3)
        + host(5, 0, 1),
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
