# test_linux_mm.py: MsLinuxMm and MsLinuxFile from Python, with Python
# backends
#
# The expected values are the kernel's (x86-64 Linux 6.18, the rules of
# the shared linux-mm README and the man pages), worked out by hand as in
# test-linux-mm.c. The file runs without the overrides and with them
# (with_overrides.py): the mm's calls behave the same either way.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import errno
import unittest

import gi
gi.require_version('Ms', '1.0')
from gi.repository import GLib, GObject, Ms  # noqa: E402

PAGE = 0x1000
MB = 1 << 20
# R1: TASK_SIZE - 128 MiB, for the default 8 MiB stack limit.
MMAP_BASE = 0x7ffff7fff000

PROT_NONE, PROT_READ, PROT_WRITE, PROT_EXEC = 0, 1, 2, 4
RW = PROT_READ | PROT_WRITE
MAP_SHARED, MAP_PRIVATE, MAP_FIXED, MAP_ANONYMOUS = 0x01, 0x02, 0x10, 0x20
MAP_FIXED_NOREPLACE = 0x100000
ANON = MAP_PRIVATE | MAP_ANONYMOUS
MREMAP_MAYMOVE = 1
MADV_DONTFORK = 10
O_RDONLY = 0
FS_EXT4 = 0xef53

ERROR_DOMAIN = 'ms-linux-mm-error-quark'
MAPPING_ERROR_DOMAIN = 'ms-mapping-error-quark'
X = 0x10000000
Y = 0x20000000


class Backend(GObject.Object, Ms.MappingBackend):
    """Logs every call as (kind, start, size, flags); `refuse` makes the
    next call of that kind fail: 'raise' with a GLib.Error of its own
    (the GError the C caller gets), 'false' by returning False. No
    do_move: a move reaches it as a map and an unmap."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.refuse = {}

    def _call(self, kind, start, size, flags):
        how = self.refuse.pop(kind, None)
        self.calls.append((kind, start, size, flags) if how is None else (kind, start, size, flags, 'refused'))
        if how == 'raise':
            raise GLib.Error('no %s today' % kind, 'test-backend', 7)
        return how is None

    def do_map(self, start, size, flags, page_table):
        return self._call('map', start, size, flags)

    def do_unmap(self, start, size, page_table):
        return self._call('unmap', start, size, None)

    def do_protect(self, start, size, new_flags, page_table):
        return self._call('protect', start, size, new_flags)


class MovingBackend(GObject.Object, Ms.MappingBackend):
    """A backend with do_move too (the flags of a move are its
    destination)."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def do_map(self, start, size, flags, page_table):
        self.calls.append(('map', start, size, flags))
        return True

    def do_unmap(self, start, size, page_table):
        self.calls.append(('unmap', start, size, None))
        return True

    def do_protect(self, start, size, new_flags, page_table):
        self.calls.append(('protect', start, size, new_flags))
        return True

    def do_move(self, old_start, size, new_start, page_table):
        self.calls.append(('move', old_start, size, new_start))
        return True


def vmas(mm):
    """The mm's VMAs, as (start, end, VmFlags, offset, name), from the
    set's areas."""
    return [(a.get_start(), a.get_end(), Ms.LinuxMm.flags_to_string(a.get_flags()), a.get_offset(),
             mm.get_area_name(a))
            for a in mm.get_set().get_areas()]


class LinuxMmTestCase(unittest.TestCase):
    def setUp(self):
        self.backend = Backend()
        self.mm = Ms.LinuxMm.new(self.backend)

    def anon(self, hint, length, prot):
        return self.mm.mmap(hint, length, prot, ANON, None, 0)

    def assertErrno(self, code, func, *args):
        """@func(*args) fails with errno @code, in the mm's domain."""
        with self.assertRaises(GLib.Error) as caught:
            func(*args)
        error = caught.exception
        self.assertEqual(error.domain, ERROR_DOMAIN)
        self.assertEqual(error.code, code)
        self.assertTrue(error.matches(Ms.linux_mm_error_quark(), code))
        return error

    def test_mmap_returns_the_address(self):
        # out_addr is the return value; the gboolean is skipped and a
        # failure raises.
        self.assertEqual(self.anon(0, PAGE, RW), MMAP_BASE - PAGE)
        self.assertEqual(self.anon(0, 2 * PAGE, PROT_READ), MMAP_BASE - 3 * PAGE)
        self.assertEqual(self.anon(X, PAGE, RW), X)
        self.assertEqual(self.backend.calls, [
            ('map', MMAP_BASE - PAGE, PAGE, int(Ms.Prot.READ | Ms.Prot.WRITE)),
            ('map', MMAP_BASE - 3 * PAGE, 2 * PAGE, int(Ms.Prot.READ)),
            ('map', X, PAGE, 3),
        ])
        self.assertEqual(vmas(self.mm), [
            (X, X + PAGE, 'rd wr mr mw me ac', X, None),
            (MMAP_BASE - 3 * PAGE, MMAP_BASE - PAGE, 'rd mr mw me', MMAP_BASE - 3 * PAGE, None),
            (MMAP_BASE - PAGE, MMAP_BASE, 'rd wr mr mw me ac', MMAP_BASE - PAGE, None),
        ])
        # A second read-write page below the first merges with it (R10).
        self.assertEqual(self.anon(X - PAGE, PAGE, RW), X - PAGE)
        self.assertEqual(vmas(self.mm)[0], (X - PAGE, X + PAGE, 'rd wr mr mw me ac', X - PAGE, None))

    def test_errno_codes(self):
        self.anon(X, PAGE, RW)
        self.anon(X + 2 * PAGE, PAGE, RW)
        before = vmas(self.mm)
        self.assertErrno(errno.EINVAL, self.mm.munmap, X + 1, PAGE)
        self.assertErrno(errno.EINVAL, self.mm.mmap, 0, 0, RW, ANON, None, 0)
        self.assertErrno(errno.EEXIST, self.mm.mmap, X, PAGE, RW, ANON | MAP_FIXED_NOREPLACE, None, 0)
        self.assertErrno(errno.EBADF, self.mm.mmap, 0, PAGE, PROT_READ, MAP_PRIVATE, None, 0)
        self.assertErrno(errno.EFAULT, self.mm.mremap, 0x50000000, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0)
        self.assertErrno(errno.EFAULT, self.mm.fault, 0x50000000, Ms.Prot.READ)
        self.assertEqual(vmas(self.mm), before)
        # The named codes are the errno values.
        self.assertEqual(int(Ms.LinuxMmError.NOMEM), errno.ENOMEM)
        self.assertEqual(int(Ms.LinuxMmError.PERM), errno.EPERM)

        # R11: mprotect changes what is before the hole, then ENOMEM.
        error = self.assertErrno(errno.ENOMEM, self.mm.mprotect, X, 3 * PAGE, PROT_READ)
        self.assertIn('mprotect', error.message)
        self.assertEqual([v[2] for v in vmas(self.mm)], ['rd mr mw me', 'rd wr mr mw me ac'])

        # mseal: munmap and mprotect then fail with EPERM.
        self.mm.mseal(X + 2 * PAGE, PAGE, 0)
        self.assertErrno(errno.EPERM, self.mm.munmap, X + 2 * PAGE, PAGE)
        self.assertErrno(errno.EPERM, self.mm.mprotect, X + 2 * PAGE, PAGE, PROT_NONE)
        self.assertEqual(vmas(self.mm)[1][2], 'rd wr mr mw me ac sl')
        # The protection forbids the access.
        self.assertErrno(errno.EACCES, self.mm.fault, X, Ms.Prot.WRITE)

    def test_backend_gets_the_calls(self):
        self.anon(X, 3 * PAGE, RW)
        self.anon(X + 3 * PAGE, PAGE, PROT_READ)
        del self.backend.calls[:]

        # R12: the middle splits off; only it is protected.
        self.mm.mprotect(X + PAGE, PAGE, PROT_READ)
        self.mm.munmap(X + 2 * PAGE, PAGE)
        self.assertEqual(self.backend.calls, [('protect', X + PAGE, PAGE, 1), ('unmap', X + 2 * PAGE, PAGE, None)])
        self.assertEqual([v[:2] for v in vmas(self.mm)],
                         [(X, X + PAGE), (X + PAGE, X + 2 * PAGE), (X + 3 * PAGE, X + 4 * PAGE)])

        # A move without do_move: the destination mapped fresh, the
        # source unmapped; mremap returns the new address (R16: where mmap
        # would place it, its address as page offset, never written).
        del self.backend.calls[:]
        self.assertEqual(self.mm.mremap(X, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0), MMAP_BASE - 2 * PAGE)
        self.assertEqual(self.backend.calls, [('map', MMAP_BASE - 2 * PAGE, 2 * PAGE, 3), ('unmap', X, PAGE, None)])
        self.assertEqual(vmas(self.mm)[-1],
                         (MMAP_BASE - 2 * PAGE, MMAP_BASE, 'rd wr mr mw me ac', MMAP_BASE - 2 * PAGE, None))

        # With do_move, the pages move.
        moving = MovingBackend()
        mm = Ms.LinuxMm.new(moving)
        mm.mmap(X, PAGE, RW, ANON, None, 0)
        mm.mmap(X + PAGE, PAGE, PROT_READ, ANON, None, 0)
        self.assertEqual(mm.mremap(X, PAGE, 2 * PAGE, MREMAP_MAYMOVE, 0), MMAP_BASE - 2 * PAGE)
        self.assertEqual(moving.calls[2:], [('move', X, PAGE, MMAP_BASE - 2 * PAGE),
                                            ('map', MMAP_BASE - PAGE, PAGE, 3)])

    def test_backend_refuses(self):
        self.anon(X, 2 * PAGE, RW)
        before = vmas(self.mm)

        # The backend's own GError reaches the caller, and nothing is
        # mapped.
        self.backend.refuse['map'] = 'raise'
        with self.assertRaises(GLib.Error) as caught:
            self.anon(0, PAGE, RW)
        self.assertEqual((caught.exception.domain, caught.exception.code), ('test-backend', 7))
        self.assertIn('no map today', caught.exception.message)
        self.assertEqual(vmas(self.mm), before)

        # False is the set's BAD_STATE; the VMA stays as the backend has
        # it.
        self.backend.refuse['protect'] = 'false'
        with self.assertRaises(GLib.Error) as caught:
            self.mm.mprotect(X, PAGE, PROT_READ)
        self.assertEqual((caught.exception.domain, caught.exception.code),
                         (MAPPING_ERROR_DOMAIN, int(Ms.MappingError.BAD_STATE)))
        self.assertTrue(all(v[2] == 'rd wr mr mw me ac' for v in vmas(self.mm)))

        self.backend.refuse['unmap'] = 'raise'
        with self.assertRaises(GLib.Error):
            self.mm.munmap(X, 2 * PAGE)
        self.assertEqual(sum(v[1] - v[0] for v in vmas(self.mm)), 2 * PAGE)
        self.assertEqual(self.backend.calls[-1], ('unmap', X, 2 * PAGE, None, 'refused'))

    def test_set_iteration(self):
        self.anon(X, PAGE, RW)
        self.mm.mmap(Y, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, None, 0)
        self.mm.madvise(Y + PAGE, PAGE, MADV_DONTFORK)
        memory_set = self.mm.get_set()
        self.assertIs(memory_set, self.mm.props.set)
        self.assertEqual(memory_set.get_n_areas(), 3)

        seen = []
        memory_set.foreach(lambda area: seen.append(area.get_start()) and False)
        self.assertEqual(seen, [X, Y, Y + PAGE])
        areas = memory_set.get_areas()
        # The areas' backends are the mm's MsLinuxFiles, which pass the
        # calls on to ours.
        files = [area.get_backend() for area in areas]
        self.assertTrue(all(isinstance(f, Ms.LinuxFile) for f in files))
        self.assertTrue(files[0].is_anonymous())
        self.assertIs(files[0].get_backend(), self.backend)
        # A shared anonymous mapping is a shmem object of its own, split
        # in two by madvise (one object still).
        self.assertFalse(files[1].is_anonymous())
        self.assertIs(files[1], files[2])
        self.assertEqual([self.mm.get_area_name(a) for a in areas], [None, '/dev/zero (deleted)',
                                                                   '/dev/zero (deleted)'])
        self.assertEqual([Ms.LinuxMm.flags_to_string(a.get_flags()) for a in areas],
                         ['rd wr mr mw me ac', 'rd wr sh mr mw me ms', 'rd wr sh mr mw me ms dc'])

        lines = self.mm.to_string().splitlines()
        self.assertEqual(lines[0], '10000000-10001000 rw-p 00000000 00:00 0 ')
        self.assertEqual(lines[1], '20000000-20001000 rw-s 00000000 00:00 0' + ' ' * 34 + '/dev/zero (deleted)')
        self.assertEqual(len(lines), 3)

    def test_brk(self):
        start_brk = 0x555555559000
        mm = Ms.LinuxMm.new_for_process(
            self.backend,
            '555555554000-555555559000 r--p 00000000 fe:00 1                          /bin/x\n'
            '7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n',
            None, start_brk, 0x7fffffffe7a0, 8 * MB, 0)
        self.assertEqual(mm.get_start_brk(), start_brk)
        # out_brk is the return value: growth, a refused break (the old
        # one), shrinking.
        self.assertEqual(mm.brk(0), start_brk)
        self.assertEqual(mm.brk(start_brk + 0x1800), start_brk + 0x1800)
        self.assertEqual(mm.brk(start_brk - PAGE), start_brk + 0x1800)
        self.assertEqual(mm.props.brk, start_brk + 0x1800)
        heap = [v for v in vmas(mm) if v[4] == '[heap]']
        self.assertEqual(heap, [(start_brk, start_brk + 2 * PAGE, 'rd wr mr mw me ac', start_brk, '[heap]')])
        self.assertEqual(mm.brk(start_brk + 0x10), start_brk + 0x10)
        self.assertEqual(self.backend.calls[-1], ('unmap', start_brk + PAGE, PAGE, None))
        # [stack] grows on a fault below it.
        mm.fault(0x7ffffffdd000, Ms.Prot.READ)
        self.assertEqual([v[:2] for v in vmas(mm) if v[4] == '[stack]'], [(0x7ffffffdd000, 0x7ffffffff000)])

    def test_files(self):
        file_backend = Backend()
        open1 = Ms.LinuxFile.new('/lib/libx.so', FS_EXT4, O_RDONLY, 0o100644, file_backend)
        open2 = Ms.LinuxFile.new('/lib/libx.so', FS_EXT4, O_RDONLY, 0o100644, file_backend)
        self.assertEqual((open1.get_path(), open1.get_fs_type(), open1.get_open_flags(), open1.get_mode()),
                         ('/lib/libx.so', FS_EXT4, O_RDONLY, 0o100644))
        self.assertIs(open1.get_backend(), file_backend)

        # Two open file descriptions of one path never merge; one does.
        self.assertEqual(self.mm.mmap(X, PAGE, PROT_READ, MAP_PRIVATE, open1, 0), X)
        self.assertEqual(self.mm.mmap(X + PAGE, PAGE, PROT_READ, MAP_PRIVATE, open2, PAGE), X + PAGE)
        self.assertEqual(self.mm.mmap(Y, PAGE, PROT_READ, MAP_PRIVATE, open1, 0), Y)
        self.assertEqual(self.mm.mmap(Y + PAGE, PAGE, PROT_READ, MAP_PRIVATE, open1, PAGE), Y + PAGE)
        self.assertEqual([v[:2] for v in vmas(self.mm)], [(X, X + PAGE), (X + PAGE, X + 2 * PAGE), (Y, Y + 2 * PAGE)])
        # The file's backend mapped them, not the anonymous one.
        self.assertEqual([c[0] for c in file_backend.calls], ['map'] * 4)
        self.assertEqual(self.backend.calls, [])
        # EACCES: a shared writable mapping of a file opened read-only.
        self.assertErrno(errno.EACCES, self.mm.mmap, 0, PAGE, RW, MAP_SHARED, open1, 0)

    def test_properties(self):
        self.assertEqual(self.mm.props.mmap_base, MMAP_BASE)
        self.assertEqual(self.mm.get_stack_rlimit(), 8 * MB)
        self.assertFalse(self.mm.props.legacy_layout)
        self.assertIs(self.mm.get_anonymous_backend(), self.backend)
        notified = []
        self.mm.connect('notify::fault-guess', lambda obj, pspec: notified.append(pspec.name))
        self.mm.set_fault_guess(Ms.LinuxMmFaultGuess.ALL)
        self.mm.set_fault_guess(Ms.LinuxMmFaultGuess.ALL)
        self.assertEqual(self.mm.props.fault_guess, Ms.LinuxMmFaultGuess.ALL)
        self.assertEqual(notified, ['fault-guess'])
        self.mm.props.thread_id = 12
        self.assertEqual(self.mm.get_thread_id(), 12)
        # R1 with a 256 MiB stack limit.
        big = GObject.new(Ms.LinuxMm, stack_rlimit=256 * MB)
        self.assertEqual(big.get_mmap_base(), 0x7fffefeff000)


if __name__ == '__main__':
    unittest.main(verbosity=2)
