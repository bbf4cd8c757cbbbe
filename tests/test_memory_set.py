#!/usr/bin/python3
# test_memory_set.py: MsMemorySet driven from Python, with backends
# written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import contextlib
import functools
import io
import os
import random
import sys
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Ms', '1.0')

from gi.repository import GLib, GObject, Ms  # noqa: E402

# The client of the reference model, beside this file (with_overrides.py
# runs this file with runpy, from the same directory).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ms_model_client  # noqa: E402
import ms_scenarios  # noqa: E402

# The same tests run without the overrides and with them (with_overrides.py);
# with them, an exception raised in a backend or a callback reaches the
# caller instead of being printed.
OVERRIDES = hasattr(Ms, 'PyMappingBackend')

MAX_ADDR = 0x10000
ERROR_DOMAIN = 'ms-mapping-error-quark'
# The reason a mock backend gives when it refuses on purpose (as the C
# tests' backends do, MS_TEST_INJECTED_FAILURE).
INJECTED_FAILURE = 'injected failure'


class PageTable(GObject.Object):
    """A flat page table: one byte per address, 0 meaning unmapped."""

    def __init__(self, size=MAX_ADDR):
        super().__init__()
        self.entries = bytearray(size)


class Faults:
    """Makes a chosen backend call fail, counted from when it is armed.

    Several backends may share one Faults, so that the count runs over all
    of their calls in the order the set makes them."""

    def __init__(self):
        self.countdown = None
        self.mode = 'refuse'
        self.raised = None

    def arm(self, n, mode='refuse'):
        """The n-th call from now (0 = the next one) fails: it returns
        False ('refuse'), raises a RuntimeError ('raise'), or raises a
        GLib.Error of BAD_STATE that gives the reason, INJECTED_FAILURE
        ('reason': the error is kept as self.raised)."""
        self.countdown = n
        self.mode = mode
        self.raised = None

    def disarm(self):
        self.countdown = None

    def due(self):
        if self.countdown is None:
            return False
        if self.countdown == 0:
            self.countdown = None
            return True
        self.countdown -= 1
        return False


class MockMethods:
    """What upstream's mock backend does, all-or-nothing: map fails if any
    entry in the range is set, unmap and protect fail if any entry is 0,
    move fails unless every entry of the old range is set and every entry
    of the new one is 0. Every call is logged as (backend, kind, start,
    size, flags, succeeded), with the destination in place of the flags for
    move; the page tables received are kept to check their identity."""

    def setup_mock(self, name, log, faults):
        self.name = name
        self.calls = [] if log is None else log
        self.faults = Faults() if faults is None else faults
        self.tables = []

    def mock_call(self, kind, start, size, flags, page_table):
        self.tables.append(page_table)
        if self.faults.due():
            self.calls.append((self.name, kind, start, size, flags, False))
            if self.faults.mode == 'raise':
                raise RuntimeError('%s %#x+%#x: injected failure' % (kind, start, size))
            if self.faults.mode == 'reason':
                self.faults.raised = GLib.Error(INJECTED_FAILURE, ERROR_DOMAIN,
                                                int(Ms.MappingError.BAD_STATE))
                raise self.faults.raised
            return False

        done = self.apply(kind, start, size, flags, page_table)
        self.calls.append((self.name, kind, start, size, flags, done))
        return done

    @staticmethod
    def apply(kind, start, size, flags, page_table):
        if page_table is None:
            return True

        entries = page_table.entries
        end = start + size
        if size == 0 or end > len(entries):
            return False

        if kind == 'map':
            if not 0 < flags < 0x100 or entries.count(0, start, end) != size:
                return False
            entries[start:end] = bytes((flags,)) * size
        elif kind == 'unmap':
            if 0 in entries[start:end]:
                return False
            entries[start:end] = bytes(size)
        elif kind == 'move':
            new_start, new_end = flags, flags + size
            if new_end > len(entries) or start < new_end and new_start < end \
                    or 0 in entries[start:end] or entries.count(0, new_start, new_end) != size:
                return False
            moved = entries[start:end]
            entries[start:end] = bytes(size)
            entries[new_start:new_end] = moved
        else:
            if not 0 < flags < 0x100 or 0 in entries[start:end]:
                return False
            entries[start:end] = bytes((flags,)) * size
        return True


# Each backend class derives from GObject.Object and Ms.MappingBackend
# itself. A subclass of a Python backend must not redefine do_map and the
# others: GObject shares an inherited interface's vtable between a class
# and its subclasses, so PyGObject would replace the parent's methods too.
class Backend(GObject.Object, Ms.MappingBackend, MockMethods):
    def __init__(self, name='backend', log=None, faults=None):
        super().__init__()
        self.setup_mock(name, log, faults)

    def do_map(self, start, size, flags, page_table):
        return self.mock_call('map', start, size, flags, page_table)

    def do_unmap(self, start, size, page_table):
        return self.mock_call('unmap', start, size, None, page_table)

    def do_protect(self, start, size, new_flags, page_table):
        return self.mock_call('protect', start, size, new_flags, page_table)


class MovingBackend(GObject.Object, Ms.MappingBackend, MockMethods):
    """A backend with the optional move method too."""

    def __init__(self, name='moving', log=None, faults=None):
        super().__init__()
        self.setup_mock(name, log, faults)

    def do_map(self, start, size, flags, page_table):
        return self.mock_call('map', start, size, flags, page_table)

    def do_unmap(self, start, size, page_table):
        return self.mock_call('unmap', start, size, None, page_table)

    def do_protect(self, start, size, new_flags, page_table):
        return self.mock_call('protect', start, size, new_flags, page_table)

    def do_move(self, old_start, size, new_start, page_table):
        return self.mock_call('move', old_start, size, new_start, page_table)


class NoProtectBackend(GObject.Object, Ms.MappingBackend, MockMethods):
    """A backend that implements map and unmap only."""

    def __init__(self, name='no-protect', log=None, faults=None):
        super().__init__()
        self.setup_mock(name, log, faults)

    def do_map(self, start, size, flags, page_table):
        return self.mock_call('map', start, size, flags, page_table)

    def do_unmap(self, start, size, page_table):
        return self.mock_call('unmap', start, size, None, page_table)


def update_flags(new_flags):
    """Upstream's update_flags: keep the old flags' high bits, take the low
    three bits from new_flags, leave the area alone when they match."""
    def update(old_flags):
        if (old_flags & 0x7) == (new_flags & 0x7):
            return False, 0
        return True, (old_flags & ~0x7) | (new_flags & 0x7)
    return update


def describe(set_):
    """The areas of a set as (start, end, flags) tuples, in address order."""
    return [(a.get_start(), a.get_end(), a.get_flags()) for a in set_.get_areas()]


@contextlib.contextmanager
def quiet_stderr():
    """Catches what PyGObject prints when a Python callback raises."""
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf):
        yield buf


class MemorySetTestCase(unittest.TestCase):
    def setUp(self):
        self.set = Ms.MemorySet.new()
        self.table = PageTable()
        self.backend = Backend()

    def map(self, start, size, flags, backend=None, unmap_overlap=False):
        area = Ms.MemoryArea.new(start, size, flags, self.backend if backend is None else backend)
        self.assertTrue(self.set.map(area, self.table, unmap_overlap))
        self.assertMatchesTable()

    def unmap(self, start, size):
        self.assertTrue(self.set.unmap(start, size, self.table))
        self.assertMatchesTable()

    def assertMappingError(self, code, func, *args):
        with self.assertRaises(GLib.Error) as cm:
            func(*args)
        error = cm.exception
        self.assertEqual(error.domain, ERROR_DOMAIN)
        self.assertEqual(error.code, code)
        self.assertTrue(error.matches(Ms.mapping_error_quark(), code))
        return error

    def assertMatchesTable(self, set_=None, table=None, areas=None, spans=None):
        """The set describes exactly what the page table holds. A caller
        that has them may give what set_.get_areas() just gave (areas) and
        their (start, end, size, flags) (spans)."""
        set_ = set_ or self.set
        table = table or self.table
        entries = table.entries
        if areas is None:
            areas = set_.get_areas()
        if spans is None:
            spans = [(a.get_start(), a.get_end(), a.get_size(), a.get_flags()) for a in areas]
        visited = []

        def visit(area):
            visited.append(area.get_start())
            return False

        set_.foreach(visit)
        self.assertEqual(len(areas), set_.props.n_areas)
        self.assertEqual(len(areas), set_.get_n_areas())
        self.assertEqual(set_.is_empty(), len(areas) == 0)
        self.assertEqual(visited, [start for start, end, size, flags in spans])

        # Every check of every area, with one assertion at the end (the
        # randomised test calls this after each step).
        covered = 0
        problems = []
        for start, end, size, flags in spans:
            where = '[%#x, %#x): ' % (start, end)
            if not size > 0:
                problems.append(where + 'empty')
            if end != start + size:
                problems.append(where + 'end is not start + size %#x' % size)
            if start < covered:
                problems.append(where + 'areas overlap or are out of order')
            if end > len(entries):
                problems.append(where + 'past the page table')
            if set_.find(start).get_start() != start:
                problems.append(where + 'find(start) is another area')
            if set_.find(end - 1).get_start() != start:
                problems.append(where + 'find(end - 1) is another area')
            if entries.count(0, covered, start) != start - covered:
                problems.append('an entry in [%#x, %#x) is mapped but in no area' % (covered, start))
            if entries.count(flags, start, end) != size:
                problems.append('the entries of [%#x, %#x) are not all %#x' % (start, end, flags))
            covered = end
        self.assertEqual(problems, [])
        self.assertEqual(entries.count(0, covered), len(entries) - covered,
                         'an entry at or above %#x is mapped but in no area' % covered)


class BindingTest(MemorySetTestCase):
    """What Python sees of the library."""

    def test_backend_gets_the_callers_page_table(self):
        self.map(0x1000, 0x4000, 1)
        self.unmap(0x2000, 0x1000)
        self.assertTrue(self.set.protect(0x1000, 0x1000, 2, self.table))
        self.assertTrue(self.set.protect_with(0x4000, 0x1000, self.table, lambda old: (True, 5)))
        self.assertTrue(self.set.clear(self.table))
        self.assertEqual([c[1] for c in self.backend.calls],
                         ['map', 'unmap', 'protect', 'protect', 'unmap', 'unmap', 'unmap'])
        self.assertEqual(len(self.backend.tables), 7)
        for table in self.backend.tables:
            self.assertIs(table, self.table)
        self.assertMatchesTable()

    def test_page_table_may_be_none(self):
        self.assertTrue(self.set.map(Ms.MemoryArea.new(0x1000, 0x1000, 1, self.backend), None, False))
        self.assertTrue(self.set.unmap(0x1000, 0x800, None))
        self.assertEqual(self.backend.tables, [None, None])
        self.assertEqual(describe(self.set), [(0x1800, 0x2000, 1)])

    def test_area(self):
        area = Ms.MemoryArea.new(0x1000, 0x3000, 0x5, self.backend)
        self.assertEqual(area.get_start(), 0x1000)
        self.assertEqual(area.get_end(), 0x4000)
        self.assertEqual(area.get_size(), 0x3000)
        self.assertEqual(area.get_flags(), 0x5)
        self.assertIs(area.get_backend(), self.backend)
        self.assertTrue(area.contains(0x1000))
        self.assertTrue(area.contains(0x3fff))
        self.assertFalse(area.contains(0x4000))
        self.assertFalse(area.contains(0xfff))

    def test_large_values(self):
        # Addresses and flags are full 64-bit values.
        start = 2 ** 64 - 0x3000
        flags = 2 ** 63 + 1
        area = Ms.MemoryArea.new(start, 0x2000, flags, self.backend)
        self.assertTrue(self.set.map(area, None, False))
        found = self.set.find(2 ** 64 - 0x1001)
        self.assertEqual((found.get_start(), found.get_end(), found.get_size(), found.get_flags()),
                         (start, 2 ** 64 - 0x1000, 0x2000, flags))
        self.assertIsNone(self.set.find(2 ** 64 - 1))
        self.assertEqual(self.backend.calls, [('backend', 'map', start, 0x2000, flags, True)])

    def test_find_returns_none_for_holes(self):
        self.assertIsNone(self.set.find(0))
        self.map(0x1000, 0x1000, 1)
        self.map(0x3000, 0x1000, 2)
        self.assertIsNone(self.set.find(0xfff))
        self.assertIsNone(self.set.find(0x2000))
        self.assertIsNone(self.set.find(0x2fff))
        self.assertIsNone(self.set.find(0x4000))
        self.assertIsInstance(self.set.find(0x1000), Ms.MemoryArea)
        self.assertEqual(self.set.find(0x3fff).get_flags(), 2)

    def test_overlaps(self):
        self.map(0x1000, 0x1000, 1)
        self.assertTrue(self.set.overlaps(0x800, 0x1000))
        self.assertTrue(self.set.overlaps(0x1fff, 1))
        self.assertFalse(self.set.overlaps(0x2000, 0x1000))
        self.assertFalse(self.set.overlaps(0, 0x1000))
        self.assertFalse(self.set.overlaps(0x1800, 0))

    def test_get_areas_is_a_list(self):
        areas = self.set.get_areas()
        self.assertIsInstance(areas, list)
        self.assertEqual(areas, [])
        for k in range(4):
            self.map(k * 0x2000, 0x1000, k + 1)
        areas = self.set.get_areas()
        self.assertIsInstance(areas, list)
        self.assertEqual(len(areas), 4)
        for area in areas:
            self.assertIsInstance(area, Ms.MemoryArea)
            self.assertIs(area.get_backend(), self.backend)
        self.assertEqual(describe(self.set),
                         [(k * 0x2000, k * 0x2000 + 0x1000, k + 1) for k in range(4)])

    def test_n_areas_and_notify(self):
        seen = []
        self.set.connect('notify::n-areas', lambda obj, pspec: seen.append(obj.props.n_areas))
        self.assertEqual(self.set.props.n_areas, 0)

        self.map(0x1000, 0x4000, 1)
        self.assertEqual(seen, [1])
        self.unmap(0x2000, 0x1000)                     # split in two
        self.assertEqual(seen, [1, 2])
        self.assertTrue(self.set.protect(0x1000, 0x1000, 3, self.table))   # in place
        self.assertEqual(seen, [1, 2])
        self.assertMappingError(Ms.MappingError.ALREADY_EXISTS, self.set.map,
                                Ms.MemoryArea.new(0x1000, 0x1000, 1, self.backend),
                                self.table, False)
        self.assertEqual(seen, [1, 2])
        self.assertTrue(self.set.clear(self.table))
        self.assertEqual(seen, [1, 2, 0])
        self.assertEqual(self.set.props.n_areas, 0)

        with self.assertRaises(TypeError):
            self.set.props.n_areas = 3

    def test_invalid_param(self):
        for func, args in [
            (self.set.map, (Ms.MemoryArea.new(0x1000, 0, 1, self.backend), self.table, False)),
            (self.set.map, (Ms.MemoryArea.new(2 ** 64 - 0x1000, 0x2000, 1, self.backend), None, False)),
            (self.set.unmap, (2 ** 64 - 0x1000, 0x2000, self.table)),
            (self.set.protect, (2 ** 64 - 1, 2, 1, self.table)),
            (self.set.protect_with, (2 ** 64 - 1, 2, self.table, lambda old: (True, 1))),
        ]:
            with self.subTest(func=func.__name__):
                error = self.assertMappingError(Ms.MappingError.INVALID_PARAM, func, *args)
                self.assertIsInstance(error.message, str)
                self.assertNotEqual(error.message, '')
        self.assertEqual(self.backend.calls, [])
        self.assertMatchesTable()

    def test_empty_ranges_do_nothing(self):
        self.map(0x1000, 0x1000, 1)
        self.assertTrue(self.set.unmap(0x1800, 0, self.table))
        self.assertTrue(self.set.protect(0x1800, 0, 2, self.table))
        self.assertTrue(self.set.protect_with(0x1800, 0, self.table, lambda old: (True, 2)))
        self.assertEqual(describe(self.set), [(0x1000, 0x2000, 1)])
        self.assertEqual(len(self.backend.calls), 1)

    def test_already_exists(self):
        self.map(0x1000, 0x2000, 1)
        error = self.assertMappingError(Ms.MappingError.ALREADY_EXISTS, self.set.map,
                                        Ms.MemoryArea.new(0x2fff, 0x10, 2, self.backend),
                                        self.table, False)
        self.assertFalse(error.matches(Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertEqual(describe(self.set), [(0x1000, 0x3000, 1)])
        self.assertEqual(len(self.backend.calls), 1)
        self.assertMatchesTable()

    def test_error_codes_are_mapping_errors(self):
        self.assertEqual(GLib.quark_to_string(Ms.mapping_error_quark()), ERROR_DOMAIN)
        self.map(0x1000, 0x1000, 1)
        self.backend.faults.arm(0)
        with self.assertRaises(GLib.Error) as cm:
            self.set.unmap(0x1000, 0x1000, self.table)
        error = cm.exception
        self.assertEqual(error.domain, ERROR_DOMAIN)
        self.assertEqual(error.code, Ms.MappingError.BAD_STATE)
        self.assertEqual(Ms.MappingError(error.code), Ms.MappingError.BAD_STATE)
        self.assertTrue(error.matches(Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertFalse(error.matches(Ms.mapping_error_quark(), Ms.MappingError.INVALID_PARAM))
        self.assertFalse(error.matches(GLib.quark_from_string('some-other-error-quark'), Ms.MappingError.BAD_STATE))
        self.assertIn('unmap', error.message)
        self.assertIn('0x1000', error.message)

    def test_backend_refuses(self):
        self.map(0x1000, 0x4000, 1)
        self.map(0x8000, 0x1000, 2)
        before = describe(self.set)
        n_calls = len(self.backend.calls)

        for op, func, args in [
            ('map', self.set.map, (Ms.MemoryArea.new(0xa000, 0x1000, 1, self.backend), self.table, False)),
            ('unmap', self.set.unmap, (0x2000, 0x1000, self.table)),
            ('protect', self.set.protect, (0x2000, 0x1000, 4, self.table)),
            ('protect', self.set.protect_with, (0x2000, 0x1000, self.table, lambda old: (True, 4))),
            ('unmap', self.set.clear, (self.table,)),
        ]:
            with self.subTest(func=func.__name__):
                self.backend.faults.arm(0)
                error = self.assertMappingError(Ms.MappingError.BAD_STATE, func, *args)
                self.assertIn(op, error.message)
                self.assertEqual(describe(self.set), before)
                self.assertMatchesTable()
                n_calls += 1
                self.assertEqual(len(self.backend.calls), n_calls)
                self.assertFalse(self.backend.calls[-1][-1])

    def test_backend_refuses_midway(self):
        # The third piece fails: the first two stay unmapped, the third
        # area is left whole, the fourth is not touched.
        for k in range(4):
            self.map(k * 0x2000, 0x1000, k + 1)
        self.backend.faults.arm(2)
        self.assertMappingError(Ms.MappingError.BAD_STATE, self.set.unmap, 0x800, 0x7000, self.table)
        self.assertEqual(describe(self.set), [(0, 0x800, 1), (0x4000, 0x5000, 3), (0x6000, 0x7000, 4)])
        self.assertMatchesTable()

        # The same for protect: no area is left split by the failed call.
        self.backend.faults.arm(1)
        self.assertMappingError(Ms.MappingError.BAD_STATE, self.set.protect,
                                0x400, 0x6800, 9, self.table)
        self.assertEqual(describe(self.set),
                         [(0, 0x400, 1), (0x400, 0x800, 9), (0x4000, 0x5000, 3), (0x6000, 0x7000, 4)])
        self.assertMatchesTable()

        # A failed map after its unmap_overlap: what was unmapped stays so.
        self.backend.faults.arm(3)
        self.assertMappingError(Ms.MappingError.BAD_STATE, self.set.map,
                                Ms.MemoryArea.new(0, 0x5000, 7, self.backend), self.table, True)
        self.assertEqual(describe(self.set), [(0x6000, 0x7000, 4)])
        self.assertMatchesTable()

    def test_backend_raises(self):
        class RaisingBackend(GObject.Object, Ms.MappingBackend, MockMethods):
            def __init__(self):
                super().__init__()
                self.setup_mock('raising', None, None)

            def do_map(self, start, size, flags, page_table):
                if flags == 0xee:
                    raise ValueError('cannot map that')
                return self.mock_call('map', start, size, flags, page_table)

            def do_unmap(self, start, size, page_table):
                raise RuntimeError('cannot unmap')

            def do_protect(self, start, size, new_flags, page_table):
                raise KeyError(new_flags)

        backend = RaisingBackend()
        self.map(0x1000, 0x1000, 1, backend=backend)
        before = describe(self.set)

        for func, args, text, exception in [
            (self.set.map, (Ms.MemoryArea.new(0x3000, 0x1000, 0xee, backend), self.table, False),
             'cannot map that', ValueError),
            (self.set.unmap, (0x1000, 0x800, self.table), 'cannot unmap', RuntimeError),
            (self.set.protect, (0x1000, 0x800, 2, self.table), 'KeyError', KeyError),
            (self.set.clear, (self.table,), 'cannot unmap', RuntimeError),
        ]:
            with self.subTest(func=func.__name__):
                with quiet_stderr() as err:
                    if OVERRIDES:
                        with self.assertRaises(exception):
                            func(*args)
                    else:
                        self.assertMappingError(Ms.MappingError.BAD_STATE, func, *args)
                if OVERRIDES:
                    self.assertEqual(err.getvalue(), '')
                else:
                    self.assertIn(text, err.getvalue())
                self.assertEqual(describe(self.set), before)
                self.assertMatchesTable()

        # The process goes on, and so does the set.
        self.map(0x3000, 0x1000, 2, backend=self.backend)
        self.unmap(0x3000, 0x1000)
        self.assertEqual(describe(self.set), before)

    def test_missing_protect(self):
        backend = NoProtectBackend()
        self.map(0x1000, 0x2000, 1, backend=backend)
        error = self.assertMappingError(Ms.MappingError.BAD_STATE, self.set.protect,
                                        0x1800, 0x100, 2, self.table)
        self.assertIn('protect', error.message)
        self.assertEqual(describe(self.set), [(0x1000, 0x3000, 1)])
        self.assertMatchesTable()
        # Flags that do not change need no backend, so nothing fails.
        self.assertTrue(self.set.protect(0x1800, 0x100, 1, self.table))
        # Map and unmap still work.
        self.unmap(0x1800, 0x100)
        self.assertEqual(describe(self.set), [(0x1000, 0x1800, 1), (0x1900, 0x3000, 1)])
        self.assertEqual([c[1] for c in backend.calls], ['map', 'unmap'])

    def test_protect_with_closure(self):
        self.map(0x1000, 0x1000, 1)
        self.map(0x2000, 0x1000, 2)
        self.map(0x3000, 0x1000, 3)
        seen = []

        def double_odd(old):
            seen.append(old)
            if old % 2 == 0:
                return False, 0
            return True, old * 2

        self.assertTrue(self.set.protect_with(0x1800, 0x2000, self.table, double_odd))
        self.assertEqual(seen, [1, 2, 3])
        self.assertEqual(describe(self.set),
                         [(0x1000, 0x1800, 1), (0x1800, 0x2000, 2), (0x2000, 0x3000, 2),
                          (0x3000, 0x3800, 6), (0x3800, 0x4000, 3)])
        self.assertMatchesTable()

        # user_data reaches the callback.
        self.assertTrue(self.set.protect_with(0x1000, 0x800, self.table,
                                              lambda old, extra: (True, old + extra), 7))
        self.assertEqual(self.set.find(0x1000).get_flags(), 8)
        self.assertMatchesTable()

    def test_protect_with_callback_raises(self):
        self.map(0x1000, 0x1000, 1)
        self.map(0x2000, 0x1000, 2)
        self.map(0x3000, 0x1000, 3)
        n_calls = len(self.backend.calls)

        def fussy(old):
            if old == 2:
                raise ValueError('no new flags for 2')
            return True, old + 4

        if OVERRIDES:
            # The exception reaches the caller: the areas before keep their
            # new flags, that one and the ones after are left alone.
            with self.assertRaisesRegex(ValueError, 'no new flags for 2'):
                self.set.protect_with(0x1800, 0x2000, self.table, fussy)
            self.assertEqual(describe(self.set),
                             [(0x1000, 0x1800, 1), (0x1800, 0x2000, 5), (0x2000, 0x3000, 2),
                              (0x3000, 0x4000, 3)])
            self.assertEqual([c[1] for c in self.backend.calls[n_calls:]], ['protect'])
        else:
            with quiet_stderr() as err:
                self.assertTrue(self.set.protect_with(0x1800, 0x2000, self.table, fussy))
            self.assertIn('no new flags for 2', err.getvalue())
            # The area whose callback raised is left alone; the others change.
            self.assertEqual(describe(self.set),
                             [(0x1000, 0x1800, 1), (0x1800, 0x2000, 5), (0x2000, 0x3000, 2),
                              (0x3000, 0x3800, 7), (0x3800, 0x4000, 3)])
            self.assertEqual([c[1] for c in self.backend.calls[n_calls:]], ['protect', 'protect'])
        self.assertMatchesTable()

    def test_protect_same_flags_is_untouched(self):
        self.map(0x1000, 0x3000, 5)
        n_calls = len(self.backend.calls)
        self.assertTrue(self.set.protect(0x1800, 0x1000, 5, self.table))
        self.assertTrue(self.set.protect_with(0x1800, 0x1000, self.table, lambda old: (True, old)))
        self.assertEqual(describe(self.set), [(0x1000, 0x4000, 5)])
        self.assertEqual(len(self.backend.calls), n_calls)

    def test_foreach(self):
        for k in range(5):
            self.map(k * 0x2000, 0x1000, k + 1)
        seen = []
        self.set.foreach(lambda area: seen.append(area.get_flags()) or False)
        self.assertEqual(seen, [1, 2, 3, 4, 5])

        # Returning True stops the walk.
        seen = []

        def until_three(area):
            seen.append(area.get_flags())
            return area.get_flags() == 3

        self.set.foreach(until_three)
        self.assertEqual(seen, [1, 2, 3])

        # A callback that raises does not break the set (with the
        # overrides, its exception reaches the caller).
        with quiet_stderr():
            if OVERRIDES:
                with self.assertRaises(ZeroDivisionError):
                    self.set.foreach(lambda area: 1 / 0)
            else:
                self.set.foreach(lambda area: 1 / 0)
        self.assertMatchesTable()

    def test_held_areas_keep_their_values(self):
        area = Ms.MemoryArea.new(0x1000, 0x4000, 1, self.backend)
        self.assertTrue(self.set.map(area, self.table, False))
        held = self.set.find(0x2800)
        self.unmap(0x2000, 0x1000)
        self.assertTrue(self.set.protect(0x1000, 0x800, 3, self.table))
        self.assertTrue(self.set.protect(0x3800, 0x100, 4, self.table))
        for a in (area, held):
            self.assertEqual((a.get_start(), a.get_end(), a.get_size(), a.get_flags()),
                             (0x1000, 0x5000, 0x4000, 1))
            self.assertIs(a.get_backend(), self.backend)
        pieces = self.set.get_areas()
        self.assertTrue(self.set.clear(self.table))
        self.assertEqual([(a.get_start(), a.get_end(), a.get_flags()) for a in pieces],
                         [(0x1000, 0x1800, 3), (0x1800, 0x2000, 1), (0x3000, 0x3800, 1),
                          (0x3800, 0x3900, 4), (0x3900, 0x5000, 1)])
        self.assertMatchesTable()

    def test_split_pieces_keep_their_backend(self):
        other = Backend('other')
        self.map(0x1000, 0x2000, 1)
        self.map(0x3000, 0x2000, 2, backend=other)
        self.unmap(0x1800, 0x2000)
        self.assertTrue(self.set.protect(0x4000, 0x100, 3, self.table))
        backends = [a.get_backend() for a in self.set.get_areas()]
        self.assertEqual([b.name for b in backends], ['backend', 'other', 'other', 'other'])
        self.assertEqual([c[1:] for c in other.calls],
                         [('map', 0x3000, 0x2000, 2, True), ('unmap', 0x3000, 0x800, None, True),
                          ('protect', 0x4000, 0x100, 3, True)])
        self.assertMatchesTable()

    def test_busy_from_a_backend(self):
        outer = self
        inner_errors = []

        class ReentrantBackend(GObject.Object, Ms.MappingBackend, MockMethods):
            def __init__(self):
                super().__init__()
                self.setup_mock('reentrant', None, None)

            def do_map(self, start, size, flags, page_table):
                try:
                    outer.set.unmap(0, MAX_ADDR, page_table)
                except GLib.Error as e:
                    inner_errors.append((e.domain, e.code))
                return self.mock_call('map', start, size, flags, page_table)

        self.map(0x1000, 0x1000, 1)
        self.map(0x3000, 0x1000, 2, backend=ReentrantBackend())
        self.assertEqual(inner_errors, [(ERROR_DOMAIN, Ms.MappingError.BUSY)])
        self.assertEqual(describe(self.set), [(0x1000, 0x2000, 1), (0x3000, 0x4000, 2)])

    def test_find_free_area_edges(self):
        self.map(0x1000, 0x1000, 1)
        ffa = self.set.find_free_area
        self.assertEqual(tuple(ffa(0, 0x1000, 0, MAX_ADDR, 0x1000)), (True, 0))
        self.assertEqual(ffa(0x800, 0x1000, 0, MAX_ADDR, 0x1000)[1], 0x2000)
        # Never past limit_end, never wrapping around.
        self.assertFalse(ffa(0, 0x1000, 0x1800, 0x2800, 1)[0])
        self.assertEqual(ffa(0, 0x800, 0x1800, 0x2800, 1)[1], 0x2000)
        self.assertFalse(ffa(2 ** 64 - 0x1000, 0x2000, 0, 2 ** 64 - 1, 0x1000)[0])
        self.assertEqual(ffa(2 ** 64 - 0x2000, 0x1000, 0, 2 ** 64 - 1, 0x1000)[1], 2 ** 64 - 0x2000)
        # No answer for bad arguments.
        self.assertFalse(ffa(0, 0, 0, MAX_ADDR, 1)[0])            # empty
        self.assertFalse(ffa(0, 0x1800, 0, MAX_ADDR, 0x1000)[0])  # not a multiple of align
        self.assertFalse(ffa(0, 0x3000, 0, MAX_ADDR, 0x3000)[0])  # align not a power of two
        self.assertFalse(ffa(0, 0x1000, 0, MAX_ADDR, 0)[0])
        self.assertFalse(ffa(0, 0x1000, 0x5000, 0x5000, 1)[0])    # empty limit


def area_values(area):
    """An area of a set as the model describes one."""
    return ms_model_client.Area(area.get_start(), area.get_end(), area.get_flags(),
                                area.get_backend().name, area.get_offset(), area.get_name())


def boxed_pointer(area):
    """The address of an area's MsMemoryArea (what GBoxed hashes), the
    same for every Python wrapper of it."""
    return GObject.GBoxed.__hash__(area)


def c_hex(value):
    """A number as C's "%#x" writes it (0 without the 0x)."""
    return '%#x' % value if value else '0'


# What get_area_table and get_area_names give for a range: the table's
# rows one after the other, and the names.
AreaTable = collections.namedtuple('AreaTable', 'values names offsets')

# What expect-result names: "ok", or an MsMappingError by its nick.
RESULT_CODES = dict({v.value_nick: v for v in Ms.MappingError.__enum_values__.values()}, ok=None)


class ScenarioReplay:
    """One replay of a scenario of scenarios.txt, as the C tests do it
    (ms_test_scenario_run in ms-test-harness.c): a fresh set with backends
    0 to 3 (3 without move), written in Python, every step on the set and
    on the model, and backend call fail_at of the scenario (1 = the first,
    0 = none) failing, with a reason.

    After each change: the outcome and its error code, the exact backend
    calls, the old flags the update function was asked about, a backend's
    reason in the error, the n-areas notifications, and every area
    (start, end, flags, backend, offset, name), their number, the n-areas
    property, is_empty, the mapped size and the held areas, against the
    model. The expect- lines hold until a backend call failed; check and
    the end of the scenario compare every lookup and query with the model
    at every boundary (check()).

    Before the failing call, a replay repeats the one without failure
    (fail_at 0): its outcomes and backend calls are compared, but the set
    it holds is the one that replay compared, and that is not compared
    again. After the failure everything is, but for the sweep of check:
    its lookups are made at every point, its queries over the whole
    address space (check(sweep=False)), which keeps the 206 replays within
    a minute under valgrind."""

    N_BACKENDS = 4
    NO_MOVE = ('3',)
    MAX_HELD = 16

    def __init__(self, test, model, scenario, fail_at):
        self.test = test
        self.model = model
        self.scenario = scenario
        self.fail_at = fail_at
        self.log = []
        self.faults = Faults()
        self.backends = [(Backend if str(i) in self.NO_MOVE else MovingBackend)(
            str(i), self.log, self.faults) for i in range(self.N_BACKENDS)]
        self.set = Ms.MemorySet.new()
        self.n_notify = 0
        self.set.connect('notify::n-areas', self._count_notify)
        self.held = []          # (area, its values when taken)
        self.known = {}         # boxed pointer: (area, its values when first seen)
        self.failed = False
        self.n_calls = 0
        self.context = scenario.name

    def _count_notify(self, obj, pspec):
        self.n_notify += 1

    def run(self):
        """Replays the scenario; returns how many backend calls it made."""
        model = self.model
        model.reset()
        last = None
        for step in self.scenario.steps:
            self.context = 'scenario %s, %s, failing call %d' % (self.scenario.name, step,
                                                                 self.fail_at)
            args = step.args
            # Expectations hold until an injected failure.
            exact = not self.failed
            if step.is_change:
                last = self.change(step)
            elif step.verb == 'merge':
                self.set_merge(args['merge'])
            elif step.verb == 'limit':
                model.set_max_areas(args['max_areas'])
                self.set.set_max_areas(args['max_areas'])
            elif step.verb == 'hold':
                area = self.set.find(args['addr'])
                if area is not None:
                    self.held.append((area, area_values(area)))
                    del self.held[:-self.MAX_HELD]
            elif step.verb == 'check':
                if not self.repeating():
                    self.check(sweep=self.fail_at == 0)
            elif exact:
                self.expect(step, last)
        self.context = 'scenario %s, at its end, failing call %d' % (self.scenario.name,
                                                                     self.fail_at)
        self.check(sweep=self.fail_at == 0)
        return self.n_calls

    # -- changes -------------------------------------------------------------

    def change(self, step):
        """Runs a change on the model and on the set, compares them and
        gives the outcome (None or the error code)."""
        model, s, args = self.model, self.set, step.args
        fail_at = None
        if self.fail_at > self.n_calls:
            # Counted from 0 in this change.
            fail_at = self.fail_at - self.n_calls - 1
            self.faults.arm(fail_at, 'reason')
        asked, update = [], None

        if step.verb in ('map', 'map!'):
            offset = args['start'] if args['offset'] is None else args['offset']
            backend = self.backends[args['backend']]
            want = model.map(args['start'], args['size'], args['flags'], backend.name, offset,
                             args['name'], step.verb == 'map!', fail_at=fail_at)
            area = Ms.MemoryArea.new_full(args['start'], args['size'], args['flags'], backend,
                                          offset, args['name'])
            call = (s.map, area, None, step.verb == 'map!')
        elif step.verb == 'unmap':
            want = model.unmap(args['start'], args['size'], fail_at=fail_at)
            call = (s.unmap, args['start'], args['size'], None)
        elif step.verb == 'protect':
            want = model.protect(args['start'], args['size'], args['flags'], fail_at=fail_at)
            call = (s.protect, args['start'], args['size'], args['flags'], None)
        elif step.verb == 'protect-with':
            update = ms_scenarios.update_function(args['update'], args['param'])

            def recording(old):
                asked.append(old)
                return update(old)

            want = model.protect_with(args['start'], args['size'], update, fail_at=fail_at)
            call = (s.protect_with, args['start'], args['size'], None, recording)
        elif step.verb == 'clear':
            want = model.clear(fail_at=fail_at)
            call = (s.clear, None)
        else:
            want = model.remap(args['old_start'], args['old_size'], args['new_start'],
                               args['new_size'], fail_at=fail_at)
            call = (s.remap, args['old_start'], args['old_size'], args['new_start'],
                    args['new_size'], None)

        n_notify, n_before = self.n_notify, s.get_n_areas()
        del self.log[:]
        error = None
        try:
            call[0](*call[1:])
        except GLib.Error as e:
            error = e
        self.faults.disarm()
        got = None if error is None else error.code
        test, context = self.test, self.context
        if error is not None:
            test.assertEqual(error.domain, ERROR_DOMAIN, context)
        test.assertEqual(got, want.outcome, '%s: %s, the model %r' % (context, error, want))
        test.assertEqual(self.log, want.calls, context)
        if any(not c[-1] for c in want.calls):
            self.failed = True
        self.n_calls += len(self.log)

        # A backend's reason reaches the caller, after the operation and the
        # range it was asked for (with the overrides, the backend's own
        # GLib.Error reaches it as it is).
        if got == Ms.MappingError.BAD_STATE and self.log and not self.log[-1][-1]:
            name, kind, start, size = self.log[-1][:4]
            if OVERRIDES:
                test.assertIs(error, self.faults.raised, context)
            else:
                prefix = 'Failed to %s [%s, %s): ' % (kind, c_hex(start), c_hex(start + size))
                test.assertTrue(error.message.startswith(prefix), '%s: %r does not start with %r'
                                % (context, error.message, prefix))
                test.assertIn(INJECTED_FAILURE, error.message, context)

        self.compare_notify(n_notify, n_before)
        if update is not None:
            test.assertEqual(asked, want.seen, context)
        if not self.repeating():
            self.compare_areas()
        return got

    def repeating(self):
        """Whether the replay is still that without failure: before the
        failing call, after the same calls (compared), the set is the one
        that replay compared at this step."""
        return self.fail_at > 0 and not self.failed

    def set_merge(self, merge):
        n_notify, n_before = self.n_notify, self.set.get_n_areas()
        del self.log[:]
        self.model.set_merge_adjacent(merge)
        self.set.set_merge_adjacent(merge)
        # Bookkeeping only: no backend call.
        self.test.assertEqual(self.log, [], self.context)
        self.compare_notify(n_notify, n_before)
        if not self.repeating():
            self.compare_areas()

    def compare_notify(self, n_notify, n_before):
        """One notification of n-areas when the number changed, else none."""
        changed = self.set.get_n_areas() != n_before
        self.test.assertEqual(self.n_notify, n_notify + changed, self.context)

    def compare_areas(self):
        """The areas, their number, the n-areas property, is_empty, the
        mapped size and the held areas, against the model. Gives the areas,
        as the model writes them, by their boxed pointer."""
        test, context, s, model = self.test, self.context, self.set, self.model
        want = model.areas()
        areas = s.get_areas()
        test.assertEqual(len(areas), len(want), context)
        rows = memoryview(s.get_area_table(0, ms_model_client.TOP, True).get_data()).cast('Q')
        names = s.get_area_names(0, ms_model_client.TOP)
        test.assertEqual((len(rows), len(names)), (4 * len(want), len(want)), context)
        # Each area is read in full once, when new (and kept, so that its
        # memory is never another area's): its backend comes from there,
        # the rest from the table, and the two agree.
        got, read, by_pointer = [], [], {}
        for i, area in enumerate(areas):
            pointer = boxed_pointer(area)
            known = self.known.get(pointer)
            if known is None:
                known = self.known[pointer] = (area, area_values(area))
            start, end, flags, offset = rows[4 * i:4 * i + 4]
            values = ms_model_client.Area(start, end, flags, known[1].backend, offset, names[i])
            got.append(values)
            read.append(known[1])
            by_pointer[pointer] = values
        test.assertEqual(got, want, context)
        test.assertEqual(read, got, context + ': an area changed, or its table row is not it')
        test.assertEqual(s.props.n_areas, len(want), context)
        test.assertEqual(s.get_n_areas(), len(want), context)
        test.assertEqual(s.is_empty(), not want, context)
        test.assertEqual(s.get_mapped_size(), model.mapped_size, context)
        for area, was in self.held:
            test.assertEqual(area_values(area), was, context + ': a held area changed')
        return by_pointer

    # -- expectations --------------------------------------------------------

    def expect(self, step, last):
        test, s, args = self.test, self.set, step.args
        context = self.context
        if step.verb == 'expect-result':
            test.assertEqual(last, RESULT_CODES[args['result']], context)
        elif step.verb == 'expect-n-areas':
            test.assertEqual(s.get_n_areas(), args['n_areas'], context)
        elif step.verb == 'expect-area':
            area = s.find(args['start'])
            test.assertIsNotNone(area, context)
            offset = args['start'] if args['offset'] is None else args['offset']
            test.assertEqual((area.get_start(), area.get_end(), area.get_flags(),
                              area.get_offset()),
                             (args['start'], args['end'], args['flags'], offset), context)
            if args['name'] is not None:
                test.assertEqual(area.get_name(), args['name'], context)
        elif step.verb == 'expect-free':
            test.assertFalse(s.overlaps(args['start'], args['size']), context)
        elif step.verb == 'expect-find-free':
            ok, got = s.find_free_area(args['hint'], args['size'], args['limit_start'],
                                       args['limit_end'], args['align'])
            test.assertEqual(got if ok else None, args['answer'], context)
        elif step.verb == 'expect-find-free-top-down':
            ok, got = s.find_free_area_top_down(args['size'], args['limit_start'],
                                                args['limit_end'], args['align'])
            test.assertEqual(got if ok else None, args['answer'], context)
        else:
            raise AssertionError('%s: no such step' % context)

    # -- every lookup and query ----------------------------------------------

    SEARCH_ALIGNS = (1, 0x10, 0x1000, 0x200000)

    def check(self, sweep=True):
        """ms_test_harness_check: the areas, then at each point of the model
        (where a cell starts) and around it, find, the areas, table and
        names in ranges to a few points on, the gaps there and past the
        top, and the free-area searches from there and between it and the
        next point, against the model. (A query made twice in one check,
        with nothing changed in between, is made once.)

        Without sweep, the lookups at each point are find only, and the
        queries are those of the whole address space: the areas, table and
        names, overlaps and gaps of [0, 2^64 - 1), and the free-area
        searches from 0 in it."""
        top = ms_model_client.TOP
        s = self.set
        by_pointer = self.compare_areas()
        points = self.model.points()

        # What the set gives, with the model's query for each.
        got, queries = [], []

        def compare(value, *query):
            got.append(value)
            queries.append(query)

        def values(area):
            # An area of the list compare_areas just compared, or another.
            if area is None:
                return None
            found = by_pointer.get(boxed_pointer(area))
            return area_values(area) if found is None else found

        def gaps(start, size):
            collected = []
            s.foreach_gap(start, size, lambda gap_start, gap_size: collected.append(
                (gap_start, gap_size)) and False)
            return collected

        def searches(hint, limit_start, limit_end, top_down=True):
            for align in self.SEARCH_ALIGNS:
                for size in (align, 2 * align, 3 * align):
                    ok, start = s.find_free_area(hint, size, limit_start, limit_end, align)
                    compare(start if ok else None,
                            'find_free_area', hint, size, limit_start, limit_end, align)
                    if top_down:
                        ok, start = s.find_free_area_top_down(size, limit_start, limit_end, align)
                        compare(start if ok else None,
                                'find_free_area_top_down', size, limit_start, limit_end, align)

        def ranges(start, size):
            compare([values(a) for a in s.get_areas_in_range(start, size)],
                    'areas_in', start, size)
            compare(s.overlaps(start, size), 'overlaps', start, size)
            names = s.get_area_names(start, size)
            for offsets in (False, True):
                table = s.get_area_table(start, size, offsets).get_data()
                compare(AreaTable(list(memoryview(table).cast('Q')), names, offsets),
                        'areas_in', start, size)
            compare(gaps(start, size), 'gaps', start, size)

        if not sweep:
            for p in points:
                compare(values(s.find(p)), 'find', p)
            ranges(0, top)
            searches(0, 0, top)
            points = []

        for i, p in enumerate(points):
            after = points[i + 1] if i + 1 < len(points) else top
            for probe in (p, p - 1 & top, p + 1 & top, p + (after - p) // 2):
                compare(values(s.find(probe)), 'find', probe)

            # Ranges from here to a few points on, and past the top.
            for q in points[i:i + 3]:
                ranges(p, q - p + 1)
            compare(gaps(p, top), 'gaps', p, top)

            # The top-down searches of the whole space are the same at
            # every point.
            searches(p, 0, top, top_down=i == 0)
            searches(0, p, after)

        for value, query, want in zip(got, queries, self.model.ask_all(queries)):
            if isinstance(value, AreaTable):
                want = AreaTable([x for a in want for x in (a.start, a.end, a.flags)
                                  + ((a.offset,) if value.offsets else ())],
                                 [a.name for a in want], value.offsets)
            if value != want:
                self.test.assertEqual(value, want, '%s: %s (%s)' % (
                    self.context, query[0], ', '.join(map(c_hex, query[1:]))))


def _scenario_test(scenario):
    def test(self):
        model = ms_model_client.Model([str(i) for i in range(ScenarioReplay.N_BACKENDS)],
                                      no_move=ScenarioReplay.NO_MOVE,
                                      exceptions_reach_caller=OVERRIDES)
        self.addCleanup(model.close)
        n_calls = ScenarioReplay(self, model, scenario, 0).run()
        # Every backend call that the scenario makes fails once.
        for fail_at in range(1, n_calls + 1):
            ScenarioReplay(self, model, scenario, fail_at).run()
        self.failure_points[scenario.name] = n_calls

    test.__doc__ = 'scenario %s (%s:%d), each backend call failing in turn' % (
        scenario.name, ms_scenarios.FILE_NAME, scenario.line)
    return test


@unittest.skipIf(ms_model_client.oracle_path() is None,
                 'MS_MODEL_ORACLE does not name the model (run by meson test, it does)')
class ScenarioTest(unittest.TestCase):
    """The scenarios of tests/scenarios.txt, replayed as the C tests replay
    them (test-scenarios.c), through PyGObject with backends written in
    Python, against the reference model (ms_model_client.py), and again
    with each backend call failing in turn."""

    failure_points = {}

    @classmethod
    def tearDownClass(cls):
        if cls.failure_points:
            print('\n%d scenarios, %d failure points' % (len(cls.failure_points),
                                                         sum(cls.failure_points.values())),
                  file=sys.stderr)


for _scenario in ms_scenarios.load():
    setattr(ScenarioTest, 'test_' + _scenario.name.replace('-', '_'), _scenario_test(_scenario))
del _scenario


@unittest.skipIf(ms_model_client.oracle_path() is None,
                 'MS_MODEL_ORACLE does not name the model (run by meson test, it does)')
class RandomisedTest(MemorySetTestCase):
    """Random calls, compared with the reference model of the C tests
    (ms-test-model.c, through ms_model_client.py) after each one."""

    STEPS = 2000
    SEED = 0x6d656d
    # The addresses the calls use are multiples of GRAIN below MAX_ADDR,
    # mostly.
    GRAIN = 0x100

    def test_random_operations_against_the_model(self):
        rng = random.Random(self.SEED)
        grain, top = self.GRAIN, ms_model_client.TOP
        n_cells = MAX_ADDR // grain
        log = []
        faults = Faults()
        backends = {
            'a': MovingBackend('a', log, faults),
            'd': MovingBackend('d', log, faults),
            'b': Backend('b', log, faults),             # no move
            'c': NoProtectBackend('c', log, faults),    # neither protect nor move
        }
        model = ms_model_client.Model(['a', 'd', 'b', 'c'], no_move='bc', no_protect='c',
                                      exceptions_reach_caller=OVERRIDES)
        self.addCleanup(model.close)
        s, table = self.set, self.table
        names = [None, None, '/lib/libc.so.6', '[heap]', '/tmp/x y']
        held = []          # (area, its values when taken)

        def cell_range(max_cells):
            start = rng.randrange(0, n_cells) * grain
            size = rng.randrange(0, max_cells + 1) * grain
            return start, min(size, MAX_ADDR - start)

        def past_top(strictly=False):
            """A range that runs past 2^64 - 1 (or ends exactly there)."""
            start = rng.choice([rng.randrange(1, n_cells) * grain, top - rng.randrange(0, 4) * grain])
            size = min(top - start + rng.choice([1, 2, grain] + ([] if strictly else [0])),
                       2 ** 64 - 1)
            return start, size

        def wide_range(max_cells):
            r = rng.random()
            if r < 0.06:
                return past_top()
            start, size = cell_range(max_cells)
            if r < 0.1:
                size = rng.choice([MAX_ADDR - start + grain, 2 ** 40, top - start])
            return start, size

        def query_range():
            start = rng.choice([rng.randrange(0, MAX_ADDR + grain),
                                rng.randrange(0, n_cells) * grain, top - rng.randrange(0, 3)])
            size = rng.choice([0, rng.randrange(1, 0x3000), rng.randrange(0, 0x30) * grain,
                               2 ** 64 - 1, top - start, MAX_ADDR])
            return start, size

        def pick_offset(start, size, flags, backend):
            """Offsets and names: anonymous, running on from the area on the
            left (with its flags and backend, mostly: then the two may
            join), file-like, or near 2^64."""
            r = rng.random()
            left = model.find(start - 1) if start > 0 else None
            if r < 0.4:
                return None, None, flags, backend
            if r < 0.7 and left is not None:
                if rng.random() < 0.8:
                    flags, backend = left.flags, left.backend
                name = left.name if rng.random() < 0.8 else rng.choice(names)
                return left.offset + (start - left.start), name, flags, backend
            if r < 0.75:
                # Near the top: offset + size just below 2^64 - 1, at it,
                # or past it; or k cells below 2^64, which a remap may grow
                # into.
                offset = rng.choice([top - size + rng.choice([-grain, 0, 1]),
                                     2 ** 64 - (size // grain + rng.randrange(1, 4)) * grain])
                return min(max(offset, 0), 2 ** 64 - 1), rng.choice(names), flags, backend
            return rng.randrange(0, 0x100) * grain, rng.choice(names), flags, backend

        def fixed(new):
            return lambda old: (True, new)

        def raises_on(bad, new):
            def update(old):
                if old == bad:
                    raise ValueError('flags %#x' % old)
                return True, new
            return update

        update_functions = [
            lambda: update_flags(rng.randrange(1, 8)),
            lambda: (lambda old: (True, old % 9 + 1)),
            lambda: (lambda old: (old % 2 == 0, 3)),
            lambda: (lambda old: (True, old)),
            lambda: fixed(rng.randrange(1, 10)),
        ]

        def pick_update(start, size):
            """An update function; a fifth of them raise on some flags, mostly
            those of an area in the range."""
            if rng.random() < 0.8:
                return rng.choice(update_functions)()
            inside = model.areas_in(start, size)
            bad = rng.choice(inside).flags if inside and rng.random() < 0.7 else rng.randrange(1, 10)
            return raises_on(bad, rng.randrange(1, 10))

        def maps_line(start, end, flags, offset, name):
            if flags < 0x10 and rng.random() < 0.8:
                perms = ''.join(letter if flags & bit else '-'
                                for bit, letter in ((1, 'r'), (2, 'w'), (4, 'x')))
                perms += 's' if flags & 8 else 'p'
            else:
                perms = '0x%x' % flags
            sep = rng.choice([' ', ' ', '\t'])
            line = '%x-%x%s%s' % (start, end, sep, perms)
            if offset is not None:
                line += '%s%0*x 00:00 0' % (sep, rng.choice([1, 8, 16]), offset)
                if name is not None:
                    line += ' ' * rng.randrange(1, 30) + name
            return line + rng.choice(['', '', '\r'])

        def joining(backend, size):
            """A free range of size just after an area of backend, and the
            flags, offset and name that would join it to that area."""
            areas = [a for a in model.areas() if a.backend == backend
                     and a.end + size <= MAX_ADDR and not model.overlaps(a.end, size)]
            if not areas:
                return None
            a = rng.choice(areas)
            name = a.name if rng.random() < 0.8 else rng.choice(names)
            return a.end, a.flags, a.offset + (a.end - a.start), name

        def gen_load_maps(backend):
            lines, texts, taken = [], [], []
            if rng.random() < 0.05:
                # A malformed first line (later ones are not checked).
                lines.append(ms_model_client.MALFORMED)
                texts.append(rng.choice(['zz-1000 rw-p', '2000-2000 rw-p', '3000-2000 r--p',
                                         '1000-2000 rwzp', '1000-2000', '1000-2000 0xzz',
                                         '-2000 rw-p', '1000-2000 rw-p zz 00:00 0']))
            for k in range(rng.choice([1, 1, 2, 3])):
                size = rng.randrange(1, 9) * grain
                start = None
                if rng.random() < 0.85:
                    for attempt in range(3):
                        start = model.find_free_area(rng.randrange(0, MAX_ADDR), size, 0,
                                                     MAX_ADDR, grain)
                        if start is None or not any(start < e and s0 < start + size
                                                    for s0, e in taken):
                            break
                if start is None:
                    start = rng.randrange(0, n_cells) * grain
                    size = min(size, MAX_ADDR - start)
                flags = rng.randrange(1, 16) if rng.random() < 0.8 else rng.randrange(1, 0x100)
                offset = name = None
                join = joining(backend, size) if rng.random() < 0.2 else None
                if join is not None:
                    start, flags, offset, name = join
                    if offset == start and name is None and rng.random() < 0.5:
                        offset = None       # anonymous memory
                end = start + size
                taken.append((start, end))
                if join is None and rng.random() < 0.5:
                    r = rng.random()
                    if r < 0.3:
                        offset = start
                    elif r < 0.75:
                        offset = rng.randrange(0, 0x100) * grain
                    else:
                        offset = top - size + rng.choice([0, 1])
                    name = rng.choice(names)
                lines.append((start, end, flags, offset, name))
                texts.append(maps_line(start, end, flags, offset, name))
            return lines, '\n'.join(texts) + rng.choice(['', '\n'])

        def gen_remap():
            areas = model.areas()
            area = None
            if rng.random() < 0.1:
                # Growing the tail of an area in place up to the next area
                # that continues its offsets: the two may then join.
                pairs = [(x, y) for x, y in zip(areas, areas[1:])
                         if x.end < y.start and (x.backend, x.flags, x.name) == (y.backend, y.flags, y.name)
                         and y.offset == x.offset + (y.start - x.start)]
                if pairs:
                    x, y = rng.choice(pairs)
                    old_start = rng.randrange(x.start // grain, x.end // grain) * grain
                    return old_start, x.end - old_start, old_start, y.start - old_start
            high = [a for a in areas if a.offset > 2 ** 63]
            if high and rng.random() < 0.05:
                # Offsets that a growth would take past 2^64 - 1, into a
                # destination that may not be free either.
                a = rng.choice(high)
                old_start = rng.randrange(a.start // grain, a.end // grain) * grain
                old_size = a.end - old_start
                new_size = old_size + rng.randrange(1, 4) * grain
                new_start = rng.choice([old_start, rng.randrange(0, n_cells) * grain])
                return old_start, old_size, new_start, min(new_size, MAX_ADDR - new_start)
            if areas and rng.random() < 0.85:
                area = a = rng.choice(areas)
                n = (a.end - a.start) // grain
                k = rng.randrange(0, n)
                old_start = a.start + k * grain
                old_size = rng.randrange(1, n - k + 1) * grain
                if rng.random() < 0.08:
                    old_size += rng.choice([grain, 2 * grain])   # past its area
            elif rng.random() < 0.1:
                old_start, old_size = past_top()
            else:
                old_start, old_size = cell_range(8)
            if old_size > MAX_ADDR:
                new_size = grain
            elif old_size >= 2 * grain and rng.random() < 0.3:
                new_size = rng.randrange(1, old_size // grain) * grain      # shrinking
            elif rng.random() < 0.15:
                new_size = old_size
            else:
                new_size = rng.randrange(1, old_size // grain + 5) * grain
            if rng.random() < 0.03:
                new_size = 0
            r = rng.random()
            if r < 0.4:
                new_start = old_start
            elif r < 0.75:
                hint = rng.randrange(0, MAX_ADDR)
                free = (model.find_free_area(hint, new_size, 0, MAX_ADDR, grain)
                        if rng.random() < 0.5 else
                        model.find_free_area_top_down(new_size, 0, MAX_ADDR, grain))
                new_start = old_start if free is None else free
            elif r < 0.9 and area is not None:
                # Where the piece joins an area whose offsets it continues.
                piece = model.find(old_start)
                offset = piece.offset + (old_start - piece.start)
                targets = [b.end for b in model.areas()
                           if (b.backend, b.flags, b.name) == (piece.backend, piece.flags, piece.name)
                           and b.offset + (b.end - b.start) == offset and b.end != old_start
                           and b.end + new_size <= MAX_ADDR and not model.overlaps(b.end, new_size)]
                new_start = rng.choice(targets) if targets else old_start
            elif r < 0.93:
                # A destination that overlaps the old range.
                new_start = old_start + rng.choice([-1, 1]) * rng.randrange(1, 4) * grain
                new_start = max(new_start, 0) if new_start < MAX_ADDR else old_start
            elif r < 0.97:
                new_start = rng.randrange(0, n_cells) * grain
            else:
                new_start = min(top - new_size + rng.choice([1, grain]), top)
            if new_start < MAX_ADDR and new_start + new_size > MAX_ADDR:
                new_size = MAX_ADDR - new_start
            return old_start, old_size, new_start, new_size

        def describe_set(areas=None):
            return [area_values(a) for a in (s.get_areas() if areas is None else areas)]

        ops = ['map', 'map-overlap', 'unmap', 'protect', 'protect-with', 'remap',
               'load-maps', 'clear', 'query', 'merge', 'limit']
        weights = [28, 8, 8, 10, 12, 14, 8, 0.3, 8, 2.5, 5]
        changes = {'map', 'map-overlap', 'unmap', 'protect', 'protect-with', 'remap',
                   'load-maps', 'clear'}
        counts = dict.fromkeys(ops, 0)
        outcomes = {op: set() for op in changes}
        events = set()
        most_areas = 0
        current = []       # what the set holds, as the last step left it
        for step in range(self.STEPS):
            op = rng.choices(ops, weights)[0]
            counts[op] += 1
            del log[:]
            seen, asked, raised_at = [], [], []
            before = current
            n_before = len(before)
            ask_first = n_before + 2 > max(model.max_areas, n_before)
            joins = model.joins
            call = expect = None     # the set's call; expect(fail_at, raises, trial)
            detail = ()

            if op in ('map', 'map-overlap'):
                overlap = op == 'map-overlap'
                r = rng.random()
                # Just after an area, which it may continue, in the gap
                # there (no area starts where it ends).
                areas = model.areas()
                starts = {a.start for a in areas}
                after = [a.end for a in areas if a.end < MAX_ADDR and a.end not in starts]
                if r < 0.03:
                    start, size = past_top(strictly=True)
                elif r < 0.2 and after:
                    start = rng.choice(after)
                    size = min(rng.randrange(1, 8) * grain, MAX_ADDR - start)
                else:
                    start, size = cell_range(rng.choice([1, 2, 4, 8, 16]))
                flags, backend = rng.choice([1, 1, 2, 3, 5, 7]), rng.choice('aaddbc')
                offset, name, flags, backend = pick_offset(start, size, flags, backend)
                if offset is None:
                    area = Ms.MemoryArea.new(start, size, flags, backends[backend])
                else:
                    area = Ms.MemoryArea.new_full(start, size, flags, backends[backend], offset, name)
                if rng.random() < 0.2 and start + size <= top:
                    held.append((area, ms_model_client.Area(start, start + size, flags, backend,
                                                            start if offset is None else offset,
                                                            name)))
                expect = functools.partial(model.map, start=start, size=size, flags=flags,
                                           backend=backend, offset=offset, name=name,
                                           unmap_overlap=overlap)
                call = (s.map, area, table, overlap)
                detail = (hex(start), hex(size), flags, backend, offset, name)
            elif op == 'unmap':
                start, size = wide_range(24)
                big = [a for a in model.areas() if a.end - a.start >= 3 * grain]
                if big and rng.random() < 0.2:
                    # A hole inside one area, which splits it.
                    a = rng.choice(big)
                    start = rng.randrange(a.start // grain + 1, a.end // grain - 1) * grain
                    size = rng.randrange(1, a.end // grain - start // grain) * grain
                expect = functools.partial(model.unmap, start=start, size=size)
                call = (s.unmap, start, size, table)
                detail = (hex(start), hex(size))
            elif op == 'protect':
                start, size = wide_range(48)
                new = rng.randrange(1, 10)
                expect = functools.partial(model.protect, start=start, size=size,
                                           new_flags=new)
                call = (s.protect, start, size, new, table)
                detail = (hex(start), hex(size), new)
            elif op == 'protect-with':
                start, size = wide_range(48)
                update = pick_update(start, size)
                n_pieces = len(model.areas_in(start, size)) if start + size <= top else 0

                def recording(old, update=update):
                    seen.append(old)
                    return update(old)

                def noting(old, update=update):
                    asked.append(old)
                    try:
                        return update(old)
                    except ValueError:
                        raised_at.append(len(asked) - 1)
                        raise

                expect = functools.partial(model.protect_with, start=start, size=size,
                                           update=noting)
                call = (s.protect_with, start, size, table, recording)
                detail = (hex(start), hex(size), 'asking first' if ask_first else 'walking')
            elif op == 'remap':
                args = gen_remap()
                expect = functools.partial(model.remap, **dict(zip(
                    ('old_start', 'old_size', 'new_start', 'new_size'), args)))
                call = (s.remap,) + args + (table,)
                detail = tuple(hex(x) for x in args)
            elif op == 'load-maps':
                backend = rng.choice('aadbc')
                lines, text = gen_load_maps(backend)
                expect = functools.partial(model.load_maps, lines=lines, backend=backend)
                call = (s.load_maps, text, backends[backend], table)
                detail = (text, backend)
            elif op == 'clear':
                expect = model.clear
                call = (s.clear, table)
            elif op == 'merge':
                merge = rng.random() < 0.6
                s.set_merge_adjacent(merge)
                model.set_merge_adjacent(merge)
                self.assertEqual(s.get_merge_adjacent(), merge)
                if merge and model.n_areas < n_before:
                    events.add('merged when turned on')
            elif op == 'limit':
                n = n_before
                limit = rng.choice([ms_model_client.MAX_AREAS_DEFAULT] * 6 +
                                   [n, n, n + 1, n + 1, n + 2, max(n - 1, 0), 0,
                                    n + rng.randrange(3, 20), rng.randrange(0, 64)])
                s.set_max_areas(limit)
                model.set_max_areas(limit)
                self.assertEqual(s.get_max_areas(), limit)
            else:
                self.check_queries(rng, model, query_range)

            # A quarter of the changes have a backend call fail: one of the
            # calls the change would make, mostly (the model tries it on a
            # copy first), or one past them, which never comes.
            fail_at, raises, mode = None, False, None
            if call is not None and rng.random() < 0.25:
                n_calls = len(expect(fail_at=None, raises=False, trial=True).calls)
                if n_calls:
                    fail_at = rng.randrange(0, n_calls + (rng.random() < 0.2))
                    mode = rng.choice(['refuse', 'raise'])
                    raises = mode == 'raise'
                    faults.arm(fail_at, mode)
                del asked[:], raised_at[:]
            context = 'step %d: %s, failing call %s (%s) %r' % (step, op, fail_at, mode, detail)
            if call is not None:
                want = expect(fail_at=fail_at, raises=raises)
                if op == 'protect-with' and raised_at and raised_at[0] < n_pieces - 1:
                    events.add('protect-with, areas after an update that raised')
                message = None
                with quiet_stderr():
                    try:
                        call[0](*call[1:])
                        got = None
                    except GLib.Error as e:
                        self.assertEqual(e.domain, ERROR_DOMAIN, context)
                        got, message = e.code, e.message
                    except Exception:
                        if not OVERRIDES:
                            raise
                        got = ms_model_client.RAISED
                faults.disarm()
                self.assertEqual(got, want.outcome, context + ' ' + repr(want))
                self.assertEqual(log, want.calls, context)
                if op == 'protect-with':
                    self.assertEqual(seen, want.seen, context)
                if op == 'load-maps' and got not in (None, ms_model_client.RAISED,
                                                     ms_model_client.TOO_MANY_AREAS):
                    self.assertTrue(message.startswith('Line %d:' % want.line),
                                    '%s: %r' % (context, message))
                if got == ms_model_client.TOO_MANY_AREAS:
                    # Refused by the limit: nothing changed, no backend call.
                    self.assertEqual(log, [], context)
                    self.assertEqual(describe_set(), before, context)
                fault = mode if any(not c[-1] for c in want.calls) else None
                outcomes[op].add((got, fault))
                if op == 'protect-with' and fault is not None:
                    events.add('protect-with %s, failing' % ('asking first' if ask_first else 'walking'))
                if op == 'protect-with' and got == ms_model_client.TOO_MANY_AREAS and seen:
                    events.add('protect-with refused by the limit, asking')
                if op == 'remap' and got is None:
                    old_start, old_size, new_start, new_size = args
                    events.add('remap %s, %s' % ('in place' if old_start == new_start else 'moving',
                                                 'growing' if new_size > old_size else
                                                 'shrinking' if new_size < old_size else 'same size'))
                if model.joins > joins:
                    events.add('merged by %s' % op)

            if op in changes or op == 'merge':
                areas = s.get_areas()
                current = describe_set(areas)
                self.assertEqual(current, model.areas(), context)
                self.assertEqual(s.get_n_areas(), model.n_areas, context)
                self.assertEqual(s.get_mapped_size(), model.mapped_size, context)
                # The page table the backends keep agrees.
                spans = [(v.start, v.end, a.get_size(), v.flags) for v, a in zip(current, areas)]
                self.assertMatchesTable(areas=areas, spans=spans)
                for area, values in held:
                    self.assertEqual(area_values(area), values, context)
            if rng.random() < 0.1 and model.n_areas:
                addr = rng.choice(model.areas()).start + rng.randrange(0, grain)
                held.append((s.find(addr), model.find(addr)))
            if len(held) > 8:
                del held[rng.randrange(0, len(held))]
            most_areas = max(most_areas, model.n_areas)

        self.assertMatchesTable()
        # The sequence went through every kind of operation, through sets of
        # a fair size, and through merges.
        for op in ops:
            self.assertGreater(counts[op], 0, op)
        self.assertGreaterEqual(most_areas, 40)
        # ... and through every outcome, backends that refuse or raise
        # included.
        raised = ms_model_client.RAISED if OVERRIDES else Ms.MappingError.BAD_STATE
        E = Ms.MappingError
        expected = {
            'map': [None, E.INVALID_PARAM, E.ALREADY_EXISTS, E.TOO_MANY_AREAS],
            'map-overlap': [None, E.TOO_MANY_AREAS],
            'unmap': [None, E.INVALID_PARAM, E.TOO_MANY_AREAS],
            'protect': [None, E.INVALID_PARAM, E.BAD_STATE, E.TOO_MANY_AREAS],
            'protect-with': [None, E.INVALID_PARAM, E.BAD_STATE, E.TOO_MANY_AREAS]
            + ([ms_model_client.RAISED] if OVERRIDES else []),
            'remap': [None, E.INVALID_PARAM, E.NOT_MAPPED, E.ALREADY_EXISTS, E.BAD_STATE,
                      E.TOO_MANY_AREAS],
            'load-maps': [None, E.PARSE, E.INVALID_PARAM, E.ALREADY_EXISTS, E.TOO_MANY_AREAS],
            'clear': [None],
        }
        for op, codes in expected.items():
            for code in codes:
                self.assertIn((code, None), outcomes[op], op)
        for op in ['map', 'map-overlap', 'unmap', 'protect', 'protect-with', 'remap', 'load-maps']:
            self.assertIn((Ms.MappingError.BAD_STATE, 'refuse'), outcomes[op], op)
            self.assertIn((raised, 'raise'), outcomes[op], op)
        for event in ['protect-with asking first, failing', 'protect-with walking, failing',
                      'protect-with refused by the limit, asking', 'merged when turned on',
                      'merged by map', 'merged by protect-with', 'merged by remap',
                      'merged by load-maps', 'protect-with, areas after an update that raised',
                      'remap in place, growing', 'remap in place, shrinking',
                      'remap in place, same size', 'remap moving, growing',
                      'remap moving, shrinking', 'remap moving, same size']:
            self.assertIn(event, events)

    def check_queries(self, rng, model, query_range):
        """find, overlaps, the areas and gaps in a range, the free-area
        searches and the mapped size, against the model's brute force."""
        s = self.set
        top = ms_model_client.TOP
        addr = rng.choice([rng.randrange(0, MAX_ADDR + 0x100), rng.randrange(0, 2 ** 64)])
        found = s.find(addr)
        self.assertEqual(None if found is None else area_values(found), model.find(addr), hex(addr))

        start, size = query_range()
        where = '(%#x, %#x)' % (start, size)
        self.assertEqual(s.overlaps(start, size), model.overlaps(start, size), where)
        want = model.areas_in(start, size)
        self.assertEqual([area_values(a) for a in s.get_areas_in_range(start, size)], want, where)
        stop = rng.randrange(1, 4)
        walked = []

        def visit(area):
            walked.append(area_values(area))
            return len(walked) == stop

        s.foreach_in_range(start, size, visit)
        self.assertEqual(walked, want[:stop], where)

        gaps = []
        stop = rng.choice([1, 2, 1000])

        def gap(gap_start, gap_size):
            gaps.append((gap_start, gap_size))
            return len(gaps) == stop

        s.foreach_gap(start, size, gap)
        self.assertEqual(gaps, model.gaps(start, size)[:stop], where)

        align = rng.choice([0, 1, 3, 0x80, 0x100, 0x400, 0x1000, 2 ** 63])
        fsize = min(rng.randrange(0, 0x20) * (align or 1) + rng.choice([0, 0, 0, 0x80]),
                    2 ** 64 - 1)
        hint = rng.choice([rng.randrange(0, MAX_ADDR), 0, top - rng.randrange(0, 0x3000)])
        # Limits anywhere, and on the edges of gaps, where a range may just
        # fit.
        edges = [0, MAX_ADDR] + [x for a in model.areas() for x in (a.start, a.end)]
        limit_start = rng.choice([0, rng.randrange(0, MAX_ADDR), rng.choice(edges)])
        limit_end = rng.choice([MAX_ADDR, rng.randrange(0, MAX_ADDR), top, limit_start,
                                rng.choice(edges), rng.choice(edges)])
        if rng.random() < 0.3:
            # The size of a gap, or of one of its aligned parts.
            gaps = model.gaps(0, MAX_ADDR)
            if gaps:
                gap_start, gap_size = rng.choice(gaps)
                fsize = gap_size // (align or 1) * (align or 1)
                limit_start = rng.choice([limit_start, gap_start])
                limit_end = rng.choice([limit_end, gap_start + gap_size])
        args = (hint, fsize, limit_start, limit_end, align)
        ok, got = s.find_free_area(*args)
        self.assertEqual(got if ok else None, model.find_free_area(*args),
                         'find_free_area(%s)' % ', '.join(map(hex, args)))
        ok, got = s.find_free_area_top_down(*args[1:])
        self.assertEqual(got if ok else None, model.find_free_area_top_down(*args[1:]),
                         'find_free_area_top_down(%s)' % ', '.join(map(hex, args[1:])))
        self.assertEqual(s.get_mapped_size(), model.mapped_size)


class ManyAreasTest(MemorySetTestCase):
    N = 200_000

    def test_many_areas(self):
        n = self.N
        table = PageTable(4 * n + 0x100)
        s = self.set
        backend = self.backend

        # Areas [4i, 4i + 3), one free address between neighbours.
        for i in range(n):
            s.map(Ms.MemoryArea.new(4 * i, 3, i % 5 + 1, backend), table, False)
        self.assertEqual(s.props.n_areas, n)
        self.assertMatchesTable(s, table)

        middle = 4 * (n // 2)
        held = s.find(middle + 1)
        self.assertEqual((held.get_start(), held.get_end()), (middle, middle + 3))
        self.assertIsNone(s.find(middle + 3))
        self.assertTrue(s.overlaps(middle + 2, 2))
        self.assertFalse(s.overlaps(middle + 3, 1))

        ok, addr = s.find_free_area(0, 1, 0, len(table.entries), 1)
        self.assertEqual((ok, addr), (True, 3))
        ok, addr = s.find_free_area(middle, 2, 0, len(table.entries), 1)
        self.assertEqual((ok, addr), (True, 4 * n - 1))
        ok, addr = s.find_free_area(0, 2, 0, 4 * n, 1)
        self.assertFalse(ok)

        # Re-flag nearly everything: the first area crossing the range is
        # split, the rest change in place.
        del backend.calls[:]
        lo, hi = 4 * 1000 + 1, 4 * (n - 1000)
        self.assertTrue(s.protect(lo, hi - lo, 7, table))
        self.assertEqual(s.props.n_areas, n + 1)
        self.assertEqual(len(backend.calls), n - 2000)
        self.assertEqual(backend.calls[0][1:], ('protect', lo, 2, 7, True))
        self.assertEqual(held.get_flags(), (n // 2) % 5 + 1)
        self.assertEqual(s.find(middle).get_flags(), 7)

        # Unmap a wide range in the middle, cutting two areas short.
        self.assertTrue(s.unmap(4 * 50000 + 1, 4 * 100000, table))
        self.assertEqual(s.props.n_areas, n + 1 - 99999)
        self.assertIsNone(s.find(middle))
        self.assertEqual(s.find(4 * 50000).get_end(), 4 * 50000 + 1)
        self.assertEqual(s.find(4 * 150000 + 1).get_start(), 4 * 150000 + 1)
        self.assertMatchesTable(s, table)

        # Map over the hole and the two cut pieces on its sides.
        self.assertTrue(s.map(Ms.MemoryArea.new(4 * 50000, 4 * 100000 + 3, 9, backend), table, True))
        self.assertEqual(s.props.n_areas, n + 1 - 99999 - 1)
        self.assertMatchesTable(s, table)

        self.assertTrue(s.clear(table))
        self.assertEqual(s.props.n_areas, 0)
        self.assertEqual(table.entries.count(0), len(table.entries))
        self.assertEqual((held.get_start(), held.get_end()), (middle, middle + 3))


if __name__ == '__main__':
    unittest.main(verbosity=2)
