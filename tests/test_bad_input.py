#!/usr/bin/env python3
# test_bad_input.py: what Python callers get for bad arguments.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Numbers outside guint64 raise OverflowError and values of the wrong
# type raise TypeError before the library runs; objects that are not
# backends (or not GObjects where a page table goes) are refused the
# same way; values the library itself refuses (empty or overflowing
# ranges) raise GLib.Error with MS_MAPPING_ERROR_INVALID_PARAM. Nothing
# changes in the set. docs/bad-input.md lists every case tried here.

import unittest

import gi

gi.require_version('Ms', '1.0')
from gi.repository import GLib, GObject, Ms  # noqa: E402

U64_MAX = 2 ** 64 - 1


class Backend(GObject.Object, Ms.MappingBackend):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def do_map(self, start, size, flags, pt):
        self.calls += 1
        return True

    def do_unmap(self, start, size, pt):
        self.calls += 1
        return True

    def do_protect(self, start, size, flags, pt):
        self.calls += 1
        return True


class NotABackend(GObject.Object):
    """Has the methods, not the interface."""

    def do_map(self, start, size, flags, pt):
        return True


class Duck:
    """Not even a GObject."""

    def do_map(self, start, size, flags, pt):
        return True


BAD_NUMBERS = [
    (-1, OverflowError),
    (-(2 ** 63), OverflowError),
    (2 ** 64, OverflowError),
    (2 ** 100, OverflowError),
    ('1', TypeError),
    (b'\x01', TypeError),
    (None, TypeError),
    ([1], TypeError),
    (1j, TypeError),
]


class BadInput(unittest.TestCase):
    def setUp(self):
        self.backend = Backend()
        self.set = Ms.MemorySet.new()
        self.area = Ms.MemoryArea.new(0x1000, 0x1000, 1, self.backend)
        self.set.map(self.area, None, False)
        self.backend.calls = 0

    def tearDown(self):
        # Nothing reached the backend, nothing changed.
        self.assertEqual(self.backend.calls, 0)
        self.assertEqual([(a.get_start(), a.get_size(), a.get_flags())
                          for a in self.set.get_areas()], [(0x1000, 0x1000, 1)])

    def each_number_argument(self):
        """(name, call with one number argument replaced by value)"""
        s, area = self.set, self.area
        return [
            ('MemoryArea.new start', lambda v: Ms.MemoryArea.new(v, 1, 0, self.backend)),
            ('MemoryArea.new size', lambda v: Ms.MemoryArea.new(0, v, 0, self.backend)),
            ('MemoryArea.new flags', lambda v: Ms.MemoryArea.new(0, 1, v, self.backend)),
            ('MemoryArea.contains addr', lambda v: area.contains(v)),
            ('MemorySet.find addr', lambda v: s.find(v)),
            ('MemorySet.overlaps start', lambda v: s.overlaps(v, 1)),
            ('MemorySet.overlaps size', lambda v: s.overlaps(0, v)),
            ('MemorySet.find_free_area hint', lambda v: s.find_free_area(v, 1, 0, 10, 1)),
            ('MemorySet.find_free_area size', lambda v: s.find_free_area(0, v, 0, 10, 1)),
            ('MemorySet.find_free_area limit_start',
             lambda v: s.find_free_area(0, 1, v, 10, 1)),
            ('MemorySet.find_free_area limit_end',
             lambda v: s.find_free_area(0, 1, 0, v, 1)),
            ('MemorySet.find_free_area align', lambda v: s.find_free_area(0, 1, 0, 10, v)),
            ('MemorySet.unmap start', lambda v: s.unmap(v, 1, None)),
            ('MemorySet.unmap size', lambda v: s.unmap(0x1000, v, None)),
            ('MemorySet.protect start', lambda v: s.protect(v, 1, 2, None)),
            ('MemorySet.protect size', lambda v: s.protect(0x1000, v, 2, None)),
            ('MemorySet.protect new_flags', lambda v: s.protect(0x1000, 1, v, None)),
            ('MemorySet.protect_with start',
             lambda v: s.protect_with(v, 1, None, lambda old: (True, 2))),
            ('MemorySet.protect_with size',
             lambda v: s.protect_with(0x1000, v, None, lambda old: (True, 2))),
            ('MemoryArea.new_full offset',
             lambda v: Ms.MemoryArea.new_full(0, 1, 0, self.backend, v, None)),
            ('MemorySet.find_free_area_top_down size',
             lambda v: s.find_free_area_top_down(v, 0, 10, 1)),
            ('MemorySet.find_free_area_top_down limit_start',
             lambda v: s.find_free_area_top_down(1, v, 10, 1)),
            ('MemorySet.find_free_area_top_down limit_end',
             lambda v: s.find_free_area_top_down(1, 0, v, 1)),
            ('MemorySet.find_free_area_top_down align',
             lambda v: s.find_free_area_top_down(1, 0, 10, v)),
            ('MemorySet.remap old_start', lambda v: s.remap(v, 0x1000, 0x8000, 0x1000, None)),
            ('MemorySet.remap old_size', lambda v: s.remap(0x1000, v, 0x8000, 0x1000, None)),
            ('MemorySet.remap new_start', lambda v: s.remap(0x1000, 0x1000, v, 0x1000, None)),
            ('MemorySet.remap new_size', lambda v: s.remap(0x1000, 0x1000, 0x8000, v, None)),
            ('MemorySet.get_areas_in_range start', lambda v: s.get_areas_in_range(v, 1)),
            ('MemorySet.get_areas_in_range size', lambda v: s.get_areas_in_range(0, v)),
            ('MemorySet.get_area_table size', lambda v: s.get_area_table(0, v, False)),
            ('MemorySet.get_area_names start', lambda v: s.get_area_names(v, 1)),
            ('MemorySet.foreach_gap start', lambda v: s.foreach_gap(v, 1, lambda *a: False)),
            ('MemorySet.set_max_areas max_areas', lambda v: s.set_max_areas(v)),
            ('MappingBackend.move new_start',
             lambda v: Ms.MappingBackend.move(self.backend, 0, 1, v, None)),
            ('MappingBackend.map start', lambda v: Ms.MappingBackend.map(self.backend, v, 1, 0, None)),
            ('MappingBackend.unmap size', lambda v: Ms.MappingBackend.unmap(self.backend, 0, v, None)),
            ('MappingBackend.protect flags',
             lambda v: Ms.MappingBackend.protect(self.backend, 0, 1, v, None)),
        ]

    def test_numbers(self):
        n = 0
        for name, call in self.each_number_argument():
            for value, exception in BAD_NUMBERS:
                with self.subTest(argument=name, value=value):
                    with self.assertRaises(exception):
                        call(value)
                    n += 1
        self.assertEqual(n, 38 * len(BAD_NUMBERS))

    def test_extreme_numbers(self):
        # 0 and 2^64 - 1 are numbers like any other.
        area = Ms.MemoryArea.new(U64_MAX, U64_MAX, U64_MAX, self.backend)
        self.assertEqual((area.get_start(), area.get_size(), area.get_flags()),
                         (U64_MAX, U64_MAX, U64_MAX))
        self.assertTrue(area.contains(U64_MAX))
        self.assertIsNone(self.set.find(U64_MAX))
        self.assertFalse(self.set.overlaps(U64_MAX, U64_MAX))
        self.assertEqual(self.set.find_free_area(U64_MAX, 1, 0, U64_MAX, 1), (False, 0))
        self.assertEqual(self.set.find_free_area(U64_MAX - 1, 1, 0, U64_MAX, 1),
                         (True, U64_MAX - 1))

    def test_not_a_backend(self):
        for backend in (None, GObject.Object(), NotABackend(), Duck(), Ms.MemorySet.new(),
                        'backend', 0):
            with self.subTest(backend=backend):
                with self.assertRaises(TypeError):
                    Ms.MemoryArea.new(0, 0x1000, 1, backend)
                if backend is not None:
                    with self.assertRaises(TypeError):
                        Ms.MappingBackend.map(backend, 0, 1, 0, None)

    def test_not_an_area(self):
        for area in (None, 'area', 0x1000, GObject.Object(), self.backend, (0x1000, 0x1000, 1)):
            with self.subTest(area=area):
                with self.assertRaises(TypeError):
                    self.set.map(area, None, False)

    def test_not_a_page_table(self):
        for pt in ('table', 1, object(), [], Duck()):
            with self.subTest(page_table=pt):
                for call in (lambda: self.set.map(Ms.MemoryArea.new(0, 1, 0, self.backend),
                                                  pt, False),
                             lambda: self.set.unmap(0, 0x10000, pt),
                             lambda: self.set.protect(0, 0x10000, 2, pt),
                             lambda: self.set.protect_with(0, 0x10000, pt,
                                                           lambda old: (True, 2)),
                             lambda: self.set.remap(0x1000, 0x1000, 0x8000, 0x1000, pt),
                             lambda: self.set.clear(pt)):
                    with self.assertRaises(TypeError):
                        call()

    def test_not_a_set(self):
        for s in (None, GObject.Object(), self.backend, 'set'):
            with self.subTest(set=s):
                for call in (lambda: Ms.MemorySet.get_n_areas(s),
                             lambda: Ms.MemorySet.find(s, 0),
                             lambda: Ms.MemorySet.unmap(s, 0, 1, None),
                             lambda: Ms.MemorySet.clear(s, None)):
                    with self.assertRaises(TypeError):
                        call()

    def test_not_callable(self):
        for func in (None, 5, 'f'):
            with self.subTest(func=func):
                with self.assertRaises(TypeError):
                    self.set.protect_with(0, 0x10000, None, func)
                with self.assertRaises(TypeError):
                    self.set.foreach(func)
                with self.assertRaises(TypeError):
                    self.set.foreach_in_range(0, U64_MAX, func)
                with self.assertRaises(TypeError):
                    self.set.foreach_gap(0, U64_MAX, func)

    def test_not_a_name(self):
        for name in (5, b'x', ['x'], object()):
            with self.subTest(name=name):
                with self.assertRaises(TypeError):
                    Ms.MemoryArea.new_full(0, 1, 0, self.backend, 0, name)

    def test_not_a_bool(self):
        # Any Python value has a truth value: unmap_overlap takes it.
        with self.assertRaises(GLib.Error) as caught:
            self.set.map(Ms.MemoryArea.new(0x1000, 0x1000, 1, self.backend), None, [])
        self.assertEqual(caught.exception.code, Ms.MappingError.ALREADY_EXISTS)
        self.assertTrue(self.set.map(Ms.MemoryArea.new(0x1000, 0x1000, 1, self.backend),
                                     None, 'yes'))
        self.assertEqual(self.backend.calls, 2)
        self.backend.calls = 0

    def test_float_is_truncated(self):
        # PyGObject converts a float with int(): 1.9 is taken as 1.
        area = Ms.MemoryArea.new(1.9, 2.5, 0.5, self.backend)
        self.assertEqual((area.get_start(), area.get_size(), area.get_flags()), (1, 2, 0))

    def test_library_refuses(self):
        def invalid(call):
            with self.assertRaises(GLib.Error) as caught:
                call()
            self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                     Ms.MappingError.INVALID_PARAM))

        invalid(lambda: self.set.map(Ms.MemoryArea.new(0x8000, 0, 1, self.backend), None, False))
        invalid(lambda: self.set.map(Ms.MemoryArea.new(U64_MAX, 1, 1, self.backend), None, True))
        invalid(lambda: self.set.map(Ms.MemoryArea.new(1, U64_MAX, 1, self.backend), None, True))
        invalid(lambda: self.set.unmap(1, U64_MAX, None))
        invalid(lambda: self.set.unmap(U64_MAX, 1, None))
        invalid(lambda: self.set.protect(0x1000, U64_MAX, 2, None))
        invalid(lambda: self.set.protect_with(U64_MAX, 2, None, lambda old: (True, 2)))
        invalid(lambda: self.set.remap(0x1000, 0, 0x8000, 0x1000, None))
        invalid(lambda: self.set.remap(0x1000, 0x1000, U64_MAX, 2, None))
        invalid(lambda: self.set.remap(0x1000, 0x1000, 0x1800, 0x1000, None))
        with self.assertRaises(GLib.Error) as caught:
            self.set.remap(0x3000, 0x1000, 0x8000, 0x1000, None)
        self.assertEqual(caught.exception.code, Ms.MappingError.NOT_MAPPED)
        # A backend without a move method refuses before anything changes.
        with self.assertRaises(GLib.Error) as caught:
            self.set.remap(0x1000, 0x1000, 0x8000, 0x1000, None)
        self.assertEqual(caught.exception.code, Ms.MappingError.BAD_STATE)
        self.assertIn('does not implement the move method', caught.exception.message)
        self.assertEqual(self.set.get_areas_in_range(0x1000, 0), [])
        self.assertEqual(len(self.set.get_areas_in_range(0x1fff, U64_MAX)), 1)
        self.assertFalse(self.set.find_free_area_top_down(0, 0, 10, 1)[0])
        self.assertFalse(self.set.find_free_area_top_down(3, 0, 10, 3)[0])
        self.assertFalse(self.set.find_free_area_top_down(1, 10, 10, 1)[0])
        # Empty ranges do nothing; nonsense find_free_area gives no answer.
        self.assertTrue(self.set.unmap(0x1000, 0, None))
        self.assertTrue(self.set.protect(0x1000, 0, 2, None))
        self.assertFalse(self.set.overlaps(0x1000, 0))
        self.assertTrue(self.set.overlaps(0x1fff, U64_MAX))
        self.assertEqual(self.set.find_free_area(0, 0, 0, 10, 1), (False, 0))
        self.assertFalse(self.set.find_free_area(0, 3, 0, 10, 3)[0])
        self.assertFalse(self.set.find_free_area(0, 1, 0, 10, 0)[0])
        self.assertFalse(self.set.find_free_area(0, 1, 10, 10, 1)[0])
        self.assertFalse(self.set.find_free_area(0, U64_MAX, 0, U64_MAX, 1)[0])


if __name__ == '__main__':
    unittest.main(verbosity=2)
