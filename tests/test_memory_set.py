#!/usr/bin/python3
# test_memory_set.py: MsMemorySet driven from Python, with backends
# written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import contextlib
import io
import random
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Ms', '1.0')

from gi.repository import GLib, GObject, Ms  # noqa: E402

# The same tests run without the overrides and with them (with_overrides.py);
# with them, an exception raised in a backend or a callback reaches the
# caller instead of being printed.
OVERRIDES = hasattr(Ms, 'PyMappingBackend')

MAX_ADDR = 0x10000
ERROR_DOMAIN = 'ms-mapping-error-quark'


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

    def arm(self, n, mode='refuse'):
        """The n-th call from now (0 = the next one) fails."""
        self.countdown = n
        self.mode = mode

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
    entry in the range is set, unmap and protect fail if any entry is 0.
    Every call is logged as (backend, kind, start, size, flags, succeeded);
    the page tables received are kept to check their identity."""

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

    def assertMatchesTable(self, set_=None, table=None):
        """The set describes exactly what the page table holds."""
        set_ = set_ or self.set
        table = table or self.table
        entries = table.entries
        areas = set_.get_areas()
        visited = []

        def visit(area):
            visited.append(area.get_start())
            return False

        set_.foreach(visit)
        self.assertEqual(len(areas), set_.props.n_areas)
        self.assertEqual(len(areas), set_.get_n_areas())
        self.assertEqual(set_.is_empty(), len(areas) == 0)
        self.assertEqual(visited, [a.get_start() for a in areas])

        covered = 0
        for area in areas:
            start, end, size = area.get_start(), area.get_end(), area.get_size()
            flags = area.get_flags()
            self.assertGreater(size, 0)
            self.assertEqual(end, start + size)
            self.assertGreaterEqual(start, covered, 'areas overlap or are out of order')
            self.assertLessEqual(end, len(entries))
            self.assertEqual(set_.find(start).get_start(), start)
            self.assertEqual(set_.find(end - 1).get_start(), start)
            self.assertEqual(entries.count(0, covered, start), start - covered,
                             'an entry in [%#x, %#x) is mapped but in no area' % (covered, start))
            self.assertEqual(entries.count(flags, start, end), size,
                             'the entries of [%#x, %#x) are not all %#x' % (start, end, flags))
            covered = end
        self.assertEqual(entries.count(0, covered), len(entries) - covered,
                         'an entry at or above %#x is mapped but in no area' % covered)


class UpstreamTest(MemorySetTestCase):
    """The scenarios of the memory_set crate's test suite."""

    def map_eight(self, flags):
        for k in range(8):
            self.map(k * 0x2000, 0x1000, flags)
        self.assertEqual(self.set.props.n_areas, 8)

    def test_readme_example(self):
        self.map(0x1000, 0x4000, 1)
        self.unmap(0x2000, 0x2000)
        self.assertEqual(describe(self.set), [(0x1000, 0x2000, 1), (0x4000, 0x5000, 1)])

    def test_map_unmap(self):
        self.map_eight(1)
        for k in range(8):
            self.map(k * 0x2000 + 0x1000, 0x1000, 2)
        self.assertEqual(self.set.props.n_areas, 16)
        self.assertTrue(all(e in (1, 2) for e in self.table.entries))

        area = self.set.find(0x4100)
        self.assertEqual((area.get_start(), area.get_end(), area.get_flags()),
                         (0x4000, 0x5000, 1))

        self.assertMappingError(Ms.MappingError.ALREADY_EXISTS, self.set.map,
                                Ms.MemoryArea.new(0x4000, 0x4000, 3, self.backend),
                                self.table, False)
        self.assertEqual(self.set.props.n_areas, 16)
        self.assertMatchesTable()

        self.map(0x4000, 0x4000, 3, unmap_overlap=True)
        self.assertEqual(self.set.props.n_areas, 13)
        self.assertEqual(self.table.entries[0x4000:0x8000], bytes((3,)) * 0x4000)
        area = self.set.find(0x4100)
        self.assertEqual((area.get_start(), area.get_end(), area.get_flags()),
                         (0x4000, 0x8000, 3))

        self.unmap(0x4000, 0x8000)
        self.assertEqual(self.set.props.n_areas, 8)

        # Past the end of the table, through holes: the backend only sees
        # the mapped pieces, so its checks pass.
        self.unmap(0, 0x20000)
        self.assertEqual(self.set.props.n_areas, 0)
        self.assertTrue(self.set.is_empty())
        self.assertEqual(self.table.entries.count(0), MAX_ADDR)

    def test_unmap_split(self):
        self.map_eight(1)

        for k in range(8):
            self.unmap(k * 0x2000 + 0xc00, 0x1800)
        areas = describe(self.set)
        self.assertEqual(len(areas), 8)
        self.assertEqual(areas[0], (0, 0xc00, 1))
        for start, end, flags in areas[1:]:
            self.assertEqual(start % 0x1000, 0x400)
            self.assertEqual(end - start, 0x800)
            self.assertEqual(flags, 1)

        for k in range(8):
            self.unmap(k * 0x2000 + 0x800, 0x100)
        areas = describe(self.set)
        self.assertEqual(len(areas), 16)
        for start, end, flags in areas:
            self.assertIn((start % 0x1000, end - start),
                          [(0, 0x800), (0x400, 0x400), (0x900, 0x300)])

        self.unmap(0, MAX_ADDR)
        self.assertEqual(self.set.props.n_areas, 0)
        self.assertEqual(self.table.entries.count(0), MAX_ADDR)

    def page_layout(self):
        """The areas of each mapped 4 KiB page [k * 0x2000, +0x1000), as
        (offset in the page, size, flags)."""
        pages = [[] for k in range(8)]
        for start, end, flags in describe(self.set):
            self.assertLess(start % 0x2000, 0x1000)
            self.assertLessEqual(end - start // 0x2000 * 0x2000, 0x1000)
            pages[start // 0x2000].append((start % 0x2000, end - start, flags))
        return pages

    def protect_with(self, start, size, update):
        self.assertTrue(self.set.protect_with(start, size, self.table, update))
        self.assertMatchesTable()

    def test_protect(self):
        self.map_eight(0x7)

        for k in range(8):
            self.protect_with(k * 0x2000 + 0xc00, 0x1800, update_flags(0x1))
        self.assertEqual(self.set.props.n_areas, 23)
        self.assertEqual(self.page_layout(),
                         [[(0x000, 0xc00, 0x7), (0xc00, 0x400, 0x1)]]
                         + [[(0x000, 0x400, 0x1), (0x400, 0x800, 0x7), (0xc00, 0x400, 0x1)]] * 7)

        for k in range(8):
            self.protect_with(k * 0x2000 + 0x800, 0x100, update_flags(0x13))
        self.assertEqual(self.set.props.n_areas, 39)
        tail = [(0x800, 0x100, 0x3), (0x900, 0x300, 0x7), (0xc00, 0x400, 0x1)]
        layout = ([[(0x000, 0x800, 0x7)] + tail]
                  + [[(0x000, 0x400, 0x1), (0x400, 0x400, 0x7)] + tail] * 7)
        self.assertEqual(self.page_layout(), layout)

        for k in range(8):
            self.protect_with(k * 0x2000 + 0x880, 0x80, update_flags(0x3))
        self.assertEqual(self.set.props.n_areas, 39)
        self.assertEqual(self.page_layout(), layout)

        self.unmap(0, MAX_ADDR)
        self.assertEqual(self.set.props.n_areas, 0)
        self.assertEqual(self.table.entries.count(0), MAX_ADDR)

    def test_find_free_area(self):
        self.map_eight(1)
        cases = [
            (0x0000, 0x1000, 0x0001, 0x1000),
            (0x0800, 0x0800, 0x0800, 0x1000),
            (0x1800, 0x0800, 0x0800, 0x1800),
            (0x1800, 0x1000, 0x1000, 0x3000),
            (0x2000, 0x1000, 0x1000, 0x3000),
            (0xf000, 0x1000, 0x1000, 0xf000),
            (0xf001, 0x1000, 0x1000, None),
        ]
        for hint, size, align, want in cases:
            with self.subTest(hint=hex(hint), size=hex(size), align=hex(align)):
                ok, addr = self.set.find_free_area(hint, size, 0, MAX_ADDR, align)
                if want is None:
                    self.assertFalse(ok)
                else:
                    self.assertTrue(ok)
                    self.assertEqual(addr, want)
        self.assertMatchesTable()


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


class Model:
    """A plain Python account of what the set should hold, and of the
    backend calls it should make (in address order, stopping at the
    first failure)."""

    def __init__(self):
        self.areas = {}          # start -> (end, flags, backend name)
        self.calls = []
        self.fail_at = None

    def call(self, backend, kind, start, size, flags):
        ok = len(self.calls) != self.fail_at
        self.calls.append((backend, kind, start, size, flags, ok))
        return ok

    def begin(self, fail_at):
        self.calls = []
        self.fail_at = fail_at

    def failed_by_fault(self):
        return self.fail_at is not None and len(self.calls) > self.fail_at

    def overlapping(self, start, end):
        if start >= end:
            return []
        return [s for s in sorted(self.areas) if s < end and self.areas[s][0] > start]

    def find(self, addr):
        for s, (e, f, b) in self.areas.items():
            if s <= addr < e:
                return (s, e, f)
        return None

    def overlaps(self, start, size):
        return size > 0 and bool(self.overlapping(start, start + size))

    def unmap_range(self, start, end):
        for s in self.overlapping(start, end):
            e, f, b = self.areas[s]
            ps, pe = max(s, start), min(e, end)
            if not self.call(b, 'unmap', ps, pe - ps, None):
                return False
            del self.areas[s]
            if s < ps:
                self.areas[s] = (ps, f, b)
            if pe < e:
                self.areas[pe] = (e, f, b)
        return True

    def map(self, start, size, flags, backend, unmap_overlap):
        if size == 0:
            return Ms.MappingError.INVALID_PARAM
        end = start + size
        if self.overlapping(start, end):
            if not unmap_overlap:
                return Ms.MappingError.ALREADY_EXISTS
            if not self.unmap_range(start, end):
                return Ms.MappingError.BAD_STATE
        if not self.call(backend, 'map', start, size, flags):
            return Ms.MappingError.BAD_STATE
        self.areas[start] = (end, flags, backend)
        return None

    def unmap(self, start, size):
        if not self.unmap_range(start, start + size):
            return Ms.MappingError.BAD_STATE
        return None

    def protect(self, start, size, update, no_protect, seen):
        end = start + size
        for s in self.overlapping(start, end):
            e, f, b = self.areas[s]
            seen.append(f)
            try:
                ok, new = update(f)
            except Exception:
                if OVERRIDES:
                    return 'raised'
                continue
            if not ok or new == f:
                continue
            ps, pe = max(s, start), min(e, end)
            if b in no_protect:
                return Ms.MappingError.BAD_STATE
            if not self.call(b, 'protect', ps, pe - ps, new):
                return Ms.MappingError.BAD_STATE
            del self.areas[s]
            if s < ps:
                self.areas[s] = (ps, f, b)
            self.areas[ps] = (pe, new, b)
            if pe < e:
                self.areas[pe] = (e, f, b)
        return None

    def clear(self):
        for s in sorted(self.areas):
            e, f, b = self.areas[s]
            if not self.call(b, 'unmap', s, e - s, None):
                return Ms.MappingError.BAD_STATE
            del self.areas[s]
        return None

    def find_free_area(self, hint, size, limit_start, limit_end, align):
        if size == 0 or align == 0 or align & (align - 1) or size % align or limit_start >= limit_end:
            return None

        def align_up(x):
            return (x + align - 1) // align * align

        base = max(hint, limit_start)
        candidates = [align_up(base)] + [align_up(e) for e, f, b in self.areas.values() if e >= base]
        for r in sorted(candidates):
            if r + size <= limit_end and r + size <= 2 ** 64 and not self.overlaps(r, size):
                return r
        return None

    def describe(self):
        return [(s, self.areas[s][0], self.areas[s][1], self.areas[s][2]) for s in sorted(self.areas)]


class RandomisedTest(MemorySetTestCase):
    STEPS = 3000
    GRAIN = 0x100

    def test_random_operations_against_a_model(self):
        rng = random.Random(0x6d656d)
        log = []
        faults = Faults()
        backends = {
            'a': Backend('a', log, faults),
            'b': Backend('b', log, faults),
            'c': NoProtectBackend('c', log, faults),
        }
        no_protect = {'c'}
        model = Model()
        s, table = self.set, self.table
        grain = self.GRAIN

        def rand_range(max_pages=0x30):
            start = rng.randrange(0, MAX_ADDR // grain) * grain
            size = rng.randrange(0, max_pages) * grain
            return start, min(size, MAX_ADDR - start)

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
            lambda: fixed(rng.randrange(1, 10)),
            lambda: raises_on(rng.randrange(1, 10), rng.randrange(1, 10)),
        ]

        counts = {}
        most_areas = 0
        outcomes = {}
        for step in range(self.STEPS):
            fail_at = None
            mode = 'refuse'
            if rng.random() < 0.15:
                fail_at = rng.randrange(0, 4)
                mode = rng.choice(['refuse', 'raise'])
                faults.arm(fail_at, mode)
            model.begin(fail_at)
            del log[:]

            op = rng.choices(['map', 'map-overlap', 'unmap', 'protect', 'protect-with',
                              'clear', 'query'],
                             weights=[35, 10, 12, 15, 15, 0.5, 10])[0]
            counts[op] = counts.get(op, 0) + 1
            seen, want_seen = [], []

            if op in ('map', 'map-overlap'):
                start, size = rand_range(0x10)
                flags = rng.randrange(1, 10)
                name = rng.choice('aabc')
                area = Ms.MemoryArea.new(start, size, flags, backends[name])
                want = model.map(start, size, flags, name, op == 'map-overlap')
                call = (s.map, area, table, op == 'map-overlap')
            elif op == 'unmap':
                start, size = rand_range(0x18)
                want = model.unmap(start, size)
                call = (s.unmap, start, size, table)
            elif op in ('protect', 'protect-with'):
                start, size = rand_range()
                if op == 'protect':
                    new = rng.randrange(1, 10)
                    update = fixed(new)
                    call = (s.protect, start, size, new, table)
                else:
                    update = rng.choice(update_functions)()

                    def recording(old, update=update):
                        seen.append(old)
                        return update(old)

                    call = (s.protect_with, start, size, table, recording)
                want = model.protect(start, size, update, no_protect, want_seen)
                if op == 'protect':
                    want_seen = []
            elif op == 'clear':
                want = model.clear()
                call = (s.clear, table)
            else:
                call = None
                want = None
                addr = rng.randrange(0, MAX_ADDR + grain)
                found = s.find(addr)
                self.assertEqual(None if found is None else
                                 (found.get_start(), found.get_end(), found.get_flags()),
                                 model.find(addr))
                start, size = rand_range()
                self.assertEqual(s.overlaps(start, size), model.overlaps(start, size))
                align = rng.choice([0, 1, 3, grain, 4 * grain, 0x1000])
                fsize = rng.randrange(0, 0x20) * (align or 1)
                hint = rng.randrange(0, MAX_ADDR)
                limit_start = rng.choice([0, rng.randrange(0, MAX_ADDR)])
                limit_end = rng.choice([MAX_ADDR, rng.randrange(0, MAX_ADDR), 2 ** 64 - 1])
                ok, got = s.find_free_area(hint, fsize, limit_start, limit_end, align)
                expected = model.find_free_area(hint, fsize, limit_start, limit_end, align)
                self.assertEqual(got if ok else None, expected,
                                 'find_free_area(%#x, %#x, %#x, %#x, %#x)'
                                 % (hint, fsize, limit_start, limit_end, align))

            context = 'step %d: %s, failing call %s (%s)' % (step, op, fail_at, mode)
            if call is not None:
                # With the overrides, a backend that raises makes the call
                # raise its exception.
                if OVERRIDES and mode == 'raise' and model.failed_by_fault():
                    want = 'raised'
                with quiet_stderr():
                    try:
                        call[0](*call[1:])
                        got = None
                    except GLib.Error as e:
                        self.assertEqual(e.domain, ERROR_DOMAIN, context)
                        got = e.code
                    except Exception:
                        if not OVERRIDES:
                            raise
                        got = 'raised'
                self.assertEqual(got, want, context)
                outcomes[(got, mode if fail_at is not None else None)] = True
                self.assertEqual(log, model.calls, context)
                if op == 'protect-with':
                    self.assertEqual(seen, want_seen, context)

            faults.disarm()
            self.assertEqual([(a.get_start(), a.get_end(), a.get_flags(), a.get_backend().name)
                              for a in s.get_areas()], model.describe(), context)
            self.assertMatchesTable()
            most_areas = max(most_areas, s.props.n_areas)

        # The sequence went through every kind of operation, and through
        # sets of a fair size.
        self.assertEqual(set(counts), {'map', 'map-overlap', 'unmap', 'protect', 'protect-with',
                                       'clear', 'query'})
        self.assertGreaterEqual(most_areas, 40)
        # ... and through every outcome, backends that refuse or raise
        # included.
        raised = 'raised' if OVERRIDES else Ms.MappingError.BAD_STATE
        for outcome in [(None, None), (Ms.MappingError.INVALID_PARAM, None),
                        (Ms.MappingError.ALREADY_EXISTS, None), (Ms.MappingError.BAD_STATE, None),
                        (Ms.MappingError.BAD_STATE, 'refuse'), (raised, 'raise')]:
            self.assertIn(outcome, outcomes)


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
