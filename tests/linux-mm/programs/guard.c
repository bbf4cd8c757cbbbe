#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#define P 4096UL
#define R 0x120000000000UL
static void show(const char *what) {
  FILE *f = fopen("/proc/self/smaps", "r"); char l[512]; unsigned long a, b; int in = 0;
  printf("== %s\n", what);
  while (fgets(l, sizeof l, f)) {
    if (sscanf(l, "%lx-%lx", &a, &b) == 2 && strchr(l, ' ') && strchr(l,'-') < strchr(l,' ')) { in = a >= R && a < R + 0x10000000; if (in) printf("%lx-%lx %.5s ", a, b, strchr(l,' ')+1); }
    else if (in && !strncmp(l, "VmFlags:", 8)) printf("%s", l + 8);
  }
  fclose(f);
}
int main() {
  char *a = mmap((void*)R, 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  printf("%d\n", madvise(a + 2*P, 2*P, 102)); show("guard middle of unfaulted anon");
  char *b = mmap(a + 8*P, 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); show("adjacent mmap after gu vma");
  char *c = mmap(a - 4*P, 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); show("adjacent mmap before");
  mprotect(a, 8*P, PROT_READ); show("mprotect gu vma part to r (anon_vma?)");
  mprotect(a, 8*P, PROT_READ|PROT_WRITE); show("back to rw");
  char *d = mmap((void*)(R+0x100000), 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  mprotect(d + 4*P, 4*P, PROT_READ); printf("%d\n", madvise(d + 4*P, P, 102)); show("gu on second piece");
  mprotect(d + 4*P, 4*P, PROT_READ|PROT_WRITE); show("merge gu piece with non-gu");
  int fd = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
  char *e = mmap((void*)(R+0x200000), 8*P, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("%d\n", madvise(e, P, 102)); show("file gu");
  char *g = mmap((void*)(R+0x300000), 8*P, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
  printf("%d\n", madvise(g, P, 102)); show("shared anon gu");
  char *h = mmap((void*)(R+0x400000), 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_LOCKED, -1, 0);
  printf("locked %d\n", madvise(h, P, 102));
  printf("remove %d\n", madvise(a, 8*P, 103)); show("after remove");
  char *i = mmap((void*)(R+0x500000), 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  printf("%d\n", madvise(i+4*P, 8*P, 102)); show("guard over hole");
  char *j = mmap((void*)(R+0x600000), 8*P, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  madvise(j, P, 102); mprotect(j, 8*P, PROT_READ); char *k = mmap(j + 8*P, 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0); show("guarded unfaulted -> r, then adjacent r mapping (ac drop => anon_vma?)");
  return 0;
}
