#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define P 4096UL
#define R 0x130000000000UL
static void show(const char *what) {
  FILE *f = fopen("/proc/self/smaps", "r"); char l[512]; unsigned long a, b; int in = 0;
  printf("== %s\n", what);
  while (fgets(l, sizeof l, f)) {
    if (sscanf(l, "%lx-%lx", &a, &b) == 2 && strchr(l, ' ') && strchr(l,'-') < strchr(l,' ')) { in = a >= R-0x100000 && a < R + 0x10000000; if (in) printf("%lx-%lx %.5s ", a, b, strchr(l,' ')+1); }
    else if (in && !strncmp(l, "VmFlags:", 8)) printf("%s", l + 8);
  }
  fclose(f);
}
#define T(x) do { long r = (x); printf("%-60s = %ld\n", #x, r < 0 ? -errno : r); } while (0)
int main() {
  int fd = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
  char *a = mmap((void*)R, 4*P, PROT_NONE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char *b = mmap((void*)(R+0x10000), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char *c = mmap((void*)(R+0x20000), 4*P, PROT_READ, MAP_SHARED, fd, 0);
  char *d = mmap((void*)(R+0x30000), 4*P, PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  T(madvise(a, P, MADV_POPULATE_READ)); T(madvise(a, P, MADV_POPULATE_WRITE));
  T(madvise(b, P, MADV_POPULATE_READ)); T(madvise(b, P, MADV_POPULATE_WRITE));
  T(madvise(c, P, MADV_POPULATE_READ)); T(madvise(c, P, MADV_POPULATE_WRITE));
  T(madvise(d, P, MADV_POPULATE_READ)); T(madvise(d, P, MADV_POPULATE_WRITE));
  T(madvise(a, 0x40000, MADV_POPULATE_READ)); /* none + hole */
  T(madvise(b, 0x40000, MADV_POPULATE_READ)); /* b ok, hole */
  /* sealed */
  char *s = mmap((void*)(R+0x100000), 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  char *t = mmap((void*)(R+0x104000), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  T(syscall(462, t, 4*P, 0));
  T(madvise(s, 8*P, MADV_DONTFORK)); show("dontfork over [rw unsealed][r sealed]");
  T(madvise(t, 4*P, MADV_DONTDUMP));
  T(madvise(t, 4*P, MADV_WIPEONFORK));
  T(madvise(t, 4*P, MADV_FREE));
  T(madvise(t, 4*P, MADV_COLD));
  T(madvise(t, 4*P, 102));
  char *u = mmap((void*)(R+0x200000), 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  T(syscall(462, u, 4*P, 0)); T(madvise(u, 4*P, MADV_DONTNEED)); T(mprotect(u, 4*P, PROT_READ|PROT_WRITE));
  char *v = mmap((void*)(R+0x300000), 4*P, PROT_READ, MAP_PRIVATE, fd, 0);
  T(syscall(462, v, 4*P, 0)); T(madvise(v, 4*P, MADV_DONTNEED));
  T(mprotect(u, 4*P, PROT_READ));
  T(mprotect(s, 8*P, PROT_READ)); show("mprotect over [unsealed][sealed]");
  T(munmap(s, 8*P)); show("munmap over [unsealed][sealed]");
  T(syscall(SYS_mremap, t, 4*P, 4*P, 3, R+0x400000));
  T(syscall(462, s, 4*P, 0)); show("after seal s");
  T(syscall(462, s, 4*P, 0));
  T(mmap(s, P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0));
  char *w = mmap((void*)(R+0x500000), 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  T(syscall(462, w+P, P, 0)); show("seal middle"); char *x = mmap(w + 4*P, 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); show("merge next to sealed?");
  T(syscall(462, w+2*P, 6*P, 0)); show("seal rest");
  return 0;
}
