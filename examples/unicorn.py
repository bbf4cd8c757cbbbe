#!/usr/bin/python3
# unicorn.py: a memory set that manages the address space of a Unicorn
# x86-64 guest
#
# The set decides where things go and keeps the bookkeeping (names,
# splits, remaps); UnicornBackend makes the guest's memory follow it.
# Then a few hand-assembled instructions run in the guest: a write
# succeeds exactly where the set says the memory is writable. Last, a
# guest makes Linux's own mmap, mprotect, mremap and munmap system calls,
# which an Ms.LinuxMm answers as the kernel would, an UnicornBackend
# mapping its memory; a store into what it unmapped is a fault the mm
# reports.
#
# Run it uninstalled with
#   meson devenv -C build /usr/bin/python3 ../examples/unicorn.py
# It needs PyGObject (python3-gi) and Unicorn's Python binding
# (python3-unicorn); without Unicorn it exits with 77, "skipped" to meson.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import sys

# This file is called unicorn.py: Python puts its directory first on the
# path, where `import unicorn` would find this file instead of Unicorn.
_here = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != _here]

try:
    from unicorn import (UC_ARCH_X86, UC_MODE_64, UC_PROT_EXEC, UC_PROT_NONE,
                         UC_PROT_READ, UC_PROT_WRITE, Uc, UcError)
    from unicorn import (UC_HOOK_INSN, UC_HOOK_MEM_INVALID, UC_MEM_FETCH_PROT,
                         UC_MEM_FETCH_UNMAPPED, UC_MEM_WRITE_PROT, UC_MEM_WRITE_UNMAPPED)
    from unicorn.x86_const import (UC_X86_INS_SYSCALL, UC_X86_REG_R8, UC_X86_REG_R9,
                                   UC_X86_REG_R10, UC_X86_REG_R12, UC_X86_REG_RAX,
                                   UC_X86_REG_RBX, UC_X86_REG_RDI, UC_X86_REG_RDX,
                                   UC_X86_REG_RSI)
except ImportError as e:
    if __name__ == '__main__':
        print('%s: needs Unicorn for Python (python3-unicorn): %s' % (sys.argv[0], e),
              file=sys.stderr)
        sys.exit(77)
    raise

import errno
import mmap

import gi

if not hasattr(gi, 'require_version'):
    sys.exit('%s: this Python (%s) has no PyGObject: install python3-gi, or run '
             'the Python that has it (on Debian, /usr/bin/python3)'
             % (sys.argv[0], sys.executable))

gi.require_version('Ms', '1.0')
from gi.repository import GLib, Ms  # noqa: E402

PAGE = 0x1000
PROT = Ms.Prot

# The bits of Ms.Prot and their Unicorn counterparts. (They have the same
# values, as both follow <sys/mman.h>; spelling them out keeps that from
# mattering.) Ms.Prot.SHARED has none: Unicorn memory belongs to one guest.
_UC_PROT = ((PROT.READ, UC_PROT_READ), (PROT.WRITE, UC_PROT_WRITE),
            (PROT.EXEC, UC_PROT_EXEC))
_KNOWN = int(PROT.READ | PROT.WRITE | PROT.EXEC)


def uc_prot(flags):
    """The UC_PROT_* value of Ms.Prot flags; ValueError for other bits."""
    if flags & ~_KNOWN:
        raise ValueError('Unicorn has no protection for flags %#x' % (flags & ~_KNOWN))
    prot = UC_PROT_NONE
    for ms_bit, uc_bit in _UC_PROT:
        if flags & ms_bit:
            prot |= uc_bit
    return prot


class UnicornBackend(Ms.PyMappingBackend):
    """Maps, unmaps and protects the memory of a Unicorn engine.

    A PyMappingBackend rather than GObject.Object + Ms.MappingBackend with
    do_map and the others: its methods succeed by returning nothing and
    refuse by raising, which is how Unicorn's own calls behave, so each
    method is the Unicorn call and nothing else. The UcError that Unicorn
    raises (unaligned range: UC_ERR_ARG, overlap: UC_ERR_MAP, nothing
    mapped there: UC_ERR_NOMEM) reaches the caller of the MemorySet method
    as it is. Unicorn checks before it changes anything, so a refusal
    leaves the guest as it was, as a backend must.
    """

    def __init__(self, uc):
        super().__init__()
        self.uc = uc

    def map(self, start, size, flags, page_table):
        self.uc.mem_map(start, size, uc_prot(flags))

    def unmap(self, start, size, page_table):
        self.uc.mem_unmap(start, size)

    def protect(self, start, size, new_flags, page_table):
        self.uc.mem_protect(start, size, uc_prot(new_flags))

    def move(self, old_start, size, new_start, page_table):
        # Unicorn cannot move memory: copy it, all or nothing.
        perms = {p for begin, last, p in self.uc.mem_regions()
                 if begin < old_start + size and last >= old_start}
        if len(perms) != 1:
            raise ValueError('[%#x, %#x) is not one mapping of Unicorn'
                             % (old_start, old_start + size))
        data = bytes(self.uc.mem_read(old_start, size))   # fails: nothing done
        self.uc.mem_map(new_start, size, perms.pop())     # fails: nothing done
        try:
            self.uc.mem_write(new_start, data)
            self.uc.mem_unmap(old_start, size)
        except BaseException:
            self.uc.mem_unmap(new_start, size)            # undo, then refuse
            raise


# The guest's layout, as Linux would lay out a small static program.
CODE = 0x400000                          # r-x, one page of instructions
DATA = 0x401000                          # rw-, three pages; the first turns r--
STACK_TOP = 0x7ffffffff000
STACK_SIZE = 0x21000
MMAP_BASE = STACK_TOP - STACK_SIZE - 0x100000   # mappings go below it, top down

# movabs rax, 0x1122334455667788 ; mov [rdi], rax
STORE = bytes.fromhex('48b8 8877665544332211 488907')


def area(start, size, flags, backend, name, offset=None):
    return Ms.MemoryArea(start, size, flags, backend, offset=offset, name=name)


def heap_place(s, size):
    found, start = s.find_free_area_top_down(size, 0x10000, MMAP_BASE, PAGE)
    assert found, 'no room for %#x bytes' % size
    return start


def store(uc, s, addr):
    """Runs STORE with rdi = addr, prints what happened, and checks that
    the set predicted it."""
    found = s.find(addr)
    writable = found is not None and found.flags & PROT.WRITE
    uc.reg_write(UC_X86_REG_RDI, addr)
    try:
        uc.emu_start(CODE, CODE + len(STORE))
        outcome = 'stored %#x' % int.from_bytes(uc.mem_read(addr, 8), 'little')
        assert writable, 'Unicorn wrote where the set says it cannot'
    except UcError as e:
        outcome = str(e)
        assert not writable, 'Unicorn faulted where the set says it can write'
    where = '%s %s' % (found.to_string().split()[1], found.name or '') if found else 'unmapped'
    print('  mov [%#x], rax  (%s): %s' % (addr, where.strip(), outcome))


def main():
    uc = Uc(UC_ARCH_X86, UC_MODE_64)
    backend = UnicornBackend(uc)
    s = Ms.MemorySet()

    s.map(area(CODE, PAGE, PROT.READ | PROT.WRITE, backend, '/guest/prog', 0))
    uc.mem_write(CODE, STORE)
    s.protect(CODE, PAGE, PROT.READ | PROT.EXEC)          # loaded: now r-x
    s.map(area(DATA, 3 * PAGE, PROT.READ | PROT.WRITE, backend, '/guest/prog', 0x1000))
    s.protect(DATA, PAGE, PROT.READ)                      # RELRO: split in two
    s.map(area(STACK_TOP - STACK_SIZE, STACK_SIZE, PROT.READ | PROT.WRITE, backend,
               '[stack]'))
    heap = heap_place(s, 4 * PAGE)
    s.map(area(heap, 4 * PAGE, PROT.READ | PROT.WRITE, backend, '[heap]'))
    s.unmap(heap + PAGE, PAGE)                            # a hole: two areas
    print('The guest, as the set sees it:')
    print(s, end='')
    before = str(s)

    # Refusals carry Unicorn's reason, and change neither side.
    for what, call in (('map an unaligned page', lambda: s.map(
                            area(0x500800, PAGE, PROT.READ, backend, None))),
                       ('share the data', lambda: s.protect(DATA, PAGE, PROT.READ | PROT.SHARED))):
        try:
            call()
        except (UcError, ValueError) as e:
            print('refused to %s: %s: %s' % (what, type(e).__name__, e))
    assert str(s) == before

    # Grow the first heap piece in place (a map of the extension), then
    # move the second one where there is room for twice its size: Unicorn
    # memory is copied by move() above, contents and all.
    s.remap(heap, PAGE, heap, 2 * PAGE)
    uc.mem_write(heap + 2 * PAGE, b'moved intact')
    new = heap_place(s, 4 * PAGE)
    s.remap(heap + 2 * PAGE, 2 * PAGE, new, 4 * PAGE)
    print('\nAfter growing and moving the heap:')
    print(s, end='')
    print('  at %#x: %r' % (new, bytes(uc.mem_read(new, 12))))

    # Unicorn keeps every block it was given or cut, never joining them.
    print('\nUnicorn agrees, block by block (last byte inclusive):')
    for begin, last, perms in uc.mem_regions():
        print('  %#014x-%#014x perms %d' % (begin, last, perms))

    print('\nA store through the guest\'s own instructions:')
    for addr in (DATA + PAGE, DATA, CODE, new + 3 * PAGE, heap + 2 * PAGE,
                 STACK_TOP - 8, STACK_TOP):
        store(uc, s, addr)

    linux_guest(verbose=True)
    return 0


# A guest that makes Linux system calls (as assembled by `as`):
#   mov eax, 9; xor edi, edi; mov esi, 0x4000; mov edx, 3    mmap (NULL, 16 KiB, rw-,
#   mov r10d, 0x22; mov r8, -1; xor r9d, r9d; syscall            private anonymous)
#   mov rbx, rax; mov qword ptr [rbx + 0x3000], 42           a store in its last page
#   mov eax, 10; mov rdi, rbx; mov esi, 0x1000               mprotect (rbx, 4 KiB,
#   xor edx, edx; syscall                                        PROT_NONE): a guard page
#   mov eax, 25; lea rdi, [rbx + 0x1000]; mov esi, 0x3000    mremap (the rest, to 64 KiB,
#   mov edx, 0x10000; mov r10d, 1; syscall                       MREMAP_MAYMOVE)
#   mov r12, rax
#   mov eax, 11; mov rdi, rbx; mov esi, 0x1000; syscall      munmap (the guard page)
#   mov qword ptr [rbx], 1                                   a store there: SIGSEGV
LINUX_GUEST = bytes.fromhex(
    'b80900000031ffbe00400000ba0300000041ba2200000049c7c0ffffffff4531c90f05'
    '4889c348c783003000002a000000'
    'b80a0000004889dfbe0010000031d20f05'
    'b819000000488dbb00100000be00300000ba0000010041ba010000000f05'
    '4989c4'
    'b80b0000004889dfbe001000000f05'
    '48c70301000000')
SYSCALL_ARGS = (UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_R10,
                UC_X86_REG_R8, UC_X86_REG_R9)
# The system calls the mm answers, by number: a name, how many arguments
# to show, and the call (mmap of fd -1 only: this guest has no files).
LINUX_CALLS = {
    9: ('mmap', 6, lambda mm, a: mm.mmap(a[0], a[1], a[2], a[3], None, a[5])),
    10: ('mprotect', 3, lambda mm, a: mm.mprotect(a[0], a[1], a[2]) and 0),
    11: ('munmap', 2, lambda mm, a: mm.munmap(a[0], a[1]) and 0),
    25: ('mremap', 4, lambda mm, a: mm.mremap(a[0], a[1], a[2], a[3], a[4])),
}


def linux_syscall(uc, data):
    """The guest's system call: the mm's answer in rax, -errno on failure."""
    mm, log = data
    nr = uc.reg_read(UC_X86_REG_RAX)
    args = [uc.reg_read(r) for r in SYSCALL_ARGS]
    name, shown, call = LINUX_CALLS.get(nr, (str(nr), 0, None))
    try:
        ret = call(mm, args) if call else -errno.ENOSYS
    except GLib.Error as e:
        if not e.matches(Ms.linux_mm_error_quark(), e.code):
            raise                                 # the backend refused
        ret = -e.code                             # the kernel's errno
    log.append('%s(%s) = %s' % (name, ', '.join(hex(x) for x in args[:shown]),
                                hex(ret) if ret >= 0 else '-' + errno.errorcode[-ret]))
    uc.reg_write(UC_X86_REG_RAX, ret & (2**64 - 1))


def linux_fault(uc, access, addr, size, value, data):
    """An access Unicorn cannot make: the mm says whether Linux would
    allow it (a stack that grows) or send SIGSEGV."""
    mm, log = data
    prot = (PROT.WRITE if access in (UC_MEM_WRITE_UNMAPPED, UC_MEM_WRITE_PROT) else
            PROT.EXEC if access in (UC_MEM_FETCH_UNMAPPED, UC_MEM_FETCH_PROT) else PROT.READ)
    try:
        mm.fault(addr, prot)
        return True                               # mapped now: Unicorn retries
    except GLib.Error as e:
        log.append('SIGSEGV at %#x: %s' % (addr, e.message))
        return False


def linux_guest(verbose=False):
    """Runs LINUX_GUEST in a Unicorn engine of its own whose memory is all
    an MsLinuxMm's, and returns (uc, mm, log, rbx, r12)."""
    uc = Uc(UC_ARCH_X86, UC_MODE_64)
    mm = Ms.LinuxMm.new(UnicornBackend(uc))
    # No write faults are reported (Unicorn has none for memory it maps):
    # the mm guesses which mappings were written.
    mm.props.fault_guess = Ms.LinuxMmFaultGuess.ALL
    code = mm.mmap(0, PAGE, mmap.PROT_READ | mmap.PROT_WRITE,
                   mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, None, 0)
    uc.mem_write(code, LINUX_GUEST)
    mm.mprotect(code, PAGE, mmap.PROT_READ | mmap.PROT_EXEC)
    log = []
    uc.hook_add(UC_HOOK_INSN, linux_syscall, (mm, log), arg1=UC_X86_INS_SYSCALL)
    uc.hook_add(UC_HOOK_MEM_INVALID, linux_fault, (mm, log))
    try:
        uc.emu_start(code, code + len(LINUX_GUEST))
    except UcError as e:
        log.append('the guest stopped: %s' % e)
    rbx, r12 = uc.reg_read(UC_X86_REG_RBX), uc.reg_read(UC_X86_REG_R12)
    if verbose:
        print('\nA Linux guest\'s system calls, answered by an Ms.LinuxMm:')
        print(''.join('  %s\n' % line for line in log), end='')
        print('  the 42 stored at %#x is at %#x now: %d'
              % (rbx + 0x3000, r12 + 0x2000,
                 int.from_bytes(uc.mem_read(r12 + 0x2000, 8), 'little')))
        print(mm.to_string(), end='')
    return uc, mm, log, rbx, r12


if __name__ == '__main__':
    sys.exit(main())
