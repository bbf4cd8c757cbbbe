#!/usr/bin/python3
# quickstart.py: map a range, unmap its middle, list what is left
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import sys

import gi

# From an uninstalled build, `meson devenv` puts the source tree's
# gi/overrides on the path, which a Python without PyGObject takes for
# the gi package itself.
if not hasattr(gi, 'require_version'):
    sys.exit('%s: this Python (%s) has no PyGObject: install python3-gi, or run '
             'the Python that has it (on Debian, /usr/bin/python3)'
             % (sys.argv[0], sys.executable))

gi.require_version('Ms', '1.0')
from gi.repository import GLib, GObject, Ms  # noqa: E402


class Backend(GObject.Object, Ms.MappingBackend):
    """A backend that only prints what it is asked to do. A real one would
    change the page table it is given."""

    def do_map(self, start, size, flags, page_table):
        print(f'backend: map     [{start:#x}, {start + size:#x}) flags {flags:#x}')
        return True

    def do_unmap(self, start, size, page_table):
        print(f'backend: unmap   [{start:#x}, {start + size:#x})')
        return True

    def do_protect(self, start, size, new_flags, page_table):
        print(f'backend: protect [{start:#x}, {start + size:#x}) flags {new_flags:#x}')
        return True


def main():
    s = Ms.MemorySet.new()
    backend = Backend()

    try:
        # Map [0x1000, 0x5000) with flags 1. No page table here: the set
        # passes None on to the backend.
        s.map(Ms.MemoryArea.new(0x1000, 0x4000, 1, backend), None, False)
        # Unmap [0x2000, 0x4000): the area is split in two.
        s.unmap(0x2000, 0x2000, None)
    except GLib.Error as e:
        print(e.message, file=sys.stderr)
        return 1

    areas = s.get_areas()
    print(f'{len(areas)} areas:')
    for a in areas:
        print(f'  [{a.get_start():#x}, {a.get_end():#x}) flags {a.get_flags():#x}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
