/* ms-linux-mm.h: Linux's mmap family on a memory set, exact to the kernel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib-object.h>

#include "ms-version-macros.h"
#include "ms-linux-file.h"
#include "ms-mapping-backend.h"
#include "ms-memory-area.h"
#include "ms-memory-set.h"
#include "ms-prot.h"

G_BEGIN_DECLS

/**
 * MS_LINUX_MM_ERROR:
 *
 * The error domain of [class@Ms.LinuxMm]'s calls: the code of an error
 * in this domain is the `errno` value the kernel returns, one of
 * [error@Ms.LinuxMmError] (in Python, `e.code == errno.ENOMEM`).
 *
 * Since: 1.0
 */
#define MS_LINUX_MM_ERROR (ms_linux_mm_error_quark ())

/**
 * MsLinuxMmError:
 * @MS_LINUX_MM_ERROR_PERM: `EPERM`: a sealed mapping (`mseal`) refused
 *   the change
 * @MS_LINUX_MM_ERROR_BADF: `EBADF`: a file mapping without a file
 * @MS_LINUX_MM_ERROR_NOMEM: `ENOMEM`: no room, or a range that is not
 *   (wholly) mapped
 * @MS_LINUX_MM_ERROR_ACCES: `EACCES`: the protection asked for exceeds
 *   what the mapping may have, or the file's open mode forbids it; a
 *   fault that the protection forbids
 * @MS_LINUX_MM_ERROR_FAULT: `EFAULT`: a range that crosses mappings
 *   where one is needed; a fault at an address that is not mapped
 * @MS_LINUX_MM_ERROR_EXIST: `EEXIST`: `MAP_FIXED_NOREPLACE` over a
 *   mapping
 * @MS_LINUX_MM_ERROR_INVAL: `EINVAL`: invalid arguments
 * @MS_LINUX_MM_ERROR_OVERFLOW: `EOVERFLOW`: page offsets past 2^64
 * @MS_LINUX_MM_ERROR_OPNOTSUPP: `EOPNOTSUPP`: `MAP_SHARED_VALIDATE`
 *   with flags the kernel does not know
 *
 * The codes of the %MS_LINUX_MM_ERROR domain: the `errno` values of
 * x86-64 Linux, which the calls of [class@Ms.LinuxMm] return as the
 * kernel does.
 *
 * Since: 1.0
 */
typedef enum
{
  MS_LINUX_MM_ERROR_PERM = 1,
  MS_LINUX_MM_ERROR_BADF = 9,
  MS_LINUX_MM_ERROR_NOMEM = 12,
  MS_LINUX_MM_ERROR_ACCES = 13,
  MS_LINUX_MM_ERROR_FAULT = 14,
  MS_LINUX_MM_ERROR_EXIST = 17,
  MS_LINUX_MM_ERROR_INVAL = 22,
  MS_LINUX_MM_ERROR_OVERFLOW = 75,
  MS_LINUX_MM_ERROR_OPNOTSUPP = 95,
} MsLinuxMmError;

MS_AVAILABLE_IN_ALL
GQuark ms_linux_mm_error_quark (void);

/**
 * MsLinuxMmFaultGuess:
 * @MS_LINUX_MM_FAULT_GUESS_NONE: the caller reports every write fault
 *   ([method@Ms.LinuxMm.fault], [method@Ms.LinuxMm.report_anonymous]):
 *   nothing is guessed
 * @MS_LINUX_MM_FAULT_GUESS_ALL: the caller reports no faults: whether a
 *   mapping was written is guessed for every mapping
 * @MS_LINUX_MM_FAULT_GUESS_REPEATS: the caller reports the anonymous
 *   pages of each range once, as the A lines of the shared tracer do:
 *   the guess is made only for a mapping at a range reported before
 *
 * Whether a private mapping was ever written (has an `anon_vma`) decides
 * some merges and `VM_ACCOUNT`, and no system call shows it. When it is
 * not reported, [class@Ms.LinuxMm] guesses: a private writable mapping
 * counts as written once a later call looks at it (as its target or as
 * a neighbour that could merge), except until the thread that made it
 * ([property@Ms.LinuxMm:thread-id]) has made its next call, which covers
 * the "map, then make a guard page" idiom. The guess never changes a
 * placement, a result or what is mapped where; it can change where one
 * mapping ends and the next begins.
 *
 * Since: 1.0
 */
typedef enum
{
  MS_LINUX_MM_FAULT_GUESS_NONE,
  MS_LINUX_MM_FAULT_GUESS_ALL,
  MS_LINUX_MM_FAULT_GUESS_REPEATS,
} MsLinuxMmFaultGuess;

/* The flags of the areas of an MsLinuxMm's set: the kernel's vm_flags
 * (include/linux/mm.h, x86-64) in bits 0 to 43, the anon_vma identity in
 * bits 44 to 63. Documented with the class. */

/**
 * MS_LINUX_VM_READ:
 *
 * `VM_READ` (`rd` in `/proc/<pid>/smaps`): the mapping can be read. Bits
 * 0 to 2 of the flags are `PROT_READ`, `PROT_WRITE` and `PROT_EXEC`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_READ            G_GUINT64_CONSTANT (0x1)
/**
 * MS_LINUX_VM_WRITE:
 *
 * `VM_WRITE` (`wr`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_WRITE           G_GUINT64_CONSTANT (0x2)
/**
 * MS_LINUX_VM_EXEC:
 *
 * `VM_EXEC` (`ex`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_EXEC            G_GUINT64_CONSTANT (0x4)
/**
 * MS_LINUX_VM_SHARED:
 *
 * `VM_SHARED` (`sh`): a shared mapping whose pages can be written
 * through; a shared mapping of a read-only file has %MS_LINUX_VM_MAYSHARE
 * only.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_SHARED          G_GUINT64_CONSTANT (0x8)
/**
 * MS_LINUX_VM_MAYREAD:
 *
 * `VM_MAYREAD` (`mr`): `mprotect` may add `PROT_READ`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MAYREAD         G_GUINT64_CONSTANT (0x10)
/**
 * MS_LINUX_VM_MAYWRITE:
 *
 * `VM_MAYWRITE` (`mw`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MAYWRITE        G_GUINT64_CONSTANT (0x20)
/**
 * MS_LINUX_VM_MAYEXEC:
 *
 * `VM_MAYEXEC` (`me`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MAYEXEC         G_GUINT64_CONSTANT (0x40)
/**
 * MS_LINUX_VM_MAYSHARE:
 *
 * `VM_MAYSHARE` (`ms`): a `MAP_SHARED` mapping, shown as `s` in
 * `/proc/<pid>/maps`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MAYSHARE        G_GUINT64_CONSTANT (0x80)
/**
 * MS_LINUX_VM_GROWSDOWN:
 *
 * `VM_GROWSDOWN` (`gd`): a stack that grows down on faults, with a guard
 * gap of 256 pages below it.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_GROWSDOWN       G_GUINT64_CONSTANT (0x100)
/**
 * MS_LINUX_VM_PFNMAP:
 *
 * `VM_PFNMAP` (`pf`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_PFNMAP          G_GUINT64_CONSTANT (0x400)
/**
 * MS_LINUX_VM_LOCKED:
 *
 * `VM_LOCKED` (`lo`): `mlock`, `MAP_LOCKED`, `mlockall`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_LOCKED          G_GUINT64_CONSTANT (0x2000)
/**
 * MS_LINUX_VM_IO:
 *
 * `VM_IO` (`io`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_IO              G_GUINT64_CONSTANT (0x4000)
/**
 * MS_LINUX_VM_SEQ_READ:
 *
 * `VM_SEQ_READ` (`sr`): `MADV_SEQUENTIAL`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_SEQ_READ        G_GUINT64_CONSTANT (0x8000)
/**
 * MS_LINUX_VM_RAND_READ:
 *
 * `VM_RAND_READ` (`rr`): `MADV_RANDOM`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_RAND_READ       G_GUINT64_CONSTANT (0x10000)
/**
 * MS_LINUX_VM_DONTCOPY:
 *
 * `VM_DONTCOPY` (`dc`): `MADV_DONTFORK`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_DONTCOPY        G_GUINT64_CONSTANT (0x20000)
/**
 * MS_LINUX_VM_DONTEXPAND:
 *
 * `VM_DONTEXPAND` (`de`): `[vdso]` and `[vvar]`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_DONTEXPAND      G_GUINT64_CONSTANT (0x40000)
/**
 * MS_LINUX_VM_LOCKONFAULT:
 *
 * `VM_LOCKONFAULT` (`lf`): `MLOCK_ONFAULT`, `MCL_ONFAULT`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_LOCKONFAULT     G_GUINT64_CONSTANT (0x80000)
/**
 * MS_LINUX_VM_ACCOUNT:
 *
 * `VM_ACCOUNT` (`ac`): the mapping's memory is committed, as for private
 * writable mappings without `MAP_NORESERVE`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_ACCOUNT         G_GUINT64_CONSTANT (0x100000)
/**
 * MS_LINUX_VM_NORESERVE:
 *
 * `VM_NORESERVE` (`nr`): `MAP_NORESERVE`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_NORESERVE       G_GUINT64_CONSTANT (0x200000)
/**
 * MS_LINUX_VM_HUGETLB:
 *
 * `VM_HUGETLB` (`ht`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_HUGETLB         G_GUINT64_CONSTANT (0x400000)
/**
 * MS_LINUX_VM_SYNC:
 *
 * `VM_SYNC` (`sf`): `MAP_SYNC`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_SYNC            G_GUINT64_CONSTANT (0x800000)
/**
 * MS_LINUX_VM_WIPEONFORK:
 *
 * `VM_WIPEONFORK` (`wf`): `MADV_WIPEONFORK`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_WIPEONFORK      G_GUINT64_CONSTANT (0x2000000)
/**
 * MS_LINUX_VM_DONTDUMP:
 *
 * `VM_DONTDUMP` (`dd`): `MADV_DONTDUMP`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_DONTDUMP        G_GUINT64_CONSTANT (0x4000000)
/**
 * MS_LINUX_VM_SOFTDIRTY:
 *
 * `VM_SOFTDIRTY` (`sd`): ignored by merges.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_SOFTDIRTY       G_GUINT64_CONSTANT (0x8000000)
/**
 * MS_LINUX_VM_MIXEDMAP:
 *
 * `VM_MIXEDMAP` (`mm`).
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MIXEDMAP        G_GUINT64_CONSTANT (0x10000000)
/**
 * MS_LINUX_VM_HUGEPAGE:
 *
 * `VM_HUGEPAGE` (`hg`): `MADV_HUGEPAGE`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_HUGEPAGE        G_GUINT64_CONSTANT (0x20000000)
/**
 * MS_LINUX_VM_NOHUGEPAGE:
 *
 * `VM_NOHUGEPAGE` (`nh`): `MADV_NOHUGEPAGE`, and `MAP_STACK` since Linux
 * 6.7, so that thread stacks never merge with plain anonymous memory.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_NOHUGEPAGE      G_GUINT64_CONSTANT (0x40000000)
/**
 * MS_LINUX_VM_MERGEABLE:
 *
 * `VM_MERGEABLE` (`mg`): `MADV_MERGEABLE`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MERGEABLE       G_GUINT64_CONSTANT (0x80000000)
/**
 * MS_LINUX_VM_SEALED:
 *
 * `VM_SEALED` (`sl`, bit 42): `mseal`; `mprotect`, `munmap`, `mremap`
 * and `MAP_FIXED` over the mapping fail with `EPERM`.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_SEALED          G_GUINT64_CONSTANT (0x40000000000)
/**
 * MS_LINUX_VM_MAYBE_GUARD:
 *
 * `gu` (bit 43, a bit of libmemoryset's choosing): `MADV_GUARD_INSTALL`
 * was used on the mapping. Like %MS_LINUX_VM_SOFTDIRTY it is ignored by
 * merges, and the merged mapping keeps it.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_MAYBE_GUARD     G_GUINT64_CONSTANT (0x80000000000)
/**
 * MS_LINUX_VM_ANON_VMA_SHIFT:
 *
 * Where the anon_vma identity starts in the flags: bits 44 to 63 hold
 * it, 0 when the mapping has no anon_vma (it was never written, or is
 * shared). Two mappings with the same non-zero identity share their
 * anon_vma. `flags >> MS_LINUX_VM_ANON_VMA_SHIFT` reads it.
 *
 * Since: 1.0
 */
#define MS_LINUX_VM_ANON_VMA_SHIFT  44

#define MS_TYPE_LINUX_MM (ms_linux_mm_get_type ())

MS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MsLinuxMm, ms_linux_mm, MS, LINUX_MM, GObject)

MS_AVAILABLE_IN_ALL
MsLinuxMm        *ms_linux_mm_new              (MsMappingBackend *anonymous_backend) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
MsLinuxMm        *ms_linux_mm_new_for_process  (MsMappingBackend *anonymous_backend,
                                                const char       *maps,
                                                const char       *vmflags,
                                                guint64           start_brk,
                                                guint64           start_stack,
                                                guint64           stack_rlimit,
                                                guint             personality,
                                                GError          **error) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_load_maps        (MsLinuxMm        *self,
                                                const char       *maps,
                                                const char       *vmflags,
                                                GError          **error);

MS_AVAILABLE_IN_ALL
MsMemorySet      *ms_linux_mm_get_set          (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
MsMappingBackend *ms_linux_mm_get_anonymous_backend (MsLinuxMm   *self);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_brk          (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_start_brk    (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_start_stack  (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_stack_rlimit (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
guint             ms_linux_mm_get_personality  (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_mmap_base    (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_get_legacy_layout (MsLinuxMm       *self);
MS_AVAILABLE_IN_ALL
MsLinuxMmFaultGuess ms_linux_mm_get_fault_guess (MsLinuxMm       *self);
MS_AVAILABLE_IN_ALL
void              ms_linux_mm_set_fault_guess  (MsLinuxMm        *self,
                                                MsLinuxMmFaultGuess guess);
MS_AVAILABLE_IN_ALL
guint64           ms_linux_mm_get_thread_id    (MsLinuxMm        *self);
MS_AVAILABLE_IN_ALL
void              ms_linux_mm_set_thread_id    (MsLinuxMm        *self,
                                                guint64           thread_id);

MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mmap             (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                guint64           prot,
                                                guint64           flags,
                                                MsLinuxFile      *file,
                                                guint64           offset,
                                                guint64          *out_addr,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_munmap           (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mprotect         (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                guint64           prot,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_pkey_mprotect    (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                guint64           prot,
                                                gint              pkey,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mremap           (MsLinuxMm        *self,
                                                guint64           old_addr,
                                                guint64           old_length,
                                                guint64           new_length,
                                                guint64           flags,
                                                guint64           new_addr,
                                                guint64          *out_addr,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_brk              (MsLinuxMm        *self,
                                                guint64           brk,
                                                guint64          *out_brk,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_madvise          (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                gint              advice,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mlock            (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mlock2           (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                guint             flags,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_munlock          (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mlockall         (MsLinuxMm        *self,
                                                guint             flags,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_munlockall       (MsLinuxMm        *self,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_mseal            (MsLinuxMm        *self,
                                                guint64           addr,
                                                guint64           length,
                                                guint64           flags,
                                                GError          **error);

MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_fault            (MsLinuxMm        *self,
                                                guint64           addr,
                                                MsProt            access,
                                                GError          **error);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_mm_report_anonymous (MsLinuxMm        *self,
                                                guint64           start,
                                                guint64           size,
                                                GError          **error);

MS_AVAILABLE_IN_ALL
const char       *ms_linux_mm_get_area_name    (MsLinuxMm        *self,
                                                MsMemoryArea     *area);
MS_AVAILABLE_IN_ALL
char             *ms_linux_mm_to_string        (MsLinuxMm        *self) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
char             *ms_linux_mm_flags_to_string  (guint64           flags) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
