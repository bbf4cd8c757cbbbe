# ms_scenarios.py: the scenarios of tests/scenarios.txt, read for the
# Python tests
#
# scenarios.txt is written once and replayed by every test program that
# needs it (its head comment is the syntax); the C tests read it in
# ms-test-harness.c (ms_test_scenarios_load), the Python tests here. This
# module only reads: each step's arguments are checked and turned into
# numbers, names and update functions when the file is loaded, so that a
# mistake in the file names its line before anything runs.
# test_memory_set.py's ScenarioTest replays the scenarios.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import collections
import os

FILE_NAME = 'scenarios.txt'

# The steps that change the set: their backend calls are the ones that
# fail in turn.
CHANGES = frozenset(['map', 'map!', 'unmap', 'protect', 'protect-with', 'clear', 'remap'])

# What expect-result names, as the C harness reads it: "ok" or an
# MsMappingError (its nick: "too-many-areas" is TOO_MANY_AREAS).
RESULTS = ('ok', 'invalid-param', 'already-exists', 'bad-state', 'busy', 'parse', 'fault',
           'too-many-areas', 'not-mapped')


def update_function(name, param):
    """The update function of protect-with named name (with its
    parameter), as ms_model_update_flags gives it: old_flags -> (changed,
    new_flags)."""
    if name == 'set':
        return lambda old: (True, param)
    if name == 'leave':
        return lambda old: (False, 0)
    if name == 'xor':
        return lambda old: (True, old ^ param)
    if name == 'same':
        return lambda old: (True, old)
    if name == 'odd-leave':
        return lambda old: (False, 0) if old & 1 else (True, param)
    if name == 'upstream':
        # The Rust crate's: the high bits of the old flags, the low three
        # of param; left alone when the low three already match.
        return lambda old: (False, 0) if old & 7 == param & 7 else (True, old & ~7 | param & 7)
    raise KeyError(name)


UPDATES = ('set', 'leave', 'xor', 'same', 'odd-leave', 'upstream')


class ScenarioError(Exception):
    """A line of scenarios.txt that cannot be read."""


class Step(collections.namedtuple('Step', 'verb args line text')):
    """One line of a scenario: the verb, its arguments as the replay
    takes them (a dict, see _ARGUMENTS), its line number (from 1) and its
    text, without the comment."""

    __slots__ = ()

    @property
    def is_change(self):
        return self.verb in CHANGES

    def __str__(self):
        return '%s:%d (%s)' % (FILE_NAME, self.line, self.text)


Scenario = collections.namedtuple('Scenario', 'name steps line')


def number(word):
    """A number in C notation, as g_ascii_strtoull (word, &end, 0) reads
    it: 0x.. hexadecimal, 0.. octal, else decimal; at most 2^64 - 1."""
    text = word.lower()
    try:
        if text.startswith('0x'):
            value = int(text[2:], 16) if text[2:].isalnum() else None
        elif text.startswith('0') and len(text) > 1:
            value = int(text[1:], 8) if text[1:].isdigit() else None
        else:
            value = int(text, 10) if text.isdigit() else None
    except ValueError:
        value = None
    if value is None or value >= 2 ** 64:
        raise ValueError('"%s" is not a number' % word)
    return value


def _backend(word):
    value = number(word)
    if value > 3:
        raise ValueError('no backend %s (0 to 3)' % word)
    return value


def _result(word):
    if word not in RESULTS:
        raise ValueError('no result "%s"' % word)
    return word


def _update(word):
    if word not in UPDATES:
        raise ValueError('no update function "%s"' % word)
    return word


def _on_off(word):
    if word not in ('on', 'off'):
        raise ValueError('"%s" is not on or off' % word)
    return word == 'on'


def _answer(word):
    return None if word == 'none' else number(word)


def _name(word):
    return word


# Each verb's arguments: (name, reader), then the optional ones, with
# their defaults (None: see the replay, e.g. an offset that defaults to
# the start).
_ARGUMENTS = {
    'map': ([('start', number), ('size', number), ('flags', number)],
            [('backend', _backend, 0), ('offset', number, None), ('name', _name, None)]),
    'unmap': ([('start', number), ('size', number)], []),
    'protect': ([('start', number), ('size', number), ('flags', number)], []),
    'protect-with': ([('start', number), ('size', number), ('update', _update),
                      ('param', number)], []),
    'clear': ([], []),
    'remap': ([('old_start', number), ('old_size', number), ('new_start', number),
               ('new_size', number)], []),
    'merge': ([('merge', _on_off)], []),
    'limit': ([('max_areas', number)], []),
    'hold': ([('addr', number)], []),
    'check': ([], []),
    'expect-result': ([('result', _result)], []),
    'expect-n-areas': ([('n_areas', number)], []),
    'expect-area': ([('start', number), ('end', number), ('flags', number)],
                    [('offset', number, None), ('name', _name, None)]),
    'expect-free': ([('start', number), ('size', number)], []),
    'expect-find-free': ([('hint', number), ('size', number), ('limit_start', number),
                          ('limit_end', number), ('align', number), ('answer', _answer)], []),
    'expect-find-free-top-down': ([('size', number), ('limit_start', number),
                                   ('limit_end', number), ('align', number),
                                   ('answer', _answer)], []),
}
_ARGUMENTS['map!'] = _ARGUMENTS['map']


def _arguments(verb, words):
    if verb not in _ARGUMENTS:
        raise ValueError('no step "%s"' % verb)
    required, optional = _ARGUMENTS[verb]
    if not len(required) <= len(words) <= len(required) + len(optional):
        raise ValueError('%s takes %d to %d arguments, not %d'
                         % (verb, len(required), len(required) + len(optional), len(words)))
    args = {}
    for (name, reader, *default), word in zip(required + optional, words):
        args[name] = reader(word)
    for name, reader, default in optional[max(0, len(words) - len(required)):]:
        args[name] = default
    return args


def path():
    """scenarios.txt: in $G_TEST_SRCDIR (meson's test environment sets
    it), or beside this file."""
    srcdir = os.environ.get('G_TEST_SRCDIR') or os.path.dirname(os.path.abspath(__file__))
    return os.path.join(srcdir, FILE_NAME)


def load(file_name=None):
    """The scenarios of the file (path() by default), in order."""
    with open(file_name or path(), encoding='utf-8') as f:
        lines = f.read().split('\n')

    scenarios = []
    names = set()
    for n, line in enumerate(lines, 1):
        text = line.split('#', 1)[0].strip()
        words = text.split()
        if not words:
            continue
        where = '%s:%d: ' % (FILE_NAME, n)
        if words[0] == 'scenario':
            if len(words) != 2 or words[1] in names:
                raise ScenarioError(where + 'a scenario wants one name, not used before')
            names.add(words[1])
            scenarios.append(Scenario(words[1], [], n))
            continue
        if not scenarios:
            raise ScenarioError(where + 'a step before the first scenario')
        try:
            args = _arguments(words[0], words[1:])
        except ValueError as e:
            raise ScenarioError(where + str(e)) from None
        scenarios[-1].steps.append(Step(words[0], args, n, ' '.join(words)))
    if not scenarios:
        raise ScenarioError('%s: no scenario' % FILE_NAME)
    return scenarios
