#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define P 4096UL
#define R 0x160000000000UL
static void show(const char *what, unsigned long lo, unsigned long hi) {
  FILE *f = fopen("/proc/self/smaps", "r"); char l[512]; unsigned long a, b; int in = 0;
  printf("== %s\n", what);
  while (fgets(l, sizeof l, f)) {
    if (sscanf(l, "%lx-%lx", &a, &b) == 2 && strchr(l, ' ') && strchr(l,'-') < strchr(l,' ')) { in = a >= lo && a < hi; if (in) printf("%lx-%lx %.5s ", a, b, strchr(l,' ')+1); }
    else if (in && !strncmp(l, "VmFlags:", 8)) printf("%s", l + 8);
  }
  fclose(f);
}
#define T(x) do { long r = (long)(x); printf("%-60s = %ld\n", #x, r == -1 ? -errno : r); } while (0)
int main() {
  char *a = mmap((void*)R, 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char *b = mmap((void*)(R+8*P), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  T(syscall(462, b, 4*P, 0));
  T(munmap(a + 4*P, 8*P)); show("munmap [A mid .. sealed B]", R, R+0x100000);
  T(munmap(a + 2*P, P)); show("munmap mid of A piece", R, R+0x100000);
  unsigned long v = getauxval(AT_SYSINFO_EHDR);
  T(munmap((void*)v, P)); T(munmap((void*)(v+P), P)); T(mprotect((void*)v, P, PROT_READ));
  T(madvise((void*)v, P, MADV_DONTDUMP)); T(syscall(SYS_mremap, v, P, P, 3, R+0x200000));
  T(syscall(SYS_mremap, v, 2*P, P, 0, 0));
  T(munmap((void*)(v - 0x10000), 0x10000 + P));
  show("specials", v - 0x10000, v + 0x10000);
  T(syscall(SYS_mremap, v, 2*P, 2*P, 3, R+0x300000)); show("vdso moved", R+0x300000, R+0x400000);
  T(syscall(SYS_mlock, R+0x300000, P));
  T(mprotect((void*)(R+0x300000), 2*P, PROT_READ)); show("vdso r", R+0x300000, R+0x400000);
  T(munmap((void*)(R+0x300000), 2*P));
  T(syscall(SYS_mremap, v - 6*P, 4*P, 4*P, 3, R+0x400000)); show("vvar moved?", R+0x400000, R+0x500000);
  return 0;
}
