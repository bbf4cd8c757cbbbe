#!/usr/bin/python3
# test_unicorn.py: the backend of examples/unicorn.py against a real
# Unicorn engine, through random maps, unmaps, protects and remaps
#
# After every step, Unicorn's memory must be what the set says: the same
# ranges with the same permissions, and the same bytes where they were
# written. Now and then, and at the end of each run, stores by x86-64
# instructions must succeed exactly where the set says the memory is
# writable, and fault elsewhere with the fault the set predicts.
#
# Unicorn 2's mem_regions() lists the blocks it was given or cut, never
# joining neighbours (a protect that changes nothing still splits a
# block), and the set joins areas only with merge-adjacent on, and then
# only those of one name whose offsets run on; neither side can be
# compared with the other as it is. Both are compared joined: neighbours with equal permissions make
# one range. On top of that, every boundary of an area must be a boundary
# of Unicorn's blocks.
#
# LinuxMmTest does the same for an Ms.LinuxMm whose anonymous backend is
# the example's: the guest of the example, whose system calls the mm
# answers, and random mmap, mprotect, munmap and mremap calls; Unicorn must
# hold what the mm's set holds, and a fault where nothing is mapped must
# be reported as EFAULT.
#
# Skipped (exit code 77 for meson, or unittest's skip) when Unicorn's
# Python binding (python3-unicorn) cannot be imported.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import errno
import importlib.util
import os
import random
import sys
import unittest

# The example beside this file is called unicorn.py: keep `import unicorn`
# from finding it.
HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != HERE]

try:
    import unicorn
    from unicorn import UcError
    from unicorn.unicorn_const import (UC_ERR_ARG, UC_ERR_WRITE_PROT,
                                       UC_ERR_WRITE_UNMAPPED)
    from unicorn.x86_const import UC_X86_REG_RAX, UC_X86_REG_RDI
    NO_UNICORN = None
except ImportError as e:
    unicorn = None
    NO_UNICORN = 'needs Unicorn for Python (python3-unicorn): %s' % e

import gi  # noqa: E402

gi.require_version('Ms', '1.0')

# Use the overrides of this source tree, ahead of any installed copy.
OVERRIDES_DIR = os.environ.get(
    'MS_PYTHON_OVERRIDES',
    os.path.join(HERE, os.pardir, 'bindings', 'python', 'gi', 'overrides'))
import gi.overrides  # noqa: E402
gi.overrides.__path__.insert(0, OVERRIDES_DIR)

from gi.repository import GLib, Ms  # noqa: E402

PAGE = 0x1000
BASE = 0x10000000                 # the random operations stay in
PAGES = 48                        # [BASE, BASE + PAGES * PAGE)
END = BASE + PAGES * PAGE
CODE = 0x1000                     # one r-x page, outside the window
# mov [rdi], al ; mov [rdi], rax
STORE_BYTE = (CODE, CODE + 2)
STORE_QWORD = (CODE + 2, CODE + 5)
CODE_BYTES = bytes.fromhex('8807 488907')
NAMES = (None, None, 'a', 'b')
STEPS = 300
SEEDS = range(8)


def load_example():
    spec = importlib.util.spec_from_file_location(
        'unicorn_example', os.path.join(HERE, 'unicorn.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def joined(ranges):
    """(start, end, perms) ranges in address order, neighbours with equal
    permissions joined."""
    out = []
    for start, end, perms in ranges:
        if out and out[-1][1] == start and out[-1][2] == perms:
            out[-1] = (out[-1][0], end, perms)
        else:
            out.append((start, end, perms))
    return out


@unittest.skipIf(unicorn is None, NO_UNICORN)
class UnicornTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.example = load_example()

    def setUp(self):
        self.uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        self.backend = self.example.UnicornBackend(self.uc)
        self.set = Ms.MemorySet()
        self.set.map(Ms.MemoryArea(CODE, PAGE, Ms.Prot.READ | Ms.Prot.EXEC,
                                   self.backend, name='code'))
        self.uc.mem_write(CODE, CODE_BYTES)
        # The bytes Unicorn must hold in the window, where it is mapped.
        self.shadow = bytearray(PAGES * PAGE)
        self.step = ''

    # What must hold after every step.

    def check_agree(self):
        areas = list(self.set)
        regions = list(self.uc.mem_regions())
        mine = [(a.start, a.end, self.example.uc_prot(a.flags)) for a in areas]
        theirs = [(begin, last + 1, perms) for begin, last, perms in regions]
        self.assertEqual(joined(mine), joined(theirs), self.step)
        cuts = {r[0] for r in theirs} | {r[1] for r in theirs}
        for a in areas:
            self.assertIn(a.start, cuts, self.step)
            self.assertIn(a.end, cuts, self.step)
        for a in self.set.areas_in(BASE, END - BASE):
            self.assertEqual(bytes(self.uc.mem_read(a.start, a.size)),
                             self.shadow[a.start - BASE:a.end - BASE],
                             '%s: contents of %s' % (self.step, a))

    def store(self, addr, qword):
        """Stores through an instruction at @addr; checks that it wrote
        exactly when the set says it may, and faulted as predicted."""
        width = 8 if qword else 1
        area = self.set.find(addr)
        mapped = area is not None and BASE <= addr < END
        before = bytes(self.uc.mem_read(addr, width)) if mapped else None
        value = self.rng.getrandbits(64)
        self.uc.reg_write(UC_X86_REG_RAX, value)
        self.uc.reg_write(UC_X86_REG_RDI, addr)
        begin, until = STORE_QWORD if qword else STORE_BYTE
        what = '%s: %d-byte store at %#x in %s' % (self.step, width, addr, area)
        try:
            self.uc.emu_start(begin, until)
        except UcError as e:
            self.assertFalse(area is not None and area.flags & Ms.Prot.WRITE,
                             '%s: %s' % (what, e))
            self.assertEqual(e.errno, UC_ERR_WRITE_UNMAPPED if area is None
                             else UC_ERR_WRITE_PROT, what)
            if mapped:
                self.assertEqual(bytes(self.uc.mem_read(addr, width)), before, what)
            return
        self.assertTrue(area is not None and area.flags & Ms.Prot.WRITE,
                        '%s: the store succeeded' % what)
        data = (value & ((1 << 8 * width) - 1)).to_bytes(width, 'little')
        self.assertEqual(bytes(self.uc.mem_read(addr, width)), data, what)
        self.shadow[addr - BASE:addr - BASE + width] = data

    def check_stores(self):
        # Both sides of every boundary in the window, and a few addresses
        # anywhere in it; 8-byte stores never cross a page.
        cuts = {BASE, END}
        for a in self.set.areas_in(BASE, END - BASE):
            cuts |= {a.start, a.end}
        for cut in sorted(cuts):
            for addr in (cut - 8, cut):
                if BASE <= addr < END:
                    self.store(addr, True)
                    self.store(addr + self.rng.choice((0, 7)), False)
        for _ in range(8):
            self.store(self.rng.randrange(BASE, END, 8), self.rng.random() < 0.5)

    # The random steps. Most are page-aligned and have flags Unicorn
    # knows: Unicorn must accept every call the set makes for them. The
    # others must be refused, by the set (GLib.Error) or by the backend
    # (Unicorn's UcError, or ValueError for flags it has no protection
    # for), and the check after the step shows that nothing went wrong.

    def addr(self):
        addr = BASE + self.rng.randrange(PAGES) * PAGE
        return addr + (self.rng.randrange(1, PAGE) if self.rng.random() < 0.05 else 0)

    def size(self, pages=8):
        size = self.rng.randrange(1, pages + 1) * PAGE
        return size + (self.rng.randrange(1, PAGE) if self.rng.random() < 0.05 else 0)

    def flags(self):
        flags = self.rng.randrange(8)
        return flags | Ms.Prot.SHARED if self.rng.random() < 0.05 else flags

    @staticmethod
    def sane(*values, flags=0):
        return all(v % PAGE == 0 for v in values) and not flags & Ms.Prot.SHARED

    def random_step(self):
        op = self.rng.choice(('map', 'map', 'map_over', 'unmap', 'protect',
                              'protect', 'protect_with', 'remap', 'remap'))
        if op in ('map', 'map_over'):
            start, size, flags = self.addr(), self.size(), self.flags()
            size = min(size, END - start)
            name = self.rng.choice(NAMES)
            self.step = '%s [%#x, %#x) %#x %s' % (op, start, start + size, flags, name)
            self.call(lambda: self.set.map(
                Ms.MemoryArea(start, size, flags, self.backend, name=name),
                unmap_overlap=op == 'map_over'), self.sane(start, size, flags=flags),
                on_success=lambda: self.fill(start, size))
        elif op == 'unmap':
            start, size = self.addr(), self.size(16)
            self.step = 'unmap [%#x, %#x)' % (start, start + size)
            self.call(lambda: self.set.unmap(start, size), self.sane(start, size))
        elif op == 'protect':
            start, size, flags = self.addr(), self.size(16), self.flags()
            self.step = 'protect [%#x, %#x) %#x' % (start, start + size, flags)
            self.call(lambda: self.set.protect(start, size, flags),
                      self.sane(start, size, flags=flags))
        elif op == 'protect_with':
            start, size = self.addr(), self.size(16)
            self.step = 'protect_with [%#x, %#x) ^write' % (start, start + size)
            self.call(lambda: self.set.protect_with(
                start, size, None, lambda old: old ^ Ms.Prot.WRITE), self.sane(start, size))
        else:
            self.remap_step()

    def remap_step(self):
        areas = self.set.areas_in(BASE, END - BASE)
        if not areas:
            return
        a = self.rng.choice(areas)
        pages = a.size // PAGE
        first = self.rng.randrange(pages)
        old_start = a.start + first * PAGE
        old_size = self.rng.randrange(1, pages - first + 1) * PAGE
        new_start = old_start if self.rng.random() < 0.4 else self.addr()
        new_size = min(self.size(), END - new_start)
        self.step = 'remap [%#x, %#x) to [%#x, %#x)' % (
            old_start, old_start + old_size, new_start, new_start + new_size)
        kept = min(old_size, new_size)
        data = self.shadow[old_start - BASE:old_start - BASE + kept]
        free = not self.set.overlaps(new_start, new_size)

        def moved():
            # The move happened, even if the call failed later, when the
            # destination, free before, is mapped now. An extension is
            # fresh memory, zero-filled.
            if new_start != old_start and free and self.set.find(new_start):
                self.shadow[new_start - BASE:new_start - BASE + kept] = data
                self.shadow[new_start - BASE + kept:new_start - BASE + new_size] = \
                    bytes(max(0, new_size - kept))

        def done():
            if new_start != old_start:
                moved()
            elif new_size > old_size:
                self.shadow[old_start + old_size - BASE:old_start + new_size - BASE] = \
                    bytes(new_size - old_size)

        self.call(lambda: self.set.remap(old_start, old_size, new_start, new_size),
                  self.sane(new_start, new_size), on_success=done, on_failure=moved)

    def fill(self, start, size):
        data = self.rng.randbytes(size)
        self.uc.mem_write(start, data)
        self.shadow[start - BASE:start + size - BASE] = data

    def call(self, func, sane, on_success=None, on_failure=None):
        try:
            func()
        except GLib.Error as e:
            # The set refused before asking Unicorn (overlap, nothing
            # mapped there, ...).
            self.assertTrue(e.matches(Ms.mapping_error_quark(), e.code), self.step)
            if on_failure:
                on_failure()
        except (UcError, ValueError) as e:
            if sane:
                self.fail('%s: the backend refused: %s' % (self.step, e))
            if isinstance(e, UcError):
                self.assertEqual(e.errno, UC_ERR_ARG, self.step)
            if on_failure:
                on_failure()
        else:
            if on_success:
                on_success()

    def run_steps(self, seed, merge_adjacent):
        self.rng = random.Random(seed)
        self.set.merge_adjacent = merge_adjacent
        for i in range(STEPS):
            self.random_step()
            self.step = 'seed %d step %d: %s' % (seed, i, self.step)
            self.check_agree()
            if i % 25 == 0:
                self.check_stores()
        self.check_stores()
        self.check_agree()
        # Everything goes, on both sides.
        self.set.clear()
        self.assertEqual(list(self.uc.mem_regions()), [])

    def test_random(self):
        for seed in SEEDS:
            with self.subTest(seed=seed):
                self.setUp()
                self.run_steps(seed, merge_adjacent=seed % 2 == 1)

    def test_move_undone(self):
        # A move whose copy cannot be finished leaves both sides as they were.
        self.rng = random.Random(0)
        self.set.map(Ms.MemoryArea(BASE, 2 * PAGE, Ms.Prot.READ, self.backend))
        self.fill(BASE, 2 * PAGE)
        real_unmap = self.uc.mem_unmap

        def failing_unmap(start, size):
            if start == BASE:
                raise UcError(unicorn.UC_ERR_NOMEM)
            real_unmap(start, size)

        self.uc.mem_unmap = failing_unmap
        with self.assertRaises(UcError) as raised:
            self.set.remap(BASE, 2 * PAGE, BASE + 8 * PAGE, 2 * PAGE)
        self.assertEqual(raised.exception.errno, unicorn.UC_ERR_NOMEM)
        del self.uc.mem_unmap
        self.step = 'refused move'
        self.check_agree()
        self.assertEqual([(a.start, a.size) for a in self.set], [(CODE, PAGE), (BASE, 2 * PAGE)])
        self.set.remap(BASE, 2 * PAGE, BASE + 8 * PAGE, 3 * PAGE)
        self.shadow[8 * PAGE:10 * PAGE] = self.shadow[0:2 * PAGE]
        self.step = 'move'
        self.check_agree()


@unittest.skipIf(unicorn is None, NO_UNICORN)
class LinuxMmTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.example = load_example()

    def check_agree(self, mm, uc, step):
        mine = [(a.start, a.end, self.example.uc_prot(a.flags & 7)) for a in mm.get_set()]
        theirs = [(begin, last + 1, perms) for begin, last, perms in uc.mem_regions()]
        self.assertEqual(joined(mine), joined(theirs), step)
        cuts = {r[0] for r in theirs} | {r[1] for r in theirs}
        for start, end, _ in mine:
            self.assertTrue(start in cuts and end in cuts, step)

    def test_guest(self):
        uc, mm, log, rbx, r12 = self.example.linux_guest()
        self.check_agree(mm, uc, 'the guest')
        self.assertEqual(log[:4], [
            'mmap(0x0, 0x4000, 0x3, 0x22, 0xffffffffffffffff, 0x0) = %#x' % rbx,
            'mprotect(%#x, 0x1000, 0x0) = 0x0' % rbx,
            'mremap(%#x, 0x3000, 0x10000, 0x1) = %#x' % (rbx + PAGE, r12),
            'munmap(%#x, 0x1000) = 0x0' % rbx])
        self.assertNotEqual(r12, rbx + PAGE, 'the code page is in the way: it moves')
        self.assertEqual(bytes(uc.mem_read(r12 + 0x2000, 8)), (42).to_bytes(8, 'little'))
        self.assertEqual(log[4], 'SIGSEGV at %#x: fault: Bad address (EFAULT)' % rbx)
        self.assertIsNone(mm.get_set().find(rbx))

    def test_random_calls(self):
        rng = random.Random(1)
        uc = unicorn.Uc(unicorn.UC_ARCH_X86, unicorn.UC_MODE_64)
        mm = Ms.LinuxMm.new(self.example.UnicornBackend(uc))
        mm.props.fault_guess = Ms.LinuxMmFaultGuess.ALL
        anon, fixed, maymove = 0x22, 0x10, 1
        for i in range(400):
            addr = BASE + rng.randrange(PAGES) * PAGE
            size = rng.randrange(1, 9) * PAGE
            prot = rng.randrange(8)
            op = rng.choice(('mmap', 'mmap_fixed', 'munmap', 'mprotect', 'mremap', 'fault'))
            step = '%d: %s %#x %#x %#x' % (i, op, addr, size, prot)
            try:
                if op == 'mmap':
                    mm.mmap(rng.choice((0, addr)), size, prot, anon, None, 0)
                elif op == 'mmap_fixed':
                    mm.mmap(addr, size, prot, anon | fixed, None, 0)
                elif op == 'munmap':
                    mm.munmap(addr, size)
                elif op == 'mprotect':
                    mm.mprotect(addr, size, prot)
                elif op == 'mremap':
                    new = BASE + rng.randrange(PAGES) * PAGE
                    flags = rng.choice((0, maymove, maymove | 2))    # 2: MREMAP_FIXED
                    mm.mremap(addr, size, rng.randrange(1, 9) * PAGE, flags, new)
                else:
                    area = mm.get_set().find(addr)
                    try:
                        mm.fault(addr, Ms.Prot.WRITE)
                    except GLib.Error as e:
                        want = errno.EFAULT if area is None else errno.EACCES
                        self.assertEqual(e.code, want, step)
                        if area is None:
                            with self.assertRaises(UcError):
                                uc.mem_read(addr, 1)
                    else:
                        self.assertTrue(area.flags & Ms.Prot.WRITE, step)
            except GLib.Error as e:
                # The kernel's errors only: Unicorn never refuses.
                self.assertTrue(e.matches(Ms.linux_mm_error_quark(), e.code), '%s: %s' % (step, e))
            self.check_agree(mm, uc, step)


if __name__ == '__main__':
    if unicorn is None:
        print('SKIP: %s' % NO_UNICORN)
        sys.exit(77)
    unittest.main()
