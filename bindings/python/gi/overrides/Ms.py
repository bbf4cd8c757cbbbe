# Ms.py: Python conveniences for libmemoryset (PyGObject overrides)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python conveniences for the Ms namespace.

Everything the C API offers keeps working as PyGObject exposes it; these
overrides only add to it:

* ``len(memory_set)``, ``for area in memory_set``, ``addr in memory_set``,
  ``memory_set[addr]`` (``KeyError`` when ``addr`` is not mapped),
  ``bool(memory_set)`` (false when empty), a readable ``repr()`` and
  ``str()`` in the ``/proc/<pid>/maps`` layout;
* ``area.start``, ``area.end``, ``area.size``, ``area.flags`` and
  ``area.backend`` properties, ``addr in area``, ``str(area)`` as a maps
  line, areas that compare equal
  when their start, size, flags and backend are equal, and
  ``Ms.MemoryArea(start, size, flags, backend)`` as constructor;
* ``page_table`` and ``unmap_overlap`` arguments that default to ``None``
  and ``False``;
* ``update_flags`` callbacks of ``MemorySet.protect_with`` that return the
  new flags, or ``None`` to leave an area alone;
* ``Ms.PyMappingBackend``, a base class for backends written in Python:
  a subclass defines ``map``, ``unmap`` and ``protect`` methods.
"""

import threading

from gi.repository import GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Ms = get_introspection_module('Ms')

__all__ = []

_U64_MAX = (1 << 64) - 1


def _hex(value):
    return '0x%x' % value


def _is_address(value):
    return isinstance(value, int) and not isinstance(value, bool) and \
        0 <= value <= _U64_MAX


# Exceptions raised by a PyMappingBackend method while a MemorySet method
# called from Python runs: the backend refuses the call, the set fails it
# with a GLib.Error, and the Python caller gets the backend's exception
# instead. Each thread has a stack of calls in progress.
_calls = threading.local()


def _call_stack():
    stack = getattr(_calls, 'stack', None)
    if stack is None:
        stack = _calls.stack = []
    return stack


def _run(func, *args):
    """Calls a MemorySet method, and raises what its Python backends raised."""
    stack = _call_stack()
    raised = []
    stack.append(raised)
    try:
        try:
            result = func(*args)
        except GLib.Error:
            if raised:
                raise raised[0]
            raise
        if raised:
            raise raised[0]
        return result
    finally:
        stack.pop()


def _record(exception):
    """Keeps @exception for the MemorySet call in progress, if there is one.

    Returns False when no call from Python is in progress: the exception
    must then go its usual way.
    """
    stack = _call_stack()
    if not stack:
        return False
    stack[-1].append(exception)
    return True


class MemoryArea(Ms.MemoryArea):
    """One contiguous range ``[start, end)`` with its flags and backend.

    ``Ms.MemoryArea(start, size, flags, backend)`` creates one, like
    ``Ms.MemoryArea.new``.
    """

    def __new__(cls, start, size, flags, backend):
        if not isinstance(backend, Ms.MappingBackend):
            raise TypeError('backend must be an Ms.MappingBackend, not %s'
                            % type(backend).__name__)
        return Ms.MemoryArea.new(start, size, flags, backend)

    def __init__(self, *args, **kwargs):
        # Everything happened in __new__.
        pass

    start = property(Ms.MemoryArea.get_start, doc='The first address.')
    end = property(Ms.MemoryArea.get_end,
                   doc='The address just past the area: start + size.')
    size = property(Ms.MemoryArea.get_size, doc='The size, in bytes.')
    flags = property(Ms.MemoryArea.get_flags, doc='The flags.')
    backend = property(Ms.MemoryArea.get_backend,
                       doc='The backend that maps the area.')

    def __contains__(self, addr):
        return _is_address(addr) and Ms.MemoryArea.contains(self, addr)

    def __eq__(self, other):
        if not isinstance(other, Ms.MemoryArea):
            return NotImplemented
        return Ms.MemoryArea.equal(self, other)

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return hash((self.start, self.size, self.flags))

    def _describe(self):
        return '[%s, %s) flags=%s' % (_hex(self.start), _hex(self.end),
                                      _hex(self.flags))

    def __str__(self):
        # One line of /proc/<pid>/maps: 00001000-00005000 rw-p
        return self.to_string()

    def __repr__(self):
        return '<Ms.MemoryArea %s backend=%s>' % (
            self._describe(), type(self.backend).__name__)


MemoryArea = override(MemoryArea)
__all__.append('MemoryArea')


class MemorySet(Ms.MemorySet):
    """The memory mappings of one address space, in address order.

    A set is a container of its areas: ``len()``, iteration, ``addr in set``
    and ``set[addr]`` (the area containing ``addr``).
    """

    _REPR_AREAS = 8

    def __len__(self):
        return self.get_n_areas()

    def __bool__(self):
        return not self.is_empty()

    def __iter__(self):
        # A snapshot: the set may change while the caller iterates.
        return iter(self.get_areas())

    def __contains__(self, item):
        if isinstance(item, Ms.MemoryArea):
            found = self.find(item.get_start())
            return found is not None and Ms.MemoryArea.equal(found, item)
        return _is_address(item) and self.find(item) is not None

    def __getitem__(self, addr):
        if not isinstance(addr, int) or isinstance(addr, bool):
            raise TypeError('MemorySet indices are addresses (int), not %s'
                            % type(addr).__name__)
        area = self.find(addr) if _is_address(addr) else None
        if area is None:
            raise KeyError(addr)
        return area

    def __str__(self):
        # The /proc/<pid>/maps layout, one line per area.
        return self.to_string()

    def __repr__(self):
        areas = self.get_areas()
        shown = [area._describe() for area in areas[:self._REPR_AREAS]]
        if len(areas) > self._REPR_AREAS:
            shown.append('...')
        return '<Ms.MemorySet %d area%s%s%s>' % (
            len(areas), '' if len(areas) == 1 else 's',
            ': ' if shown else '', ', '.join(shown))

    def map(self, area, page_table=None, unmap_overlap=False):
        return _run(super().map, area, page_table, unmap_overlap)

    def unmap(self, start, size, page_table=None):
        return _run(super().unmap, start, size, page_table)

    def protect(self, start, size, new_flags, page_table=None):
        return _run(super().protect, start, size, new_flags, page_table)

    def protect_with(self, start, size, page_table, update_flags, *user_data):
        """Like ``protect``, with the new flags of each area computed by
        ``update_flags(old_flags, *user_data)``.

        ``update_flags`` returns the new flags, or ``None`` to leave the area
        alone; a ``(changed, new_flags)`` pair as without the overrides works
        too. As without the overrides, an exception raised by
        ``update_flags`` is reported on stderr and leaves that area alone.
        """
        if not callable(update_flags):
            raise TypeError('update_flags must be callable, not %s' %
                            type(update_flags).__name__)

        def update(old_flags, *data):
            result = update_flags(old_flags, *data)
            if result is None:
                return False, 0
            if isinstance(result, tuple):
                # PyGObject reads past the end of a shorter tuple.
                if len(result) != 2:
                    raise TypeError('update_flags returned a tuple of %d '
                                    'items, not (changed, new_flags)' %
                                    len(result))
                return result
            return True, result

        return _run(super().protect_with, start, size, page_table, update,
                    *user_data)

    def clear(self, page_table=None):
        return _run(super().clear, page_table)


MemorySet = override(MemorySet)
__all__.append('MemorySet')


class PyMappingBackend(GObject.Object, Ms.MappingBackend):
    """A base class for backends written in Python.

    A subclass defines the methods it supports, with the arguments of the C
    virtual methods::

        class Backend(Ms.PyMappingBackend):
            def map(self, start, size, flags, page_table): ...
            def unmap(self, start, size, page_table): ...
            def protect(self, start, size, new_flags, page_table): ...

    Subclasses of such a class may redefine any of these methods. (Define
    ``map``, not ``do_map``: a class that defines ``do_map`` and the others
    derives from ``GObject.Object`` and ``Ms.MappingBackend`` instead.)

    A method succeeds by returning ``True`` or nothing at all, and refuses
    by returning ``False`` or by raising an exception; a method that is not
    defined refuses. Like every backend, a method that refuses must leave
    things as they were. An exception raised while a ``MemorySet`` method
    runs, called from Python, fails that call with the backend's exception
    (instead of the ``GLib.Error`` that C callers get).
    """

    # Registered as a GType of its own, MsPyMappingBackend, that implements
    # the interface; subclasses override the Python methods below.
    __module__ = 'gi.repository.Ms'
    __gtype_name__ = 'MsPyMappingBackend'

    def __init_subclass__(cls, **kwargs):
        # GObject shares the interface's method table between a class and
        # its subclasses: a do_map here would replace the one above for
        # every Python backend. Python methods have no such problem, and
        # subclasses of subclasses may redefine them freely.
        for name in ('do_map', 'do_unmap', 'do_protect'):
            if name in cls.__dict__:
                raise TypeError('%s defines %s: a PyMappingBackend defines %s '
                                'instead' % (cls.__name__, name, name[3:]))
        super().__init_subclass__(**kwargs)

    def _dispatch(self, method, *args):
        try:
            result = method(*args)
        except Exception as exception:
            if not _record(exception):
                raise
            return False
        return result is None or bool(result)

    def do_map(self, start, size, flags, page_table):
        return self._dispatch(self.map, start, size, flags, page_table)

    def do_unmap(self, start, size, page_table):
        return self._dispatch(self.unmap, start, size, page_table)

    def do_protect(self, start, size, new_flags, page_table):
        return self._dispatch(self.protect, start, size, new_flags, page_table)

    # A method a subclass does not define refuses, as a NULL C method does.
    # (Without these, self.map would be the interface's own method, which
    # calls back into do_map.)
    def map(self, start, size, flags, page_table):
        return False

    def unmap(self, start, size, page_table):
        return False

    def protect(self, start, size, new_flags, page_table):
        return False


__all__.append('PyMappingBackend')
