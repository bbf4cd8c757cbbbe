#define _GNU_SOURCE
#include <stdio.h>
#include <fcntl.h>
#include <sys/mman.h>
#define P 4096UL
#define M (1UL<<20)
#define H 0x150000000000UL
int main() {
  int fd = open("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", O_RDONLY);
  mmap((void*)(H + 2*M + 4*P), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  printf("anon hint free for len, not len+2M: %p (hint %lx)\n", mmap((void*)H, 2*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), H);
  mmap((void*)(H + 0x1000000 + 2*M + 4*P), 4*P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
  printf("file hint free for len, not len+2M: %p (hint %lx)\n", mmap((void*)(H+0x1000000), 2*M, PROT_READ, MAP_PRIVATE, fd, 0), H+0x1000000);
  printf("anon hint unaligned free len+2M: %p (hint %lx)\n", mmap((void*)(H+0x2001000), 2*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0), H+0x2001000);
  printf("anon 4M no hint: %p\n", mmap(0, 4*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0));
  printf("anon 2M+4K no hint: %p\n", mmap(0, 2*M+P, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0));
  printf("anon 4M MAP_32BIT: %p\n", mmap(0, 4*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0));
  printf("anon 4M MAP_32BIT: %p\n", mmap(0, 4*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0));
  printf("file 4M MAP_32BIT: %p\n", mmap(0, 4*M, PROT_READ, MAP_PRIVATE|MAP_32BIT, fd, 0));
  printf("anon 4M hint beyond 47 bits: %p\n", mmap((void*)0x900000000000UL, 4*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0));
  printf("shared anon 4M: %p\n", mmap(0, 4*M, PROT_READ, MAP_SHARED|MAP_ANONYMOUS, -1, 0));
  printf("anon 4M growsdown: %p\n", mmap(0, 4*M, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_GROWSDOWN, -1, 0));
  char b[64]; snprintf(b, 64, "cat /proc/%d/maps | tail -22", getpid()); system(b);
}
