# test_overrides.py: the Python overrides (gi/overrides/Ms.py)
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import contextlib
import errno
import io
import os
import sys
import unittest

import gi

gi.require_version('Ms', '1.0')

# Use the overrides of this source tree, ahead of any installed copy.
OVERRIDES_DIR = os.environ.get(
    'MS_PYTHON_OVERRIDES',
    os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                 'bindings', 'python', 'gi', 'overrides'))
import gi.overrides  # noqa: E402
gi.overrides.__path__.insert(0, OVERRIDES_DIR)

from gi.module import get_introspection_module  # noqa: E402
from gi.repository import GLib, GObject, Ms  # noqa: E402

RawMs = get_introspection_module('Ms')

MAX_ADDR = 0x10000


class PageTable(GObject.Object):
    """A flat page table: one entry per address, 0 meaning unmapped."""

    def __init__(self):
        super().__init__()
        self.entries = bytearray(MAX_ADDR)

    def range(self, start, size):
        return self.entries[start:start + size]


class TableBackend(Ms.PyMappingBackend):
    """The all-or-nothing mock backend of the Rust crate, in Python."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def map(self, start, size, flags, page_table):
        self.calls.append(('map', start, size, flags))
        if any(page_table.range(start, size)):
            return False
        page_table.entries[start:start + size] = bytes([flags]) * size
        return True

    def unmap(self, start, size, page_table):
        self.calls.append(('unmap', start, size))
        if not all(page_table.range(start, size)):
            return False
        page_table.entries[start:start + size] = bytes(size)
        return True

    def protect(self, start, size, new_flags, page_table):
        self.calls.append(('protect', start, size, new_flags))
        if not all(page_table.range(start, size)):
            return False
        page_table.entries[start:start + size] = bytes([new_flags]) * size
        return True


class LogBackend(Ms.PyMappingBackend):
    """Accepts everything without a page table, returning nothing."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def map(self, start, size, flags, page_table):
        self.calls.append(('map', start, size, flags, page_table))

    def unmap(self, start, size, page_table):
        self.calls.append(('unmap', start, size, page_table))

    def protect(self, start, size, new_flags, page_table):
        self.calls.append(('protect', start, size, new_flags, page_table))


class MapOnlyBackend(Ms.PyMappingBackend):
    def map(self, start, size, flags, page_table):
        return True


class BackendError(Exception):
    pass


class RaisingBackend(LogBackend):
    """Raises from unmap for ranges that start at fail_at."""

    fail_at = 0x2000

    def unmap(self, start, size, page_table):
        if start == self.fail_at:
            raise BackendError('unmap [%#x, %#x)' % (start, start + size))
        super().unmap(start, size, page_table)


class DoBackend(GObject.Object, Ms.MappingBackend):
    """A backend written the plain PyGObject way, with do_ methods."""

    def do_map(self, start, size, flags, page_table):
        return True

    def do_unmap(self, start, size, page_table):
        return True

    def do_protect(self, start, size, new_flags, page_table):
        return True


def spans(memory_set):
    return [(area.start, area.end, area.flags) for area in memory_set]


class TestLoading(unittest.TestCase):
    def test_overrides_come_from_this_tree(self):
        module = sys.modules['gi.overrides.Ms']
        self.assertEqual(os.path.realpath(os.path.dirname(module.__file__)),
                         os.path.realpath(OVERRIDES_DIR))
        self.assertIsNot(Ms.MemorySet, RawMs.MemorySet)
        self.assertTrue(issubclass(Ms.MemorySet, RawMs.MemorySet))

    def test_functions_return_the_override_classes(self):
        self.assertIsInstance(Ms.MemorySet.new(), Ms.MemorySet)
        area = Ms.MemoryArea.new(0x1000, 0x1000, 1, LogBackend())
        self.assertIsInstance(area, Ms.MemoryArea)


class TestReadmeExample(unittest.TestCase):
    def test_readme_example(self):
        table = PageTable()
        backend = TableBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, backend), table)
        memory_set.unmap(0x2000, 0x2000, table)

        self.assertEqual(len(memory_set), 2)
        self.assertEqual(spans(memory_set),
                         [(0x1000, 0x2000, 1), (0x4000, 0x5000, 1)])
        self.assertEqual(backend.calls, [('map', 0x1000, 0x4000, 1),
                                         ('unmap', 0x2000, 0x2000)])
        self.assertEqual(table.range(0x1000, 0x1000), bytes([1]) * 0x1000)
        self.assertEqual(table.range(0x2000, 0x2000), bytes(0x2000))
        self.assertEqual(table.range(0x4000, 0x1000), bytes([1]) * 0x1000)


class TestMemorySet(unittest.TestCase):
    def setUp(self):
        self.backend = LogBackend()
        self.set = Ms.MemorySet()
        for k in range(4):
            self.set.map(Ms.MemoryArea(k * 0x2000, 0x1000, k + 1,
                                       self.backend))

    def test_len_and_bool(self):
        self.assertEqual(len(self.set), 4)
        self.assertTrue(self.set)
        empty = Ms.MemorySet()
        self.assertEqual(len(empty), 0)
        self.assertFalse(empty)
        self.set.clear()
        self.assertEqual(len(self.set), 0)
        self.assertFalse(self.set)

    def test_iter_in_address_order(self):
        self.assertEqual(spans(self.set),
                         [(0x0000, 0x1000, 1), (0x2000, 0x3000, 2),
                          (0x4000, 0x5000, 3), (0x6000, 0x7000, 4)])
        self.assertEqual([area.start for area in self.set.get_areas()],
                         [area.start for area in self.set])

    def test_iter_is_a_snapshot(self):
        seen = []
        for area in self.set:
            seen.append(area.start)
            self.set.unmap(area.start, area.size)
        self.assertEqual(seen, [0x0000, 0x2000, 0x4000, 0x6000])
        self.assertEqual(len(self.set), 0)

    def test_areas_outlive_their_removal(self):
        area = self.set[0x2000]
        self.set.clear()
        self.assertEqual((area.start, area.end, area.flags), (0x2000, 0x3000, 2))
        self.assertIs(area.backend, self.backend)

    def test_contains_address(self):
        self.assertIn(0, self.set)
        self.assertIn(0xfff, self.set)
        self.assertNotIn(0x1000, self.set)
        self.assertIn(0x2000, self.set)
        self.assertIn(0x6fff, self.set)
        self.assertNotIn(0x7000, self.set)
        self.assertNotIn(-1, self.set)
        self.assertNotIn(1 << 64, self.set)
        self.assertNotIn('0x2000', self.set)

    def test_contains_area(self):
        self.assertIn(self.set[0x4000], self.set)
        self.assertIn(Ms.MemoryArea(0x4000, 0x1000, 3, self.backend), self.set)
        self.assertNotIn(Ms.MemoryArea(0x4000, 0x1000, 5, self.backend),
                         self.set)
        self.assertNotIn(Ms.MemoryArea(0x4000, 0x800, 3, self.backend),
                         self.set)
        self.assertNotIn(Ms.MemoryArea(0x4000, 0x1000, 3, LogBackend()),
                         self.set)

    def test_getitem(self):
        area = self.set[0x4100]
        self.assertIsInstance(area, Ms.MemoryArea)
        self.assertEqual((area.start, area.end, area.flags), (0x4000, 0x5000, 3))
        self.assertEqual(self.set[0x6fff].start, 0x6000)

    def test_getitem_unmapped_raises_key_error(self):
        for addr in (0x1000, 0x1fff, 0x7000, 0xffffffffffffffff, -1, 1 << 64):
            with self.assertRaises(KeyError) as caught:
                self.set[addr]
            self.assertEqual(caught.exception.args, (addr,))

    def test_getitem_wants_an_int(self):
        for key in ('0x2000', 0x2000 * 1.0, None, True):
            with self.assertRaises(TypeError):
                self.set[key]

    def test_repr(self):
        self.assertEqual(
            repr(self.set),
            '<Ms.MemorySet 4 areas: [0x0, 0x1000) flags=0x1, '
            '[0x2000, 0x3000) flags=0x2, [0x4000, 0x5000) flags=0x3, '
            '[0x6000, 0x7000) flags=0x4>')
        self.assertEqual(repr(Ms.MemorySet()), '<Ms.MemorySet 0 areas>')
        self.set.unmap(0x2000, 0x6000)
        self.assertEqual(repr(self.set),
                         '<Ms.MemorySet 1 area: [0x0, 0x1000) flags=0x1>')

    def test_str_is_the_maps_text(self):
        self.assertEqual(str(self.set), self.set.to_string())
        self.assertEqual(str(self.set).splitlines(),
                         ['00000000-00001000 r--p 00000000 00:00 0 ',
                          '00002000-00003000 -w-p 00002000 00:00 0 ',
                          '00004000-00005000 rw-p 00004000 00:00 0 ',
                          '00006000-00007000 --xp 00006000 00:00 0 '])
        self.assertEqual(str(Ms.MemorySet()), '')

    def test_repr_of_a_large_set_is_short(self):
        for k in range(4, 20):
            self.set.map(Ms.MemoryArea(k * 0x2000, 0x1000, 1, self.backend))
        text = repr(self.set)
        self.assertTrue(text.startswith('<Ms.MemorySet 20 areas: [0x0, 0x1000)'))
        self.assertTrue(text.endswith('[0xe000, 0xf000) flags=0x1, ...>'), text)

    def test_page_table_defaults_to_none_and_is_passed_on(self):
        table = PageTable()
        self.backend.calls.clear()
        self.set.protect(0x2000, 0x1000, 7)
        self.set.protect(0x4000, 0x1000, 7, table)
        self.set.unmap(0x2000, 0x800)
        self.set.unmap(0x4000, 0x800, page_table=table)
        self.assertEqual(self.backend.calls, [
            ('protect', 0x2000, 0x1000, 7, None),
            ('protect', 0x4000, 0x1000, 7, table),
            ('unmap', 0x2000, 0x800, None),
            ('unmap', 0x4000, 0x800, table),
        ])

    def test_map_overlap(self):
        area = Ms.MemoryArea(0x800, 0x2000, 9, self.backend)
        with self.assertRaises(GLib.Error) as caught:
            self.set.map(area)
        self.assertTrue(caught.exception.matches(
            Ms.mapping_error_quark(), Ms.MappingError.ALREADY_EXISTS))
        self.assertEqual(len(self.set), 4)

        self.set.map(area, unmap_overlap=True)
        self.assertEqual(spans(self.set),
                         [(0x0000, 0x800, 1), (0x800, 0x2800, 9),
                          (0x2800, 0x3000, 2), (0x4000, 0x5000, 3),
                          (0x6000, 0x7000, 4)])

    def test_positional_calls_as_without_overrides(self):
        self.set.unmap(0x0, 0x1000, None)
        self.set.protect(0x2000, 0x1000, 5, None)
        self.assertTrue(self.set.map(
            Ms.MemoryArea.new(0x0, 0x1000, 1, self.backend), None, False))
        self.assertTrue(self.set.clear(None))
        self.assertEqual(len(self.set), 0)

    def test_protect_with_returning_new_flags_or_none(self):
        olds = []

        def update(old):
            olds.append(old)
            return None if old == 2 else old | 0x10

        self.set.protect_with(0x0, 0x5000, None, update)
        self.assertEqual(olds, [1, 2, 3])
        self.assertEqual(spans(self.set),
                         [(0x0000, 0x1000, 0x11), (0x2000, 0x3000, 2),
                          (0x4000, 0x5000, 0x13), (0x6000, 0x7000, 4)])

    def test_protect_with_returning_a_pair(self):
        self.set.protect_with(0x0, 0x8000, None,
                              lambda old, extra: (old != 3, old + extra), 0x20)
        self.assertEqual([area.flags for area in self.set], [0x21, 0x22, 3, 0x24])

    def test_protect_with_raising(self):
        # The exception reaches the caller; the areas before the one it was
        # asked about keep their new flags, that one and the rest are left
        # alone, and update_flags is not asked again. Nothing is printed.
        olds = []

        def update(old):
            olds.append(old)
            if old == 2:
                raise BackendError('no flags for 2')
            return 7

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            with self.assertRaises(BackendError) as caught:
                self.set.protect_with(0x0, 0x8000, None, update)
        self.assertEqual(str(caught.exception), 'no flags for 2')
        self.assertEqual(stderr.getvalue(), '')
        self.assertEqual(olds, [1, 2])
        self.assertEqual([area.flags for area in self.set], [7, 2, 3, 4])

    def test_protect_with_keyboard_interrupt(self):
        def update(old):
            if old == 3:
                raise KeyboardInterrupt
            return old | 0x10

        with self.assertRaises(KeyboardInterrupt):
            self.set.protect_with(0x0, 0x8000, None, update)
        self.assertEqual([area.flags for area in self.set], [0x11, 0x12, 3, 4])

    def test_protect_with_invalid_results(self):
        for result, error in ((2 ** 64, OverflowError), (-1, OverflowError),
                              ((True, -1), OverflowError), ((True, 2 ** 64), OverflowError),
                              ('abc', TypeError), (True, TypeError), (1.5, TypeError),
                              ((True, 'x'), TypeError)):
            with self.subTest(result=result):
                memory_set = Ms.MemorySet()
                memory_set.map(Ms.MemoryArea(0x0, 0x1000, 1, self.backend))
                memory_set.map(Ms.MemoryArea(0x2000, 0x1000, 2, self.backend))
                stderr = io.StringIO()
                with contextlib.redirect_stderr(stderr):
                    with self.assertRaises(error):
                        memory_set.protect_with(0x0, 0x4000, None,
                                                lambda old: 5 if old == 1 else result)
                self.assertEqual(stderr.getvalue(), '')
                self.assertEqual([area.flags for area in memory_set], [5, 2])

    def test_protect_with_not_callable(self):
        with self.assertRaises(TypeError):
            self.set.protect_with(0x0, 0x8000, None, 5)
        self.assertEqual([area.flags for area in self.set], [1, 2, 3, 4])

    def test_protect_with_short_tuple(self):
        # A 1-tuple is refused in Python instead of reaching PyGObject,
        # which would read past its end.
        with self.assertRaisesRegex(TypeError, 'tuple of 1 items'):
            self.set.protect_with(0x0, 0x8000, None, lambda old: (True,) if old == 2 else 9)
        self.assertEqual([area.flags for area in self.set], [9, 2, 3, 4])

    def test_foreach_raising(self):
        seen = []

        def func(area):
            seen.append(area.start)
            if len(seen) == 2:
                raise ZeroDivisionError('stop')
            return False

        with self.assertRaises(ZeroDivisionError):
            self.set.foreach(func)
        self.assertEqual(seen, [0x0, 0x2000])

    def test_load_maps_with_a_nul(self):
        memory_set = Ms.MemorySet()
        with self.assertRaises(GLib.Error) as caught:
            memory_set.load_maps('1000-2000 r--p\n3000-4000 r--p\x00\n5000-6000 r--p\n',
                                 self.backend)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.PARSE))
        self.assertTrue(caught.exception.message.startswith('Line 2: '))
        self.assertEqual(len(memory_set), 0)


class TestMemoryArea(unittest.TestCase):
    def setUp(self):
        self.backend = LogBackend()
        self.area = Ms.MemoryArea(0x1000, 0x3000, 5, self.backend)

    def test_properties(self):
        self.assertEqual(self.area.start, 0x1000)
        self.assertEqual(self.area.end, 0x4000)
        self.assertEqual(self.area.size, 0x3000)
        self.assertEqual(self.area.flags, 5)
        self.assertIs(self.area.backend, self.backend)
        with self.assertRaises(AttributeError):
            self.area.start = 0

    def test_keywords(self):
        area = Ms.MemoryArea(start=0x1000, size=0x3000, flags=5,
                             backend=self.backend)
        self.assertEqual(area, self.area)

    def test_large_values(self):
        area = Ms.MemoryArea(0xffff_ffff_ffff_0000, 0x1000, 0xffff_ffff_ffff_ffff,
                             self.backend)
        self.assertEqual(area.start, 0xffff_ffff_ffff_0000)
        self.assertEqual(area.end, 0xffff_ffff_ffff_1000)
        self.assertEqual(area.flags, 0xffff_ffff_ffff_ffff)

    def test_backend_is_checked(self):
        with self.assertRaises(TypeError):
            Ms.MemoryArea(0x1000, 0x1000, 1, None)
        with self.assertRaises(TypeError):
            Ms.MemoryArea(0x1000, 0x1000, 1, GObject.Object())

    def test_contains(self):
        self.assertNotIn(0xfff, self.area)
        self.assertIn(0x1000, self.area)
        self.assertIn(0x3fff, self.area)
        self.assertNotIn(0x4000, self.area)
        self.assertNotIn(-1, self.area)
        self.assertNotIn(None, self.area)

    def test_equality_and_hash(self):
        same = Ms.MemoryArea(0x1000, 0x3000, 5, self.backend)
        self.assertEqual(self.area, same)
        self.assertEqual(hash(self.area), hash(same))
        self.assertEqual(len({self.area, same}), 1)
        self.assertNotEqual(self.area, Ms.MemoryArea(0x1000, 0x3000, 6, self.backend))
        self.assertNotEqual(self.area, Ms.MemoryArea(0x1000, 0x2000, 5, self.backend))
        self.assertNotEqual(self.area, Ms.MemoryArea(0x1000, 0x3000, 5, LogBackend()))
        self.assertNotEqual(self.area, (0x1000, 0x4000))

    def test_str_is_a_maps_line(self):
        self.assertEqual(str(self.area), '00001000-00004000 r-xp 00001000 00:00 0 ')
        self.assertEqual(str(Ms.MemoryArea(0x1000, 0x1000, 0x100, self.backend)),
                         '00001000-00002000 0x100 00001000 00:00 0 ')

    def test_repr(self):
        self.assertEqual(repr(self.area),
                         '<Ms.MemoryArea [0x1000, 0x4000) flags=0x5 backend=LogBackend>')


class TestPyMappingBackend(unittest.TestCase):
    def test_is_a_mapping_backend_gobject(self):
        backend = LogBackend()
        self.assertIsInstance(backend, Ms.MappingBackend)
        self.assertIsInstance(backend, GObject.Object)
        self.assertTrue(LogBackend.__gtype__.is_a(Ms.MappingBackend.__gtype__))
        self.assertTrue(LogBackend.__gtype__.is_a(Ms.PyMappingBackend.__gtype__))

    def test_returning_nothing_succeeds(self):
        backend = LogBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x1000, 1, backend))
        memory_set.protect(0x1000, 0x1000, 3)
        memory_set.unmap(0x1000, 0x1000)
        self.assertEqual([call[0] for call in backend.calls],
                         ['map', 'protect', 'unmap'])
        self.assertEqual(len(memory_set), 0)

    def test_returning_false_refuses(self):
        table = PageTable()
        table.entries[0x2000] = 9   # TableBackend refuses to map over it
        backend = TableBackend()
        memory_set = Ms.MemorySet()
        with self.assertRaises(GLib.Error) as caught:
            memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, backend), table)
        self.assertTrue(caught.exception.matches(
            Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertEqual(len(memory_set), 0)

        # unmap and protect refuse an unmapped range.
        memory_set.map(Ms.MemoryArea(0x4000, 0x1000, 1, backend), table)
        table.entries[0x4800] = 0
        for call in (lambda: memory_set.unmap(0x4000, 0x1000, table),
                     lambda: memory_set.protect(0x4000, 0x1000, 2, table)):
            with self.assertRaises(GLib.Error) as caught:
                call()
            self.assertTrue(caught.exception.matches(
                Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertEqual(spans(memory_set), [(0x4000, 0x5000, 1)])

    def test_missing_methods_refuse(self):
        backend = MapOnlyBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x1000, 1, backend))
        for call in (lambda: memory_set.unmap(0x1000, 0x1000),
                     lambda: memory_set.protect(0x1000, 0x1000, 2)):
            with self.assertRaises(GLib.Error) as caught:
                call()
            self.assertTrue(caught.exception.matches(
                Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertEqual(spans(memory_set), [(0x1000, 0x2000, 1)])

        bare = Ms.PyMappingBackend()
        with self.assertRaises(GLib.Error):
            memory_set.map(Ms.MemoryArea(0x3000, 0x1000, 1, bare))
        self.assertEqual(len(memory_set), 1)

    def test_exception_reaches_the_caller(self):
        backend = RaisingBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, backend))
        with self.assertRaises(BackendError) as caught:
            memory_set.unmap(0x2000, 0x1000)
        self.assertEqual(str(caught.exception), 'unmap [0x2000, 0x3000)')
        # The refused call changed nothing.
        self.assertEqual(spans(memory_set), [(0x1000, 0x5000, 1)])
        # The next call does not see the old exception.
        memory_set.unmap(0x3000, 0x1000)
        self.assertEqual(spans(memory_set),
                         [(0x1000, 0x3000, 1), (0x4000, 0x5000, 1)])

    def test_exception_with_a_caller_in_c(self):
        # Called without the overrides (as C code would), the call fails
        # with a GLib.Error that names the backend's exception, and nothing
        # is printed.
        backend = RaisingBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, backend))
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            with self.assertRaises(GLib.Error) as caught:
                RawMs.MemorySet.unmap(memory_set, 0x2000, 0x1000, None)
        self.assertTrue(caught.exception.matches(
            Ms.mapping_error_quark(), Ms.MappingError.BAD_STATE))
        self.assertEqual(caught.exception.message,
                         'Failed to unmap [0x2000, 0x3000): BackendError: unmap [0x2000, 0x3000)')
        self.assertEqual(stderr.getvalue(), '')
        self.assertEqual(spans(memory_set), [(0x1000, 0x5000, 1)])

    def test_calling_the_backend_directly(self):
        backend = LogBackend()
        self.assertTrue(Ms.MappingBackend.map(backend, 0x1000, 0x1000, 1, None))
        self.assertTrue(backend.do_unmap(0x1000, 0x1000, None))
        self.assertFalse(MapOnlyBackend().do_unmap(0x1000, 0x1000, None))
        self.assertEqual(backend.calls, [('map', 0x1000, 0x1000, 1, None),
                                         ('unmap', 0x1000, 0x1000, None)])

    def test_subclasses_of_subclasses(self):
        class Parent(Ms.PyMappingBackend):
            def map(self, start, size, flags, page_table):
                return flags != 1

        class Child(Parent):
            def map(self, start, size, flags, page_table):
                return flags != 2

        memory_set = Ms.MemorySet()
        # Each class keeps its own map, whatever the order of the calls.
        for backend, refused in ((Parent(), 1), (Child(), 2), (Parent(), 1)):
            with self.assertRaises(GLib.Error):
                memory_set.map(Ms.MemoryArea(0x1000, 0x1000, refused, backend))
            memory_set.map(Ms.MemoryArea(0x1000, 0x1000, 3 - refused, backend))
            self.assertEqual(spans(memory_set), [(0x1000, 0x2000, 3 - refused)])
            memory_set = Ms.MemorySet()

    def test_do_methods_are_refused(self):
        for name in ('do_map', 'do_unmap', 'do_protect'):
            with self.assertRaisesRegex(TypeError, name):
                type('Bad', (Ms.PyMappingBackend,),
                     {name: lambda self, *args: True})
        # The refused classes changed nothing for the others.
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x1000, 1, MapOnlyBackend()))
        with self.assertRaises(GLib.Error):
            memory_set.map(Ms.MemoryArea(0x2000, 0x1000, 1, Ms.PyMappingBackend()))
        self.assertEqual(len(memory_set), 1)

    def test_do_methods_still_work(self):
        memory_set = Ms.MemorySet()
        backend = DoBackend()
        memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, backend))
        memory_set.unmap(0x2000, 0x2000)
        self.assertEqual(spans(memory_set),
                         [(0x1000, 0x2000, 1), (0x4000, 0x5000, 1)])
        self.assertIn('DoBackend', repr(memory_set[0x1000]))

    def test_backends_of_one_set_mixed(self):
        table = PageTable()
        memory_set = Ms.MemorySet()
        py_backend, do_backend = TableBackend(), DoBackend()
        memory_set.map(Ms.MemoryArea(0x1000, 0x1000, 1, py_backend), table)
        memory_set.map(Ms.MemoryArea(0x2000, 0x1000, 2, do_backend), table)
        memory_set.protect(0x1000, 0x2000, 3, table)
        self.assertIs(memory_set[0x1000].backend, py_backend)
        self.assertIs(memory_set[0x2000].backend, do_backend)
        self.assertEqual(table.range(0x1000, 0x1000), bytes([3]) * 0x1000)
        self.assertEqual(table.range(0x2000, 0x1000), bytes(0x1000))



class SwitchBackend(GObject.Object, Ms.MappingBackend):
    """A plain backend (do_* methods) whose every method answers
    self.answer, or raises it when it is an exception."""

    def __init__(self):
        super().__init__()
        self.answer = True
        self.calls = []

    def _answer(self, name):
        self.calls.append(name)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    def do_map(self, start, size, flags, page_table):
        return self._answer('map')

    def do_unmap(self, start, size, page_table):
        return self._answer('unmap')

    def do_protect(self, start, size, new_flags, page_table):
        return self._answer('protect')


class PyBackendSwitch(Ms.PyMappingBackend):
    """The same as a PyMappingBackend."""

    def __init__(self):
        super().__init__()
        self.answer = True
        self.calls = []

    def _answer(self, name):
        self.calls.append(name)
        if isinstance(self.answer, BaseException):
            raise self.answer
        return self.answer

    def map(self, start, size, flags, page_table):
        return self._answer('map')

    def unmap(self, start, size, page_table):
        return self._answer('unmap')

    def protect(self, start, size, new_flags, page_table):
        return self._answer('protect')


class TestEveryPath(unittest.TestCase):
    """An exception raised in any backend, on any path of the set, reaches
    the caller as the same object, and nothing is printed."""

    def paths(self, memory_set, backend):
        yield 'map', lambda: memory_set.map(Ms.MemoryArea(0x8000, 0x1000, 1, backend))
        yield 'unmap', lambda: memory_set.unmap(0x1000, 0x800)
        yield 'protect', lambda: memory_set.protect(0x1000, 0x800, 2)
        yield 'protect', lambda: memory_set.protect_with(0x1000, 0x800, None, lambda old: 3)
        yield 'unmap', lambda: memory_set.clear()
        yield 'map', lambda: memory_set.load_maps('9000-a000 r--p\n', backend)
        yield 'unmap', lambda: memory_set.map(Ms.MemoryArea(0x1000, 0x800, 1, backend), None, True)

    def check(self, backend_class):
        for exception in (BackendError('no'), KeyboardInterrupt(), SystemExit(3),
                          GLib.Error('a reason', 'test-reason', 7)):
            for index in range(7):
                backend = backend_class()
                memory_set = Ms.MemorySet()
                memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 1, backend))
                name, call = list(self.paths(memory_set, backend))[index]
                with self.subTest(exception=exception, path=index):
                    backend.answer = exception
                    stderr = io.StringIO()
                    with contextlib.redirect_stderr(stderr):
                        with self.assertRaises(type(exception)) as caught:
                            call()
                    self.assertIs(caught.exception, exception)
                    self.assertEqual(stderr.getvalue(), '')
                    self.assertEqual(backend.calls[-1], name)
                    self.assertEqual(spans(memory_set), [(0x1000, 0x3000, 1)])

    def check_results(self, backend_class, bad_results, method_name):
        for result in bad_results:
            backend = backend_class()
            memory_set = Ms.MemorySet()
            memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 1, backend))
            backend.answer = result
            with self.subTest(result=result):
                with self.assertRaisesRegex(TypeError, method_name % 'unmap') as caught:
                    memory_set.unmap(0x1000, 0x1000)
                self.assertIn(repr(result), str(caught.exception))
                self.assertEqual(spans(memory_set), [(0x1000, 0x3000, 1)])

    def test_plain_backends(self):
        self.check(SwitchBackend)

    def test_py_mapping_backends(self):
        self.check(PyBackendSwitch)

    def test_plain_backends_return_true_or_false(self):
        self.check_results(SwitchBackend, [None, 1, 0, 'error: refused', [], 2.0],
                           r'SwitchBackend\.do_%s must return True or False')

    def test_py_mapping_backends_may_return_none(self):
        self.check_results(PyBackendSwitch, [1, 0, 'error: refused', [], 2.0],
                           r'PyBackendSwitch\.%s must return True or False')
        backend = PyBackendSwitch()
        memory_set = Ms.MemorySet()
        backend.answer = None
        memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 1, backend))
        self.assertEqual(len(memory_set), 1)

    def test_false_is_the_sets_bad_state(self):
        backend = SwitchBackend()
        memory_set = Ms.MemorySet()
        backend.answer = False
        with self.assertRaises(GLib.Error) as caught:
            memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 1, backend))
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.BAD_STATE))
        self.assertIn('refused', caught.exception.message)

    def test_a_caller_in_c_gets_the_reason(self):
        # Without the overrides in the way (as a C caller), a GLib.Error
        # keeps its domain and code, and any other exception is named.
        backend = SwitchBackend()
        memory_set = Ms.MemorySet()
        backend.answer = GLib.Error('a reason', 'test-reason', 7)
        with self.assertRaises(GLib.Error) as caught:
            RawMs.MemorySet.map(memory_set, Ms.MemoryArea(0x1000, 0x1000, 1, backend), None, False)
        self.assertEqual((caught.exception.domain, caught.exception.code), ('test-reason', 7))
        self.assertEqual(caught.exception.message, 'Failed to map [0x1000, 0x2000): a reason')
        backend.answer = 'yes'
        with self.assertRaises(GLib.Error) as caught:
            RawMs.MemorySet.map(memory_set, Ms.MemoryArea(0x1000, 0x1000, 1, backend), None, False)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.BAD_STATE))
        self.assertIn("TypeError: SwitchBackend.do_map must return True or False, not 'yes'",
                      caught.exception.message)


class TestLinuxMm(unittest.TestCase):
    """Through an Ms.LinuxMm too, a backend's exception reaches the caller
    as the same object, and the mm's own errors carry errno codes."""

    MAP_PRIVATE_ANONYMOUS = 0x22

    def paths(self, mm, start):
        yield 'map', lambda: mm.mmap(0, 0x1000, 3, self.MAP_PRIVATE_ANONYMOUS, None, 0)
        yield 'unmap', lambda: mm.munmap(start, 0x1000)
        yield 'protect', lambda: mm.mprotect(start, 0x1000, 1)
        yield 'map', lambda: mm.mremap(start, 0x2000, 0x40000, 1, 0)

    def test_every_path(self):
        for backend_class in (SwitchBackend, PyBackendSwitch):
            for exception in (BackendError('no'), KeyboardInterrupt(),
                              GLib.Error('a reason', 'test-reason', 7)):
                for index in range(4):
                    backend = backend_class()
                    mm = Ms.LinuxMm.new(backend)
                    start = mm.mmap(0, 0x2000, 3, self.MAP_PRIVATE_ANONYMOUS, None, 0)
                    before = mm.to_string()
                    name, call = list(self.paths(mm, start))[index]
                    with self.subTest(backend=backend_class, exception=exception, path=index):
                        backend.answer = exception
                        stderr = io.StringIO()
                        with contextlib.redirect_stderr(stderr):
                            with self.assertRaises(type(exception)) as caught:
                                call()
                        self.assertIs(caught.exception, exception)
                        self.assertEqual(stderr.getvalue(), '')
                        self.assertEqual(backend.calls[-1], name)
                        self.assertEqual(mm.to_string(), before)

    def test_errno_codes(self):
        mm = Ms.LinuxMm.new(None)
        with self.assertRaises(GLib.Error) as caught:
            mm.munmap(0x1001, 0x1000)
        self.assertTrue(caught.exception.matches(Ms.linux_mm_error_quark(), errno.EINVAL))
        self.assertEqual(caught.exception.code, errno.EINVAL)
        with self.assertRaises(GLib.Error) as caught:
            mm.mprotect(0x10000, 0x1000, 1)
        self.assertEqual(caught.exception.code, errno.ENOMEM)


U64_MAX = (1 << 64) - 1


class TestAreas(unittest.TestCase):
    """Offsets, names, merging, queries and the limit, from Python."""

    def setUp(self):
        self.backend = LogBackend()
        self.set = Ms.MemorySet()

    def test_offset_and_name(self):
        area = Ms.MemoryArea(0x1000, 0x4000, 1, self.backend, offset=0x20000, name='/lib/a.so')
        self.assertEqual((area.offset, area.name), (0x20000, '/lib/a.so'))
        plain = Ms.MemoryArea(0x1000, 0x4000, 1, self.backend)
        self.assertEqual((plain.offset, plain.name), (0x1000, None))
        self.assertEqual(Ms.MemoryArea(0x1000, 0x4000, 1, self.backend, name='x').offset, 0x1000)
        self.assertNotEqual(area, plain)
        self.assertEqual(Ms.MemoryArea(0x1000, 0x4000, 1, self.backend, offset=0x1000), plain)

        self.set.map(area)
        self.set.unmap(0x2000, 0x1000)
        self.assertEqual([(a.start, a.offset, a.name) for a in self.set],
                         [(0x1000, 0x20000, '/lib/a.so'), (0x3000, 0x22000, '/lib/a.so')])

    def test_queries(self):
        for k in range(4):
            self.set.map(Ms.MemoryArea(k * 0x2000, 0x1000, 1, self.backend))
        self.assertEqual([a.start for a in self.set.areas_in(0x1800, 0x3000)], [0x2000, 0x4000])
        self.assertEqual(self.set.gaps(0x800, 0x4000),
                         [(0x1000, 0x1000), (0x3000, 0x1000)])
        self.assertEqual(self.set.gaps(0, 0), [])
        self.assertEqual(self.set.mapped_size, 0x4000)

    def test_table(self):
        self.assertEqual(list(self.set.table()), [])
        self.set.map(Ms.MemoryArea(0x1000, 0x1000, 1, self.backend, offset=0x9000, name='/lib/a.so'))
        self.set.map(Ms.MemoryArea(0x4000, 0x2000, 3, self.backend))
        self.set.map(Ms.MemoryArea(U64_MAX - 0xfff, 0xfff, U64_MAX, self.backend, offset=7, name='top'))
        self.assertEqual(list(self.set.table()),
                         [(a.start, a.end, a.flags) for a in self.set])
        self.assertEqual(list(self.set.table(offsets=True, names=True)),
                         [(a.start, a.end, a.flags, a.offset, a.name) for a in self.set])
        self.assertEqual(list(self.set.table(names=True))[1], (0x4000, 0x6000, 3, None))
        self.assertEqual(list(self.set.table(0x1800, 0x2801)), [(0x1000, 0x2000, 1), (0x4000, 0x6000, 3)])
        self.assertEqual(list(self.set.table(0x2000, 0x2000)), [])
        self.assertEqual(list(self.set.table(U64_MAX - 1, 1, offsets=True)),
                         [(U64_MAX - 0xfff, U64_MAX, U64_MAX, 7)])
        # A snapshot: the set may change while the rows are read.
        rows = self.set.table()
        self.set.clear()
        self.assertEqual(len(list(rows)), 3)

    def test_merge_adjacent(self):
        self.assertFalse(self.set.merge_adjacent)
        self.set.map(Ms.MemoryArea(0x1000, 0x1000, 1, self.backend))
        self.set.map(Ms.MemoryArea(0x2000, 0x1000, 1, self.backend))
        self.assertEqual(len(self.set), 2)
        self.set.merge_adjacent = True
        self.assertTrue(self.set.props.merge_adjacent)
        self.assertEqual([(a.start, a.end) for a in self.set], [(0x1000, 0x3000)])

    def test_max_areas(self):
        self.set.max_areas = 1
        self.assertEqual(self.set.props.max_areas, 1)
        self.set.map(Ms.MemoryArea(0x1000, 0x1000, 1, self.backend))
        with self.assertRaises(GLib.Error) as caught:
            self.set.map(Ms.MemoryArea(0x4000, 0x1000, 1, self.backend))
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.TOO_MANY_AREAS))
        self.assertEqual(len(self.set), 1)
        self.assertEqual(len(self.backend.calls), 1)


class MovingBackend(Ms.PyMappingBackend):
    """Keeps a dict of page -> byte, moved by move()."""

    def __init__(self):
        super().__init__()
        self.pages = {}
        self.calls = []

    def map(self, start, size, flags, page_table):
        self.calls.append(('map', start, size))
        for p in range(start, start + size, 0x1000):
            self.pages[p] = 0

    def unmap(self, start, size, page_table):
        self.calls.append(('unmap', start, size))
        for p in range(start, start + size, 0x1000):
            del self.pages[p]

    def protect(self, start, size, new_flags, page_table):
        self.calls.append(('protect', start, size))

    def move(self, old_start, size, new_start, page_table):
        self.calls.append(('move', old_start, size, new_start))
        moved = {p - old_start + new_start: self.pages.pop(p)
                 for p in range(old_start, old_start + size, 0x1000)}
        self.pages.update(moved)


class TestRemap(unittest.TestCase):
    def test_move_and_grow(self):
        backend = MovingBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 3, backend, offset=0x9000, name='/f'))
        backend.pages[0x1000] = 7
        memory_set.remap(0x1000, 0x2000, 0x10000, 0x3000)
        self.assertEqual(backend.calls[1:], [('move', 0x1000, 0x2000, 0x10000),
                                             ('map', 0x12000, 0x1000)])
        self.assertEqual(backend.pages, {0x10000: 7, 0x11000: 0, 0x12000: 0})
        self.assertEqual([(a.start, a.end, a.offset, a.name) for a in memory_set],
                         [(0x10000, 0x13000, 0x9000, '/f')])

    def test_refusals(self):
        backend = MovingBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 3, backend))
        for args, code in (((0x4000, 0x1000, 0x8000, 0x1000), Ms.MappingError.NOT_MAPPED),
                           ((0x1000, 0x1000, 0x1800, 0x1000), Ms.MappingError.INVALID_PARAM),
                           ((0x1000, 0x1000, 0x2000, 0x1000), Ms.MappingError.ALREADY_EXISTS)):
            with self.subTest(args=args):
                with self.assertRaises(GLib.Error) as caught:
                    memory_set.remap(*args)
                self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(), code))
        self.assertEqual(len(backend.calls), 1)

    def test_a_backend_without_move_refuses(self):
        backend = LogBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x1000, 0x2000, 3, backend))
        with self.assertRaises(GLib.Error):
            memory_set.remap(0x1000, 0x1000, 0x8000, 0x1000)
        self.assertEqual([(a.start, a.end) for a in memory_set], [(0x1000, 0x3000)])

    def test_top_down(self):
        backend = LogBackend()
        memory_set = Ms.MemorySet()
        memory_set.map(Ms.MemoryArea(0x8000, 0x1000, 3, backend))
        self.assertEqual(tuple(memory_set.find_free_area_top_down(0x2000, 0, 0x9000, 0x1000)),
                         (True, 0x6000))
        self.assertFalse(memory_set.find_free_area_top_down(0x2000, 0x7000, 0x9000, 0x1000)[0])

if __name__ == '__main__':
    unittest.main(verbosity=2)
