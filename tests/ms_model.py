# ms_model.py: a reference model of MsMemorySet for the Python tests
#
# Written from the documentation of the library alone (the gi-docgen
# comments of src/ms-memory-set.c, src/ms-memory-set-maps.c,
# src/ms-memory-area.c and the headers), never from its code: it says what
# a set should hold and which backend calls it should make, and answers
# every query by brute force.
#
# The address space [0, MAX_ADDR) is cut into cells of GRAIN bytes. Each
# cell is either unmapped (None) or holds the id of the area it belongs
# to, its backend (a name), flags, offset (of the cell's first byte) and
# name. The model's areas are the maximal runs of cells of one id: every
# change gives the cells it makes a fresh id, so that area boundaries are
# known. Everything at or above MAX_ADDR is free and stays so; a range may
# run past MAX_ADDR (it is then clamped there, or refused with
# INVALID_PARAM when it runs past TOP, as the library refuses it), but no
# area may be mapped there.
#
# The end of a range may not pass TOP = 2^64 - 1 ("a range that runs past
# 2^64 - 1" is refused; lookups take such a range "to end there"), and
# neither may an area's offset plus its size.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import itertools

import gi

gi.require_version('Ms', '1.0')

from gi.repository import Ms  # noqa: E402

GRAIN = 0x100
MAX_ADDR = 0x10000
N_CELLS = MAX_ADDR // GRAIN
TOP = 2 ** 64 - 1
MAX_AREAS_DEFAULT = 2 ** 32 - 1      # G_MAXUINT

# The outcome of a call whose Python exception (raised by a backend or an
# update function) reaches the caller: with the overrides only.
RAISED = 'raised'

# A line of maps text that does not parse.
MALFORMED = 'malformed'

ALL_METHODS = frozenset(('map', 'unmap', 'protect', 'move'))

INVALID_PARAM = Ms.MappingError.INVALID_PARAM
ALREADY_EXISTS = Ms.MappingError.ALREADY_EXISTS
BAD_STATE = Ms.MappingError.BAD_STATE
PARSE = Ms.MappingError.PARSE
TOO_MANY_AREAS = Ms.MappingError.TOO_MANY_AREAS
NOT_MAPPED = Ms.MappingError.NOT_MAPPED

# An area of the model, as the set should describe it.
Area = collections.namedtuple('Area', 'start end flags backend offset name')

_Cell = collections.namedtuple('_Cell', 'id backend flags offset name')


class Result:
    """What a call of the set should give.

    outcome: None for success, an Ms.MappingError code, or RAISED.
    calls: the backend calls, in order, each (backend, kind, start, size,
      flags, succeeded); flags is None for unmap and the destination for
      move. The failing call is the last one.
    seen: the old flags given to the update function, in order.
    line: for load_maps, the number of the line an error names (None for
      the limit and for success).
    """

    def __init__(self, outcome=None, calls=(), seen=(), line=None):
        self.outcome = outcome
        self.calls = list(calls)
        self.seen = list(seen)
        self.line = line

    def __repr__(self):
        return 'Result(%r, calls=%r, seen=%r, line=%r)' % (
            self.outcome, self.calls, self.seen, self.line)


class _Run:
    """The backend calls of one operation, the injected failure included:
    the call numbered fail_at (from 0) refuses, changing nothing, and the
    operation stops there. A method the backend lacks refuses too, without
    being called. A dry run (for the limit) makes every call succeed."""

    def __init__(self, methods, fail_at=None, dry=False):
        self.methods = methods
        self.fail_at = fail_at
        self.dry = dry
        self.calls = []
        self.failure = None        # None, 'missing' or 'injected'

    def call(self, backend, kind, start, size, arg):
        if self.dry:
            return True
        if kind not in self.methods(backend):
            self.failure = 'missing'
            return False
        ok = len(self.calls) != self.fail_at
        self.calls.append((backend, kind, start, size, arg, ok))
        if not ok:
            self.failure = 'injected'
        return ok


def _runs(cells):
    """The areas of a list of cells: (first cell, end cell, cell) triples."""
    found = []
    current, first = None, 0
    for i, cell in enumerate(cells):
        cell_id = None if cell is None else cell.id
        if cell_id != current:
            if current is not None:
                found.append((first, i, cells[first]))
            current, first = cell_id, i
    if current is not None:
        found.append((first, N_CELLS, cells[first]))
    return found


def _joinable(a, b):
    """Whether the cell b, just after the cell a, may join a's area."""
    return (a is not None and b is not None and a.backend == b.backend
            and a.flags == b.flags and a.name == b.name
            and b.offset == a.offset + GRAIN)


class Model:
    """A set, cell by cell.

    methods: backend name -> the methods it has ('map', 'unmap', 'protect',
      'move'); a backend not listed has them all.
    exceptions_reach_caller: whether an exception raised in a backend or an
      update function reaches the caller as it is (the Python overrides),
      rather than becoming a refusal (BAD_STATE) or, in an update
      function, an answer that leaves the area alone.

    Each changing operation takes fail_at (the backend call, counted from 0
    in this operation, that refuses) and raises (whether that refusal is an
    exception rather than False), and returns a Result.

    The limit (max-areas) is checked on what the call's success would
    leave: a dry run in which every backend call succeeds, merged if
    merging is on. Where the documentation leaves an order open, the model
    reads it so: argument errors (INVALID_PARAM, NOT_MAPPED,
    ALREADY_EXISTS, PARSE) come before the limit; in remap, a backend
    without move refuses (BAD_STATE) after the argument checks and before
    the limit; a backend without protect refuses only when the walk
    reaches its piece, so the limit counts that piece as changed; maps
    text is parsed whole first, then each line is checked for its offsets
    before its overlaps, the lines in order.
    """

    def __init__(self, methods=None, exceptions_reach_caller=False):
        self.cells = [None] * N_CELLS
        self._ids = itertools.count(1)
        self._methods = dict(methods or {})
        self.exceptions_reach_caller = exceptions_reach_caller
        self.merge_adjacent = False
        self.max_areas = MAX_AREAS_DEFAULT
        self.joins = 0         # how many neighbours merging joined, in all
        self._cached_runs = None

    # -- properties ---------------------------------------------------------

    def methods_of(self, backend):
        return self._methods.get(backend, ALL_METHODS)

    def set_merge_adjacent(self, merge):
        """Turning merging on joins, once, everything that could be one."""
        self.merge_adjacent = bool(merge)
        if self.merge_adjacent:
            self._merge(self.cells)
            self._cached_runs = None

    def set_max_areas(self, max_areas):
        """Removes nothing, whatever the set holds."""
        self.max_areas = max_areas

    # -- what the set holds -------------------------------------------------

    @staticmethod
    def _area(i, j, c):
        return Area(i * GRAIN, j * GRAIN, c.flags, c.backend, c.offset, c.name)

    def _runs_of(self, cells):
        """_runs(cells), kept for the model's own cells until they change."""
        if cells is not self.cells:
            return _runs(cells)
        if self._cached_runs is None:
            self._cached_runs = _runs(cells)
        return self._cached_runs

    def areas(self):
        return [self._area(i, j, c) for i, j, c in self._runs_of(self.cells)]

    @property
    def n_areas(self):
        return len(self._runs_of(self.cells))

    @property
    def mapped_size(self):
        return sum(GRAIN for c in self.cells if c is not None)

    def copy(self):
        """Another model holding the same, to try a call on."""
        other = Model(self._methods, self.exceptions_reach_caller)
        other.cells = list(self.cells)
        other._ids = self._ids
        other.merge_adjacent = self.merge_adjacent
        other.max_areas = self.max_areas
        return other

    # -- queries, by brute force ---------------------------------------------

    @staticmethod
    def _clamp(start, size):
        return start, min(start + size, TOP)

    def _is_mapped(self, addr):
        return addr < MAX_ADDR and self.cells[addr // GRAIN] is not None

    def _is_free(self, start, end):
        """No mapped cell meets [start, end)."""
        first = start // GRAIN
        last = min((end + GRAIN - 1) // GRAIN, N_CELLS)
        return start >= end or all(self.cells[i] is None for i in range(first, last))

    def _free_test(self):
        """A function that tells, as _is_free, whether [start, end) is free,
        from the number of mapped cells below each cell boundary."""
        below = [0]
        for cell in self.cells:
            below.append(below[-1] + (cell is not None))

        def is_free(start, end):
            if start >= end or start >= MAX_ADDR:
                return True
            last = min((end + GRAIN - 1) // GRAIN, N_CELLS)
            return below[last] == below[start // GRAIN]

        return is_free

    def find(self, addr):
        """The area containing addr, or None."""
        if not self._is_mapped(addr):
            return None
        for i, j, c in self._runs_of(self.cells):
            if i * GRAIN <= addr < j * GRAIN:
                return self._area(i, j, c)
        raise AssertionError('a mapped cell in no area')

    def overlaps(self, start, size):
        start, end = self._clamp(start, size)
        return not self._is_free(start, end)

    def areas_in(self, start, size):
        """The areas that meet [start, start + size), whole."""
        start, end = self._clamp(start, size)
        if start >= end:
            return []
        return [a for a in self.areas() if a.start < end and a.end > start]

    def gaps(self, start, size):
        """The free ranges inside [start, start + size), clipped to it."""
        start, end = self._clamp(start, size)
        points = sorted({start, end} | {k * GRAIN for k in range(N_CELLS + 1)
                                        if start < k * GRAIN < end})
        found = []
        for a, b in zip(points, points[1:]):
            if self._is_mapped(a):
                continue
            if found and found[-1][1] == a:
                found[-1] = (found[-1][0], b)
            else:
                found.append((a, b))
        return [(a, b - a) for a, b in found]

    @staticmethod
    def _no_free_area(size, limit_start, limit_end, align):
        return (size == 0 or align == 0 or align & (align - 1) != 0
                or size % align != 0 or limit_start >= limit_end)

    def find_free_area(self, hint, size, limit_start, limit_end, align):
        """The lowest r, a multiple of align, with r >= max(hint,
        limit_start), r + size <= limit_end and [r, r + size) free; or None.

        The lowest answer is the lowest aligned address at or above the
        base, or the lowest aligned one at or above some cell boundary:
        every such candidate is checked against the definition."""
        if self._no_free_area(size, limit_start, limit_end, align):
            return None
        base = max(hint, limit_start)

        def align_up(x):
            return -(-x // align) * align

        candidates = {align_up(base)}
        candidates.update(align_up(k * GRAIN) for k in range(N_CELLS + 1))
        is_free = self._free_test()
        good = [r for r in candidates
                if r % align == 0 and r >= base and r + size <= limit_end
                and is_free(r, r + size)]
        return min(good) if good else None

    def find_free_area_top_down(self, size, limit_start, limit_end, align):
        """The highest r, a multiple of align, with r >= limit_start,
        r + size <= limit_end and [r, r + size) free; or None."""
        if self._no_free_area(size, limit_start, limit_end, align):
            return None

        def align_down(x):
            return x // align * align

        candidates = {align_down(limit_end - size)}
        candidates.update(align_down(k * GRAIN - size) for k in range(N_CELLS + 1))
        is_free = self._free_test()
        good = [r for r in candidates
                if r % align == 0 and r >= limit_start and r >= 0
                and r + size <= limit_end and is_free(r, r + size)]
        return max(good) if good else None

    # -- helpers of the changes ----------------------------------------------

    @staticmethod
    def _cells_of(start, end):
        """The cells of [start, end), clamped to MAX_ADDR; the range must
        start and end on cell boundaries (or past MAX_ADDR)."""
        if start >= MAX_ADDR:
            return N_CELLS, N_CELLS
        if start % GRAIN or (end < MAX_ADDR and end % GRAIN):
            raise ValueError('the model needs [%#x, %#x) on cells of %#x'
                             % (start, end, GRAIN))
        return start // GRAIN, min(end, MAX_ADDR) // GRAIN

    def _pieces(self, cells, i0, i1):
        """The pieces of areas inside cells [i0, i1), in address order:
        (first cell, end cell, cell of the area)."""
        return [(max(i, i0), min(j, i1), c) for i, j, c in self._runs_of(cells)
                if i < i1 and j > i0]

    def _fresh(self):
        return next(self._ids)

    def _merge(self, cells):
        """Joins maximally: neighbours with the same backend, equal flags,
        equal names and offsets that run on."""
        runs = _runs(cells)
        k = 0
        while k < len(runs):
            m = k
            while (m + 1 < len(runs) and runs[m][1] == runs[m + 1][0]
                   and _joinable(cells[runs[m][1] - 1], cells[runs[m + 1][0]])):
                m += 1
            if m > k:
                if cells is self.cells:
                    self.joins += m - k
                    self._cached_runs = None
                nid = self._fresh()
                for i in range(runs[k][0], runs[m][1]):
                    cells[i] = cells[i]._replace(id=nid)
            k = m + 1

    def _unmap_cells(self, cells, run, i0, i1):
        for pi, pj, c in self._pieces(cells, i0, i1):
            if not run.call(c.backend, 'unmap', pi * GRAIN, (pj - pi) * GRAIN, None):
                return False
            cells[pi:pj] = [None] * (pj - pi)
        return True

    def _failure(self, run, raises):
        if run.failure == 'injected' and raises and self.exceptions_reach_caller:
            return RAISED
        return BAD_STATE

    def _change(self, perform, fail_at, raises):
        """Runs perform(cells, run) -> success, under the limit: a call whose
        success would leave more areas than both the limit and the count
        before changes nothing and calls no backend."""
        before = self.n_areas
        trial = list(self.cells)
        if not perform(trial, _Run(self.methods_of, dry=True)):
            raise AssertionError('a dry run failed')
        if self.merge_adjacent:
            self._merge(trial)
        after = len(_runs(trial))
        if after > self.max_areas and after > before:
            return Result(TOO_MANY_AREAS)
        run = _Run(self.methods_of, fail_at)
        ok = perform(self.cells, run)
        self._cached_runs = None
        if self.merge_adjacent:
            self._merge(self.cells)
        return Result(None if ok else self._failure(run, raises), run.calls)

    @staticmethod
    def _check_range(start, size):
        return start + size <= TOP

    # -- changes ------------------------------------------------------------

    def map(self, start, size, flags, backend, offset=None, name=None,
            unmap_overlap=False, fail_at=None, raises=False):
        """ms_memory_set_map of an area made with new_full (offset None: an
        anonymous area, as ms_memory_area_new makes: its offset is its
        start)."""
        if offset is None:
            offset = start
        if size == 0 or not self._check_range(start, size) or offset + size > TOP:
            return Result(INVALID_PARAM)
        end = start + size
        if end > MAX_ADDR:
            raise ValueError('the model cannot map [%#x, %#x)' % (start, end))
        i0, i1 = self._cells_of(start, end)
        if not self._is_free(start, end) and not unmap_overlap:
            return Result(ALREADY_EXISTS)

        def perform(cells, run):
            if not self._unmap_cells(cells, run, i0, i1):
                return False
            if not run.call(backend, 'map', start, size, flags):
                return False
            nid = self._fresh()
            for i in range(i0, i1):
                cells[i] = _Cell(nid, backend, flags, offset + (i * GRAIN - start), name)
            return True

        return self._change(perform, fail_at, raises)

    def unmap(self, start, size, fail_at=None, raises=False):
        if not self._check_range(start, size):
            return Result(INVALID_PARAM)
        if size == 0:
            return Result()
        i0, i1 = self._cells_of(start, start + size)
        return self._change(lambda cells, run: self._unmap_cells(cells, run, i0, i1),
                            fail_at, raises)

    def clear(self, fail_at=None, raises=False):
        def perform(cells, run):
            return self._unmap_cells(cells, run, 0, N_CELLS)

        return self._change(perform, fail_at, raises)

    def protect(self, start, size, new_flags, fail_at=None, raises=False):
        """protect_with with a function that always answers new_flags."""
        result = self.protect_with(start, size, lambda old: (True, new_flags),
                                   fail_at, raises)
        result.seen = []
        return result

    def protect_with(self, start, size, update, fail_at=None, raises=False):
        """update(old_flags) -> (changed, new_flags), as without the
        overrides; it may raise.

        The function is asked once about each area piece of the range, in
        address order. When the limit might be broken (the count before
        plus 2, the most a protect can add, is above both the limit and the
        count before), it is asked about every piece before any backend
        call; otherwise piece by piece, as the walk reaches it (so not about
        the pieces after a refusal). An exception in the function leaves
        its area alone; with the overrides, it also leaves alone the areas
        after it (without asking about them) and reaches the caller."""
        if not self._check_range(start, size):
            return Result(INVALID_PARAM)
        if size == 0:
            return Result()
        i0, i1 = self._cells_of(start, start + size)
        pieces = self._pieces(self.cells, i0, i1)
        seen = []
        raised = []

        def ask(old):
            if raised and self.exceptions_reach_caller:
                return None
            seen.append(old)
            try:
                changed, new = update(old)
            except Exception:
                raised.append(True)
                return None
            if not changed or new == old:
                return None
            return new

        def outcome(result):
            if raised and self.exceptions_reach_caller:
                result.outcome = RAISED
            result.seen = seen
            return result

        def walk(cells, run, answers):
            for k, (pi, pj, c) in enumerate(pieces):
                new = answers[k] if answers is not None else ask(c.flags)
                if new is None:
                    continue
                if not run.call(c.backend, 'protect', pi * GRAIN, (pj - pi) * GRAIN, new):
                    return False
                nid = self._fresh()
                for i in range(pi, pj):
                    cells[i] = cells[i]._replace(id=nid, flags=new)
            return True

        before = self.n_areas
        if before + 2 > max(self.max_areas, before):
            answers = [ask(c.flags) for pi, pj, c in pieces]
            return outcome(self._change(lambda cells, run: walk(cells, run, answers),
                                        fail_at, raises))

        # The limit cannot be broken: no dry run, which would ask.
        run = _Run(self.methods_of, fail_at)
        ok = walk(self.cells, run, None)
        self._cached_runs = None
        if self.merge_adjacent:
            self._merge(self.cells)
        return outcome(Result(None if ok else self._failure(run, raises), run.calls))

    def remap(self, old_start, old_size, new_start, new_size, fail_at=None, raises=False):
        """ms_memory_set_remap: moves and resizes [old_start, old_start +
        old_size), which must lie inside one area.

        The checks, all changing nothing: sizes of 0, ranges past TOP and
        (for a move) a destination that overlaps the old range give
        INVALID_PARAM; an old range not inside one area NOT_MAPPED; a piece
        whose offsets would pass TOP INVALID_PARAM; a destination (or an
        extension) not free ALREADY_EXISTS; then a move on a backend
        without the move method BAD_STATE, without a backend call; then
        the limit. The backend calls: unmap of the cut tail, move, map of
        the extension."""
        if old_size == 0 or new_size == 0:
            return Result(INVALID_PARAM)
        if not self._check_range(old_start, old_size) or not self._check_range(new_start, new_size):
            return Result(INVALID_PARAM)
        old_end, new_end = old_start + old_size, new_start + new_size
        moving = new_start != old_start
        if moving and new_start < old_end and old_start < new_end:
            return Result(INVALID_PARAM)
        area = None
        if old_start < MAX_ADDR:
            for i, j, c in self._runs_of(self.cells):
                if i * GRAIN <= old_start and old_end <= j * GRAIN:
                    area = (i, j, c)
        if area is None:
            return Result(NOT_MAPPED)
        ai, aj, ac = area
        oi = self._cells_of(old_start, old_end)[0]
        offset = self.cells[oi].offset
        if offset + new_size > TOP:
            return Result(INVALID_PARAM)
        if moving:
            needed = (new_start, new_end)
        else:
            needed = (old_end, max(old_end, new_end))
        if not self._is_free(*needed):
            return Result(ALREADY_EXISTS)
        if (moving or new_end > old_end) and new_end > MAX_ADDR:
            raise ValueError('the model cannot map [%#x, %#x)' % (new_start, new_end))
        backend = ac.backend
        if moving and 'move' not in self.methods_of(backend):
            return Result(BAD_STATE)
        ni = new_start // GRAIN
        kept = min(old_size, new_size) // GRAIN

        def perform(cells, run):
            if new_size < old_size:
                if not run.call(backend, 'unmap', old_start + new_size,
                                old_size - new_size, None):
                    return False
                ci = oi + new_size // GRAIN
                cells[ci:ci + (old_size - new_size) // GRAIN] = \
                    [None] * ((old_size - new_size) // GRAIN)
            nid = self._fresh()
            if moving:
                if not run.call(backend, 'move', old_start, kept * GRAIN, new_start):
                    return False
                piece = cells[oi:oi + kept]
                cells[oi:oi + kept] = [None] * kept
                cells[ni:ni + kept] = [c._replace(id=nid) for c in piece]
            if new_size > old_size:
                if not run.call(backend, 'map', new_start + old_size,
                                new_size - old_size, ac.flags):
                    return False
                if not moving:
                    # Growing in place: the area (which ends where the
                    # piece ends) stays one area, head included.
                    for i in range(ai, aj):
                        cells[i] = cells[i]._replace(id=nid)
                for k in range(kept, new_size // GRAIN):
                    cells[ni + k] = _Cell(nid, backend, ac.flags, offset + k * GRAIN, ac.name)
            return True

        return self._change(perform, fail_at, raises)

    def load_maps(self, lines, backend, fail_at=None, raises=False):
        """ms_memory_set_load_maps of one area per line: each line is
        MALFORMED or (start, end, flags, offset, name), offset None for a
        line without the offset column (anonymous memory: the offset is the
        start, no name).

        The whole text is checked first: the first malformed line gives
        PARSE (the documentation does not say whether a malformed line
        comes before an overlap on an earlier line; the model parses the
        whole text first, and the randomised test only puts a malformed
        line first); then each line in order, its offsets past TOP
        INVALID_PARAM, then an overlap with the set or an earlier line
        ALREADY_EXISTS; then the limit; then one map call per line in
        order, stopping at a refusal."""
        for n, line in enumerate(lines, 1):
            if line == MALFORMED:
                return Result(PARSE, line=n)
        areas = []
        for n, line in enumerate(lines, 1):
            start, end, flags, offset, name = line
            if offset is None:
                offset, name = start, None
            if offset + (end - start) > TOP:
                return Result(INVALID_PARAM, line=n)
            if not self._is_free(start, end) or any(s < end and start < e for s, e, *_ in areas):
                return Result(ALREADY_EXISTS, line=n)
            if end > MAX_ADDR:
                raise ValueError('the model cannot map [%#x, %#x)' % (start, end))
            areas.append((start, end, flags, offset, name))
        failed = []

        def perform(cells, run):
            for n, (start, end, flags, offset, name) in enumerate(areas, 1):
                if not run.call(backend, 'map', start, end - start, flags):
                    failed.append(n)
                    return False
                i0, i1 = self._cells_of(start, end)
                nid = self._fresh()
                for i in range(i0, i1):
                    cells[i] = _Cell(nid, backend, flags, offset + (i * GRAIN - start), name)
            return True

        result = self._change(perform, fail_at, raises)
        result.line = failed[0] if failed else None
        return result
