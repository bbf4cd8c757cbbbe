#!/usr/bin/env python3
# ms-bench.py: what libmemoryset costs from Python, beside plain Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# On the standard workload's layout (N areas A_i = [i*0x2000,
# i*0x2000 + 0x1000), flags 1; see docs/performance.md), times:
#   - reading start, end and flags of every area: a Python list of N
#     3-tuples (the floor), MemorySet.table(), `for area in set` with the
#     overrides' attributes, and get_areas() with the plain getters;
#   - each call the overrides wrap (len, in, [], find, map, unmap,
#     protect) through the overrides and as the plain introspected call,
#     and a lookup in a sorted Python list with bisect for scale.
# Each figure is the best of several rounds in which the things compared
# run one after the other: a busy machine only adds time. Goals
# (docs/python.md): table() within 4x of the list of tuples; every
# override within 10 % of its plain call.
#
#   meson devenv -C build /usr/bin/python3 ../bench/ms-bench.py [--n N] [--rounds R]

import argparse
import bisect
import sys
import time

import gi

gi.require_version('Ms', '1.0')
from gi.module import get_introspection_module  # noqa: E402
from gi.repository import GObject, Ms  # noqa: E402

if not hasattr(Ms, 'PyMappingBackend'):
    sys.exit('ms-bench.py: the Python overrides are not loaded '
             '(run it through meson devenv, or install the library)')

Plain = get_introspection_module('Ms')

STRIDE = 0x2000
SIZE = 0x1000


class Backend(GObject.Object, Ms.MappingBackend):
    def do_map(self, start, size, flags, page_table):
        return True

    def do_unmap(self, start, size, page_table):
        return True

    def do_protect(self, start, size, new_flags, page_table):
        return True


def per_item(func, n_items):
    t = time.perf_counter()
    func()
    return (time.perf_counter() - t) / n_items * 1e9


def rounds_of(cases, rounds, n_items):
    """{name: the least ns per item of any round}, the cases run in turn
    in each round: a busy machine only ever adds time."""
    times = {name: [] for name, _ in cases}
    for k in range(rounds):
        # Every other round backwards: neither of two neighbours always
        # finds the caches warmed by the other.
        for name, func in (cases if k % 2 == 0 else reversed(cases)):
            times[name].append(per_item(func, n_items))
    return {name: min(ts) for name, ts in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--n', type=int, default=100000, help='areas (default 100000)')
    parser.add_argument('--rounds', type=int, default=15, help='rounds (default 15)')
    parser.add_argument('--calls', type=int, default=5000,
                        help='calls per timing of one method (default 5000)')
    args = parser.parse_args()
    n, calls = args.n, args.calls

    backend = Backend()
    s = Ms.MemorySet()
    s.load_maps(''.join('%x-%x 0x1\n' % (i * STRIDE, i * STRIDE + SIZE) for i in range(n)),
                backend)
    assert len(s) == n
    tuples = [(i * STRIDE, i * STRIDE + SIZE, 1) for i in range(n)]
    starts = [t[0] for t in tuples]

    # Checks first: every way of reading gives the same rows.
    assert list(s.table()) == tuples
    assert [(a.start, a.end, a.flags) for a in s] == tuples

    def read_tuples():
        for start, end, flags in tuples:
            pass

    def read_table():
        for start, end, flags in s.table():
            pass

    def read_iter():
        for area in s:
            area.start, area.end, area.flags

    def read_plain():
        for area in Plain.MemorySet.get_areas(s):
            area.get_start(), area.get_end(), area.get_flags()

    reading = rounds_of([('list of tuples', read_tuples), ('table()', read_table),
                         ('for area in set', read_iter), ('get_areas(), getters', read_plain)],
                        args.rounds, n)

    addrs = [(i * 7919 % n) * STRIDE + 0x10 for i in range(calls)]
    area = Ms.MemoryArea(n * STRIDE + 0x1000, 0x800, 2, backend)
    def loop(body):
        def run():
            for addr in addrs:
                body(addr)
        return run

    # The plain calls as a program without the overrides makes them: a
    # method the overrides leave alone is the plain one itself; the ones
    # they replace are called from the plain class.
    P = Plain.MemorySet
    pairs = [
        ('len(set)', loop(lambda a: len(s)), loop(lambda a: s.get_n_areas())),
        ('addr in set', loop(lambda a: a in s), loop(lambda a: s.find(a) is not None)),
        ('set[addr]', loop(lambda a: s[a]), loop(lambda a: s.find(a))),
        ('find', loop(lambda a: s.find(a)), loop(lambda a: P.find(s, a))),
        ('map + unmap', loop(lambda a: (s.map(area), s.unmap(area.start, 0x800))),
         loop(lambda a: (P.map(s, area, None, False), P.unmap(s, area.start, 0x800, None)))),
        ('protect', loop(lambda a: s.protect(a - 0x10, SIZE, 1)),
         loop(lambda a: P.protect(s, a - 0x10, SIZE, 1, None))),
    ]
    calls_cases = []
    for name, over, plain in pairs:
        calls_cases += [(name + ' (overrides)', over), (name + ' (plain)', plain)]
    calls_cases.append(('bisect in a list', loop(lambda a: bisect.bisect_right(starts, a))))
    timed = rounds_of(calls_cases, args.rounds, calls)
    assert len(s) == n

    print('Python %s, PyGObject %s, %d areas, best of %d rounds' %
          (sys.version.split()[0], gi.__version__, n, args.rounds))
    print()
    print('reading start, end, flags of every area   ns/area  / list of tuples')
    for name, ns in reading.items():
        print('  %-38s %7.1f  %6.2f' % (name, ns, ns / reading['list of tuples']))
    print()
    print('one call                                 overrides    plain  ratio')
    ok = True
    for name, _, _ in pairs:
        over, plain = timed[name + ' (overrides)'], timed[name + ' (plain)']
        ok &= over <= 1.10 * plain
        print('  %-36s %9.0f %8.0f  %5.2f' % (name, over, plain, over / plain))
    print('  %-36s %9s %8.0f' % ('bisect in a list', '', timed['bisect in a list']))
    print()
    table_ratio = reading['table()'] / reading['list of tuples']
    print('goals: table() within 4x of a list of tuples: %s (%.2fx); '
          'every override within 10 %% of its plain call: %s' %
          ('met' if table_ratio <= 4 else 'NOT met', table_ratio, 'met' if ok else 'NOT met'))


if __name__ == '__main__':
    main()
