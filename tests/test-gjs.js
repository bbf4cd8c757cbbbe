// test-gjs.js: a backend written in JavaScript, run by gjs
//
// SPDX-License-Identifier: LGPL-2.1-or-later

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
