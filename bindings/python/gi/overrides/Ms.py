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
* ``memory_set.areas_in(start, size)`` and ``memory_set.gaps(start, size)``
  (lists of areas and of ``(start, size)`` pairs), and the
  ``merge_adjacent``, ``max_areas`` and ``mapped_size`` properties;
* ``area.start``, ``area.end``, ``area.size``, ``area.flags``,
  ``area.offset``, ``area.name`` and ``area.backend`` properties,
  ``addr in area``, ``str(area)`` as a maps line, areas that compare equal
  when their start, size, flags, backend, offset and name are equal, and
  ``Ms.MemoryArea(start, size, flags, backend, offset=None, name=None)``
  as constructor;
* ``page_table`` and ``unmap_overlap`` arguments that default to ``None``
  and ``False``;
* ``update_flags`` callbacks of ``MemorySet.protect_with`` that return the
  new flags, or ``None`` to leave an area alone;
* exceptions raised in backends and callbacks that reach the caller of
  the ``MemorySet`` method as they are, and backend methods checked to
  return ``True`` or ``False``;
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


# Exceptions raised by Python code that C called back (a backend method)
# while a MemorySet method runs. C sees a refusal: a GLib.Error that
# names the exception (or the GLib.Error the method raised). The
# exception waits here, one per thread, and when the failure reaches a
# MemorySet method called from Python as a GLib.Error whose message ends
# with that reason, the caller gets the exception itself. Nothing is
# kept or checked on the way when nothing fails, so a call through the
# overrides costs what the plain call costs.
_pending = threading.local()


def _record(exception, reason):
    """Keeps @exception for the Python caller whose call fails with a
    GLib.Error ending in @reason."""
    _pending.exception = exception
    _pending.reason = reason


def _raise_pending(error):
    """Raises what a callback raised in the call that failed with @error
    (a GLib.Error), or else @error."""
    exception = getattr(_pending, 'exception', None)
    if exception is not None and error.message.endswith(_pending.reason):
        _pending.exception = _pending.reason = None
        raise exception
    raise error


def _refusal(exception):
    """The GLib.Error that tells C a backend method refused."""
    return GLib.Error('%s: %s' % (type(exception).__name__, exception),
                      GLib.quark_to_string(Ms.mapping_error_quark()),
                      int(Ms.MappingError.BAD_STATE))


def _backend_call(name, method, args, none_is_success):
    """Calls a Python backend method for C, and gives C its answer.

    The method returns True or False (or None for success, if
    @none_is_success). Anything else refuses with a TypeError naming it.
    An exception refuses too: it reaches the Python caller of the set's
    method as it is; C gets a GLib.Error that names it (a GLib.Error
    raised by the method is itself that reason, domain and code kept).
    """
    try:
        result = method(*args)
        if result is None and none_is_success:
            return True
        if result is not True and result is not False:
            raise TypeError('%s must return True or False, not %r' % (name, result))
        return result
    except GLib.Error as exception:
        _record(exception, exception.message)
        raise
    except BaseException as exception:
        refusal = _refusal(exception)
        _record(exception, refusal.message)
        raise refusal from None


_BACKEND_METHODS = ('do_map', 'do_unmap', 'do_protect', 'do_move')


def _wrap_backend_method(cls, name, method):
    def wrapper(self, *args):
        return _backend_call('%s.%s' % (cls.__name__, name), method, (self,) + args, False)

    wrapper.__name__ = name
    wrapper.__qualname__ = '%s.%s' % (cls.__qualname__, name)
    wrapper.__doc__ = method.__doc__
    wrapper._ms_wrapped = True
    return wrapper


class MappingBackend(Ms.MappingBackend):
    """The interface a backend implements; see ``PyMappingBackend`` too.

    A class deriving from ``GObject.Object`` and ``Ms.MappingBackend``
    defines ``do_map``, ``do_unmap`` and ``do_protect`` (and ``do_move``),
    each returning ``True`` or ``False``. With these overrides, an
    exception such a method raises reaches the caller of the ``MemorySet``
    method as it is, and any return value other than ``True`` or
    ``False`` is a refusal that raises ``TypeError``.
    """

    def __init_subclass__(cls, **kwargs):
        # Before PyGObject hooks the methods up as the interface's
        # virtual methods, wrap them so that their answers and exceptions
        # reach the caller.
        for name in _BACKEND_METHODS:
            method = cls.__dict__.get(name)
            if callable(method) and not getattr(method, '_ms_wrapped', False):
                setattr(cls, name, _wrap_backend_method(cls, name, method))
        super().__init_subclass__(**kwargs)


MappingBackend = override(MappingBackend)
__all__.append('MappingBackend')


class MemoryArea(Ms.MemoryArea):
    """One contiguous range ``[start, end)`` with its flags and backend.

    ``Ms.MemoryArea(start, size, flags, backend)`` creates one, like
    ``Ms.MemoryArea.new``; ``Ms.MemoryArea(start, size, flags, backend,
    offset=..., name=...)`` like ``Ms.MemoryArea.new_full`` (the offset
    defaults to ``start``, as for anonymous memory, the name to ``None``).
    """

    def __new__(cls, start, size, flags, backend, offset=None, name=None):
        if not isinstance(backend, Ms.MappingBackend):
            raise TypeError('backend must be an Ms.MappingBackend, not %s'
                            % type(backend).__name__)
        if offset is None and name is None:
            return Ms.MemoryArea.new(start, size, flags, backend)
        return Ms.MemoryArea.new_full(start, size, flags, backend,
                                      start if offset is None else offset, name)

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
    offset = property(Ms.MemoryArea.get_offset,
                      doc='The offset of the first address in what backs the area.')
    name = property(Ms.MemoryArea.get_name, doc='The name, or None.')

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
        return hash((self.start, self.size, self.flags, self.offset, self.name))

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


# The plain introspected methods the overrides call.
_find = Ms.MemorySet.find
_is_empty = Ms.MemorySet.is_empty
_get_areas = Ms.MemorySet.get_areas
_map = Ms.MemorySet.map
_unmap = Ms.MemorySet.unmap
_protect = Ms.MemorySet.protect
_protect_with = Ms.MemorySet.protect_with
_remap = Ms.MemorySet.remap
_clear = Ms.MemorySet.clear
_foreach = Ms.MemorySet.foreach
_load_maps = Ms.MemorySet.load_maps
_get_area_table = Ms.MemorySet.get_area_table
_get_area_names = Ms.MemorySet.get_area_names


class MemorySet(Ms.MemorySet):
    """The memory mappings of one address space, in address order.

    A set is a container of its areas: ``len()``, iteration, ``addr in set``
    and ``set[addr]`` (the area containing ``addr``).
    """

    _REPR_AREAS = 8

    # The plain methods themselves where nothing needs adding: no cost.
    __len__ = Ms.MemorySet.get_n_areas

    def __bool__(self):
        return not _is_empty(self)

    def __iter__(self):
        # A snapshot: the set may change while the caller iterates.
        return iter(_get_areas(self))

    # The common cases first, with no work beside the plain call: an
    # address out of range makes the call raise OverflowError.
    def __contains__(self, item):
        if type(item) is int:
            try:
                return _find(self, item) is not None
            except OverflowError:
                return False
        if isinstance(item, Ms.MemoryArea):
            found = _find(self, item.get_start())
            return found is not None and Ms.MemoryArea.equal(found, item)
        return _is_address(item) and _find(self, item) is not None

    def __getitem__(self, addr):
        if type(addr) is not int and (not isinstance(addr, int) or isinstance(addr, bool)):
            raise TypeError('MemorySet indices are addresses (int), not %s'
                            % type(addr).__name__)
        try:
            area = _find(self, addr)
        except OverflowError:
            area = None
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

    merge_adjacent = property(Ms.MemorySet.get_merge_adjacent, Ms.MemorySet.set_merge_adjacent,
                              doc='Whether neighbouring areas that could be one are joined.')
    max_areas = property(Ms.MemorySet.get_max_areas, Ms.MemorySet.set_max_areas,
                         doc='The number of areas the set may hold.')
    mapped_size = property(Ms.MemorySet.get_mapped_size,
                           doc='The sum of the sizes of the areas.')

    def table(self, start=0, size=_U64_MAX, offsets=False, names=False):
        """The areas that meet ``[start, start + size)`` (all of them by
        default) as plain data: an iterator of ``(start, end, flags)``
        tuples in address order, with the offset and then the name after
        them when asked for.

        One call into C reads them all, where iterating over the set makes
        an ``Ms.MemoryArea`` wrapper for each; ``list()`` the result to keep
        it (the rows are a snapshot).
        """
        # zip() of one iterator over the numbers makes the rows in C.
        values = iter(memoryview(_get_area_table(self, start, size, offsets).get_data()).cast('Q'))
        columns = [values] * (4 if offsets else 3)
        if names:
            columns.append(iter(_get_area_names(self, start, size)))
        return zip(*columns)

    def areas_in(self, start, size):
        """The areas that meet ``[start, start + size)``, whole, in address
        order: a list."""
        return list(self.get_areas_in_range(start, size))

    def gaps(self, start, size):
        """The free ranges inside ``[start, start + size)``, clipped to it, in
        address order: a list of ``(start, size)`` pairs."""
        found = []

        def add(gap_start, gap_size):
            found.append((gap_start, gap_size))
            return False

        self.foreach_gap(start, size, add)
        return found

    def map(self, area, page_table=None, unmap_overlap=False):
        try:
            return _map(self, area, page_table, unmap_overlap)
        except GLib.Error as error:
            _raise_pending(error)

    def unmap(self, start, size, page_table=None):
        try:
            return _unmap(self, start, size, page_table)
        except GLib.Error as error:
            _raise_pending(error)

    def protect(self, start, size, new_flags, page_table=None):
        try:
            return _protect(self, start, size, new_flags, page_table)
        except GLib.Error as error:
            _raise_pending(error)

    def protect_with(self, start, size, page_table, update_flags, *user_data):
        """Like ``protect``, with the new flags of each area computed by
        ``update_flags(old_flags, *user_data)``.

        ``update_flags`` returns the new flags, or ``None`` to leave an area
        alone; a ``(changed, new_flags)`` pair as without the overrides works
        too. If it raises, or returns anything else (``TypeError``, or
        ``OverflowError`` for a number outside 0 to 2**64 - 1),
        ``protect_with`` raises that exception: the areas before the one it
        was asked about keep their new flags, that one and the ones after
        it are left as they were.
        """
        if not callable(update_flags):
            raise TypeError('update_flags must be callable, not %s' %
                            type(update_flags).__name__)
        failed = []

        def flags_of(result):
            if isinstance(result, bool) or not isinstance(result, int):
                raise TypeError('update_flags must return the new flags (an int) '
                                'or None, not %r' % (result,))
            if not 0 <= result <= _U64_MAX:
                raise OverflowError('update_flags returned %d, outside 0 to 2**64 - 1'
                                    % result)
            return result

        def update(old_flags, *data):
            if failed:
                return False, 0
            try:
                result = update_flags(old_flags, *data)
                if result is None:
                    return False, 0
                if isinstance(result, tuple):
                    if len(result) != 2:
                        raise TypeError('update_flags returned a tuple of %d '
                                        'items, not (changed, new_flags)' %
                                        len(result))
                    changed, new_flags = result
                    if not changed:
                        return False, 0
                    return True, flags_of(new_flags)
                return True, flags_of(result)
            except BaseException as exception:
                # Leave this area and the ones after it alone.
                failed.append(exception)
                return False, 0

        try:
            done = _protect_with(self, start, size, page_table, update, *user_data)
        except GLib.Error as error:
            if failed:
                raise failed[0]
            _raise_pending(error)
        if failed:
            raise failed[0]
        return done

    def remap(self, old_start, old_size, new_start, new_size, page_table=None):
        try:
            return _remap(self, old_start, old_size, new_start, new_size, page_table)
        except GLib.Error as error:
            _raise_pending(error)

    def clear(self, page_table=None):
        try:
            return _clear(self, page_table)
        except GLib.Error as error:
            _raise_pending(error)

    def foreach(self, func, *user_data):
        """Calls ``func(area, *user_data)`` for each area in address order,
        until it returns a true value; an exception it raises stops the
        iteration and reaches the caller."""
        failed = []

        def call(area, *data):
            try:
                return bool(func(area, *data))
            except BaseException as exception:
                failed.append(exception)
                return True

        _foreach(self, call, *user_data)
        if failed:
            raise failed[0]

    def load_maps(self, text, backend, page_table=None):
        """Maps the areas of maps text (see the C documentation); a line
        with a NUL character is malformed, as in C, where the text would end
        there."""
        if isinstance(text, str) and '\0' in text:
            line = text.count('\n', 0, text.index('\0')) + 1
            raise GLib.Error('Line %d: the text holds a NUL character' % line,
                             GLib.quark_to_string(Ms.mapping_error_quark()),
                             int(Ms.MappingError.PARSE))
        try:
            return _load_maps(self, text, backend, page_table)
        except GLib.Error as error:
            _raise_pending(error)


MemorySet = override(MemorySet)
__all__.append('MemorySet')


def _raising_pending(method):
    """@method, whose GLib.Error is the exception a Python backend raised
    inside it when there is one (see _raise_pending)."""
    def wrapper(*args):
        try:
            return method(*args)
        except GLib.Error as error:
            _raise_pending(error)

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class LinuxMm(Ms.LinuxMm):
    """Linux's memory system calls on a set (see the C documentation).

    As with MemorySet, an exception that a Python backend raises in a
    call reaches the caller of that call as it is; the errors of the mm
    itself are GLib.Errors of the ``Ms.linux_mm_error_quark()`` domain,
    whose code is the errno value.
    """


for _name in ('load_maps', 'mmap', 'munmap', 'mprotect', 'pkey_mprotect', 'mremap', 'brk',
              'madvise', 'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'mseal',
              'fault', 'report_anonymous'):
    setattr(LinuxMm, _name, _raising_pending(getattr(Ms.LinuxMm, _name)))
LinuxMm.new_for_process = staticmethod(_raising_pending(Ms.LinuxMm.new_for_process))

LinuxMm = override(LinuxMm)
__all__.append('LinuxMm')


class PyMappingBackend(GObject.Object, MappingBackend):
    """A base class for backends written in Python.

    A subclass defines the methods it supports, with the arguments of the C
    virtual methods::

        class Backend(Ms.PyMappingBackend):
            def map(self, start, size, flags, page_table): ...
            def unmap(self, start, size, page_table): ...
            def protect(self, start, size, new_flags, page_table): ...
            def move(self, old_start, size, new_start, page_table): ...   # optional

    Subclasses of such a class may redefine any of these methods. (Define
    ``map``, not ``do_map``: a class that defines ``do_map`` and the others
    derives from ``GObject.Object`` and ``Ms.MappingBackend`` instead.)

    A method succeeds by returning ``True`` or nothing at all, and refuses
    by returning ``False`` or by raising an exception; any other return
    value is a refusal that raises ``TypeError``, and a method that is not
    defined refuses. Like every backend, a method that refuses must leave
    things as they were. An exception a method raises (``KeyboardInterrupt``
    included) reaches the Python caller of the ``MemorySet`` method as it
    is; a caller in C gets a ``GLib.Error`` that names it, or the
    ``GLib.Error`` the method raised, domain and code kept.
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
        for name in _BACKEND_METHODS:
            if name in cls.__dict__:
                raise TypeError('%s defines %s: a PyMappingBackend defines %s '
                                'instead' % (cls.__name__, name, name[3:]))
        super().__init_subclass__(**kwargs)

    def _dispatch(self, name, *args):
        return _backend_call('%s.%s' % (type(self).__name__, name),
                             getattr(self, name), args, True)

    def do_map(self, start, size, flags, page_table):
        return self._dispatch('map', start, size, flags, page_table)

    def do_unmap(self, start, size, page_table):
        return self._dispatch('unmap', start, size, page_table)

    def do_protect(self, start, size, new_flags, page_table):
        return self._dispatch('protect', start, size, new_flags, page_table)

    def do_move(self, old_start, size, new_start, page_table):
        return self._dispatch('move', old_start, size, new_start, page_table)

    # They answer C themselves.
    do_map._ms_wrapped = do_unmap._ms_wrapped = True
    do_protect._ms_wrapped = do_move._ms_wrapped = True

    # A method a subclass does not define refuses, as a NULL C method does.
    # (Without these, self.map would be the interface's own method, which
    # calls back into do_map.)
    def map(self, start, size, flags, page_table):
        return False

    def unmap(self, start, size, page_table):
        return False

    def protect(self, start, size, new_flags, page_table):
        return False

    def move(self, old_start, size, new_start, page_table):
        return False


__all__.append('PyMappingBackend')
