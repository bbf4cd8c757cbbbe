# test_maps.py: /proc/<pid>/maps text in and out, from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import unittest

import gi
gi.require_version('Ms', '1.0')
from gi.repository import GLib, GObject, Ms  # noqa: E402


class NullBackend(GObject.Object, Ms.MappingBackend):
    """A backend that accepts everything and counts the maps."""

    def __init__(self):
        super().__init__()
        self.maps = 0

    def do_map(self, start, size, flags, page_table):
        self.maps += 1
        return True

    def do_unmap(self, start, size, page_table):
        return True

    def do_protect(self, start, size, new_flags, page_table):
        return True


def areas(memory_set):
    return [(a.get_start(), a.get_end(), a.get_flags())
            for a in memory_set.get_areas()]


class MapsTest(unittest.TestCase):
    def test_area_to_string(self):
        backend = NullBackend()
        area = Ms.MemoryArea.new(0x400000, 0x1000,
                                 int(Ms.Prot.READ | Ms.Prot.EXEC), backend)
        self.assertEqual(area.to_string(), '00400000-00401000 r-xp 00400000 00:00 0 ')
        area = Ms.MemoryArea.new(0x1000, 0x1000, 0x10, backend)
        self.assertEqual(area.to_string(), '00001000-00002000 0x10 00001000 00:00 0 ')
        area = Ms.MemoryArea.new_full(0x1000, 0x1000, int(Ms.Prot.READ | Ms.Prot.SHARED), backend,
                                      0x5000, '/tmp/x y')
        self.assertEqual(area.to_string(), '00001000-00002000 r--s 00005000 00:00 0' + ' ' * 34
                         + '/tmp/x y')

    def test_proc_self_round_trip(self):
        with open('/proc/self/maps') as f:
            text = f.read()
        backend = NullBackend()
        first = Ms.MemorySet.new()
        first.load_maps(text, backend, None)

        lines = [line for line in text.splitlines() if line]
        self.assertEqual(first.get_n_areas(), len(lines))
        self.assertEqual(backend.maps, len(lines))
        for line, area in zip(lines, first.get_areas()):
            span, perms, offset = line.split()[:3]
            name = line.split(None, 5)[5] if len(line.split(None, 5)) > 5 else None
            self.assertEqual(span, '%08x-%08x' % (area.get_start(), area.get_end()))
            want = ((Ms.Prot.READ if perms[0] == 'r' else 0) |
                    (Ms.Prot.WRITE if perms[1] == 'w' else 0) |
                    (Ms.Prot.EXEC if perms[2] == 'x' else 0) |
                    (Ms.Prot.SHARED if perms[3] == 's' else 0))
            self.assertEqual(area.get_flags(), want)
            self.assertEqual(area.get_offset(), int(offset, 16))
            self.assertEqual(area.get_name(), name)

        printed = first.to_string()
        second = Ms.MemorySet.new()
        second.load_maps(printed, backend, None)
        self.assertEqual(second.to_string(), printed)
        self.assertEqual(areas(second), areas(first))

    def test_malformed(self):
        memory_set = Ms.MemorySet.new()
        backend = NullBackend()
        with self.assertRaises(GLib.Error) as caught:
            memory_set.load_maps('1000-2000 rw-p\n3000-4000 rwz\n', backend, None)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.PARSE))
        self.assertTrue(caught.exception.message.startswith('Line 2: '))
        self.assertEqual(memory_set.get_n_areas(), 0)
        self.assertEqual(backend.maps, 0)


if __name__ == '__main__':
    unittest.main(verbosity=2)
