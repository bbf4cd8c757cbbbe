/* torture3.c - special files, specials, THP+hints, exec-time VMAs */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
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
static void touch(long a, ul len) { for (ul i = 0; i < len; i += P) ((volatile char *)a)[i] = 1; }

#define RW (PROT_READ | PROT_WRITE)
#define AP (MAP_ANONYMOUS | MAP_PRIVATE)

static char bss[3 * 4096];

int main(void)
{
	ul R = 0x140000000000UL;
	long a, b, c, d, e, r;
	ul vdso = getauxval(AT_SYSINFO_EHDR);

	/* ---- exec-time anon: mmap right after the bss / at start_brk ---- */
	ul cur = syscall(SYS_brk, 0);
	touch((long)bss, sizeof bss);
	a = mm(cur, 4 * P, RW, AP | MAP_FIXED, -1, 0);        /* merges with bss? */
	r = syscall(SYS_brk, cur + P);                         /* brk blocked */
	um(cur, 4 * P);

	/* ---- /dev/zero ---- */
	int z = open("/dev/zero", O_RDWR);
	a = mm(0, 4 * P, RW, MAP_PRIVATE, z, 0);
	b = mm(0, 4 * M, RW, MAP_PRIVATE, z, 0);               /* THP? */
	c = mm(0, 4 * P, RW, MAP_SHARED, z, 0);
	d = mm(a - 4 * P, 4 * P, RW, MAP_PRIVATE | MAP_FIXED, z, 0); /* merge with a? */
	touch(a, P);

	/* ---- THP with hints ---- */
	a = mm(R, 4 * P, RW, AP, -1, 0);
	b = mm(R, 2 * M, RW, AP, -1, 0);                       /* hint taken: anon, no THP */
	int fd = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
	c = mm(R + 0x1000000, 3 * M, PROT_READ, MAP_PRIVATE, fd, 0);     /* hint ok, len_pad not */
	d = mm(R + 0x1000000 - 2 * M, 6 * M, PROT_READ, MAP_PRIVATE, fd, 0x100000); /* refused */
	e = mm(R + 0x2000000 + 0x1000, 4 * M, PROT_READ, MAP_PRIVATE, fd, 0x200000); /* hint, padded free */
	r = mm(0, 4 * M, PROT_READ, MAP_PRIVATE, fd, 0x1000);  /* off not aligned: congruent */
	r = mm(0, 2 * M + P, PROT_READ, MAP_PRIVATE, fd, 0x1ff000); /* [1ff000, 400000) contains [200000,400000) */

	/* ---- shared validate, hugetlb ---- */
	r = mm(0, P, PROT_READ, MAP_SHARED_VALIDATE | MAP_SYNC, fd, 0);   /* EOPNOTSUPP */
	r = mm(0, P, PROT_READ, MAP_SHARED_VALIDATE, fd, 0);
	r = mm(0, 2 * M, RW, AP | MAP_HUGETLB, -1, 0);         /* no huge pages: ENOMEM */
	r = mm(0, P, RW, MAP_SHARED | 0x40000000, fd, 0);      /* junk flag ignored w/ MAP_SHARED */

	/* ---- MAP_32BIT ---- */
	a = mm(0, 512 * M, PROT_NONE, AP | MAP_32BIT | MAP_NORESERVE, -1, 0);
	b = mm(0, 512 * M, PROT_NONE, AP | MAP_32BIT | MAP_NORESERVE, -1, 0); /* fails over? */
	c = mm(0, 4 * P, RW, AP | MAP_32BIT, -1, 0);
	um(a, 512 * M);
	d = mm(0, 4 * P, RW, AP | MAP_32BIT, -1, 0);

	/* ---- specials ---- */
	r = mp(vdso, 2 * P, RW);                               /* allowed? */
	r = mp(vdso - 8 * P, 4 * P, RW);                       /* vvar: EACCES */
	r = ma(vdso, 2 * P, MADV_DONTDUMP);
	r = ma(vdso - 8 * P, 4 * P, MADV_DODUMP);               /* EINVAL on VM_SPECIAL */
	r = ma(vdso - 8 * P, 4 * P, MADV_DONTFORK);
	r = mr(vdso, 2 * P, 4 * P, MREMAP_MAYMOVE, 0);          /* DONTEXPAND: EFAULT */
	r = mp(vdso, 2 * P, PROT_READ | PROT_EXEC);
	r = syscall(SYS_mlock, vdso - 8 * P, 10 * P);

	/* ---- mremap of shared file with growth in place and past EOF ---- */
	int frw = open("/tmp/torture3.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(frw, 8 * P);
	a = mm(R + 0x4000000, 4 * P, RW, MAP_SHARED, frw, 0);
	r = mr(a, 4 * P, 16 * P, 0, 0);                         /* in place, past EOF is fine */
	b = mm(R + 0x4000000 + 16 * P, 4 * P, RW, MAP_SHARED, frw, 16 * P);  /* merges */
	r = mr(a, 20 * P, 24 * P, 0, 0);
	return 0;
}
