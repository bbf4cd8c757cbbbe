#define _GNU_SOURCE
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#define P 4096UL
#define R 0x170000000000UL
#define T(x) do { long r = (long)(x); printf("%-60s = %lx\n", #x, r); } while (0)
int main() {
  unsigned long b = syscall(SYS_brk, 0);
  T(syscall(SYS_brk, b - 1));
  T(syscall(SYS_brk, 0));
  T(syscall(SYS_brk, b + 3*P));
  T(syscall(SYS_brk, b - 1));
  T(syscall(SYS_brk, 0));
  int z = open("/dev/zero", O_RDWR);
  void *a = mmap((void*)R, 4*P, PROT_READ, MAP_PRIVATE|MAP_FIXED, z, 0);
  void *c = mmap((void*)(R+4*P), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
  T(syscall(SYS_mremap, R, 8*P, 8*P, 3, R + 0x100000));   /* devzero first + more: EFAULT? */
  T(syscall(SYS_mremap, R+4*P, 4*P, 4*P, 3, R + 0x200000));
  void *d = mmap((void*)(R+0x300000), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED, -1, 0);
  void *e = mmap((void*)(R+0x300000+8*P), 4*P, PROT_READ|PROT_WRITE, MAP_PRIVATE, z, 0);
  T(syscall(SYS_mremap, R+0x300000, 12*P, 12*P, 3, R + 0x400000));   /* anon then devzero: EFAULT at second */
  char buf[80]; snprintf(buf, 80, "grep -E '^17' /proc/%d/maps", getpid()); system(buf);
  printf("end_data? %p\n", sbrk(0));
  return 0;
}
