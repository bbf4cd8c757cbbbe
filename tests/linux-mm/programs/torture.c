/* torture.c - exercise the address-space rules one by one (for tools/ms-replay).
 * Deterministic with ASLR off.  Uses raw syscalls so that every call is one
 * logged syscall.  Memory is touched (written) at chosen points so that the
 * tracer's -a lines record which VMAs got an anon_vma. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define P 4096UL
#define M (1UL << 20)
typedef unsigned long ul;

static long mm(ul a, ul l, ul prot, ul fl, long fd, ul off)
{ return syscall(SYS_mmap, a, l, prot, fl, fd, off); }
static long mp(ul a, ul l, ul prot) { return syscall(SYS_mprotect, a, l, prot); }
static long um(ul a, ul l) { return syscall(SYS_munmap, a, l); }
static long mr(ul a, ul ol, ul nl, ul fl, ul na) { return syscall(SYS_mremap, a, ol, nl, fl, na); }
static long ma(ul a, ul l, ul adv) { return syscall(SYS_madvise, a, l, adv); }
static long br(ul a) { return syscall(SYS_brk, a); }
static void touch(long a, ul len) { for (ul i = 0; i < len; i += P) ((volatile char *)a)[i] = 1; }

#define RW (PROT_READ | PROT_WRITE)
#define AP (MAP_ANONYMOUS | MAP_PRIVATE)

int main(void)
{
	ul R = 0x100000000000UL;   /* private playground (hints honoured) */
	long a, b, c, d, e, f, r;

	/* ---- 1. anon merges ---- */
	a = mm(R, 4 * P, RW, AP, -1, 0);               /* hint honoured */
	b = mm(R + 4 * P, 4 * P, RW, AP, -1, 0);       /* merges with a */
	touch(a, P);
	c = mm(R + 8 * P, 4 * P, RW, AP, -1, 0);       /* merges (prev faulted, new NULL) */
	/* separately faulted neighbours */
	d = mm(R + 0x100000, 4 * P, RW, AP, -1, 0);
	e = mm(R + 0x100000 + 8 * P, 4 * P, RW, AP, -1, 0);
	touch(d, P); touch(e, P);
	f = mm(R + 0x100000 + 4 * P, 4 * P, RW, AP, -1, 0); /* prev/next incompatible: joins prev only */
	/* mprotect equalising neighbours with different anon_vmas */
	mp(e, 4 * P, PROT_READ);
	mp(e, 4 * P, RW);
	/* unfaulted neighbours, mprotect split and merge back */
	a = mm(R + 0x200000, 16 * P, RW, AP, -1, 0);
	mp(a + 4 * P, 4 * P, PROT_READ);                /* split in 3; middle loses ac */
	mp(a + 4 * P, 4 * P, RW);                       /* merges back (ac again) */
	mp(a + 4 * P, 4 * P, PROT_READ);
	touch(a, P);
	mp(a + 4 * P, 4 * P, RW);                       /* prev faulted, mid none, next none */
	/* hole: ENOMEM after partial change */
	b = mm(R + 0x300000, 4 * P, RW, AP, -1, 0);
	c = mm(R + 0x300000 + 8 * P, 4 * P, RW, AP, -1, 0);
	r = mp(b, 12 * P, PROT_READ);
	r = mp(b + 2 * P, 12 * P, PROT_NONE);
	r = mp(b - P, 2 * P, PROT_NONE);                /* starts in a hole */
	r = mp(b + 1, P, PROT_NONE);                    /* EINVAL */
	r = mp(b, 0, PROT_NONE);                        /* 0 */
	r = mp(b, P, 0x10);                             /* EINVAL */
	/* faulted anon rw -> r keeps ac */
	d = mm(R + 0x400000, 4 * P, RW, AP, -1, 0);
	touch(d, 4 * P);
	mp(d, 2 * P, PROT_READ);
	mp(d, 4 * P, PROT_READ);

	/* ---- 2. files ---- */
	int fro = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
	int frw = open("/tmp/torture.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(frw, 64 * P);
	a = mm(0, 5 * M, PROT_READ, MAP_PRIVATE, fro, 0);         /* THP-aligned */
	b = mm(0, 3 * M, PROT_READ, MAP_PRIVATE, fro, 0x100000);  /* off 1M, len 3M: contains [2M,4M) */
	c = mm(0, 2 * M, PROT_READ, MAP_PRIVATE, fro, 0x100000);  /* [1M,3M): no whole aligned stretch */
	d = mm(R + 0x500000, 4 * M, PROT_READ, MAP_PRIVATE, fro, 0); /* hint, padded range free */
	e = mm(R + 0x500000 + 4 * M + 2 * M, 3 * M, PROT_READ, MAP_PRIVATE, fro, 0); /* hint free, padded not */
	r = mm(0, P, RW, MAP_SHARED, fro, 0);                    /* EACCES */
	a = mm(0, 4 * P, PROT_READ, MAP_SHARED, fro, 0);          /* r--s, no mw */
	r = mp(a, P, RW);                                        /* EACCES */
	b = mm(0, 8 * P, RW, MAP_SHARED, frw, 0);
	c = mm(b + 8 * P, 8 * P, RW, MAP_SHARED | MAP_FIXED, frw, 8 * P); /* merges (same file) */
	int frw2 = open("/tmp/torture.dat", O_RDWR);
	d = mm(b - 8 * P, 8 * P, RW, MAP_SHARED | MAP_FIXED, frw2, 0); /* other open: no merge */
	e = mm(0, 8 * P, RW, MAP_PRIVATE, frw, 0);
	touch(e, P);                                             /* COW -> anon_vma on file vma */
	mp(e, 8 * P, PROT_READ);                                 /* file vma keeps ac */
	r = mm(0, 0, PROT_READ, MAP_PRIVATE, frw, 0);            /* EINVAL */
	r = mm(0, P, PROT_READ, MAP_PRIVATE, frw, 1);            /* EINVAL */
	r = mm(0, P, PROT_READ, MAP_PRIVATE, 999, 0);            /* EBADF */
	r = mm(0, P, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN, frw, 0); /* EINVAL */
	r = mm(0, P, PROT_READ, MAP_ANONYMOUS, -1, 0);           /* EINVAL: no type */
	r = mm(R + 1, P, RW, AP | MAP_FIXED, -1, 0);             /* EINVAL */
	/* memfd */
	int mfd = syscall(SYS_memfd_create, "tort", 0);
	ftruncate(mfd, 4 * M);
	a = mm(0, 4 * M, RW, MAP_SHARED, mfd, 0);                /* tmpfs: no THP */
	touch(a, P);

	/* ---- 3. THP anon ---- */
	a = mm(0, 2 * M, RW, AP, -1, 0);
	b = mm(0, 4 * M, RW, AP, -1, 0);
	c = mm(0, 3 * M, RW, AP, -1, 0);
	d = mm(0, 4 * M, RW, AP | MAP_STACK, -1, 0);
	e = mm(0, 2 * M, RW, MAP_ANONYMOUS | MAP_SHARED, -1, 0);  /* shared anon: no THP */
	f = mm(0, 2 * M, RW, MAP_ANONYMOUS | MAP_SHARED, -1, 0);
	touch(e, P);
	r = mm(R + 0x900000, 2 * M, RW, AP, -1, 0);               /* hint: no THP */

	/* ---- 4. hints, 32bit, noreplace ---- */
	a = mm(0x7ffff8800000UL, P, RW, AP, -1, 0);              /* above mmap_base */
	b = mm(R + 0xa00000 + 123, P, RW, AP, -1, 0);            /* unaligned hint */
	c = mm(0x100, P, RW, AP, -1, 0);                          /* below mmap_min_addr */
	d = mm(0x9f55a4530000UL, P, RW, AP, -1, 0);              /* beyond 47 bits */
	e = mm(0x7ffffffff000UL - P, 2 * P, RW, AP, -1, 0);      /* crosses TASK_SIZE */
	f = mm(a, P, RW, AP, -1, 0);                              /* occupied hint */
	a = mm(0, 8 * P, RW, AP | MAP_32BIT, -1, 0);
	b = mm(0, 8 * P, RW, AP | MAP_32BIT, -1, 0);
	c = mm(0x50000000, P, RW, AP | MAP_32BIT, -1, 0);
	d = mm(R + 0xb00000, 4 * P, RW, AP | MAP_FIXED_NOREPLACE, -1, 0);
	e = mm(R + 0xb00000 + P, 4 * P, RW, AP | MAP_FIXED_NOREPLACE, -1, 0); /* EEXIST */
	f = mm(R + 0xb00000 + 4 * P, 4 * P, RW, AP | MAP_FIXED_NOREPLACE, -1, 0); /* merges */
	a = mm(R + 0xb00000 + 2 * P, 4 * P, PROT_READ, AP | MAP_FIXED, -1, 0); /* replace middle */
	b = mm(R + 0xb00000 + 2 * P, 4 * P, RW, AP | MAP_FIXED, -1, 0);        /* replace back: merges */

	/* ---- 5. growsdown and the guard gap ---- */
	ul G = 0x200000000000UL;
	a = mm(G, 16 * P, RW, AP | MAP_GROWSDOWN, -1, 0);
	b = mm(G - 16 * P, 4 * P, RW, AP, -1, 0);                 /* hint in guard gap: refused */
	c = mm(G - 2 * M, 4 * P, RW, AP, -1, 0);                  /* hint below guard gap: ok */
	d = mm(G - 2 * M + 4 * P, 1 * M - 4 * P, RW, AP, -1, 0);  /* ends exactly at gap: ok */
	touch(a + 15 * P, P);

	/* ---- 6. mremap ---- */
	ul Q = 0x300000000000UL;
	a = mm(Q, 8 * P, RW, AP, -1, 0);
	r = mr(a, 8 * P, 4 * P, 0, 0);                            /* shrink in place */
	r = mr(a, 4 * P, 6 * P, 0, 0);                            /* grow in place */
	b = mm(Q + 10 * P, 4 * P, RW, AP, -1, 0);
	r = mr(a, 6 * P, 10 * P, 0, 0);                           /* grow, absorbs b */
	c = mm(Q + 0x100000, 4 * P, RW, AP, -1, 0);
	d = mm(Q + 0x100000 + 4 * P, 4 * P, PROT_READ, AP, -1, 0);
	r = mr(c, 8 * P, 2 * P, 0, 0);                            /* shrink across boundary */
	r = mr(c, 2 * P, 8 * P, 0, 0);                            /* grow (room free) */
	r = mr(c, 4 * P, 12 * P, 0, 0);                           /* EFAULT? not at end: ENOMEM */
	e = mm(Q + 0x200000, 4 * P, RW, AP, -1, 0);
	f = mm(Q + 0x200000 + 4 * P, 4 * P, PROT_READ, AP, -1, 0);
	r = mr(e, 4 * P, 8 * P, 0, 0);                            /* no room, no MAYMOVE: ENOMEM */
	r = mr(e, 4 * P, 8 * P, MREMAP_MAYMOVE, 0);               /* moves (unfaulted: pgoff new) */
	r = mr(e, 8 * P, 16 * P, MREMAP_MAYMOVE, 0);              /* EFAULT (e unmapped) */
	r = mr(f, 8 * P, 16 * P, MREMAP_MAYMOVE, 0);              /* EFAULT: crosses end */
	a = mm(Q + 0x300000, 4 * P, RW, AP, -1, 0);
	b = mm(Q + 0x300000 + 4 * P, 4 * P, PROT_READ, AP, -1, 0);
	touch(a, 4 * P);
	r = mr(a, 4 * P, 8 * P, MREMAP_MAYMOVE, 0);               /* faulted: keeps pgoff */
	c = mm(r + 8 * P, 4 * P, RW, AP, -1, 0);                  /* next to moved: no merge (pgoff) */
	d = mm(0, 4 * P, RW, AP, -1, 0);
	r = mr(d, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0x400000);
	e = mm(Q + 0x500000, 8 * P, RW, AP, -1, 0);
	touch(e, 8 * P);
	r = mr(r, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0x500000 + 2 * P); /* over e */
	a = mm(Q + 0x600000, 4 * P, RW, AP, -1, 0);
	touch(a, 4 * P);
	r = mr(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, Q + 0x700000);
	r = mr(a, 4 * P, 8 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, Q + 0x800000); /* EINVAL */
	r = mr(a, 4 * P, 4 * P, MREMAP_DONTUNMAP, Q + 0x800000);  /* EINVAL: no MAYMOVE */
	r = mr(a + 1, 4 * P, 4 * P, MREMAP_MAYMOVE, 0);           /* EINVAL */
	r = mr(a, 4 * P, 0, MREMAP_MAYMOVE, 0);                   /* EINVAL */
	r = mr(a, 4 * P, 4 * P, 8, 0);                            /* EINVAL flags */
	r = mr(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, a + 2 * P); /* EINVAL overlap */
	b = mm(0, 2 * M, RW, AP, -1, 0);
	r = mr(b, 2 * M, 4 * M, MREMAP_MAYMOVE, 0);               /* THP-aligned move */
	c = mm(0, 1 * M, PROT_READ, MAP_PRIVATE, fro, 2 * M);
	r = mr(c, 1 * M, 3 * M, MREMAP_MAYMOVE, 0);               /* file move, THP rule */
	/* multi-VMA move (6.17+) */
	a = mm(Q + 0x900000, 4 * P, RW, AP, -1, 0);
	b = mm(Q + 0x900000 + 6 * P, 4 * P, PROT_READ, AP, -1, 0);
	r = mr(a, 10 * P, 10 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0xa00000);
	r = mr(Q + 0xa00000 + 5 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0xb00000); /* starts in gap: EFAULT */
	/* mremap locked + dontunmap */
	a = mm(Q + 0xc00000, 4 * P, RW, AP | MAP_LOCKED, -1, 0);
	r = mr(a, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	/* move of part of a vma */
	a = mm(Q + 0xd00000, 16 * P, RW, AP, -1, 0);
	r = mr(a + 4 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0xd00000 + 32 * P);
	r = mr(a + 8 * P, 4 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, Q + 0xd00000 + 36 * P); /* shrink + move */
	/* unfaulted moved back next to its origin: merges */
	r = mr(Q + 0xd00000 + 32 * P, 4 * P, 4 * P, MREMAP_MAYMOVE | MREMAP_FIXED, a + 4 * P);

	/* ---- 7. madvise ---- */
	a = mm(Q + 0xe00000, 16 * P, RW, AP, -1, 0);
	r = ma(a + 4 * P, 4 * P, MADV_DONTFORK);
	r = ma(a + 4 * P, 4 * P, MADV_DOFORK);
	r = ma(a, 8 * P, MADV_HUGEPAGE);
	r = ma(a + 2 * P, 4 * P, MADV_NOHUGEPAGE);
	r = ma(a, 16 * P, MADV_DONTDUMP);
	r = ma(a, 20 * P, MADV_RANDOM);                          /* ENOMEM (hole after) */
	r = ma(a, 16 * P, MADV_SEQUENTIAL);
	r = ma(a, 16 * P, MADV_NORMAL);
	r = ma(a, 16 * P, MADV_WIPEONFORK);
	r = ma(a, 16 * P, MADV_KEEPONFORK);
	r = ma(e, P, MADV_WIPEONFORK);                           /* anon: ok */
	r = ma(b, P, 999);                                       /* EINVAL */
	r = ma(a + 1, P, MADV_DONTNEED);                         /* EINVAL */
	r = ma(a, 16 * P, MADV_MERGEABLE);
	r = ma(a, 16 * P, MADV_UNMERGEABLE);
	r = ma(a, 16 * P, MADV_DODUMP);
	touch(a, P);
	r = ma(a, 16 * P, MADV_DONTNEED);
	r = ma(a - 64 * P, 16 * P, MADV_DONTNEED);               /* ENOMEM (no vma) */

	/* ---- 8. mlock ---- */
	a = mm(Q + 0xf00000, 16 * P, RW, AP, -1, 0);
	r = syscall(SYS_mlock, a + 4 * P, 4 * P);
	r = syscall(SYS_munlock, a + 4 * P, 4 * P);
	r = syscall(SYS_mlock2, a + 2 * P, 4 * P, 1);             /* MLOCK_ONFAULT */
	r = syscall(SYS_mlock, a + 12 * P, 8 * P);                /* ENOMEM (runs off) */
	r = ma(a + 2 * P, 2 * P, MADV_DONTNEED);                 /* EINVAL on locked */
	r = syscall(SYS_munlock, a, 16 * P);

	/* ---- 9. mseal ---- */
	a = mm(Q + 0x1000000, 8 * P, RW, AP, -1, 0);
	r = syscall(462, a + 2 * P, 2 * P, 0);
	r = mp(a, 8 * P, PROT_READ);                             /* EPERM after partial */
	r = um(a, 8 * P);                                        /* EPERM */
	r = mr(a + 2 * P, 2 * P, 4 * P, MREMAP_MAYMOVE, 0);      /* EPERM */
	r = syscall(462, a + 6 * P, 4 * P, 0);                   /* ENOMEM */
	r = syscall(462, a, P, 1);                               /* EINVAL */

	/* ---- 10. munmap errors, populate, noreserve ---- */
	r = um(a + 1, P);
	r = um(a, 0);
	r = um(Q + 0x2000000, P);                                /* nothing: 0 */
	b = mm(0, 4 * P, RW, AP | MAP_POPULATE, -1, 0);
	c = mm(0, 4 * P, RW, AP | MAP_NORESERVE, -1, 0);
	d = mm(0, 4 * P, PROT_NONE, AP | MAP_NORESERVE, -1, 0);
	r = mp(d, 4 * P, RW);                                    /* nr: no ac */
	e = mm(0, 4 * P, PROT_NONE, AP, -1, 0);
	r = mp(e, 4 * P, RW);                                    /* gains ac */

	/* ---- 11. brk ---- */
	ul cur = br(0);
	r = br(cur + 10 * P);
	r = br(cur + 5 * P + 10);                                /* shrink, unaligned */
	r = br(cur + 5 * P + 20);                                /* same page */
	r = br(cur - 0x100000);                                  /* below start: fails */
	a = mm(cur, 0, RW, AP, -1, 0);                           /* EINVAL: len 0 */
	ul top = (br(0) + P - 1) & ~(P - 1);
	b = mm(top + 8 * P, 4 * P, RW, AP | MAP_FIXED, -1, 0);
	r = br(top + 7 * P);                                     /* leaves one page: ok */
	r = br(top + 7 * P + 1);                                 /* would touch: fails */
	r = br(top + 2 * P);
	touch(top, P);
	r = br(top + 4 * P);

	um(0, 0);
	return 0;
}
