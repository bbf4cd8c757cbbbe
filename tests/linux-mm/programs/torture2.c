/* torture2.c - more edge cases for tools/ms-replay (see torture.c) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif
#define P 4096UL
#define M (1UL << 20)
typedef unsigned long ul;

static long mm(ul a, ul l, ul prot, ul fl, long fd, ul off)
{ return syscall(SYS_mmap, a, l, prot, fl, fd, off); }
static long mp(ul a, ul l, ul prot) { return syscall(SYS_mprotect, a, l, prot); }
static long um(ul a, ul l) { return syscall(SYS_munmap, a, l); }
static long mr(ul a, ul ol, ul nl, ul fl, ul na) { return syscall(SYS_mremap, a, ol, nl, fl, na); }
static long ma(ul a, ul l, ul adv) { return syscall(SYS_madvise, a, l, adv); }
static void touch(long a, ul len) { for (ul i = 0; i < len; i += P) ((volatile char *)a)[i] = 1; }

#define RW (PROT_READ | PROT_WRITE)
#define AP (MAP_ANONYMOUS | MAP_PRIVATE)

int main(void)
{
	ul R = 0x110000000000UL;
	long a, b, c, d, e, r;

	/* ---- blind VMAs: a new VMA at a range the tracer already printed ---- */
	a = mm(R, 4 * P, RW, AP, -1, 0);
	touch(a, P);
	b = mm(R + 0x100000, P, RW, AP, -1, 0);      /* any syscall: A line for a */
	um(a, 4 * P);
	a = mm(R, 4 * P, RW, AP, -1, 0);             /* same range again */
	touch(a, P);                                  /* never reported */
	c = mm(R + 4 * P, 4 * P, PROT_READ, AP, -1, 0);
	r = mp(a, 4 * P, PROT_READ);                  /* keeps ac: no merge with c */

	/* ---- refill: 3-way merge back with the same anon_vma ---- */
	a = mm(R + 0x200000, 16 * P, RW, AP, -1, 0);
	touch(a, 16 * P);
	b = mm(a + 4 * P, 4 * P, RW, AP | MAP_FIXED, -1, 0);    /* replaces middle */
	c = mm(a + 8 * P, 2 * P, PROT_READ, AP | MAP_FIXED, -1, 0);
	c = mm(a + 8 * P, 2 * P, RW, AP | MAP_FIXED, -1, 0);
	um(a + 12 * P, P);
	d = mm(a + 12 * P, P, RW, AP, -1, 0);                    /* hint refills */

	/* ---- growsdown: the guard gap in the top-down search ---- */
	a = mm(0, 16 * P, RW, AP | MAP_GROWSDOWN, -1, 0);
	b = mm(0, 4 * P, RW, AP, -1, 0);             /* 1 MiB below a */
	c = mm(0, 1 * M, RW, AP, -1, 0);
	r = mp(a + 15 * P, P, PROT_READ | PROT_GROWSDOWN);
	r = mp(b, P, PROT_READ | PROT_GROWSDOWN);     /* EINVAL: not growsdown */
	r = mm(a - 8 * P, 4 * P, RW, AP, -1, 0);      /* hint in gap: refused */

	/* ---- multi-VMA mprotect / madvise with merges while walking ---- */
	a = mm(R + 0x300000, 4 * P, PROT_READ, AP, -1, 0);
	b = mm(R + 0x300000 + 4 * P, 4 * P, RW, AP, -1, 0);
	c = mm(R + 0x300000 + 8 * P, 4 * P, PROT_READ, AP, -1, 0);
	d = mm(R + 0x300000 + 12 * P, 4 * P, RW, AP, -1, 0);
	r = mp(a, 16 * P, RW);                        /* all merge into one */
	r = mp(a + 2 * P, 12 * P, PROT_READ);         /* split off */
	r = mp(a, 2 * P, PROT_READ);                  /* merge right (partial: middle is a) */
	r = mp(a, 16 * P, RW);
	r = ma(a + 3 * P, 6 * P, MADV_DONTDUMP);
	r = ma(a + 6 * P, 6 * P, MADV_DONTDUMP);      /* merges with previous piece */
	r = ma(a, 16 * P, MADV_DODUMP);
	r = ma(a, 16 * P, MADV_POPULATE_WRITE);       /* faults everything */
	e = mm(R + 0x300000 + 16 * P, 4 * P, RW, AP, -1, 0);
	r = ma(e, 4 * P, MADV_POPULATE_READ);
	r = ma(R + 0x300000 + 20 * P, 4 * P, MADV_POPULATE_WRITE); /* ENOMEM */
	d = mm(R + 0x300000 + 24 * P, 4 * P, PROT_NONE, AP, -1, 0);
	r = ma(d, 4 * P, MADV_POPULATE_WRITE);        /* PROT_NONE */
	r = ma(d, 4 * P, MADV_GUARD_INSTALL);
	r = ma(e, 2 * P, MADV_GUARD_INSTALL);
	r = ma(e, 2 * P, MADV_GUARD_REMOVE);
	r = ma(e, 4 * P, MADV_COLD);
	r = ma(e, 4 * P, MADV_PAGEOUT);
	r = ma(e, 4 * P, MADV_FREE);
	r = ma(e, 4 * P, MADV_WILLNEED);

	/* ---- mremap: in place growth vs next with another anon_vma ---- */
	a = mm(R + 0x400000, 4 * P, RW, AP, -1, 0);
	b = mm(R + 0x400000 + 8 * P, 4 * P, RW, AP, -1, 0);
	touch(a, P); touch(b, P);
	r = mr(a, 4 * P, 8 * P, 0, 0);               /* grows, cannot absorb b */
	c = mm(R + 0x500000, 4 * P, RW, AP, -1, 0);
	touch(c, P);
	d = mm(R + 0x500000 + 8 * P, 4 * P, RW, AP, -1, 0); /* unfaulted, pgoff contiguous */
	r = mr(c, 4 * P, 8 * P, 0, 0);               /* grows, absorbs d */
	/* move next to a compatible faulted neighbour (pgoff kept: no merge) */
	e = mm(R + 0x600000, 4 * P, RW, AP, -1, 0);
	touch(e, P);
	r = mr(e, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, R + 0x600000 + 0x10000);
	r = mr(r, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, R + 0x600000 + 4 * P); /* back: merges? */

	/* ---- shared anon mremap, duplicate with old_len 0 ---- */
	a = mm(0, 4 * P, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r = mr(a, 4 * P, 8 * P, MREMAP_MAYMOVE, 0);
	b = mr(r, 0, 4 * P, MREMAP_MAYMOVE, 0);       /* duplicate */
	c = mm(0, 4 * P, RW, AP, -1, 0);
	r = mr(c, 0, 4 * P, MREMAP_MAYMOVE, 0);       /* private: EINVAL */
	int fd = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
	d = mm(0, 16 * P, PROT_READ, MAP_SHARED, fd, 0);
	r = mr(d, 16 * P, 4 * M, MREMAP_MAYMOVE, 0);  /* file: THP rule for the move */

	/* ---- mlockall / def_flags ---- */
	r = syscall(SYS_mlockall, MCL_FUTURE | MCL_ONFAULT);
	a = mm(0, 4 * P, RW, AP, -1, 0);
	r = syscall(SYS_munlockall);
	b = mm(0, 4 * P, RW, AP, -1, 0);
	r = syscall(SYS_mlockall, 0);                 /* EINVAL */

	/* ---- mseal vs madvise ---- */
	a = mm(R + 0x700000, 4 * P, PROT_READ, AP, -1, 0);
	r = syscall(462, a, 4 * P, 0);
	r = ma(a, 4 * P, MADV_DONTNEED);              /* EPERM? sealed read-only anon */
	r = ma(a, 4 * P, MADV_DONTDUMP);
	r = mm(a, P, RW, AP | MAP_FIXED, -1, 0);      /* EPERM */

	/* ---- big and odd lengths ---- */
	r = mm(0, 1UL << 48, RW, AP, -1, 0);          /* ENOMEM */
	r = mm(0, -1UL, RW, AP, -1, 0);               /* ENOMEM */
	r = mm(0x7ffffffff000UL - 16 * P, 32 * P, RW, AP, -1, 0); /* hint crosses window */
	r = mm(0x7ffffff00000UL, 4 * P, RW, AP, -1, 0);  /* near stack: guard gap */
	r = mm(0x7fffffe00000UL, 4 * P, RW, AP, -1, 0);  /* below guard gap */
	r = mm(0x7ffff8000000UL, 16 * M, PROT_NONE, AP | MAP_NORESERVE, -1, 0);
	return 0;
}
