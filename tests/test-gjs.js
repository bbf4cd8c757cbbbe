// test-gjs.js: a backend written in JavaScript, run by gjs
//
// SPDX-License-Identifier: LGPL-2.1-or-later

import GIRepository from 'gi://GIRepository?version=2.0';
import GLib from 'gi://GLib';
import GObject from 'gi://GObject';
import Ms from 'gi://Ms?version=1.0';
import System from 'system';

// Logs its calls and refuses any call on the range that starts at refuseAt.
const LogBackend = GObject.registerClass({
    GTypeName: 'TestGjsLogBackend',
    Implements: [Ms.MappingBackend],
}, class LogBackend extends GObject.Object {
    constructor(params = {}) {
        super();
        this.calls = [];
        this.refuseAt = params.refuseAt ?? -1;
        this.reason = params.reason ?? null;
        this.pageTables = [];
    }

    // Refuses by returning false, or by throwing this.reason when set.
    answer(start) {
        if (start !== this.refuseAt)
            return true;
        if (this.reason)
            throw this.reason;
        return false;
    }

    vfunc_map(start, size, flags, pageTable) {
        this.calls.push(['map', start, size, flags]);
        this.pageTables.push(pageTable);
        return this.answer(start);
    }

    vfunc_unmap(start, size, pageTable) {
        this.calls.push(['unmap', start, size]);
        this.pageTables.push(pageTable);
        return this.answer(start);
    }

    vfunc_protect(start, size, newFlags, pageTable) {
        this.calls.push(['protect', start, size, newFlags]);
        this.pageTables.push(pageTable);
        return this.answer(start);
    }

    vfunc_move(oldStart, size, newStart, pageTable) {
        this.calls.push(['move', oldStart, size, newStart]);
        this.pageTables.push(pageTable);
        return this.answer(oldStart);
    }
});

// A page table the set hands to the backend untouched.
const PageTable = GObject.registerClass({
    GTypeName: 'TestGjsPageTable',
}, class PageTable extends GObject.Object {});

function spans(set) {
    return set.get_areas().map(a => [a.get_start(), a.get_end(), a.get_flags()]);
}

function assertEqual(actual, expected, what) {
    const a = JSON.stringify(actual), e = JSON.stringify(expected);
    if (a !== e)
        throw new Error(`${what}: got ${a}, expected ${e}`);
}

function assertMappingError(func, code, what) {
    try {
        func();
    } catch (e) {
        if (!(e instanceof GLib.Error))
            throw e;
        if (!e.matches(Ms.MappingError, code))
            throw new Error(`${what}: wrong error ${e.domain}/${e.code}: ${e.message}`);
        return e;
    }
    throw new Error(`${what}: no error`);
}

const tests = {
    'readme example'() {
        const set = new Ms.MemorySet();
        const backend = new LogBackend();
        set.map(Ms.MemoryArea.new(0x1000, 0x4000, 1, backend), null, false);
        set.unmap(0x2000, 0x2000, null);

        assertEqual(set.get_n_areas(), 2, 'number of areas');
        assertEqual(spans(set), [[0x1000, 0x2000, 1], [0x4000, 0x5000, 1]], 'areas');
        assertEqual(backend.calls, [['map', 0x1000, 0x4000, 1], ['unmap', 0x2000, 0x2000]],
            'backend calls');
        assertEqual(backend.pageTables, [null, null], 'page tables');
        assertEqual(set.find(0x1800).get_backend() === backend, true, 'backend of an area');
        assertEqual(set.find(0x3000), null, 'find in the hole');
    },

    'protect splits and passes the page table'() {
        const set = new Ms.MemorySet();
        const backend = new LogBackend();
        const table = new PageTable();
        set.map(Ms.MemoryArea.new(0x1000, 0x4000, 1, backend), table, false);
        set.protect(0x2000, 0x1000, 3, table);
        assertEqual(spans(set), [[0x1000, 0x2000, 1], [0x2000, 0x3000, 3], [0x3000, 0x5000, 1]],
            'areas');
        assertEqual(backend.calls, [['map', 0x1000, 0x4000, 1], ['protect', 0x2000, 0x1000, 3]],
            'backend calls');
        assertEqual(backend.pageTables.every(t => t === table), true,
            'page table given to the backend');
    },

    'backend refusal raises GLib.Error'() {
        const set = new Ms.MemorySet();
        const backend = new LogBackend({refuseAt: 0x2000});
        set.map(Ms.MemoryArea.new(0x1000, 0x4000, 1, backend), null, false);

        const e = assertMappingError(() => set.unmap(0x2000, 0x1000, null),
            Ms.MappingError.BAD_STATE, 'refused unmap');
        if (!e.message.includes('0x2000'))
            throw new Error(`message does not name the range: ${e.message}`);
        assertEqual(spans(set), [[0x1000, 0x5000, 1]], 'areas after the refusal');

        assertMappingError(() => set.map(Ms.MemoryArea.new(0x2000, 0x1000, 1, backend), null, true),
            Ms.MappingError.BAD_STATE, 'refused map');
        assertMappingError(() => set.map(Ms.MemoryArea.new(0x4000, 0x2000, 1, backend), null, false),
            Ms.MappingError.ALREADY_EXISTS, 'overlapping map');
        assertEqual(spans(set), [[0x1000, 0x5000, 1]], 'areas at the end');
    },
};

tests['offsets and names follow splits, and neighbours merge'] = function () {
    const set = new Ms.MemorySet();
    const backend = new LogBackend();
    set.map(Ms.MemoryArea.new_full(0x1000, 0x4000, 1, backend, 0x10000, '/lib/x.so'), null, false);
    set.protect(0x2000, 0x1000, 3, null);
    const pieces = set.get_areas().map(a => [a.get_start(), a.get_offset(), a.get_name(), a.get_flags()]);
    assertEqual(pieces, [[0x1000, 0x10000, '/lib/x.so', 1], [0x2000, 0x11000, '/lib/x.so', 3],
        [0x3000, 0x12000, '/lib/x.so', 1]], 'pieces');
    assertEqual(Ms.MemoryArea.new(0x5000, 0x1000, 1, backend).get_offset(), 0x5000,
        'anonymous offset');

    set.merge_adjacent = true;
    set.protect(0x2000, 0x1000, 1, null);
    assertEqual(set.get_n_areas(), 1, 'merged');
    assertEqual(set.get_mapped_size(), 0x4000, 'mapped size');
    assertEqual(set.get_areas_in_range(0, 0x10000).length, 1, 'areas in range');
};

tests['remap moves through vfunc_move, top-down placement'] = function () {
    const set = new Ms.MemorySet();
    const backend = new LogBackend();
    set.map(Ms.MemoryArea.new(0x1000, 0x2000, 1, backend), null, false);
    set.remap(0x1000, 0x2000, 0x8000, 0x1000, null);
    assertEqual(backend.calls.slice(1), [['unmap', 0x2000, 0x1000], ['move', 0x1000, 0x1000, 0x8000]],
        'backend calls');
    assertEqual(spans(set), [[0x8000, 0x9000, 1]], 'areas');
    const [found, start] = set.find_free_area_top_down(0x1000, 0, 0x8000, 0x1000);
    assertEqual([found, start], [true, 0x7000], 'top-down');
};

tests['a backend that throws gives its reason'] = function () {
    const set = new Ms.MemorySet();
    const reason = new GLib.Error(GLib.file_error_quark(), GLib.FileError.NOSPC, 'no room');
    const backend = new LogBackend({refuseAt: 0x2000, reason});
    set.map(Ms.MemoryArea.new(0x1000, 0x4000, 1, backend), null, false);

    // A GLib.Error keeps its domain and code, and gains the operation and range.
    let caught = null;
    try {
        set.unmap(0x2000, 0x1000, null);
    } catch (e) {
        caught = e;
    }
    if (!(caught instanceof GLib.Error) || !caught.matches(GLib.file_error_quark(), GLib.FileError.NOSPC))
        throw new Error(`wrong error: ${caught}`);
    assertEqual(caught.message, 'Failed to unmap [0x2000, 0x3000): no room', 'message');

    // Any other exception thrown in a vfunc_ reaches the caller as a thrown error.
    backend.reason = new Error('not here');
    caught = null;
    try {
        set.protect(0x2000, 0x1000, 2, null);
    } catch (e) {
        caught = e;
    }
    if (caught === null || !`${caught.message}`.includes('not here'))
        throw new Error(`wrong error: ${caught}`);
    assertEqual(spans(set), [[0x1000, 0x5000, 1]], 'areas after the refusals');
};

// Addresses above 2^53 (docs/gjs.md). A guint64 argument takes a BigInt
// exactly; a Number is whatever double JavaScript rounded it to before gjs
// saw it. Every guint64 that comes back (return values, out-arguments, the
// arguments of a vfunc_) is a Number: gjs rounds it to the nearest double
// and warns ("cannot be safely stored in a JS Number") above 2^53 - 1,
// even when the double is exact, as every multiple of 2^11 is (page
// addresses among them): the warnings on stderr are expected.
tests['BigInt addresses near the top of the 64-bit space'] = function () {
    const set = new Ms.MemorySet();
    const backend = new LogBackend();
    const top = 0xffff_ffff_ffff_0000n;
    set.map(Ms.MemoryArea.new(top, 0x1000n, 1n, backend), null, false);
    assertEqual(backend.calls, [['map', Number(top), 0x1000, 1]], 'backend calls');
    assertEqual(typeof backend.calls[0][1], 'number', 'a vfunc_ gets Numbers');

    const area = set.find(top + 0xfffn);
    if (area === null)
        throw new Error('the last byte of the area is not found');
    assertEqual(set.find(top + 0x1000n), null, 'just past the area');
    assertEqual(typeof area.get_start(), 'number', 'get_start() gives a Number');
    assertEqual(BigInt(area.get_start()) === top, true, 'a page address comes back exact');
    assertEqual(BigInt(area.get_end()) === top + 0x1000n, true, 'get_end()');
    assertEqual(area.to_string().split(' ')[0], 'ffffffffffff0000-ffffffffffff1000', 'maps line');

    // The Number 0xffff_ffff_ffff_0fff is 0xffff_ffff_ffff_1000: doubles
    // are 2^11 apart up there. The BigInt is the last byte of the area.
    assertEqual(0xffff_ffff_ffff_0fff === 0xffff_ffff_ffff_1000, true, 'the Number rounds');
    assertEqual(set.find(0xffff_ffff_ffff_0fff), null, 'find with the rounded Number');
    assertEqual(area.contains(0xffff_ffff_ffff_0fffn), true, 'contains with the BigInt');

    // A value that no double holds comes back rounded; the library keeps it
    // exact, and its text says so.
    const odd = 2n ** 53n + 1n;
    set.map(Ms.MemoryArea.new(odd, 1n, 3, backend), null, false);
    const oddArea = set.find(odd);
    assertEqual(oddArea.get_start(), 2 ** 53, 'get_start() rounds 2^53 + 1');
    assertEqual(oddArea.to_string().split(' ')[0], '20000000000001-20000000000002', 'exact text');
    assertEqual(set.find(2 ** 53), null, '2^53 itself is not mapped');
    assertEqual(backend.calls[1], ['map', 2 ** 53, 1, 3], 'the vfunc_ sees the rounded start');

    // Ranges end at 2^64 - 1 at most: the top page cannot be mapped, and
    // 2^64 - 1 is a BigInt only (the Number rounds to 2^64, out of range).
    assertMappingError(() => set.map(Ms.MemoryArea.new(2n ** 64n - 0x1000n, 0x1000n, 1, backend),
        null, false), Ms.MappingError.INVALID_PARAM, 'the top page');
    set.map(Ms.MemoryArea.new(2n ** 64n - 0x1000n, 0xfffn, 1, backend), null, false);
    assertEqual(set.find(2n ** 64n - 2n) !== null, true, 'up to 2^64 - 1');
    assertEqual(set.find(2n ** 64n - 1n), null, 'the last address');

    // find_free_area gives [found, start]; limits as BigInts.
    const [found, start] = set.find_free_area_top_down(0x1000, 0, 2n ** 64n - 1n, 0x1000);
    assertEqual([found, BigInt(start) === 2n ** 64n - 0x2000n], [true, true], 'top-down');
    const [foundHigh, startHigh] = set.find_free_area(top, 0x1000, 0, 2n ** 64n - 1n, 0x1000);
    assertEqual([foundHigh, BigInt(startHigh) === top + 0x1000n], [true, true], 'bottom-up');
    assertEqual(set.find_free_area(top, 0x10_0000, 0, 2n ** 64n - 1n, 0x1000), [false, 0],
        'nothing found: [false, 0]');
};

// The name of an error code, for messages and logs.
tests['naming an error code'] = function () {
    const set = new Ms.MemorySet();
    const e = assertMappingError(() => set.unmap(2n ** 64n - 1n, 2, null),
        Ms.MappingError.INVALID_PARAM, 'unmap past the top');
    assertEqual(e instanceof Ms.MappingError, true, 'instanceof');
    assertEqual(e.domain === Ms.MappingError.quark(), true, 'domain');

    // The enum object's own keys name the codes; the values that are not
    // numbers (valueOf, quark) never match.
    const name = Object.keys(Ms.MappingError).find(k => Ms.MappingError[k] === e.code);
    assertEqual(name, 'INVALID_PARAM', 'name from the enum object');

    // GObject's enum introspection needs the enum's own GType: gjs gives
    // an error domain's enum the $gtype of GError, and the library
    // registers MsMappingError only when asked, which GIRepository does.
    const info = GIRepository.Repository.get_default().find_by_name('Ms', 'MappingError');
    const gtype = GIRepository.registered_type_info_get_g_type(info);
    assertEqual(GObject.enum_to_string(gtype, e.code), 'MS_MAPPING_ERROR_INVALID_PARAM',
        'GObject.enum_to_string');
    assertEqual(GObject.enum_to_string(gtype, Ms.MappingError.NOT_MAPPED),
        'MS_MAPPING_ERROR_NOT_MAPPED', 'the last code');
};

// Linux's calls through an MsLinuxMm whose anonymous memory a JavaScript
// backend holds; its errors carry errno codes (EINVAL 22, ENOMEM 12).
tests['MsLinuxMm: mmap, mprotect, mremap and errno codes'] = function () {
    const backend = new LogBackend();
    const mm = Ms.LinuxMm.new(backend);
    const MAP_PRIVATE_ANONYMOUS = 0x22, MREMAP_MAYMOVE = 1;

    // Top-down below mmap_base (the default for an 8 MiB stack). gjs 1.74
    // returns the skipped boolean too: [true, address].
    const [mapped, addr] = mm.mmap(0, 0x3000, 3, MAP_PRIVATE_ANONYMOUS, null, 0);
    assertEqual([mapped, addr], [true, 0x7ffff7fff000 - 0x3000], 'mmap placed below mmap_base');
    mm.mprotect(addr + 0x1000, 0x1000, 1);
    assertEqual(mm.get_set().get_n_areas(), 3, 'mprotect split the VMA');

    // The middle page grown where it cannot grow in place (the last page
    // follows it): moved by vfunc_move, then the rest mapped.
    backend.calls = [];
    const [, moved] = mm.mremap(addr + 0x1000, 0x1000, 0x10000, MREMAP_MAYMOVE, 0);
    assertEqual(backend.calls.map(c => c[0]), ['move', 'map'], 'moved, then the rest mapped');
    assertEqual(mm.get_set().find(moved).get_start(), moved, 'the set has it there');

    for (const [call, code, what] of [
        [() => mm.munmap(addr + 1, 0x1000), 22, 'unaligned munmap'],
        [() => mm.mprotect(0x10000, 0x1000, 1), 12, 'mprotect of nothing'],
    ]) {
        let caught = null;
        try {
            call();
        } catch (e) {
            caught = e;
        }
        assertEqual(caught instanceof GLib.Error &&
            caught.matches(Ms.linux_mm_error_quark(), code), true, what);
    }
};

// What gjs 1.74 makes of arguments that are not guint64 values, as
// docs/gjs.md lists it: some throw, the others reach the library as the
// number they convert to, most often 0.
tests['bad numbers: what gjs passes on'] = function () {
    const backend = new LogBackend();
    const startOf = value => Ms.MemoryArea.new(value, 1, 1, backend).get_start();
    const silent = [['abc', 0], [undefined, 0], [null, 0], [{}, 0], [[], 0], [NaN, 0],
        [Infinity, 0], [-Infinity, 0], ['5n', 0], [true, 1], ['16', 16], ['0x10', 16],
        [' 7 ', 7], ['1e3', 1000], [[5], 5], [1.9, 1], [-0.5, 0]];
    for (const [value, expected] of silent)
        assertEqual(startOf(value), expected, `start ${String(value)}`);
    for (const value of [-1, -1n, 2 ** 64, 2n ** 64n]) {
        let threw = false;
        try {
            startOf(value);
        } catch (e) {
            threw = `${e.message}`.includes('out of range for uint64');
        }
        assertEqual(threw, true, `start ${value} throws`);
    }

    // The library cannot tell: unmap('abc', 0x1000) unmaps [0, 0x1000).
    const set = new Ms.MemorySet();
    set.map(Ms.MemoryArea.new(0, 0x3000, 1, backend), null, false);
    set.unmap('abc', 0x1000, null);
    assertEqual(spans(set), [[0x1000, 0x3000, 1]], 'unmap at "abc"');

    // Property assignment wraps around where the method throws.
    set.max_areas = -1;
    assertEqual(set.max_areas, 2 ** 32 - 1, 'max_areas = -1');
    set.max_areas = 2 ** 32 + 5;
    assertEqual(set.max_areas, 5, 'max_areas = 2^32 + 5');
    let threw = false;
    try {
        set.set_max_areas(-1);
    } catch (e) {
        threw = true;
    }
    assertEqual(threw, true, 'set_max_areas(-1) throws');
};

const names = Object.keys(tests);
print(`1..${names.length}`);
let failed = 0;
names.forEach((name, i) => {
    try {
        tests[name]();
        print(`ok ${i + 1} - ${name}`);
    } catch (e) {
        failed++;
        print(`not ok ${i + 1} - ${name}`);
        for (const line of `${e}\n${e.stack ?? ''}`.split('\n'))
            print(`# ${line}`);
    }
});
System.exit(failed ? 1 : 0);
