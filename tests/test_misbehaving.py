#!/usr/bin/env python3
# test_misbehaving.py: Python backends and callbacks that raise, re-enter
# the set or return what they should not.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# An exception in a backend method or a callback cannot cross the C
# library: PyGObject reports it (sys.excepthook) and hands the library
# the default return value, FALSE. So a raising backend fails its call
# with MS_MAPPING_ERROR_BAD_STATE, a raising update function leaves the
# area alone, a raising foreach function goes on to the next area, and
# the process goes on.

import contextlib
import os
import subprocess
import sys
import textwrap
import unittest

import gi

gi.require_version('Ms', '1.0')
from gi.repository import GLib, GObject, Ms  # noqa: E402

MAX_ADDR = 0x10000


class PageTable(GObject.Object):
    """One entry per address, 0 meaning unmapped."""

    def __init__(self):
        super().__init__()
        self.entries = bytearray(MAX_ADDR)


class Backend(GObject.Object, Ms.MappingBackend):
    """All or nothing, as upstream's mock: map needs the range free,
    unmap and protect need it mapped. Logs every call; can fail or
    raise on a chosen call (counted from 1), and run a hook first."""

    def __init__(self):
        super().__init__()
        self.calls = []
        self.fail_at = 0
        self.raise_at = 0
        self.hook = None

    def _call(self, kind, start, size, flags, pt):
        self.calls.append((kind, start, size, flags))
        if self.hook is not None:
            self.hook(kind, start, size)
        if len(self.calls) == self.raise_at:
            raise RuntimeError('backend raised on call %d' % self.raise_at)
        if len(self.calls) == self.fail_at:
            return False
        entries = pt.entries[start:start + size]
        if len(entries) != size:
            return False
        if kind == 'map':
            if any(entries):
                return False
            value = flags & 0xff
        else:
            if not all(entries):
                return False
            value = 0 if kind == 'unmap' else flags & 0xff
        pt.entries[start:start + size] = bytes([value]) * size
        return True

    def do_map(self, start, size, flags, pt):
        return self._call('map', start, size, flags, pt)

    def do_unmap(self, start, size, pt):
        return self._call('unmap', start, size, 0, pt)

    def do_protect(self, start, size, flags, pt):
        return self._call('protect', start, size, flags, pt)


@contextlib.contextmanager
def reported_exceptions():
    """Collects the exceptions PyGObject reports instead of raising."""
    reported = []
    old_hook = sys.excepthook
    sys.excepthook = lambda exc_type, value, tb: reported.append(exc_type)
    try:
        yield reported
    finally:
        sys.excepthook = old_hook


def spans(s):
    return [(a.get_start(), a.get_end(), a.get_flags()) for a in s.get_areas()]


class Base(unittest.TestCase):
    def setUp(self):
        self.set = Ms.MemorySet.new()
        self.backend = Backend()
        self.pt = PageTable()

    def map(self, start, size, flags=1, backend=None, overlap=False):
        area = Ms.MemoryArea.new(start, size, flags, backend or self.backend)
        return self.set.map(area, self.pt, overlap)

    def map_eight(self, flags=1):
        for k in range(8):
            self.map(k * 0x2000, 0x1000, flags)
        self.backend.calls.clear()

    def assert_matches_table(self):
        """The set describes exactly what the page table holds."""
        expected = bytearray(MAX_ADDR)
        last_end = 0
        for start, end, flags in spans(self.set):
            self.assertGreater(end, start)
            self.assertGreaterEqual(start, last_end)
            expected[start:end] = bytes([flags & 0xff]) * (end - start)
            last_end = end
        self.assertEqual(bytes(expected), bytes(self.pt.entries))
        self.assertEqual(self.set.get_n_areas(), len(spans(self.set)))

    def assert_error(self, code, func, *args):
        with self.assertRaises(GLib.Error) as caught:
            func(*args)
        self.assertEqual(caught.exception.domain, 'ms-mapping-error-quark')
        self.assertEqual(caught.exception.code, int(code))
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(), code))
        return caught.exception


class RaisingBackend(Base):
    def test_map_raises(self):
        self.backend.raise_at = 1
        with reported_exceptions() as reported:
            error = self.assert_error(Ms.MappingError.BAD_STATE, self.map, 0x1000, 0x1000)
        self.assertEqual(reported, [RuntimeError])
        self.assertIn('map', error.message)
        self.assertTrue(self.set.is_empty())
        self.assert_matches_table()
        # The process and the set go on.
        self.assertTrue(self.map(0x1000, 0x1000))
        self.assert_matches_table()

    def test_unmap_raises_midway(self):
        self.map_eight()
        self.backend.raise_at = 3
        with reported_exceptions() as reported:
            self.assert_error(Ms.MappingError.BAD_STATE,
                              self.set.unmap, 0x800, 0x8000, self.pt)
        self.assertEqual(reported, [RuntimeError])
        # Two pieces were unmapped before the third call raised.
        self.assertEqual(spans(self.set)[:3],
                         [(0, 0x800, 1), (0x4000, 0x5000, 1), (0x6000, 0x7000, 1)])
        self.assert_matches_table()

    def test_protect_raises(self):
        self.map_eight()
        self.backend.raise_at = 2
        with reported_exceptions() as reported:
            self.assert_error(Ms.MappingError.BAD_STATE,
                              self.set.protect, 0x800, 0x4000, 5, self.pt)
        self.assertEqual(reported, [RuntimeError])
        self.assertEqual(spans(self.set)[:3],
                         [(0, 0x800, 1), (0x800, 0x1000, 5), (0x2000, 0x3000, 1)])
        self.assert_matches_table()

    def test_clear_raises(self):
        self.map_eight()
        self.backend.raise_at = 4
        with reported_exceptions():
            self.assert_error(Ms.MappingError.BAD_STATE, self.set.clear, self.pt)
        self.assertEqual(self.set.get_n_areas(), 5)
        self.assert_matches_table()
        self.backend.raise_at = 0
        self.set.clear(self.pt)
        self.assertTrue(self.set.is_empty())
        self.assert_matches_table()

    def test_every_call_raises_in_turn(self):
        def scenario():
            for k in range(4):
                self.map(k * 0x2000, 0x1000, 7, overlap=True)
            self.set.unmap(0xc00, 0x1800, self.pt)
            self.set.protect(0x800, 0x4000, 3, self.pt)
            self.map(0x1800, 0x2000, 2, overlap=True)
            self.set.clear(self.pt)

        n_calls = None
        n = 0
        while n_calls is None or n < n_calls:
            n += 1
            self.setUp()
            self.backend.raise_at = n
            with reported_exceptions() as reported:
                try:
                    scenario()
                except GLib.Error as e:
                    self.assertEqual(e.code, Ms.MappingError.BAD_STATE)
            self.assert_matches_table()
            if not reported:
                n_calls = len(self.backend.calls)
            else:
                self.assertEqual(reported, [RuntimeError])
        self.assertGreater(n_calls, 10)

    def test_keyboard_interrupt(self):
        self.backend.hook = lambda *args: (_ for _ in ()).throw(KeyboardInterrupt())
        with reported_exceptions() as reported:
            self.assert_error(Ms.MappingError.BAD_STATE, self.map, 0, 0x1000)
        self.assertEqual(reported, [KeyboardInterrupt])
        self.assertTrue(self.set.is_empty())

    def test_system_exit_ends_the_process(self):
        # PyGObject reports an exception with PyErr_Print, which exits on
        # SystemExit: that is Python's rule, and nothing crashes.
        code = textwrap.dedent('''
            import gi
            gi.require_version('Ms', '1.0')
            from gi.repository import GObject, Ms
            class B(GObject.Object, Ms.MappingBackend):
                def do_map(self, start, size, flags, pt):
                    raise SystemExit(7)
            Ms.MemorySet.new().map(Ms.MemoryArea.new(0, 1, 0, B()), None, False)
            print('not reached')
        ''')
        result = subprocess.run([sys.executable, '-c', code], env=os.environ,
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 7)
        self.assertNotIn('not reached', result.stdout)


class BadBackends(Base):
    def test_missing_methods(self):
        class MapOnly(GObject.Object, Ms.MappingBackend):
            def do_map(self, start, size, flags, pt):
                return True

        class Nothing(GObject.Object, Ms.MappingBackend):
            pass

        error = self.assert_error(Ms.MappingError.BAD_STATE,
                                  self.map, 0, 0x1000, 1, Nothing())
        self.assertIn('does not implement the map method', error.message)
        self.assertTrue(self.set.is_empty())

        self.assertTrue(self.set.map(Ms.MemoryArea.new(0, 0x1000, 1, MapOnly()), None, False))
        for call, method in ((lambda: self.set.unmap(0, 0x800, None), 'unmap'),
                             (lambda: self.set.protect(0, 0x800, 2, None), 'protect'),
                             (lambda: self.set.clear(None), 'unmap')):
            error = self.assert_error(Ms.MappingError.BAD_STATE, call)
            self.assertIn('does not implement the %s method' % method, error.message)
        self.assertEqual(spans(self.set), [(0, 0x1000, 1)])

    def test_wrong_signature(self):
        class Wrong(GObject.Object, Ms.MappingBackend):
            def do_map(self, start, size):
                return True

        with reported_exceptions() as reported:
            self.assert_error(Ms.MappingError.BAD_STATE, self.map, 0, 0x1000, 1, Wrong())
        self.assertEqual(reported, [TypeError])
        self.assertTrue(self.set.is_empty())

    def test_return_values(self):
        # The library sees Python's truth value of what do_map returns.
        for value, done in ((True, True), (False, False), (None, False), (0, False),
                            (1, True), ('', False), ('yes', True), ([], False),
                            ((True, 1), True)):
            class Returns(GObject.Object, Ms.MappingBackend):
                def do_map(self, start, size, flags, pt):
                    return value

                def do_unmap(self, start, size, pt):
                    return True

            s = Ms.MemorySet.new()
            area = Ms.MemoryArea.new(0, 0x1000, 1, Returns())
            if done:
                self.assertTrue(s.map(area, None, False), value)
                self.assertEqual(s.get_n_areas(), 1)
            else:
                with self.assertRaises(GLib.Error, msg=repr(value)) as caught:
                    s.map(area, None, False)
                self.assertEqual(caught.exception.code, Ms.MappingError.BAD_STATE)
                self.assertTrue(s.is_empty())


class Reentrant(Base):
    """A change of the set from inside its own backend or callback is
    refused with BUSY and changes nothing."""

    def nested_changes(self):
        before = spans(self.set)
        area = Ms.MemoryArea.new(0xf000, 0x100, 9, self.backend)
        for call in (lambda: self.set.map(area, self.pt, False),
                     lambda: self.set.map(area, self.pt, True),
                     lambda: self.set.unmap(0, MAX_ADDR, self.pt),
                     lambda: self.set.protect(0, MAX_ADDR, 9, self.pt),
                     lambda: self.set.protect_with(0, MAX_ADDR, self.pt, lambda old: (True, 9)),
                     lambda: self.set.clear(self.pt)):
            error = self.assert_error(Ms.MappingError.BUSY, call)
            self.assertIn('another operation', error.message)
        self.assertEqual(spans(self.set), before)
        # Lookups work.
        self.assertEqual(self.set.get_n_areas(), len(before))
        for start, end, flags in before:
            self.assertEqual(self.set.find(start).get_end(), end)
        self.nested += 1

    def setUp(self):
        super().setUp()
        self.nested = 0

    def test_backend(self):
        self.map_eight()
        self.backend.hook = lambda *args: self.nested_changes()
        self.assertTrue(self.map(0x800, 0x2000, 2, overlap=True))
        self.assertTrue(self.set.unmap(0x4400, 0x200, self.pt))
        self.assertTrue(self.set.protect(0, MAX_ADDR, 3, self.pt))
        self.assertTrue(self.set.clear(self.pt))
        self.assertEqual(self.nested, len(self.backend.calls))
        self.assertGreater(self.nested, 15)
        self.assert_matches_table()

    def test_backend_passes_busy_on(self):
        self.map_eight()

        def hook(*args):
            self.set.unmap(0, MAX_ADDR, self.pt)    # raises BUSY out of do_unmap

        self.backend.hook = hook
        # The backend's GLib.Error is its reason: the caller gets it,
        # domain and code unchanged, and nothing is printed.
        with reported_exceptions() as reported:
            self.assert_error(Ms.MappingError.BUSY, self.set.unmap, 0, 0x4000, self.pt)
        self.assertEqual(reported, [])
        self.assertEqual(self.set.get_n_areas(), 8)
        self.assert_matches_table()

    def test_foreach(self):
        self.map_eight()
        seen = []

        def func(area):
            seen.append(area.get_start())
            self.nested_changes()
            return False

        self.set.foreach(func)
        self.assertEqual(seen, [k * 0x2000 for k in range(8)])
        self.assertEqual(self.nested, 8)

    def test_foreach_raises(self):
        self.map_eight()
        seen = []

        def func(area):
            seen.append(area.get_start())
            raise ValueError('foreach')

        with reported_exceptions() as reported:
            self.set.foreach(func)
        # A raising function returns FALSE: the walk goes on.
        self.assertEqual(len(seen), 8)
        self.assertEqual(reported, [ValueError] * 8)

    def test_update_func(self):
        self.map_eight()

        def update(old):
            self.nested_changes()
            return True, old + 1

        self.assertTrue(self.set.protect_with(0x800, 0x4000, self.pt, update))
        self.assertEqual(self.nested, 3)
        self.assertEqual(spans(self.set)[:4],
                         [(0, 0x800, 1), (0x800, 0x1000, 2), (0x2000, 0x3000, 2),
                          (0x4000, 0x4800, 2)])
        self.assert_matches_table()

    def test_update_func_misbehaves(self):
        self.map_eight()

        def raises(old):
            raise ValueError('update')

        # Not tried: a 1-tuple such as (True,). PyGObject 3.42 then reads
        # past the end of the tuple (in its own marshalling, before the
        # library sees anything) and may crash; see docs/bad-input.md.
        cases = (raises, lambda old: None, lambda old: 5,
                 lambda old: (True, -1), lambda old: (True, 2 ** 64), lambda old: (True, 'x'))
        for update in cases:
            with reported_exceptions():
                self.assertTrue(self.set.protect_with(0, MAX_ADDR, self.pt, update))
            # Whatever went wrong, every area was left alone.
            self.assertEqual(self.set.get_n_areas(), 8)
            self.assertEqual({flags for _, _, flags in spans(self.set)}, {1})
        self.assertFalse(any(call[0] == 'protect' for call in self.backend.calls))
        self.assert_matches_table()

    def test_other_set(self):
        other = Ms.MemorySet.new()
        other_backend = Backend()

        def hook(kind, start, size):
            if kind == 'map':
                other.map(Ms.MemoryArea.new(start, size, 1, other_backend), PageTable(), False)

        self.backend.hook = hook
        self.map_eight()
        self.assertEqual(other.get_n_areas(), 8)


if __name__ == '__main__':
    unittest.main(verbosity=2)
