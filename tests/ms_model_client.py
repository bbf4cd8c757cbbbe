# ms_model_client.py: the reference model of the C tests, for the Python
# tests
#
# The model is ms-test-model.c, the one every C test uses, run as a
# program (ms-model-oracle.c: its comment gives the protocol) that this
# client drives through a pipe, one line a command. $MS_MODEL_ORACLE names
# the program; meson's test environment sets it.
#
# What the oracle cannot see is added here, from the documentation of the
# bindings: maps text is parsed first (a malformed line gives PARSE before
# anything else), and what a Python exception does. An exception raised in
# a backend is, to the set, a refusal (BAD_STATE); with the overrides it
# reaches the caller instead (RAISED). An exception in an update function
# leaves its piece alone; with the overrides, it also leaves alone the
# pieces after it, without asking about them, and reaches the caller.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import os
import subprocess

import gi

gi.require_version('Ms', '1.0')

from gi.repository import Ms  # noqa: E402

TOP = 2 ** 64 - 1
MAX_AREAS_DEFAULT = 2 ** 32 - 1      # G_MAXUINT

# The outcome of a call whose Python exception (raised by a backend or an
# update function) reaches the caller: with the overrides only.
RAISED = 'raised'

# A line of maps text that does not parse.
MALFORMED = 'malformed'

PARSE = Ms.MappingError.PARSE
BAD_STATE = Ms.MappingError.BAD_STATE
TOO_MANY_AREAS = Ms.MappingError.TOO_MANY_AREAS

# An area of the model, as the set should describe it (backend: its name).
Area = collections.namedtuple('Area', 'start end flags backend offset name')


def oracle_path():
    """The oracle program, or None when the environment does not name it
    (a test run outside meson)."""
    return os.environ.get('MS_MODEL_ORACLE')


class OracleError(Exception):
    pass


class Result:
    """What a call of the set should give.

    outcome: None for success, an Ms.MappingError code, or RAISED.
    calls: the backend calls, in order, each (backend, kind, start, size,
      arg, succeeded); arg is the flags of map and protect, None for unmap
      and the destination for move. A failing call is the last one.
    seen: the old flags given to the update function, in order.
    line: for load_maps, the number (from 1) of the line an error names
      (None for the limit and for success).
    """

    def __init__(self, outcome=None, calls=(), seen=(), line=None):
        self.outcome = outcome
        self.calls = list(calls)
        self.seen = list(seen)
        self.line = line

    def __repr__(self):
        return 'Result(%r, calls=%r, seen=%r, line=%r)' % (
            self.outcome, self.calls, self.seen, self.line)


def _name(name):
    if name is None:
        return '-'
    return '=' + name.encode().hex()


def _unname(text):
    if text == '-':
        return None
    return bytes.fromhex(text[1:]).decode()


class Model:
    """The model of a set whose backends are named by backends (a list of
    names, numbered in order for the oracle).

    no_move, no_protect: the names of the backends that lack move, or
    protect (a backend without protect refuses a protect of its pieces
    when the walk reaches them, calling nothing).
    exceptions_reach_caller: whether the overrides are in use.

    Each change takes fail_at (the backend call, counted from 0 in this
    change, that refuses; None for none), raises (whether that refusal is
    an exception rather than False) and trial (try it on a copy of the
    model, changing nothing), and returns a Result.

    areas(), n_areas, mapped_size and joins come from one request after
    each change; the other queries ask the oracle each time, or many at
    once (ask_all).
    """

    def __init__(self, backends, no_move=(), no_protect=(), exceptions_reach_caller=False):
        path = oracle_path()
        if path is None:
            raise OracleError('MS_MODEL_ORACLE is not set')
        self._names = list(backends)
        self._index = {name: i for i, name in enumerate(self._names)}
        self.exceptions_reach_caller = exceptions_reach_caller
        self.max_areas = MAX_AREAS_DEFAULT
        self._proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      text=True, bufsize=1)
        self._state = None
        self._parsed = {}

        def mask(names):
            return sum(1 << self._index[name] for name in names)

        self._new = 'new %x %x %x' % (len(self._names), mask(no_move), mask(no_protect))
        self._request(self._new)

    def reset(self):
        """Starts again from an empty model with the same backends, in the
        same oracle."""
        self._request(self._new)
        self.max_areas = MAX_AREAS_DEFAULT
        self._state = None

    def close(self):
        """Ends the oracle (its errors have been raised as they came)."""
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait()
            self._proc.stdout.close()
            self._proc = None

    # -- the pipe ------------------------------------------------------------

    def _send(self, text):
        try:
            self._proc.stdin.write(text + '\n')
        except BrokenPipeError:
            pass        # the oracle ended: _receive reads why

    def _receive(self, request):
        line = self._proc.stdout.readline()
        if line.startswith('= '):
            return line[2:-1]
        if line.startswith('? '):
            return line[:-1]
        raise OracleError('%r: %r' % (request, line.rstrip('\n') or 'the oracle ended'))

    def _request(self, text):
        self._send(text)
        return self._receive(text)

    def _area(self, text):
        # Most areas come again and again, unchanged: each is parsed once.
        area = self._parsed.get(text)
        if area is None:
            if len(self._parsed) > 100_000:
                self._parsed.clear()
            start, end, flags, backend, offset, name = text.split(',')
            area = Area(int(start, 16), int(end, 16), int(flags, 16),
                        self._names[int(backend, 16)], int(offset, 16), _unname(name))
            self._parsed[text] = area
        return area

    def _areas(self, words):
        return [self._area(w) for w in words[1:]]

    # -- what the set holds --------------------------------------------------

    def _current(self):
        if self._state is None:
            words = self._request('state').split()
            self._state = (int(words[0], 16), int(words[1], 16), int(words[2], 16),
                           self._areas(words[3:]))
        return self._state

    def areas(self):
        return list(self._current()[3])

    @property
    def n_areas(self):
        return self._current()[0]

    @property
    def mapped_size(self):
        return self._current()[1]

    @property
    def joins(self):
        """How many neighbours merging has joined, in all."""
        return self._current()[2]

    def find(self, addr):
        """The area containing addr, or None."""
        return self.ask('find', addr)

    def overlaps(self, start, size):
        return self.ask('overlaps', start, size)

    def areas_in(self, start, size):
        """The areas that meet [start, start + size), whole."""
        return self.ask('areas_in', start, size)

    def gaps(self, start, size):
        """The free ranges inside [start, start + size), clipped to it."""
        return self.ask('gaps', start, size)

    def find_free_area(self, hint, size, limit_start, limit_end, align):
        return self.ask('find_free_area', hint, size, limit_start, limit_end, align)

    def find_free_area_top_down(self, size, limit_start, limit_end, align):
        return self.ask('find_free_area_top_down', size, limit_start, limit_end, align)

    def points(self):
        """Where the model's cells start, in order: the places worth
        looking at."""
        return self.ask('points')

    # Each query: its command, and how its answer reads.
    _QUERIES = {
        'find': ('find %x', lambda self, a: None if a == '-' else self._area(a)),
        'overlaps': ('overlaps %x %x', lambda self, a: a == '1'),
        'areas_in': ('in_range %x %x', lambda self, a: self._areas(a.split())),
        'gaps': ('gaps %x %x', lambda self, a: [tuple(int(x, 16) for x in w.split(','))
                                                for w in a.split()[1:]]),
        'find_free_area': ('ffa %x %x %x %x %x', lambda self, a: None if a == '-' else int(a, 16)),
        'find_free_area_top_down': ('ffa_top %x %x %x %x',
                                    lambda self, a: None if a == '-' else int(a, 16)),
        'points': ('points', lambda self, a: [int(w, 16) for w in a.split()[1:]]),
    }

    def ask(self, query, *args):
        """The answer to one query: the name of its method and its
        arguments."""
        command, read = self._QUERIES[query]
        return read(self, self._request(command % args))

    def ask_all(self, queries):
        """The answers to many queries, each (name of its method,
        arguments...), in order: sent a few hundred at a time, without
        waiting for each answer."""
        answers = []
        for i in range(0, len(queries), 256):
            chunk = queries[i:i + 256]
            reads = [self._QUERIES[q[0]] for q in chunk]
            texts = [command % q[1:] for (command, read), q in zip(reads, chunk)]
            # A chunk (a few kilobytes) fits in the pipe: writing it cannot
            # wait for the oracle, which may be blocked on answers not read
            # yet.
            self._send('\n'.join(texts))
            for (command, read), text in zip(reads, texts):
                answers.append(read(self, self._receive(text)))
        return answers

    # -- properties ----------------------------------------------------------

    def set_merge_adjacent(self, merge):
        """Turning merging on joins, once, everything that could be one."""
        self._request('merge %d' % bool(merge))
        self._state = None

    def set_max_areas(self, max_areas):
        """Removes nothing, whatever the set holds."""
        self._request('limit %x' % max_areas)
        self.max_areas = max_areas

    # -- changes -------------------------------------------------------------

    def _change(self, command, args, fail_at, raises, trial, update=None, lines=()):
        """Sends the change command with its arguments (a string) and the
        lines that follow it, answers the oracle's questions with update,
        and reads the outcome."""
        text = '%s%s %x%s' % ('trial ' if trial else '', command,
                              0 if fail_at is None else fail_at + 1, args and ' ' + args)
        self._send(text)
        for line in lines:
            self._send(line)
        questions = []
        raised = None          # how many questions, up to an exception
        while True:
            answer = self._receive(text)
            if not answer.startswith('? '):
                break
            old = int(answer[2:], 16)
            questions.append(old)
            reply = '0'
            if raised is None or not self.exceptions_reach_caller:
                try:
                    changed, new = update(old)
                except Exception:
                    if raised is None:
                        raised = len(questions)
                else:
                    if changed:
                        reply = '1 %x' % new
            self._send(reply)
        if not trial:
            self._state = None

        words = answer.split()
        outcome = None if words[0] == 'ok' else Ms.MappingError(int(words[0], 16))
        line = None if words[1] == '-' else int(words[1], 16) + 1
        n_calls = int(words[2], 16)
        calls = []
        for word in words[3:3 + n_calls]:
            kind, backend, start, size, arg, ok = word.split(',')
            calls.append((self._names[int(backend, 16)], kind, int(start, 16), int(size, 16),
                          None if kind == 'unmap' else int(arg, 16), ok == '1'))
        asked = [int(w, 16) for w in words[4 + n_calls:]]
        if len(asked) != int(words[3 + n_calls], 16) or update is not None and asked != questions:
            raise OracleError('%r: asked %r, reported %r' % (text, questions, asked))

        # protect's own update function is the oracle's.
        seen = asked if update is not None else []
        if raised is not None and self.exceptions_reach_caller:
            # Asked up to the exception, which reaches the caller.
            seen = asked[:raised]
            outcome = RAISED
        elif (outcome == BAD_STATE and raises and self.exceptions_reach_caller
              and calls and not calls[-1][-1]):
            outcome = RAISED
        return Result(outcome, calls, seen, line)

    def map(self, start, size, flags, backend, offset=None, name=None,
            unmap_overlap=False, fail_at=None, raises=False, trial=False):
        """ms_memory_set_map of an area made with new_full (offset None: an
        anonymous area, as ms_memory_area_new makes: its offset is its
        start)."""
        if offset is None:
            offset = start
        args = '%x %x %x %x %x %s %d' % (start, size, flags, self._index[backend], offset,
                                         _name(name), bool(unmap_overlap))
        return self._change('map', args, fail_at, raises, trial)

    def unmap(self, start, size, fail_at=None, raises=False, trial=False):
        return self._change('unmap', '%x %x' % (start, size), fail_at, raises, trial)

    def clear(self, fail_at=None, raises=False, trial=False):
        return self._change('clear', '', fail_at, raises, trial)

    def protect(self, start, size, new_flags, fail_at=None, raises=False, trial=False):
        """protect_with with a function that always answers new_flags."""
        return self._change('protect', '%x %x %x' % (start, size, new_flags),
                            fail_at, raises, trial)

    def protect_with(self, start, size, update, fail_at=None, raises=False, trial=False):
        """update(old_flags) -> (changed, new_flags), as without the
        overrides; it may raise."""
        return self._change('protect_with', '%x %x' % (start, size), fail_at, raises, trial,
                            update)

    def remap(self, old_start, old_size, new_start, new_size, fail_at=None, raises=False,
              trial=False):
        args = '%x %x %x %x' % (old_start, old_size, new_start, new_size)
        return self._change('remap', args, fail_at, raises, trial)

    def load_maps(self, lines, backend, fail_at=None, raises=False, trial=False):
        """ms_memory_set_load_maps of one area per line: each line is
        MALFORMED or (start, end, flags, offset, name), offset None for a
        line without the offset column (anonymous memory: the offset is the
        start, no name). The first malformed line gives PARSE, whatever
        the others hold."""
        for n, line in enumerate(lines, 1):
            if line == MALFORMED:
                return Result(PARSE, line=n)
        areas = []
        for start, end, flags, offset, name in lines:
            if offset is None:
                offset, name = start, None
            areas.append('%x %x %x %x %s' % (start, end, flags, offset, _name(name)))
        return self._change('load', '%x %x' % (self._index[backend], len(areas)),
                            fail_at, raises, trial, lines=areas)
