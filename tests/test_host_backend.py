# test_host_backend.py: MsHostBackend from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import ctypes
import unittest

import gi
gi.require_version('Ms', '1.0')
from gi.repository import GLib, Ms  # noqa: E402


RW = Ms.Prot.READ | Ms.Prot.WRITE


class HostBackendTest(unittest.TestCase):
    def setUp(self):
        self.host = Ms.HostBackend.new(16 * 4096 * 4)
        self.page = self.host.get_page_size()
        self.set = Ms.MemorySet.new()

    def map(self, start, size, flags):
        area = Ms.MemoryArea.new(start, size, int(flags), self.host)
        self.set.map(area, None, False)

    def test_properties(self):
        self.assertEqual(self.host.get_size(), 64 * 4096)
        self.assertEqual(self.host.props.size, 64 * 4096)
        self.assertEqual(self.host.props.page_size, self.page)
        self.assertNotEqual(self.host.get_base(), 0)
        self.assertIsInstance(self.host, Ms.MappingBackend)

    def test_bad_size(self):
        with self.assertRaises(GLib.Error) as caught:
            Ms.HostBackend.new(self.page + 1)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.INVALID_PARAM))

    def test_write_read(self):
        self.map(self.page, 2 * self.page, RW)
        self.assertEqual(self.host.read(self.page, 4).get_data(), bytes(4))

        self.assertTrue(self.host.write(2 * self.page - 2, b'hello'))
        self.assertEqual(self.host.read(2 * self.page - 2, 5).get_data(), b'hello')

        # The same bytes, straight from host memory.
        base = self.host.get_base()
        self.assertEqual(ctypes.string_at(base + 2 * self.page - 2, 5), b'hello')
        ctypes.memmove(base + self.page, b'\x01\x02\x03', 3)
        self.assertEqual(self.host.read(self.page, 3).get_data(), b'\x01\x02\x03')

    def test_protection(self):
        self.map(0, self.page, RW)
        self.host.write(0, b'code')
        self.set.protect(0, self.page, int(Ms.Prot.READ | Ms.Prot.EXEC), None)
        ok, prot = self.host.get_prot(0)
        self.assertTrue(ok)
        self.assertEqual(prot, Ms.Prot.READ | Ms.Prot.EXEC)
        self.assertEqual(self.host.read(0, 4).get_data(), b'code')

        with self.assertRaises(GLib.Error) as caught:
            self.host.write(0, b'x')
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.FAULT))
        self.assertIn('not writable', caught.exception.message)
        self.assertEqual(self.host.read(0, 4).get_data(), b'code')

    def test_unmapped(self):
        self.map(0, self.page, RW)
        with self.assertRaises(GLib.Error) as caught:
            self.host.read(self.page - 1, 2)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.FAULT))
        self.assertIn('not mapped', caught.exception.message)

        self.set.unmap(0, self.page, None)
        ok, _ = self.host.get_prot(0)
        self.assertFalse(ok)
        with self.assertRaises(GLib.Error):
            self.host.read(0, 1)

        # Mapped again, the page is fresh.
        self.map(0, self.page, RW)
        self.assertEqual(self.host.read(0, 8).get_data(), bytes(8))

    def test_outside(self):
        with self.assertRaises(GLib.Error) as caught:
            self.host.read(self.host.get_size(), 1)
        self.assertTrue(caught.exception.matches(Ms.mapping_error_quark(),
                                                 Ms.MappingError.INVALID_PARAM))

    def test_maps_text(self):
        self.map(0, self.page, Ms.Prot.READ | Ms.Prot.EXEC)
        self.map(4 * self.page, 2 * self.page, RW)
        expected = ('00000000-%08x r-xp 00000000 00:00 0 \n%08x-%08x rw-p %08x 00:00 0 \n'
                    % (self.page, 4 * self.page, 6 * self.page, 4 * self.page))
        self.assertEqual(self.set.to_string(), expected)

        # Read back through the same backend, on real memory.
        other = Ms.HostBackend.new(64 * 4096)
        copy = Ms.MemorySet.new()
        copy.load_maps(expected, other, None)
        self.assertEqual(copy.to_string(), expected)
        other.write(4 * self.page, b'ok')
        self.assertEqual(other.read(4 * self.page, 2).get_data(), b'ok')


if __name__ == '__main__':
    unittest.main(verbosity=2)
