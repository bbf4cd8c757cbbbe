/* ms-linux-mm-private.h: what the files of MsLinuxMm share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ms-linux-mm.c holds the type, its calls and the VMA machinery;
 * ms-linux-mm-maps.c the set-up from a process's maps and the maps the
 * mm shows; ms-linux-mm-placement.c get_unmapped_area().
 */

#pragma once

#include "ms-linux-file-private.h"

G_BEGIN_DECLS

/* A range [start, end), for the fault guess's records. */
typedef struct {
  guint64 start;
  guint64 end;
} Range;

struct _MsLinuxMm
{
  GObject              parent_instance;

  MsMemorySet         *set;
  MsMappingBackend    *anonymous_backend;   /* the caller's, or NULL */
  MsLinuxFile         *anon;                /* what backs anonymous memory and brk */
  GHashTable          *initial_files;       /* "dev inode" -> MsLinuxFile */
  GHashTable          *special_files;       /* name -> MsLinuxFile */

  /* The mm's scalars (mm_struct). */
  guint64              start_brk;
  guint64              brk;
  guint64              start_stack;
  guint64              stack_rlimit;
  guint64              mmap_base;
  guint64              mmap_base_asked;     /* 0: derived */
  guint                personality;
  gboolean             top_down;
  guint64              def_flags;           /* mlockall (MCL_FUTURE) */
  guint64              next_anon_vma;       /* identity allocator */

  /* [vsyscall]: the gate VMA, outside the mm's tree; only printed. */
  char                *vsyscall_line;

  /* The fault guess (C1): every range reported so far; per thread, the
   * ranges its latest call created; those of the running call. */
  MsLinuxMmFaultGuess  fault_guess;
  guint64              thread_id;
  GHashTable          *reported;            /* Range -> itself */
  GHashTable          *fresh;               /* guint64 tid -> GArray of Range */
  GArray              *created;             /* of Range */
};

/* ------------------------------------------------------------------ */
/* The kernel's constants (x86-64, 4-level page tables). */

#define PAGE                   G_GUINT64_CONSTANT (4096)
#define PAGE_MASK              (~(PAGE - 1))
#define PMD_SIZE               (G_GUINT64_CONSTANT (2) << 20)
#define TASK_SIZE              ((G_GUINT64_CONSTANT (1) << 47) - PAGE)
#define DEFAULT_MAP_WINDOW     TASK_SIZE
#define MMAP_MIN_ADDR          PAGE
#define STACK_GUARD_GAP        (256 * PAGE)                          /* R4 */
#define RLIM_INFINITY          G_MAXUINT64

/* errno values. */
#define EPERM_       1
#define EBADF_       9
#define ENOMEM_      12
#define EACCES_      13
#define EFAULT_      14
#define EEXIST_      17
#define EINVAL_      22
#define EOVERFLOW_   75
#define EOPNOTSUPP_  95

/* Returned inside instead of -errno when a set call failed (a backend
 * refused): the GError says why. */
#define BACKEND_FAILED (-4096)

/* vm_flags bits the public header does not name. */
#define VM_UFFD_MISSING   G_GUINT64_CONSTANT (0x200)
#define VM_UFFD_WP        G_GUINT64_CONSTANT (0x1000)
#define VM_ARCH_1         G_GUINT64_CONSTANT (0x1000000)
#define VM_SHADOW_STACK   (G_GUINT64_CONSTANT (1) << 37)
#define VM_DROPPABLE      (G_GUINT64_CONSTANT (1) << 40)
#define VM_UFFD_MINOR     (G_GUINT64_CONSTANT (1) << 41)

#define VM_ACCESS_FLAGS   (((guint64) MS_LINUX_VM_READ) | MS_LINUX_VM_WRITE | MS_LINUX_VM_EXEC)
#define VM_SPECIAL        (((guint64) MS_LINUX_VM_IO) | MS_LINUX_VM_DONTEXPAND | \
                           MS_LINUX_VM_PFNMAP | MS_LINUX_VM_MIXEDMAP)
#define VM_LOCKED_MASK    (((guint64) MS_LINUX_VM_LOCKED) | MS_LINUX_VM_LOCKONFAULT)
#define VM_STARTGAP_FLAGS (((guint64) MS_LINUX_VM_GROWSDOWN) | VM_SHADOW_STACK)
/* Measured (torture2, probe guard.c): "gu" does not prevent merges and
 * survives them, as softdirty does. */
#define VM_STICKY         (((guint64) MS_LINUX_VM_SOFTDIRTY) | MS_LINUX_VM_MAYBE_GUARD)

/* The anon_vma identity, bits 44 to 63 of the flags. */
#define ANON_SHIFT        MS_LINUX_VM_ANON_VMA_SHIFT
#define ANON_BITS         20
#define ANON_MASK         (((G_GUINT64_CONSTANT (1) << ANON_BITS) - 1) << ANON_SHIFT)

/* mmap(2), mprotect(2), mremap(2), madvise(2), mlock(2). */
#define PROT_READ_        0x1
#define PROT_WRITE_       0x2
#define PROT_EXEC_        0x4
#define PROT_SEM_         0x8
#define PROT_GROWSDOWN_   0x01000000
#define PROT_GROWSUP_     0x02000000
#define MAP_SHARED_       0x01
#define MAP_PRIVATE_      0x02
#define MAP_SHARED_VALIDATE_ 0x03
#define MAP_TYPE_         0x0f
#define MAP_FIXED_        0x10
#define MAP_ANONYMOUS_    0x20
#define MAP_32BIT_        0x40
#define MAP_ABOVE4G_      0x80
#define MAP_GROWSDOWN_    0x100
#define MAP_DENYWRITE_    0x800
#define MAP_EXECUTABLE_   0x1000
#define MAP_LOCKED_       0x2000
#define MAP_NORESERVE_    0x4000
#define MAP_POPULATE_     0x8000
#define MAP_NONBLOCK_     0x10000
#define MAP_STACK_        0x20000
#define MAP_HUGETLB_      0x40000
#define MAP_SYNC_         0x80000
#define MAP_FIXED_NOREPLACE_ 0x100000
#define MAP_UNINITIALIZED_ 0x4000000
#define MAP_HUGE_MASK_    (G_GUINT64_CONSTANT (0x3f) << 26)
#define LEGACY_MAP_MASK   (((guint64) MAP_SHARED_) | MAP_PRIVATE_ | MAP_FIXED_ | MAP_ANONYMOUS_ | \
                           MAP_DENYWRITE_ | MAP_EXECUTABLE_ | MAP_UNINITIALIZED_ | MAP_GROWSDOWN_ | \
                           MAP_LOCKED_ | MAP_NORESERVE_ | MAP_POPULATE_ | MAP_NONBLOCK_ | MAP_STACK_ | \
                           MAP_HUGETLB_ | MAP_32BIT_ | MAP_ABOVE4G_ | MAP_HUGE_MASK_)
#define MREMAP_MAYMOVE_   1
#define MREMAP_FIXED_     2
#define MREMAP_DONTUNMAP_ 4
#define MCL_CURRENT_      1
#define MCL_FUTURE_       2
#define MCL_ONFAULT_      4
#define MLOCK_ONFAULT_    1
#define READ_IMPLIES_EXEC 0x0400000
#define ADDR_COMPAT_LAYOUT 0x0200000

enum {
  MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
  MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12,
  MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16,
  MADV_DODUMP = 17, MADV_WIPEONFORK = 18, MADV_KEEPONFORK = 19, MADV_COLD = 20,
  MADV_PAGEOUT = 21, MADV_POPULATE_READ = 22, MADV_POPULATE_WRITE = 23,
  MADV_DONTNEED_LOCKED = 24, MADV_COLLAPSE = 25, MADV_HWPOISON = 100,
  MADV_SOFT_OFFLINE = 101, MADV_GUARD_INSTALL = 102, MADV_GUARD_REMOVE = 103,
};

/* Filesystems whose get_unmapped_area is thp_get_unmapped_area (R5):
 * ext4, xfs, btrfs (src). tmpfs (shmem, huge=never) is plain. */
#define FS_EXT4   0xef53
#define FS_XFS    0x58465342
#define FS_BTRFS  0x9123683e
#define FS_TMPFS  0x01021994

static inline guint64
page_align (guint64 x)
{
  return (x + PAGE - 1) & PAGE_MASK;
}

static inline guint64
anon_of (guint64 flags)
{
  return flags >> ANON_SHIFT;
}

static inline guint64
base_of (guint64 flags)
{
  return flags & ~ANON_MASK;
}

static inline guint64
with_anon (guint64 flags,
           guint64 anon_vma)
{
  return base_of (flags) | (anon_vma << ANON_SHIFT);
}

/* R10, R17: two anon_vmas are compatible when either is NULL or they
 * are one (the list_is_singular() refinement only matters after fork,
 * which an mm here never sees). */
static inline gboolean
anon_compatible (guint64 a,
                 guint64 b)
{
  return a == 0 || b == 0 || a == b;
}

static inline gboolean
is_error (gint64 value)
{
  return value < 0;
}

/* ------------------------------------------------------------------ */
/* An area's values, and what backs it. */

static inline guint64 area_start (MsMemoryArea *a) { return ms_memory_area_get_start (a); }
static inline guint64 area_end (MsMemoryArea *a) { return ms_memory_area_get_end (a); }
static inline guint64 area_flags (MsMemoryArea *a) { return ms_memory_area_get_flags (a); }
static inline guint64 area_offset (MsMemoryArea *a) { return ms_memory_area_get_offset (a); }
static inline const char *area_name (MsMemoryArea *a) { return ms_memory_area_get_name (a); }

static inline MsLinuxFile *
area_file (MsMemoryArea *a)
{
  return MS_LINUX_FILE (ms_memory_area_get_backend (a));
}

static inline MsLinuxFileKind
area_kind (MsMemoryArea *a)
{
  return ms_linux_file_get_kind (area_file (a));
}

/* ------------------------------------------------------------------ */
/* Shared between the files (defined in ms-linux-mm.c unless said). */

/* Range as the key of a hash table. */
guint         ms_linux_mm_range_hash        (gconstpointer  key);
gboolean      ms_linux_mm_range_equal       (gconstpointer  a,
                                             gconstpointer  b);

/* find_vma(): the first area that ends after @addr, or NULL; a
 * reference. */
MsMemoryArea *ms_linux_mm_vma_next          (MsLinuxMm     *self,
                                             guint64        addr);
/* R4: the lowest address @area claims: its start, less the guard gap
 * of a VM_GROWSDOWN VMA or a shadow stack. */
guint64       ms_linux_mm_vm_start_gap      (MsMemoryArea  *area);
/* Maps [start, end) as one area of the set, merging with nothing. */
gboolean      ms_linux_mm_map_area          (MsLinuxMm     *self,
                                             guint64        start,
                                             guint64        end,
                                             guint64        flags,
                                             MsLinuxFile   *file,
                                             guint64        offset,
                                             const char    *name,
                                             GError       **error);

/* ms-linux-mm-placement.c: __get_unmapped_area() (R1 to R7), where a
 * mapping of @length goes; an address, or -errno. */
gint64        ms_linux_mm_get_unmapped_area (MsLinuxMm     *self,
                                             MsLinuxFile   *file,
                                             guint64        addr,
                                             guint64        length,
                                             guint64        pgoff,
                                             guint64        flags);

G_END_DECLS
