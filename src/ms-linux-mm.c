/* ms-linux-mm.c: Linux's mmap family on a memory set, exact to the kernel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The rules are those of x86-64 Linux 6.18 as measured on recorded
 * programs (docs/linux-mm.md, "The kernel's rules": the rules R1 to R18
 * and C1 to C4, what no system call shows); "measured" marks a rule found
 * by recording, "src" one read from the kernel's mm/ and not exercised.
 * Only the public API of MsMemorySet is used: the set never merges by
 * itself (merge-adjacent stays off), every merge is a join decided here.
 */

#include "ms-linux-mm-private.h"

#include <sys/stat.h>

/**
 * MsLinuxMm:
 *
 * The address space of a Linux process as the kernel keeps it: `mmap`,
 * `munmap`, `mprotect`, `mremap`, `brk`, `madvise`, `mlock`, `mseal` and
 * the rest, on an [class@Ms.MemorySet], with the kernel's placements,
 * merges, splits, return values and `errno`s (Linux 6.18, x86-64, 4 KiB
 * pages, 47-bit user space, transparent huge pages in `madvise` mode,
 * overcommit heuristic, `mmap_min_addr` 4096).
 *
 * Each area of [method@Ms.LinuxMm.get_set] is one VMA: its flags are the
 * kernel's `vm_flags` (the `MS_LINUX_VM_*` bits, such as
 * %MS_LINUX_VM_READ or %MS_LINUX_VM_ACCOUNT, at the kernel's values, in
 * bits 0 to 43) with the identity of its anon_vma in bits 44 to 63
 * (%MS_LINUX_VM_ANON_VMA_SHIFT; 0 for none); its offset is the VMA's page
 * offset in bytes (`vm_pgoff << 12`: the file offset of a file mapping,
 * the address at creation for anonymous memory); its name is the path of
 * its file, a special name such as `[vdso]`, or %NULL for anonymous
 * memory, whose `[heap]` and `[stack]` are computed as the kernel
 * computes them ([method@Ms.LinuxMm.get_area_name]); its backend is an
 * [class@Ms.LinuxFile], one per open file description, so that two
 * areas merge only when the kernel would merge them. The set is the
 * mm's: read it, never change it.
 *
 * Memory is mapped through [iface@Ms.MappingBackend]s that the caller
 * gives: the anonymous backend given to [ctor@Ms.LinuxMm.new] for
 * anonymous memory, `[heap]`, the stack, shared anonymous memory and the
 * initial maps, and the backend of each [class@Ms.LinuxFile] for the
 * mappings of that file. They receive [flags@Ms.Prot] flags (the
 * protection, and %MS_PROT_SHARED for `MAP_SHARED`), so one mm drives
 * bookkeeping alone (no backend at all), an [class@Ms.HostBackend], or an
 * emulator's memory. Merges and splits reach no backend; a change of
 * the bookkeeping bits alone (an anon_vma, `VM_ACCOUNT`, the `madvise`
 * and lock flags) reaches it as a protect with the protection the range
 * already has. Memory that `mremap` moves is moved by the backend's
 * [vfunc@Ms.MappingBackend.move], contents and all; a backend without
 * that method gets the destination mapped fresh and the source unmapped.
 *
 * The calls take the system calls' arguments, as 64-bit numbers, and
 * fail as the kernel fails, with a `GError` in the %MS_LINUX_MM_ERROR
 * domain whose code is the `errno` value. A backend that refuses fails
 * the call with the backend's own error; the set then describes what
 * the backends hold, which may be part of what the kernel would have
 * done.
 *
 * Placement follows `mmap_base` ([property@Ms.LinuxMm:mmap-base], by
 * default derived from the stack limit as the kernel derives it),
 * top-down unless the personality asks for the legacy layout
 * (`ADDR_COMPAT_LAYOUT`, `setarch -L`). Which private mappings were
 * ever written decides some merges and `VM_ACCOUNT`: an emulator reports
 * its page faults with [method@Ms.LinuxMm.fault]; without them, see
 * [enum@Ms.LinuxMmFaultGuess].
 *
 * Not modelled: commit accounting (overcommit refusals of huge
 * accounted mappings), `RLIMIT_AS`, `RLIMIT_DATA` and `RLIMIT_MEMLOCK`,
 * `vm.max_map_count`, hugetlbfs (`MAP_HUGETLB` fails with `ENOMEM`, as
 * with no huge pages reserved), `shmat`, `io_setup`, userfaultfd,
 * `mbind`, `remap_file_pages` and named anonymous memory
 * (`PR_SET_VMA_ANON_NAME`). `pkey_mprotect` takes pkey -1 only.
 *
 * Since: 1.0
 */

G_DEFINE_FINAL_TYPE (MsLinuxMm, ms_linux_mm, G_TYPE_OBJECT)

/**
 * ms_linux_mm_error_quark:
 *
 * The quark of the %MS_LINUX_MM_ERROR error domain.
 *
 * Returns: the error domain quark, for the string "ms-linux-mm-error-quark"
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (ms-linux-mm-error-quark, ms_linux_mm_error)

enum {
  PROP_0,
  PROP_SET,
  PROP_ANONYMOUS_BACKEND,
  PROP_START_BRK,
  PROP_BRK,
  PROP_START_STACK,
  PROP_STACK_RLIMIT,
  PROP_PERSONALITY,
  PROP_MMAP_BASE,
  PROP_LEGACY_LAYOUT,
  PROP_FAULT_GUESS,
  PROP_THREAD_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ */
/* Areas: references to what the set holds, which keep their values
 * while the set changes. */

/* The area that holds @addr, or NULL; a reference. */
static MsMemoryArea *
vma_at (MsLinuxMm *self,
        guint64    addr)
{
  MsMemoryArea *area = ms_memory_set_find (self->set, addr);

  return area != NULL ? ms_memory_area_ref (area) : NULL;
}

static gboolean
take_first (MsMemoryArea *area,
            gpointer      user_data)
{
  *(MsMemoryArea **) user_data = ms_memory_area_ref (area);
  return TRUE;
}

/* find_vma(): the first area that ends after @addr, or NULL. */
MsMemoryArea *
ms_linux_mm_vma_next (MsLinuxMm *self,
                      guint64    addr)
{
  MsMemoryArea *found = NULL;

  ms_memory_set_foreach_in_range (self->set, addr, G_MAXUINT64, take_first, &found);
  return found;
}

/* The area that ends at @addr, or NULL. */
static MsMemoryArea *
vma_ending_at (MsLinuxMm *self,
               guint64    addr)
{
  MsMemoryArea *area = addr > 0 ? ms_memory_set_find (self->set, addr - 1) : NULL;

  return area != NULL && ms_memory_area_get_end (area) == addr ? ms_memory_area_ref (area) : NULL;
}

/* The area that starts at @addr, or NULL. */
static MsMemoryArea *
vma_starting_at (MsLinuxMm *self,
                 guint64    addr)
{
  MsMemoryArea *area = ms_memory_set_find (self->set, addr);

  return area != NULL && ms_memory_area_get_start (area) == addr ? ms_memory_area_ref (area) : NULL;
}

/* Replaces *@area by a reference to what the set now holds at its
 * start. */
static void
refresh (MsLinuxMm     *self,
         MsMemoryArea **area)
{
  guint64 start = area_start (*area);

  g_clear_pointer (area, ms_memory_area_unref);
  *area = vma_at (self, start);
}

static gboolean
is_anonymous (MsMemoryArea *area)
{
  return ms_linux_file_is_anonymous (area_file (area));
}

/* [vdso] [vvar] [vvar_vclock]: special_mapping_vmops.may_split refuses
 * every split (measured: probe unmap.c, torture3). */
static gboolean
is_special (MsMemoryArea *area)
{
  return area_kind (area) == MS_LINUX_FILE_KIND_SPECIAL;
}

/* R4: a VM_GROWSDOWN VMA has a guard gap below it. */
guint64
ms_linux_mm_vm_start_gap (MsMemoryArea *area)
{
  guint64 start = area_start (area);

  if (area_flags (area) & MS_LINUX_VM_GROWSDOWN)
    return start > STACK_GUARD_GAP ? start - STACK_GUARD_GAP : 0;
  if (area_flags (area) & VM_SHADOW_STACK)
    return start > PAGE ? start - PAGE : 0;
  return start;
}

/* ------------------------------------------------------------------ */
/* Changes of the set. */

gboolean
ms_linux_mm_map_area (MsLinuxMm    *self,
                      guint64       start,
                      guint64       end,
                      guint64       flags,
                      MsLinuxFile  *file,
                      guint64       offset,
                      const char   *name,
                      GError      **error)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new_full (start, end - start, flags,
                                                          MS_MAPPING_BACKEND (file), offset, name);

  return ms_memory_set_map (self->set, area, NULL, FALSE, error);
}

static gboolean
set_flags_to (guint64   old_flags,
              guint64  *new_flags,
              gpointer  user_data)
{
  *new_flags = *(const guint64 *) user_data;
  return TRUE;
}

/* Gives [start, end) the flags @flags, splitting areas at its ends. */
static gboolean
set_flags (MsLinuxMm  *self,
           guint64     start,
           guint64     end,
           guint64     flags,
           GError    **error)
{
  return ms_memory_set_protect_with (self->set, start, end - start, NULL, set_flags_to, &flags, error);
}

static gboolean
set_anon_vma_to (guint64   old_flags,
                 guint64  *new_flags,
                 gpointer  user_data)
{
  *new_flags = with_anon (old_flags, *(const guint64 *) user_data);
  return TRUE;
}

/* Gives every piece of @area's range the anon_vma @anon_vma. */
static gboolean
set_anon_vma (MsLinuxMm     *self,
              MsMemoryArea  *area,
              guint64        anon_vma,
              GError       **error)
{
  return ms_memory_set_protect_with (self->set, area_start (area), ms_memory_area_get_size (area),
                                     NULL, set_anon_vma_to, &anon_vma, error);
}

typedef struct {
  guint64 anon_vma;
  guint64 sticky;
} Unified;

static gboolean
unify_to (guint64   old_flags,
          guint64  *new_flags,
          gpointer  user_data)
{
  const Unified *u = user_data;

  *new_flags = ((base_of (old_flags) & ~VM_STICKY) | u->sticky) | (u->anon_vma << ANON_SHIFT);
  return TRUE;
}

/* Joins @a and @b, adjacent areas the kernel merges: their anon_vmas
 * and sticky bits are made one first (the non-NULL anon_vma survives,
 * as dup_anon_vma() makes it), since the library joins only equal
 * flags. Returns the joined area, or NULL when a backend refused. */
static MsMemoryArea *
join_unified (MsLinuxMm     *self,
              MsMemoryArea  *a,
              MsMemoryArea  *b,
              GError       **error)
{
  Unified u = { anon_of (area_flags (a)) != 0 ? anon_of (area_flags (a)) : anon_of (area_flags (b)),
                (area_flags (a) | area_flags (b)) & VM_STICKY };
  guint64 a_start = area_start (a), joint = area_start (b);
  MsMemoryArea *both[2] = { a, b };

  for (guint i = 0; i < 2; i++)
    {
      guint64 flags = area_flags (both[i]);

      if ((anon_of (flags) != u.anon_vma || (flags & VM_STICKY) != u.sticky) &&
          !ms_memory_set_protect_with (self->set, area_start (both[i]), ms_memory_area_get_size (both[i]),
                                       NULL, unify_to, &u, error))
        return NULL;
    }
  if (!ms_memory_set_join (self->set, joint, error))
    return NULL;
  return vma_at (self, a_start);
}

/* ------------------------------------------------------------------ */
/* anon_vmas, and the fault guess (R17, C1). */

guint
ms_linux_mm_range_hash (gconstpointer key)
{
  const Range *r = key;

  return g_int64_hash (&r->start) ^ (g_int64_hash (&r->end) * 31);
}

gboolean
ms_linux_mm_range_equal (gconstpointer a,
                         gconstpointer b)
{
  const Range *x = a, *y = b;

  return x->start == y->start && x->end == y->end;
}

static gboolean
add_anon_vma_in_use (MsMemoryArea *area,
                     gpointer      user_data)
{
  g_hash_table_add (user_data, GSIZE_TO_POINTER (anon_of (ms_memory_area_get_flags (area))));
  return FALSE;
}

/* A new anon_vma identity. Identities only need to differ from those in
 * use, so when the 20 bits run out, a free one is looked for. */
static guint64
new_anon_vma (MsLinuxMm *self)
{
  if (self->next_anon_vma >= (G_GUINT64_CONSTANT (1) << ANON_BITS))
    {
      g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);

      ms_memory_set_foreach (self->set, add_anon_vma_in_use, used);
      self->next_anon_vma = 1;
      while (g_hash_table_contains (used, GSIZE_TO_POINTER (self->next_anon_vma)))
        self->next_anon_vma++;
    }
  return self->next_anon_vma++;
}

/* is_mergeable_anon_vma()'s neighbours (R17): adjacent, one file,
 * flags equal apart from rd/wr/ex and the sticky bits, offsets that run
 * on. */
static gboolean
anon_vma_compatible (MsMemoryArea *a,
                     MsMemoryArea *b)
{
  return area_end (a) == area_start (b) && area_file (a) == area_file (b) &&
         ((base_of (area_flags (a)) ^ base_of (area_flags (b))) & ~(VM_ACCESS_FLAGS | VM_STICKY)) == 0 &&
         area_offset (b) == area_offset (a) + ms_memory_area_get_size (a);
}

/* find_mergeable_anon_vma() (R17): the next VMA's anon_vma if it may be
 * shared, else the previous one's, else a new one. */
static guint64
mergeable_anon_vma (MsLinuxMm    *self,
                    MsMemoryArea *area)
{
  g_autoptr(MsMemoryArea) next = vma_starting_at (self, area_end (area));
  g_autoptr(MsMemoryArea) prev = NULL;

  if (next != NULL && anon_of (area_flags (next)) != 0 && anon_vma_compatible (area, next))
    return anon_of (area_flags (next));
  prev = vma_ending_at (self, area_start (area));
  if (prev != NULL && anon_of (area_flags (prev)) != 0 && anon_vma_compatible (prev, area))
    return anon_of (area_flags (prev));
  return new_anon_vma (self);
}

/* Gives @area an anon_vma, as its first write fault does. */
static gboolean
prepare_anon_vma (MsLinuxMm     *self,
                  MsMemoryArea  *area,
                  GError       **error)
{
  if (anon_of (area_flags (area)) != 0)
    return TRUE;
  return set_anon_vma (self, area, mergeable_anon_vma (self, area), error);
}

static void
note_created (MsLinuxMm *self,
              guint64    start,
              guint64    end)
{
  Range r = { start, end };

  g_array_append_val (self->created, r);
}

/* Ends a call: what it created is its thread's fresh ranges. */
static void
end_call (MsLinuxMm *self)
{
  guint64 *tid = g_new (guint64, 1);

  *tid = self->thread_id;
  g_hash_table_replace (self->fresh, tid, self->created);
  self->created = g_array_new (FALSE, FALSE, sizeof (Range));
}

static gboolean
meets_any (GArray  *ranges,
           guint64  start,
           guint64  end)
{
  for (guint i = 0; i < ranges->len; i++)
    {
      const Range *r = &g_array_index (ranges, Range, i);

      if (r->start < end && start < r->end)
        return TRUE;
    }
  return FALSE;
}

/* The fault guess (C1), where the fault bit is unknown: in every VMA
 * (FAULT_GUESS_ALL), or (FAULT_GUESS_REPEATS) in a VMA whose exact range
 * was reported before, since a recording's A lines give a range only
 * once (docs/linux-mm.md, "The trace format") and never show the faults
 * of a new VMA at such a range. A private writable VMA counts as
 * written once a later call looks at it, unless the thread that
 * created it has not made
 * another call since. Called at every decision that reads the anon_vma
 * of a target or a neighbour; *@area (a reference, or NULL) is replaced
 * when it changes. */
static gboolean
resolve (MsLinuxMm     *self,
         MsMemoryArea **area,
         GError       **error)
{
  GHashTableIter iter;
  gpointer value;
  guint64 flags;

  if (*area == NULL || self->fault_guess == MS_LINUX_MM_FAULT_GUESS_NONE)
    return TRUE;

  flags = area_flags (*area);
  if (anon_of (flags) != 0 || (flags & MS_LINUX_VM_WRITE) == 0 || (flags & MS_LINUX_VM_MAYSHARE) != 0 ||
      area_kind (*area) == MS_LINUX_FILE_KIND_SPECIAL || area_kind (*area) == MS_LINUX_FILE_KIND_SHMEM)
    return TRUE;
  if (self->fault_guess == MS_LINUX_MM_FAULT_GUESS_REPEATS)
    {
      Range r = { area_start (*area), area_end (*area) };

      if (!g_hash_table_contains (self->reported, &r))
        return TRUE;
    }

  g_hash_table_iter_init (&iter, self->fresh);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (meets_any (value, area_start (*area), area_end (*area)))
      return TRUE;
  if (meets_any (self->created, area_start (*area), area_end (*area)))
    return TRUE;

  if (!set_anon_vma (self, *area, mergeable_anon_vma (self, *area), error))
    return FALSE;
  refresh (self, area);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Merging (R10, R12). */

/* is_mergeable_vma(): equal flags (the sticky bits aside), the same
 * struct file, the same name. */
static gboolean
mergeable (MsMemoryArea *area,
           guint64       flags,
           MsLinuxFile  *file,
           const char   *name)
{
  return ((base_of (area_flags (area)) ^ base_of (flags)) & ~VM_STICKY) == 0 &&
         area_file (area) == file && g_strcmp0 (area_name (area), name) == 0;
}

/* What vma_merge_new_range() decides for a new range: merge with the
 * VMA before it, the one after it, both or neither. */
typedef struct {
  MsMemoryArea *prev;     /* references, or NULL */
  MsMemoryArea *next;
  gboolean      left;
  gboolean      right;
} MergePlan;

static void
merge_plan_clear (MergePlan *plan)
{
  g_clear_pointer (&plan->prev, ms_memory_area_unref);
  g_clear_pointer (&plan->next, ms_memory_area_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (MergePlan, merge_plan_clear)

/* R10: whether [start, end), with these flags, file, offset, anon_vma
 * and name, merges with its neighbours. brk passes @just_expand: it
 * never absorbs the next VMA. */
static gboolean
plan_merge (MsLinuxMm    *self,
            guint64       start,
            guint64       end,
            guint64       flags,
            MsLinuxFile  *file,
            guint64       offset,
            guint64       anon_vma,
            const char   *name,
            gboolean      just_expand,
            MergePlan    *plan,
            GError      **error)
{
  *plan = (MergePlan) { NULL, NULL, FALSE, FALSE };
  if (flags & VM_SPECIAL)
    return TRUE;

  plan->prev = vma_ending_at (self, start);
  plan->next = vma_starting_at (self, end);
  if (!resolve (self, &plan->prev, error) || !resolve (self, &plan->next, error))
    return FALSE;

  plan->left = plan->prev != NULL && mergeable (plan->prev, flags, file, name) &&
               anon_compatible (anon_vma, anon_of (area_flags (plan->prev))) &&
               area_offset (plan->prev) + ms_memory_area_get_size (plan->prev) == offset;
  plan->right = !just_expand && plan->next != NULL && mergeable (plan->next, flags, file, name) &&
                anon_compatible (anon_vma, anon_of (area_flags (plan->next))) &&
                area_offset (plan->next) == offset + (end - start) &&
                (!plan->left || anon_compatible (anon_of (area_flags (plan->prev)),
                                                 anon_of (area_flags (plan->next))));
  return TRUE;
}

/* Carries out the joins of @plan for the area at [start, end), which is
 * mapped: with the areas that now end at @start and start at @end. *@out
 * (nullable) gets the resulting area. */
static gboolean
apply_merge (MsLinuxMm      *self,
             const MergePlan *plan,
             guint64         start,
             guint64         end,
             MsMemoryArea  **out,
             GError        **error)
{
  g_autoptr(MsMemoryArea) result = vma_at (self, start);

  if (plan->left)
    {
      g_autoptr(MsMemoryArea) prev = vma_ending_at (self, start);

      if (prev != NULL)
        {
          MsMemoryArea *joined = join_unified (self, prev, result, error);

          if (joined == NULL)
            return FALSE;
          g_clear_pointer (&result, ms_memory_area_unref);
          result = joined;
        }
    }
  if (plan->right)
    {
      g_autoptr(MsMemoryArea) next = vma_starting_at (self, end);

      if (next != NULL)
        {
          MsMemoryArea *joined = join_unified (self, result, next, error);

          if (joined == NULL)
            return FALSE;
          g_clear_pointer (&result, ms_memory_area_unref);
          result = joined;
        }
    }
  if (out != NULL)
    *out = g_steal_pointer (&result);
  return TRUE;
}

/* vma_merge_new_range() (R10), used by mmap, brk and mremap's growth in
 * place: places [start, end) by extending its neighbours where the
 * kernel would, or as an area of its own. */
static gboolean
map_merged (MsLinuxMm    *self,
            guint64       start,
            guint64       end,
            guint64       flags,
            MsLinuxFile  *file,
            guint64       offset,
            guint64       anon_vma,
            const char   *name,
            gboolean      just_expand,
            gboolean     *merged,
            GError      **error)
{
  g_auto(MergePlan) plan = { NULL, NULL, FALSE, FALSE };

  if (!plan_merge (self, start, end, flags, file, offset, anon_vma, name, just_expand, &plan, error) ||
      !ms_linux_mm_map_area (self, start, end, with_anon (flags, anon_vma), file, offset, name, error))
    return FALSE;
  if (merged != NULL)
    *merged = plan.left || plan.right;
  return apply_merge (self, &plan, start, end, NULL, error);
}

/* vma_modify() (R12): gives [start, end), inside @mid, the flags
 * @new_flags, merging with the VMA before when the range starts at
 * @mid's start, with the one after when it ends at @mid's end, both when
 * possible, and otherwise splitting off head and tail. *@out gets the
 * area that now holds @start. Returns 0, -EINVAL (a special mapping
 * refuses to be split) or BACKEND_FAILED. */
static gint64
vma_modify (MsLinuxMm     *self,
            MsMemoryArea  *mid_in,
            guint64        start,
            guint64        end,
            guint64        new_flags,
            MsMemoryArea **out,
            GError       **error)
{
  g_autoptr(MsMemoryArea) mid = ms_memory_area_ref (mid_in);
  g_autoptr(MsMemoryArea) prev = NULL;
  g_autoptr(MsMemoryArea) next = NULL;
  g_autoptr(MsMemoryArea) result = NULL;
  gboolean left_side, right_side, merge_left = FALSE, merge_right = FALSE;
  guint64 anon_vma, offset;

  if (!resolve (self, &mid, error))
    return BACKEND_FAILED;
  anon_vma = anon_of (area_flags (mid));
  offset = area_offset (mid) + (start - area_start (mid));
  left_side = start == area_start (mid);
  right_side = end == area_end (mid);

  if ((new_flags & VM_SPECIAL) == 0 && (left_side || right_side))
    {
      if (left_side)
        {
          prev = vma_ending_at (self, start);
          if (!resolve (self, &prev, error))
            return BACKEND_FAILED;
          merge_left = prev != NULL && mergeable (prev, new_flags, area_file (mid), area_name (mid)) &&
                       anon_compatible (anon_vma, anon_of (area_flags (prev))) &&
                       area_offset (prev) + ms_memory_area_get_size (prev) == offset;
        }
      if (right_side)
        {
          next = vma_starting_at (self, end);
          if (!resolve (self, &next, error))
            return BACKEND_FAILED;
          merge_right = next != NULL && mergeable (next, new_flags, area_file (mid), area_name (mid)) &&
                        anon_compatible (anon_vma, anon_of (area_flags (next))) &&
                        area_offset (next) == offset + (end - start) &&
                        (!merge_left || anon_compatible (anon_of (area_flags (prev)),
                                                         anon_of (area_flags (next))));
        }
    }
  if (!merge_left && !merge_right && is_special (mid) && !(left_side && right_side))
    return -EINVAL_;

  /* Split out [start, end) and give it the new flags. */
  if (!set_flags (self, start, end, with_anon (new_flags, anon_vma), error))
    return BACKEND_FAILED;
  result = vma_at (self, start);
  if (merge_left)
    {
      g_autoptr(MsMemoryArea) p = vma_at (self, area_start (prev));
      MsMemoryArea *joined = join_unified (self, p, result, error);

      if (joined == NULL)
        return BACKEND_FAILED;
      g_clear_pointer (&result, ms_memory_area_unref);
      result = joined;
    }
  if (merge_right)
    {
      g_autoptr(MsMemoryArea) n = vma_at (self, area_start (next));
      MsMemoryArea *joined = join_unified (self, result, n, error);

      if (joined == NULL)
        return BACKEND_FAILED;
      g_clear_pointer (&result, ms_memory_area_unref);
      result = joined;
    }
  if (out != NULL)
    *out = g_steal_pointer (&result);
  return 0;
}

/* ------------------------------------------------------------------ */
/* mmap (R7 to R10). */

/* mmap_region(): unmaps what MAP_FIXED replaces, then maps, merging. */
static gint64
mmap_region (MsLinuxMm    *self,
             MsLinuxFile  *file,
             guint64       addr,
             guint64       length,
             guint64       vm_flags,
             guint64       pgoff,
             GError      **error)
{
  g_autoptr(GPtrArray) old = ms_memory_set_get_areas_in_range (self->set, addr, length);
  guint64 end = addr + length;
  g_autoptr(MsLinuxFile) shmem = NULL;
  MsLinuxFile *backing;
  const char *name;

  /* MAP_FIXED over sealed VMAs (R13). */
  for (guint i = 0; i < old->len; i++)
    if (area_flags (old->pdata[i]) & MS_LINUX_VM_SEALED)
      return -EPERM_;

  /* R8: VM_ACCOUNT for private writable mappings without nr. */
  if ((vm_flags & (MS_LINUX_VM_NORESERVE | MS_LINUX_VM_SHARED | MS_LINUX_VM_WRITE)) == MS_LINUX_VM_WRITE)
    vm_flags |= MS_LINUX_VM_ACCOUNT;

  /* R7: MAP_FIXED unmaps first, splitting partial VMAs. */
  if (old->len > 0)
    {
      g_clear_pointer (&old, g_ptr_array_unref);
      if (!ms_memory_set_unmap (self->set, addr, length, NULL, error))
        return BACKEND_FAILED;
    }

  if ((file != NULL && ms_linux_file_is_dev_zero (file) && (vm_flags & MS_LINUX_VM_SHARED)) ||
      (file == NULL && (vm_flags & (MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE))))
    {
      /* R9: shared anonymous memory, and a shared mapping of /dev/zero
       * (shmem_zero_setup()), get a shmem file of their own: they never
       * merge. Anonymous memory has page offset 0, /dev/zero keeps its. */
      shmem = ms_linux_file_new_internal (MS_LINUX_FILE_KIND_SHMEM, "/dev/zero (deleted)", FS_TMPFS,
                                          self->anonymous_backend);
      if (file == NULL)
        pgoff = 0;
      if (!ms_linux_mm_map_area (self, addr, end, vm_flags, shmem, pgoff << 12, "/dev/zero (deleted)", error))
        return BACKEND_FAILED;
    }
  else
    {
      backing = file != NULL ? file : self->anon;
      name = file != NULL ? ms_linux_file_get_path (file) : NULL;
      if (!map_merged (self, addr, end, vm_flags, backing, pgoff << 12, 0, name, FALSE, NULL, error))
        return BACKEND_FAILED;
    }
  note_created (self, addr, end);
  return addr;
}

/* do_mmap(), in the kernel's order of checks. */
static gint64
do_mmap (MsLinuxMm    *self,
         MsLinuxFile  *file,
         guint64       addr,
         guint64       length,
         guint64       prot,
         guint64       flags,
         guint64       pgoff,
         GError      **error)
{
  guint64 vm_flags = 0, map_type;
  gint64 found;

  if (length == 0)
    return -EINVAL_;
  if ((prot & PROT_READ_) && (self->personality & READ_IMPLIES_EXEC))
    prot |= PROT_EXEC_;
  if (flags & MAP_FIXED_NOREPLACE_)
    flags |= MAP_FIXED_;
  if (!(flags & MAP_FIXED_))
    {
      /* round_hint_to_min() (R3, src). */
      addr &= PAGE_MASK;
      if (addr != 0 && addr < MMAP_MIN_ADDR)
        addr = page_align (MMAP_MIN_ADDR);
    }
  length = page_align (length);
  if (length == 0)
    return -ENOMEM_;
  /* Offset overflow: the kernel's check, which a 64-bit pgoff from
   * mmap() never fails; file_mmap_ok() below is the one that does. */
  if (pgoff + (length >> 12) < pgoff)
    return -EOVERFLOW_;

  if (prot & PROT_READ_)
    vm_flags |= MS_LINUX_VM_READ;
  if (prot & PROT_WRITE_)
    vm_flags |= MS_LINUX_VM_WRITE;
  if (prot & PROT_EXEC_)
    vm_flags |= MS_LINUX_VM_EXEC;
  /* R8: MAP_GROWSDOWN gd, MAP_LOCKED lo, MAP_STACK nh (6.7+). */
  if (flags & MAP_GROWSDOWN_)
    vm_flags |= MS_LINUX_VM_GROWSDOWN;
  if (flags & MAP_LOCKED_)
    vm_flags |= MS_LINUX_VM_LOCKED;
  if (flags & MAP_SYNC_)
    vm_flags |= MS_LINUX_VM_SYNC;
  if (flags & MAP_STACK_)
    vm_flags |= MS_LINUX_VM_NOHUGEPAGE;
  vm_flags |= self->def_flags | MS_LINUX_VM_MAYREAD | MS_LINUX_VM_MAYWRITE | MS_LINUX_VM_MAYEXEC;

  found = ms_linux_mm_get_unmapped_area (self, file, addr, length, pgoff, flags);
  if (is_error (found))
    return found;
  addr = found;

  if ((flags & MAP_FIXED_NOREPLACE_) && ms_memory_set_overlaps (self->set, addr, length))   /* R7 */
    return -EEXIST_;

  map_type = flags & MAP_TYPE_;
  if (file != NULL)
    {
      guint access = ms_linux_file_get_open_flags (file) & 3;
      gboolean readable = access == 0 || access == 2;       /* FMODE_READ */
      gboolean writable = access == 1 || access == 2;       /* FMODE_WRITE */
      guint32 mode = ms_linux_file_get_mode (file);
      /* file_mmap_size_max(): MAX_LFS_FILESIZE for regular files, block
       * devices and sockets (and files of unknown mode), else ULONG_MAX. */
      guint64 max_size = (mode & S_IFMT) == 0 || S_ISREG (mode) || S_ISBLK (mode) || S_ISSOCK (mode)
                         ? (guint64) G_MAXINT64 : G_MAXUINT64;

      /* file_mmap_ok() */
      if (length > max_size || pgoff > (max_size - length) >> 12)
        return -EOVERFLOW_;
      if (map_type == MAP_SHARED_)
        {
          flags &= LEGACY_MAP_MASK;
          map_type = MAP_SHARED_VALIDATE_;
        }
      if (map_type == MAP_SHARED_VALIDATE_)
        {
          if (flags & ~LEGACY_MAP_MASK)
            return -EOPNOTSUPP_;
          if ((prot & PROT_WRITE_) && !writable)
            return -EACCES_;
          /* R8: shared is sh ms; a read-only file loses mw and sh. */
          vm_flags |= MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE;
          if (!writable)
            vm_flags &= ~(guint64) (MS_LINUX_VM_MAYWRITE | MS_LINUX_VM_SHARED);
        }
      else if (map_type != MAP_PRIVATE_)
        return -EINVAL_;
      if (!readable)
        return -EACCES_;
      if (vm_flags & MS_LINUX_VM_GROWSDOWN)
        return -EINVAL_;
    }
  else if (map_type == MAP_SHARED_ || map_type == MAP_SHARED_VALIDATE_)
    {
      if (vm_flags & MS_LINUX_VM_GROWSDOWN)
        return -EINVAL_;
      pgoff = 0;                                 /* R9 */
      vm_flags |= MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE;
    }
  else if (map_type == MAP_PRIVATE_)
    pgoff = addr >> 12;                          /* R9 */
  else
    return -EINVAL_;

  if (flags & MAP_NORESERVE_)                    /* R8, overcommit != 2 */
    vm_flags |= MS_LINUX_VM_NORESERVE;
  return mmap_region (self, file, addr, length, vm_flags, pgoff, error);
}

/* ------------------------------------------------------------------ */
/* munmap (R14). */

static gint64
do_munmap (MsLinuxMm  *self,
           guint64     start,
           guint64     length,
           GError    **error)
{
  g_autoptr(GPtrArray) areas = NULL;
  MsMemoryArea *first;
  guint64 end;

  if ((start & (PAGE - 1)) || start > TASK_SIZE || length > TASK_SIZE - start)
    return -EINVAL_;
  end = start + page_align (length);
  if (end == start)
    return -EINVAL_;

  areas = ms_memory_set_get_areas_in_range (self->set, start, end - start);
  if (areas->len == 0)
    return 0;
  g_ptr_array_set_free_func (areas, (GDestroyNotify) ms_memory_area_unref);
  for (guint i = 0; i < areas->len; i++)
    ms_memory_area_ref (areas->pdata[i]);

  /* vms_gather_munmap_vmas()'s order, measured (probe unmap.c): the
   * split at the start comes first and survives a later failure; then
   * every VMA is checked for sl, and a special one that would be split
   * at the end refuses. */
  first = areas->pdata[0];
  if (start > area_start (first))
    {
      if (area_flags (first) & MS_LINUX_VM_SEALED)
        return -EPERM_;
      if (is_special (first))
        return -EINVAL_;
      if (!ms_memory_set_split (self->set, start, error))
        return BACKEND_FAILED;
    }
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = areas->pdata[i];

      if (area_flags (area) & MS_LINUX_VM_SEALED)
        return -EPERM_;
      if (area_end (area) > end && is_special (area))
        return -EINVAL_;
    }
  if (!ms_memory_set_unmap (self->set, start, end - start, NULL, error))
    return BACKEND_FAILED;
  return 0;
}

/* ------------------------------------------------------------------ */
/* mprotect (R11). */

static gint64
mprotect_fixup (MsLinuxMm     *self,
                MsMemoryArea  *vma_in,
                guint64        start,
                guint64        end,
                guint64        new_flags,
                MsMemoryArea **out,
                GError       **error)
{
  g_autoptr(MsMemoryArea) vma = ms_memory_area_ref (vma_in);
  guint64 old_flags;

  if (area_flags (vma) & MS_LINUX_VM_SEALED)   /* before "unchanged", measured (probe_pop seq 42) */
    return -EPERM_;
  if (!resolve (self, &vma, error))
    return BACKEND_FAILED;
  old_flags = base_of (area_flags (vma));
  if (new_flags == old_flags)
    {
      *out = g_steal_pointer (&vma);
      return 0;
    }
  /* VM_ACCOUNT: added when a VMA without ac, wr, ht, sh or nr becomes
   * writable; dropped when an anonymous VMA without anon_vma stops
   * being writable. */
  if (new_flags & MS_LINUX_VM_WRITE)
    {
      if (!(old_flags & (MS_LINUX_VM_ACCOUNT | MS_LINUX_VM_WRITE | MS_LINUX_VM_HUGETLB | MS_LINUX_VM_SHARED |
                         MS_LINUX_VM_NORESERVE)))
        new_flags |= MS_LINUX_VM_ACCOUNT;
    }
  else if ((old_flags & MS_LINUX_VM_ACCOUNT) && is_anonymous (vma) && anon_of (area_flags (vma)) == 0)
    new_flags &= ~(guint64) MS_LINUX_VM_ACCOUNT;
  return vma_modify (self, vma, start, end, new_flags, out, error);
}

static gint64
do_mprotect (MsLinuxMm  *self,
             guint64     start,
             guint64     length,
             guint64     prot,
             GError    **error)
{
  g_autoptr(MsMemoryArea) vma = NULL;
  guint64 grows, end, nstart, tmp;

  if (start & (PAGE - 1))
    return -EINVAL_;
  if (length == 0)
    return 0;
  grows = prot & (PROT_GROWSDOWN_ | PROT_GROWSUP_);
  prot &= ~(guint64) (PROT_GROWSDOWN_ | PROT_GROWSUP_);
  if (grows == (PROT_GROWSDOWN_ | PROT_GROWSUP_))
    return -EINVAL_;
  length = page_align (length);
  end = start + length;
  if (end <= start)
    return -ENOMEM_;
  if (prot & ~(guint64) (PROT_READ_ | PROT_WRITE_ | PROT_EXEC_ | PROT_SEM_))
    return -EINVAL_;

  vma = ms_linux_mm_vma_next (self, start);
  if (vma == NULL || area_start (vma) >= end)
    return -ENOMEM_;
  if (grows & PROT_GROWSDOWN_)
    {
      start = area_start (vma);
      if (!(area_flags (vma) & MS_LINUX_VM_GROWSDOWN))
        return -EINVAL_;
    }
  else if (area_start (vma) > start)
    return -ENOMEM_;

  nstart = start;
  tmp = area_start (vma);
  for (;;)
    {
      g_autoptr(MsMemoryArea) result = NULL;
      guint64 p = prot, new_flags;
      gint64 err;

      g_clear_pointer (&vma, ms_memory_area_unref);
      vma = ms_linux_mm_vma_next (self, nstart > tmp ? nstart : tmp);
      if (vma == NULL || area_start (vma) >= end)
        break;
      if (area_start (vma) != tmp)
        return -ENOMEM_;                          /* R11: a hole */
      if ((self->personality & READ_IMPLIES_EXEC) && (area_flags (vma) & MS_LINUX_VM_MAYEXEC) &&
          (p & PROT_READ_))
        p |= PROT_EXEC_;
      new_flags = ((p & PROT_READ_) ? MS_LINUX_VM_READ : 0) | ((p & PROT_WRITE_) ? MS_LINUX_VM_WRITE : 0) |
                  ((p & PROT_EXEC_) ? MS_LINUX_VM_EXEC : 0);
      new_flags |= base_of (area_flags (vma)) & ~VM_ACCESS_FLAGS;
      /* R11: more than VM_MAY* allows. */
      if ((new_flags & ~(new_flags >> 4)) & VM_ACCESS_FLAGS)
        return -EACCES_;
      tmp = MIN (area_end (vma), end);
      err = mprotect_fixup (self, vma, nstart, tmp, new_flags, &result, error);
      if (err != 0)
        return err;
      tmp = area_end (result);
      nstart = tmp;
      if (tmp >= end)
        break;
    }
  if (tmp < end)
    return -ENOMEM_;
  return 0;
}

/* ------------------------------------------------------------------ */
/* madvise (R13). */

static gboolean
valid_advice (gint advice)
{
  return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) ||
         (advice >= MADV_FREE && advice <= MADV_COLLAPSE) ||
         (advice >= MADV_HWPOISON && advice <= MADV_GUARD_REMOVE);
}

/* The behaviours that discard pages, which a sealed, private anonymous,
 * read-only VMA refuses (measured: torture2, probe pop.c). */
static gboolean
discards (gint advice)
{
  return advice == MADV_FREE || advice == MADV_DONTNEED || advice == MADV_DONTNEED_LOCKED ||
         advice == MADV_REMOVE || advice == MADV_DONTFORK || advice == MADV_WIPEONFORK ||
         advice == MADV_GUARD_INSTALL;
}

/* What @advice does to the flags of @vma: 0 and *@new_flags, with
 * *@changes FALSE when it changes no VMA; or -errno. */
static gint64
madvise_new_flags (MsMemoryArea *vma,
                   gint          advice,
                   guint64      *new_flags,
                   gboolean     *changes)
{
  guint64 f = base_of (area_flags (vma));

  *changes = TRUE;
  if ((f & MS_LINUX_VM_SEALED) && discards (advice) && is_anonymous (vma) && !(f & MS_LINUX_VM_WRITE))
    return -EPERM_;

  switch (advice)
    {
    case MADV_GUARD_INSTALL:       /* measured */
      *changes = FALSE;
      return (f & (VM_SPECIAL | MS_LINUX_VM_HUGETLB | MS_LINUX_VM_LOCKED)) ? -EINVAL_ : 0;
    case MADV_GUARD_REMOVE:
      *changes = FALSE;
      return (f & (VM_SPECIAL | MS_LINUX_VM_HUGETLB)) ? -EINVAL_ : 0;
    case MADV_NORMAL:
      *new_flags = f & ~(guint64) (MS_LINUX_VM_RAND_READ | MS_LINUX_VM_SEQ_READ);
      return 0;
    case MADV_SEQUENTIAL:
      *new_flags = (f & ~(guint64) MS_LINUX_VM_RAND_READ) | MS_LINUX_VM_SEQ_READ;
      return 0;
    case MADV_RANDOM:
      *new_flags = (f & ~(guint64) MS_LINUX_VM_SEQ_READ) | MS_LINUX_VM_RAND_READ;
      return 0;
    case MADV_DONTFORK:
      *new_flags = f | MS_LINUX_VM_DONTCOPY;
      return 0;
    case MADV_DOFORK:
      if (f & MS_LINUX_VM_IO)
        return -EINVAL_;
      *new_flags = f & ~(guint64) MS_LINUX_VM_DONTCOPY;
      return 0;
    case MADV_WIPEONFORK:          /* private anonymous only */
      if (!is_anonymous (vma) || (f & MS_LINUX_VM_SHARED))
        return -EINVAL_;
      *new_flags = f | MS_LINUX_VM_WIPEONFORK;
      return 0;
    case MADV_KEEPONFORK:
      *new_flags = f & ~(guint64) MS_LINUX_VM_WIPEONFORK;
      return 0;
    case MADV_DONTDUMP:
      *new_flags = f | MS_LINUX_VM_DONTDUMP;
      return 0;
    case MADV_DODUMP:
      if (f & VM_SPECIAL)
        return -EINVAL_;
      *new_flags = f & ~(guint64) MS_LINUX_VM_DONTDUMP;
      return 0;
    case MADV_HUGEPAGE:
      *new_flags = (f & ~(guint64) MS_LINUX_VM_NOHUGEPAGE) | MS_LINUX_VM_HUGEPAGE;
      return 0;
    case MADV_NOHUGEPAGE:
      *new_flags = (f & ~(guint64) MS_LINUX_VM_HUGEPAGE) | MS_LINUX_VM_NOHUGEPAGE;
      return 0;
    case MADV_MERGEABLE:           /* ksm_madvise() */
      if (f & (MS_LINUX_VM_MERGEABLE | MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE | MS_LINUX_VM_PFNMAP |
               MS_LINUX_VM_IO | MS_LINUX_VM_DONTEXPAND | MS_LINUX_VM_HUGETLB | MS_LINUX_VM_MIXEDMAP |
               VM_DROPPABLE))
        *new_flags = f;
      else
        *new_flags = f | MS_LINUX_VM_MERGEABLE;
      return 0;
    case MADV_UNMERGEABLE:
      *new_flags = f & ~(guint64) MS_LINUX_VM_MERGEABLE;
      return 0;
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_DONTNEED_LOCKED:
      {
        guint64 forbidden = MS_LINUX_VM_PFNMAP | MS_LINUX_VM_HUGETLB;

        *changes = FALSE;
        if (advice != MADV_DONTNEED_LOCKED)
          forbidden |= MS_LINUX_VM_LOCKED;
        if (f & forbidden)
          return -EINVAL_;
        if (advice == MADV_FREE && !is_anonymous (vma))
          return -EINVAL_;
        return 0;
      }
    case MADV_REMOVE:
      *changes = FALSE;
      if (f & MS_LINUX_VM_LOCKED)
        return -EINVAL_;
      if ((f & (MS_LINUX_VM_SHARED | MS_LINUX_VM_WRITE)) != (MS_LINUX_VM_SHARED | MS_LINUX_VM_WRITE))
        return -EACCES_;
      return 0;
    default:
      *changes = FALSE;
      return 0;
    }
}

static gboolean
or_flags_with (guint64   old_flags,
               guint64  *new_flags,
               gpointer  user_data)
{
  *new_flags = old_flags | *(const guint64 *) user_data;
  return TRUE;
}

/* MADV_GUARD_INSTALL, measured (torture2, probe guard.c): gu on the
 * whole VMA, no split, no merge; an anonymous VMA gets an anon_vma
 * (anon_vma_prepare(): a guarded, never-written VMA made r-- keeps ac). */
static gboolean
guard_install (MsLinuxMm     *self,
               MsMemoryArea  *vma_in,
               GError       **error)
{
  g_autoptr(MsMemoryArea) vma = ms_memory_area_ref (vma_in);
  guint64 guard = MS_LINUX_VM_MAYBE_GUARD;

  if (is_anonymous (vma) && anon_of (area_flags (vma)) == 0)
    {
      if (!set_anon_vma (self, vma, mergeable_anon_vma (self, vma), error))
        return FALSE;
      refresh (self, &vma);
    }
  return ms_memory_set_protect_with (self->set, area_start (vma), ms_memory_area_get_size (vma), NULL,
                                     or_flags_with, &guard, error);
}

/* MADV_POPULATE_READ and _WRITE, measured (torture2, probe pop.c): a walk
 * of its own that stops at the first error: a hole is ENOMEM, a VMA
 * without rd (or wr) EINVAL. */
static gint64
madvise_populate (MsLinuxMm *self,
                  guint64    start,
                  guint64    end,
                  gboolean   write)
{
  guint64 cursor = start;

  while (cursor < end)
    {
      MsMemoryArea *vma = ms_memory_set_find (self->set, cursor);

      if (vma == NULL)
        return -ENOMEM_;
      if (area_flags (vma) & (MS_LINUX_VM_IO | MS_LINUX_VM_PFNMAP))
        return -EFAULT_;
      if (!(area_flags (vma) & (write ? MS_LINUX_VM_WRITE : MS_LINUX_VM_READ)))
        return -EINVAL_;
      cursor = area_end (vma);
    }
  return 0;
}

/* madvise_walk_vmas(): a hole makes the result ENOMEM, but the walk goes
 * on; an error of one VMA stops it, the VMAs before staying changed. */
static gint64
do_madvise (MsLinuxMm  *self,
            guint64     start,
            guint64     length_in,
            gint        advice,
            GError    **error)
{
  gint64 unmapped_error = 0;
  guint64 length, end, cursor;

  if (!valid_advice (advice))
    return -EINVAL_;
  if (start & (PAGE - 1))
    return -EINVAL_;
  length = page_align (length_in);
  if (length_in != 0 && length == 0)
    return -EINVAL_;
  end = start + length;
  if (end < start)
    return -EINVAL_;
  if (end == start)
    return 0;
  if (advice == MADV_POPULATE_READ || advice == MADV_POPULATE_WRITE)
    return madvise_populate (self, start, end, advice == MADV_POPULATE_WRITE);

  cursor = start;
  for (;;)
    {
      g_autoptr(MsMemoryArea) vma = ms_linux_mm_vma_next (self, cursor);
      g_autoptr(MsMemoryArea) result = NULL;
      guint64 piece_end, new_flags = 0;
      gboolean changes;
      gint64 err;

      if (vma == NULL || area_start (vma) >= end)
        return cursor < end || vma == NULL ? -ENOMEM_ : unmapped_error;
      if (cursor < area_start (vma))
        {
          unmapped_error = -ENOMEM_;
          cursor = area_start (vma);
        }
      piece_end = MIN (area_end (vma), end);
      err = madvise_new_flags (vma, advice, &new_flags, &changes);
      if (err != 0)
        return err;
      result = ms_memory_area_ref (vma);
      if (advice == MADV_GUARD_INSTALL)
        {
          if (!guard_install (self, vma, error))
            return BACKEND_FAILED;
          refresh (self, &result);
        }
      if (changes && new_flags != base_of (area_flags (vma)))
        {
          g_clear_pointer (&result, ms_memory_area_unref);
          err = vma_modify (self, vma, cursor, piece_end, new_flags, &result, error);
          if (err != 0)
            return err;
        }
      cursor = MAX (area_end (result), piece_end);
      if (cursor >= end)
        return unmapped_error;
    }
}

/* ------------------------------------------------------------------ */
/* mlock, munlock, mlockall (R13). */

/* apply_vma_lock_flags(): a hole at the start or inside is ENOMEM;
 * VM_SPECIAL, hugetlb and droppable VMAs are left alone before any
 * split (measured, probe_unmap seq 29). */
static gint64
apply_vma_lock_flags (MsLinuxMm  *self,
                      guint64     start,
                      guint64     length,
                      guint64     lock_flags,
                      GError    **error)
{
  g_autoptr(MsMemoryArea) vma = NULL;
  guint64 end = start + length, nstart, tmp;

  if (end < start)
    return -EINVAL_;
  if (end == start)
    return 0;
  vma = vma_at (self, start);
  if (vma == NULL)
    return -ENOMEM_;

  nstart = start;
  tmp = area_start (vma);
  for (;;)
    {
      g_autoptr(MsMemoryArea) result = NULL;
      guint64 old_flags, new_flags;

      g_clear_pointer (&vma, ms_memory_area_unref);
      vma = ms_linux_mm_vma_next (self, nstart > tmp ? nstart : tmp);
      if (vma == NULL || area_start (vma) >= end)
        break;
      if (area_start (vma) != tmp)
        return -ENOMEM_;
      old_flags = base_of (area_flags (vma));
      new_flags = (old_flags & ~VM_LOCKED_MASK) | lock_flags;
      tmp = MIN (area_end (vma), end);
      if (new_flags == old_flags || (old_flags & (VM_SPECIAL | MS_LINUX_VM_HUGETLB | VM_DROPPABLE)))
        result = ms_memory_area_ref (vma);
      else
        {
          gint64 err = vma_modify (self, vma, nstart, tmp, new_flags, &result, error);

          if (err != 0)
            return err;
        }
      tmp = area_end (result);
      nstart = tmp;
      if (tmp >= end)
        break;
    }
  if (tmp < end)
    return -ENOMEM_;
  return 0;
}

static gint64
do_mlock (MsLinuxMm  *self,
          guint64     start,
          guint64     length,
          guint64     flags,
          gboolean    lock,
          GError    **error)
{
  guint64 lock_flags = 0;

  if (lock)
    {
      if (flags & ~(guint64) MLOCK_ONFAULT_)
        return -EINVAL_;
      lock_flags = MS_LINUX_VM_LOCKED | ((flags & MLOCK_ONFAULT_) ? MS_LINUX_VM_LOCKONFAULT : 0);
    }
  length = page_align (length + (start & (PAGE - 1)));
  start &= PAGE_MASK;
  return apply_vma_lock_flags (self, start, length, lock_flags, error);
}

static gboolean
add_area_ref (MsMemoryArea *area,
              gpointer      user_data)
{
  g_ptr_array_add (user_data, ms_memory_area_ref (area));
  return FALSE;
}

/* apply_mlockall_flags(): MCL_FUTURE sets def_flags, MCL_CURRENT
 * changes every VMA; munlockall clears both. */
static gint64
apply_mlockall (MsLinuxMm  *self,
                guint64     flags,
                GError    **error)
{
  g_autoptr(GPtrArray) areas = NULL;
  guint64 to_add = 0;

  self->def_flags &= ~VM_LOCKED_MASK;
  if (flags & MCL_FUTURE_)
    {
      self->def_flags |= MS_LINUX_VM_LOCKED;
      if (flags & MCL_ONFAULT_)
        self->def_flags |= MS_LINUX_VM_LOCKONFAULT;
      if (!(flags & MCL_CURRENT_))
        return 0;
    }
  if (flags & MCL_CURRENT_)
    {
      to_add = MS_LINUX_VM_LOCKED;
      if (flags & MCL_ONFAULT_)
        to_add |= MS_LINUX_VM_LOCKONFAULT;
    }

  areas = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_memory_area_unref);
  ms_memory_set_foreach (self->set, add_area_ref, areas);
  for (guint i = 0; i < areas->len; i++)
    {
      g_autoptr(MsMemoryArea) current = vma_at (self, area_start (areas->pdata[i]));
      g_autoptr(MsMemoryArea) result = NULL;
      guint64 old_flags, new_flags;
      gint64 err;

      if (current == NULL)
        continue;
      old_flags = base_of (area_flags (current));
      new_flags = (old_flags & ~VM_LOCKED_MASK) | to_add;
      if (new_flags == old_flags || (old_flags & (VM_SPECIAL | MS_LINUX_VM_HUGETLB | VM_DROPPABLE)))
        continue;
      err = vma_modify (self, current, area_start (current), area_end (current), new_flags, &result, error);
      if (err == BACKEND_FAILED)
        return err;
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* mseal (R13): every page of the range mapped first, then sl, which
 * merges as any flag does (measured, probe_pop seq 56). */

static gint64
do_mseal (MsLinuxMm  *self,
          guint64     start,
          guint64     length,
          guint64     flags,
          GError    **error)
{
  g_autoptr(GPtrArray) areas = NULL;
  guint64 end, cursor;

  if (flags != 0)
    return -EINVAL_;
  if (start & (PAGE - 1))
    return -EINVAL_;
  length = page_align (length);
  end = start + length;
  if (end < start)
    return -EINVAL_;
  if (end == start)
    return 0;

  areas = ms_memory_set_get_areas_in_range (self->set, start, length);
  cursor = start;
  for (guint i = 0; i < areas->len; i++)
    {
      if (area_start (areas->pdata[i]) > cursor)
        return -ENOMEM_;
      cursor = area_end (areas->pdata[i]);
    }
  if (cursor < end)
    return -ENOMEM_;
  g_clear_pointer (&areas, g_ptr_array_unref);

  for (cursor = start; cursor < end; )
    {
      g_autoptr(MsMemoryArea) vma = vma_at (self, cursor);
      g_autoptr(MsMemoryArea) result = ms_memory_area_ref (vma);
      guint64 piece_end = MIN (area_end (vma), end);

      if (!(area_flags (vma) & MS_LINUX_VM_SEALED))
        {
          gint64 err;

          g_clear_pointer (&result, ms_memory_area_unref);
          err = vma_modify (self, vma, cursor, piece_end, base_of (area_flags (vma)) | MS_LINUX_VM_SEALED,
                            &result, error);
          if (err != 0)
            return err;
        }
      cursor = MAX (area_end (result), piece_end);
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* brk (R15). */

typedef struct {
  guint64       limit;
  MsMemoryArea *last;        /* a reference, or NULL */
} LastBelow;

static gboolean
keep_last_below (MsMemoryArea *area,
                 gpointer      user_data)
{
  LastBelow *data = user_data;

  if (ms_memory_area_get_end (area) <= data->limit)
    {
      g_clear_pointer (&data->last, ms_memory_area_unref);
      data->last = ms_memory_area_ref (area);
    }
  return FALSE;
}

/* The brk VMA: the last VMA that ends at or below @old_brk, if it
 * starts at or above start_brk (vma_prev_limit()). */
static MsMemoryArea *
brk_vma (MsLinuxMm *self,
         guint64    old_brk)
{
  LastBelow data = { old_brk, NULL };

  if (old_brk > self->start_brk)
    ms_memory_set_foreach_in_range (self->set, self->start_brk, old_brk - self->start_brk,
                                    keep_last_below, &data);
  /* The last VMA below the break may start below start_brk: then there
   * is no brk VMA. */
  if (data.last != NULL && area_start (data.last) < self->start_brk)
    g_clear_pointer (&data.last, ms_memory_area_unref);
  return data.last;
}

/* Returns the new break, or the old one when the kernel refuses. */
static gint64
do_brk (MsLinuxMm  *self,
        guint64     brk,
        GError    **error)
{
  g_autoptr(MsMemoryArea) next = NULL;
  g_autoptr(MsMemoryArea) vma = NULL;
  guint64 old_brk_value = self->brk, new_brk, old_brk, flags;
  gboolean merged = FALSE;

  /* No CONFIG_COMPAT_BRK: measured (probe_brk seq 15). */
  if (brk < self->start_brk)
    return old_brk_value;
  new_brk = page_align (brk);
  old_brk = page_align (self->brk);
  if (old_brk == new_brk)
    {
      self->brk = brk;
      return brk;
    }

  if (brk <= self->brk)
    {
      /* Shrinking unmaps [new_brk, old_brk); nothing mapped there, or a
       * sealed VMA (src), fails. */
      g_autoptr(GPtrArray) areas = ms_memory_set_get_areas_in_range (self->set, new_brk, old_brk - new_brk);

      if (areas->len == 0)
        return old_brk_value;
      for (guint i = 0; i < areas->len; i++)
        if (area_flags (areas->pdata[i]) & MS_LINUX_VM_SEALED)
          return old_brk_value;
      g_clear_pointer (&areas, g_ptr_array_unref);
      self->brk = brk;
      if (!ms_memory_set_unmap (self->set, new_brk, old_brk - new_brk, NULL, error))
        return BACKEND_FAILED;
      return brk;
    }

  /* check_brk_limits(): the range check of get_unmapped_area(MAP_FIXED). */
  if (new_brk - old_brk > TASK_SIZE || old_brk > TASK_SIZE - (new_brk - old_brk))
    return old_brk_value;
  /* R4, and measured (torture seq 178 to 180): one page more than the
   * new break must stay below the next VMA's guard gap. */
  next = ms_linux_mm_vma_next (self, old_brk);
  if (next != NULL && area_start (next) < new_brk + PAGE + STACK_GUARD_GAP &&
      new_brk + PAGE > ms_linux_mm_vm_start_gap (next))
    return old_brk_value;

  flags = MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_MAYREAD | MS_LINUX_VM_MAYWRITE |
          MS_LINUX_VM_MAYEXEC | MS_LINUX_VM_ACCOUNT | self->def_flags;
  vma = brk_vma (self, old_brk);
  if (vma != NULL && area_end (vma) == old_brk)
    {
      /* "Just expand": brk never absorbs the next VMA. */
      if (!map_merged (self, old_brk, new_brk, flags, self->anon, old_brk, 0, NULL, TRUE, &merged, error))
        return BACKEND_FAILED;
    }
  else if (!ms_linux_mm_map_area (self, old_brk, new_brk, flags, self->anon, old_brk, NULL, error))
    return BACKEND_FAILED;
  note_created (self, old_brk, new_brk);
  self->brk = brk;
  return brk;
}

/* ------------------------------------------------------------------ */
/* mremap (R16, 6.18's vma_remap_struct). */

/* Whether the backend behind @file moves memory itself: otherwise a move
 * is a fresh mapping at the destination and an unmap of the source. */
static gboolean
file_moves_data (MsLinuxFile *file)
{
  MsMappingBackend *backend = ms_linux_file_get_backend (file);

  return backend == NULL || MS_MAPPING_BACKEND_GET_IFACE (backend)->move != NULL;
}

/* vrm_set_new_addr(): get_unmapped_area(file, hint, new_len, pgoff,
 * MAP_FIXED with MREMAP_FIXED, MAP_SHARED for a shared VMA), THP rule
 * included (R16). */
static gint64
remap_new_addr (MsLinuxMm    *self,
                MsMemoryArea *vma,
                guint64       addr,
                guint64       new_len,
                guint64       flags,
                guint64       hint)
{
  MsLinuxFile *file = area_kind (vma) == MS_LINUX_FILE_KIND_ANONYMOUS ? NULL : area_file (vma);
  guint64 map_flags = 0;

  if (flags & MREMAP_FIXED_)
    map_flags |= MAP_FIXED_;
  if (area_flags (vma) & MS_LINUX_VM_MAYSHARE)
    map_flags |= MAP_SHARED_;
  return ms_linux_mm_get_unmapped_area (self, file, hint, new_len,
                                        (area_offset (vma) + (addr - area_start (vma))) >> 12, map_flags);
}

/* After a move whose destination merged with the source VMA itself (an
 * unfaulted anonymous VMA moved next to itself), the kernel's merged VMA
 * held what is left of the source too, and gave it its anon_vma and
 * sticky bits: so do those pieces here, where the move took the source
 * out before the destination was joined. */
static gboolean
unify_source_remnants (MsLinuxMm  *self,
                       guint64     new_addr,
                       guint64     vma_start,
                       guint64     vma_end,
                       guint64     addr,
                       guint64     old_len,
                       GError    **error)
{
  g_autoptr(MsMemoryArea) final = vma_at (self, new_addr);
  Range remnants[2] = { { vma_start, addr }, { addr + old_len, vma_end } };
  Unified u = { anon_of (area_flags (final)), area_flags (final) & VM_STICKY };

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(MsMemoryArea) piece = NULL;

      if (remnants[i].start >= remnants[i].end)
        continue;
      piece = vma_at (self, remnants[i].start);
      if (piece == NULL || piece == final ||
          (area_start (piece) <= new_addr && new_addr < area_end (piece)))
        continue;
      if ((anon_of (area_flags (piece)) != u.anon_vma || (area_flags (piece) & VM_STICKY) != u.sticky) &&
          !ms_memory_set_protect_with (self->set, remnants[i].start, remnants[i].end - remnants[i].start,
                                       NULL, unify_to, &u, error))
        return FALSE;
    }
  return TRUE;
}

/* copy_vma(), the move of the pages, and the unmap of the source (R16).
 * copy_vma() merges the destination while the source is still there:
 * the merge is decided first, with the source in place; then the
 * backend moves the memory (set.remap), and the joins decided are made
 * with what is next to the destination then. */
static gint64
move_vma (MsLinuxMm     *self,
          MsMemoryArea  *vma_in,
          guint64        addr,
          guint64        old_len,
          guint64        new_len,
          guint64        new_addr,
          guint64        flags,
          GError       **error)
{
  g_autoptr(MsMemoryArea) vma = ms_memory_area_ref (vma_in);
  g_auto(MergePlan) plan = { NULL, NULL, FALSE, FALSE };
  guint64 anon_vma, offset, vm_flags, vma_start, vma_end, source_offset;
  gboolean dont_unmap = (flags & MREMAP_DONTUNMAP_) != 0, source_merges;
  MsLinuxFile *file;
  const char *name;

  if (is_special (vma) && (area_start (vma) != addr || area_end (vma) != addr + old_len))
    return -EINVAL_;                  /* prep_move_vma(): may_split refuses */
  if (!resolve (self, &vma, error))
    return BACKEND_FAILED;

  vm_flags = area_flags (vma);
  anon_vma = anon_of (vm_flags);
  file = area_file (vma);
  name = area_name (vma);
  vma_start = area_start (vma);
  vma_end = area_end (vma);
  source_offset = area_offset (vma) + (addr - vma_start);
  /* R16: an unfaulted anonymous VMA takes the page offset of its new
   * address; a faulted one keeps its own. */
  offset = is_anonymous (vma) && anon_vma == 0 ? new_addr : source_offset;

  if (!plan_merge (self, new_addr, new_addr + new_len, vm_flags, file, offset, anon_vma, name, FALSE, &plan,
                   error))
    return BACKEND_FAILED;
  source_merges = (plan.left && area_start (plan.prev) == vma_start) ||
                  (plan.right && area_start (plan.next) == vma_start);

  if (old_len > 0 && file_moves_data (file))
    {
      /* The memory moves, contents and all; the extension is mapped. */
      g_autoptr(MsMemoryArea) moved = NULL;

      if (!ms_memory_set_remap (self->set, addr, old_len, new_addr, new_len, NULL, error))
        return BACKEND_FAILED;
      moved = vma_at (self, new_addr);
      if (area_offset (moved) != offset &&
          !ms_memory_set_set_offsets (self->set, new_addr, new_len, offset, error))
        return BACKEND_FAILED;
      if (dont_unmap)
        {
          /* The source stays mapped, empty, one VMA as before. */
          if (!ms_linux_mm_map_area (self, addr, addr + old_len, vm_flags, file, source_offset, name, error) ||
              (vma_start < addr && !ms_memory_set_join (self->set, addr, error)) ||
              (addr + old_len < vma_end && !ms_memory_set_join (self->set, addr + old_len, error)))
            return BACKEND_FAILED;
        }
      if (!apply_merge (self, &plan, new_addr, new_addr + new_len, NULL, error))
        return BACKEND_FAILED;
      if (!dont_unmap && source_merges &&
          !unify_source_remnants (self, new_addr, vma_start, vma_end, addr, old_len, error))
        return BACKEND_FAILED;
    }
  else
    {
      /* Nothing to move (a shared VMA's copy with old_len 0), or a
       * backend that cannot: the copy is mapped and merged while the
       * source is there, then the source goes, as the kernel orders it. */
      if (!ms_linux_mm_map_area (self, new_addr, new_addr + new_len, with_anon (vm_flags, anon_vma), file, offset,
                                 name, error) ||
          !apply_merge (self, &plan, new_addr, new_addr + new_len, NULL, error))
        return BACKEND_FAILED;
      if (!dont_unmap && old_len > 0 && !ms_memory_set_unmap (self->set, addr, old_len, NULL, error))
        return BACKEND_FAILED;
    }
  if (anon_vma == 0)
    note_created (self, new_addr, new_addr + new_len);

  if (dont_unmap)
    {
      /* R16: the old VMA stays, loses lo and lf, keeps ac, and loses its
       * anon_vma if it was moved whole (src). */
      g_autoptr(MsMemoryArea) source = vma_at (self, addr);
      gboolean whole = area_start (source) == addr && area_end (source) == addr + old_len;
      guint64 kept = base_of (area_flags (source)) & ~VM_LOCKED_MASK;
      guint64 anon = whole && !(area_start (source) <= new_addr && new_addr < area_end (source))
                     ? 0 : anon_of (area_flags (source));

      if (!set_flags (self, area_start (source), area_end (source), with_anon (kept, anon), error))
        return BACKEND_FAILED;
    }
  return new_addr;
}

/* The checks of vma_remap_struct on the VMA at the old address. */
static gint64
check_prep_vma (MsMemoryArea *vma,
                guint64       addr,
                guint64       old_len,
                guint64       new_len,
                guint64       flags)
{
  gboolean implies_new = (flags & (MREMAP_FIXED_ | MREMAP_DONTUNMAP_)) != 0;
  guint64 moved_len;

  if (vma == NULL)
    return -EFAULT_;
  if (area_flags (vma) & MS_LINUX_VM_SEALED)
    return -EPERM_;
  if (!(new_len > old_len || implies_new))
    return 0;
  if (old_len == 0 && !(area_flags (vma) & (MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE)))
    return -EINVAL_;
  if ((flags & MREMAP_DONTUNMAP_) && (area_flags (vma) & (MS_LINUX_VM_DONTEXPAND | MS_LINUX_VM_PFNMAP)))
    return -EINVAL_;
  moved_len = MIN (old_len, new_len);
  if (moved_len > area_end (vma) - addr)
    return -EFAULT_;                 /* R16: crossing a VMA boundary */
  if (new_len == moved_len)
    return 0;
  if (area_flags (vma) & (MS_LINUX_VM_DONTEXPAND | MS_LINUX_VM_PFNMAP))
    return -EFAULT_;
  return 0;
}

/* MREMAP_FIXED, MREMAP_DONTUNMAP: to a given (or hinted) address. */
static gint64
mremap_to (MsLinuxMm     *self,
           MsMemoryArea  *vma_in,
           guint64        addr,
           guint64        old_len,
           guint64        new_len,
           guint64        flags,
           guint64        new_addr,
           GError       **error)
{
  g_autoptr(MsMemoryArea) vma = ms_memory_area_ref (vma_in);
  gint64 err, dest;

  if (flags & MREMAP_FIXED_)
    {
      /* R16: MREMAP_FIXED unmaps the destination first. */
      if ((err = do_munmap (self, new_addr, new_len, error)) != 0)
        return err;
      refresh (self, &vma);
      if (vma == NULL)
        return -EFAULT_;
    }
  if (new_len < old_len)
    {
      if ((err = do_munmap (self, addr + new_len, old_len - new_len, error)) != 0)
        return err;
      old_len = new_len;
      g_clear_pointer (&vma, ms_memory_area_unref);
      vma = vma_at (self, addr);
    }
  dest = remap_new_addr (self, vma, addr, new_len, flags, new_addr);
  if (is_error (dest))
    return dest;
  return move_vma (self, vma, addr, old_len, new_len, dest, flags, error);
}

/* Growth: in place when the room after the VMA is free, else a move. */
static gint64
expand_vma (MsLinuxMm     *self,
            MsMemoryArea  *vma_in,
            guint64        addr,
            guint64        old_len,
            guint64        new_len,
            guint64        flags,
            GError       **error)
{
  g_autoptr(MsMemoryArea) vma = ms_memory_area_ref (vma_in);
  guint64 delta = new_len - old_len;
  gint64 dest;

  if (!resolve (self, &vma, error))
    return BACKEND_FAILED;
  if (area_end (vma) - addr == old_len)
    {
      guint64 end = area_end (vma) + delta;

      /* vma_expandable(): the room is free (no guard-gap check, src) and
       * the whole VMA stays below TASK_SIZE. */
      if (!ms_memory_set_overlaps (self->set, area_end (vma), delta) &&
          end - area_start (vma) <= TASK_SIZE && area_start (vma) <= TASK_SIZE - (end - area_start (vma)))
        {
          g_auto(MergePlan) plan = { NULL, NULL, FALSE, FALSE };
          guint64 vm_flags = area_flags (vma), grown_start = area_end (vma);
          guint64 offset = area_offset (vma) + ms_memory_area_get_size (vma);

          /* R16: vma_merge_extend() joins the extension to the VMA, and
           * to a compatible next VMA too (measured, torture seq 87). */
          if (!plan_merge (self, grown_start, end, vm_flags, area_file (vma), offset, anon_of (vm_flags),
                           area_name (vma), FALSE, &plan, error))
            return BACKEND_FAILED;
          if (!plan.left && !plan.right)
            return -ENOMEM_;
          if (!ms_linux_mm_map_area (self, grown_start, end, vm_flags, area_file (vma), offset, area_name (vma),
                                     error) ||
              !apply_merge (self, &plan, grown_start, end, NULL, error))
            return BACKEND_FAILED;
          note_created (self, end - delta, end);
          return addr;
        }
    }
  if (!(flags & MREMAP_MAYMOVE_))
    return -ENOMEM_;
  dest = remap_new_addr (self, vma, addr, new_len, flags, 0);
  if (is_error (dest))
    return dest;
  return move_vma (self, vma, addr, old_len, new_len, dest, flags, error);
}

/* remap_move() (6.17+): MREMAP_FIXED without a change of size moves
 * every VMA of [addr, addr + length), keeping the gaps between them
 * (measured). */
static gint64
remap_move (MsLinuxMm  *self,
            guint64     addr,
            guint64     length,
            guint64     new_addr,
            guint64     flags,
            GError    **error)
{
  guint64 start = addr, end = addr + length, target = new_addr, last_end = 0, cursor = start;
  gboolean seen = FALSE;
  gint64 result = -EFAULT_;

  for (;;)
    {
      g_autoptr(MsMemoryArea) vma = ms_linux_mm_vma_next (self, cursor);
      guint64 piece_start, piece_len, gap;
      gint64 err, moved;

      if (vma == NULL || area_start (vma) >= end)
        break;
      piece_start = MAX (area_start (vma), start);
      piece_len = MIN (end, area_end (vma)) - piece_start;
      if (!seen && start < area_start (vma))
        return -EFAULT_;
      gap = seen ? area_start (vma) - last_end : 0;
      last_end = area_end (vma);
      /* vma_multi_allowed() (src; measured, probe brk.c): a VMA whose file
       * has a get_unmapped_area of its own (here, a private /dev/zero)
       * moves only alone. */
      if (ms_linux_file_is_dev_zero (area_file (vma)) && (seen || area_end (vma) < end))
        return -EFAULT_;
      if ((err = check_prep_vma (vma, piece_start, piece_len, piece_len, flags)) != 0)
        return err;
      moved = mremap_to (self, vma, piece_start, piece_len, piece_len, flags, target + gap, error);
      if (is_error (moved))
        return moved;
      if (!seen)
        result = moved;
      seen = TRUE;
      target = moved + piece_len;
      cursor = piece_start + piece_len;
    }
  return result;
}

static gint64
do_mremap (MsLinuxMm  *self,
           guint64     addr,
           guint64     old_len,
           guint64     new_len,
           guint64     flags,
           guint64     new_addr,
           GError    **error)
{
  g_autoptr(MsMemoryArea) vma = NULL;
  gboolean implies_new;
  gint64 err;

  old_len = page_align (old_len);
  new_len = page_align (new_len);
  /* check_mremap_params() */
  if (flags & ~(guint64) (MREMAP_FIXED_ | MREMAP_MAYMOVE_ | MREMAP_DONTUNMAP_))
    return -EINVAL_;
  if (addr & (PAGE - 1))
    return -EINVAL_;
  if (new_len == 0 || new_len > TASK_SIZE)
    return -EINVAL_;
  implies_new = (flags & (MREMAP_FIXED_ | MREMAP_DONTUNMAP_)) != 0;
  if (implies_new)
    {
      if (new_addr > TASK_SIZE - new_len || (new_addr & (PAGE - 1)) || !(flags & MREMAP_MAYMOVE_))
        return -EINVAL_;
      if ((flags & MREMAP_DONTUNMAP_) && old_len != new_len)
        return -EINVAL_;             /* measured */
      if (addr + old_len > new_addr && new_addr + new_len > addr)
        return -EINVAL_;             /* the ranges overlap */
    }
  if ((flags & MREMAP_FIXED_) && old_len == new_len)
    return remap_move (self, addr, old_len, new_addr, flags, error);

  vma = vma_at (self, addr);
  if ((err = check_prep_vma (vma, addr, old_len, new_len, flags)) != 0)
    return err;
  if (implies_new)
    return mremap_to (self, vma, addr, old_len, new_len, flags, new_addr, error);
  if (new_len == old_len)
    return addr;
  if (new_len < old_len)
    {
      /* R16: shrinking in place unmaps the tail, across VMAs. */
      err = do_munmap (self, addr + new_len, old_len - new_len, error);
      return err != 0 ? err : (gint64) addr;
    }
  return expand_vma (self, vma, addr, old_len, new_len, flags, error);
}

/* ------------------------------------------------------------------ */
/* Faults (C1, C2). */

/* expand_downwards(): the VM_GROWSDOWN VMA @stack grows down to @addr,
 * start and page offset together. */
static gint64
expand_stack (MsLinuxMm     *self,
              MsMemoryArea  *stack_in,
              guint64        addr,
              GError       **error)
{
  g_autoptr(MsMemoryArea) stack = ms_memory_area_ref (stack_in);
  g_autoptr(MsMemoryArea) prev = NULL;
  guint64 start = area_start (stack);

  addr &= PAGE_MASK;
  if (addr < MMAP_MIN_ADDR)
    return -EFAULT_;
  /* The guard gap, against an accessible VMA below that is no stack:
   * only one ending within the gap matters. (Nothing holds [addr,
   * start): the caller found the stack as the VMA after @addr.) */
  {
    guint64 low = addr > STACK_GUARD_GAP ? addr - STACK_GUARD_GAP : 0;
    g_autoptr(GPtrArray) below = ms_memory_set_get_areas_in_range (self->set, low, addr - low);

    if (below->len > 0)
      prev = ms_memory_area_ref (below->pdata[below->len - 1]);
  }
  if (prev != NULL && !(area_flags (prev) & MS_LINUX_VM_GROWSDOWN) && (area_flags (prev) & VM_ACCESS_FLAGS) &&
      addr - area_end (prev) < STACK_GUARD_GAP)
    return -EFAULT_;
  /* acct_stack_growth(): the stack limit. */
  if (area_end (stack) - addr > self->stack_rlimit)
    return -EFAULT_;

  if (!prepare_anon_vma (self, stack, error))
    return BACKEND_FAILED;
  refresh (self, &stack);
  if (!ms_linux_mm_map_area (self, addr, start, area_flags (stack), area_file (stack),
                             area_offset (stack) - (start - addr), area_name (stack), error) ||
      !ms_memory_set_join (self->set, start, error))
    return BACKEND_FAILED;
  return 0;
}

static gint64
do_fault (MsLinuxMm  *self,
          guint64     addr,
          MsProt      access,
          GError    **error)
{
  g_autoptr(MsMemoryArea) vma = ms_linux_mm_vma_next (self, addr);
  guint64 flags;
  gint64 err;

  if (vma == NULL)
    return -EFAULT_;
  if (area_start (vma) > addr)
    {
      if (!(area_flags (vma) & MS_LINUX_VM_GROWSDOWN))
        return -EFAULT_;
      if ((err = expand_stack (self, vma, addr, error)) != 0)
        return err;
      refresh (self, &vma);
      g_clear_pointer (&vma, ms_memory_area_unref);
      vma = vma_at (self, addr);
    }

  /* access_error() */
  flags = area_flags (vma);
  if ((access & MS_PROT_WRITE) && !(flags & MS_LINUX_VM_WRITE))
    return -EACCES_;
  if ((access & MS_PROT_EXEC) && !(flags & MS_LINUX_VM_EXEC))
    return -EACCES_;
  if (!(flags & VM_ACCESS_FLAGS))
    return -EACCES_;

  /* A write fault in a private mapping makes anonymous pages: the VMA
   * gets its anon_vma (R17). */
  if ((access & MS_PROT_WRITE) && !(flags & MS_LINUX_VM_SHARED) && !prepare_anon_vma (self, vma, error))
    return BACKEND_FAILED;
  return 0;
}

/* An A line of a recording (docs/linux-mm.md, "The trace format"):
 * smaps shows [start, end) as one VMA with anonymous pages. */
static gint64
do_report_anonymous (MsLinuxMm  *self,
                     guint64     start,
                     guint64     end,
                     GError    **error)
{
  g_autoptr(MsMemoryArea) stack = vma_at (self, end - 1);
  g_autoptr(GPtrArray) areas = NULL;
  Range *reported;

  /* C2, measured (cc1 compiling a large file): the VM_GROWSDOWN VMA
   * grew by faults, which no call shows; the report gives its new
   * start. */
  if (stack != NULL && area_end (stack) == end && start < area_start (stack) &&
      (area_flags (stack) & MS_LINUX_VM_GROWSDOWN) &&
      !ms_memory_set_overlaps (self->set, start, area_start (stack) - start))
    {
      guint64 old_start = area_start (stack);

      if (!ms_linux_mm_map_area (self, start, old_start, area_flags (stack), area_file (stack),
                                 area_offset (stack) - (old_start - start), area_name (stack), error) ||
          !ms_memory_set_join (self->set, old_start, error))
        return BACKEND_FAILED;
    }

  reported = g_new (Range, 1);
  *reported = (Range) { start, end };
  g_hash_table_add (self->reported, reported);

  areas = ms_memory_set_get_areas_in_range (self->set, start, end - start);
  g_ptr_array_set_free_func (areas, (GDestroyNotify) ms_memory_area_unref);
  for (guint i = 0; i < areas->len; i++)
    ms_memory_area_ref (areas->pdata[i]);
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = areas->pdata[i];

      if (area_start (area) != start || area_end (area) != end)
        g_debug ("Anonymous pages reported at [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x), "
                 "where the mm has [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x)",
                 start, end, area_start (area), area_end (area));
      if (!prepare_anon_vma (self, area, error))
        return BACKEND_FAILED;
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* The object. */

static void
ms_linux_mm_constructed (GObject *object)
{
  MsLinuxMm *self = (MsLinuxMm *) object;

  G_OBJECT_CLASS (ms_linux_mm_parent_class)->constructed (object);

  self->anon = ms_linux_file_new_internal (MS_LINUX_FILE_KIND_ANONYMOUS, NULL, 0, self->anonymous_backend);
  self->brk = self->start_brk;

  /* The legacy bottom-up layout: only with the ADDR_COMPAT_LAYOUT
   * personality (setarch -L) or vm.legacy_va_layout (measured; x86's
   * mmap_is_legacy() ignores the stack limit). */
  self->top_down = !(self->personality & ADDR_COMPAT_LAYOUT);
  if (self->mmap_base_asked != 0)
    self->mmap_base = self->mmap_base_asked;
  else if (!self->top_down)
    self->mmap_base = page_align (TASK_SIZE / 3);          /* mmap_legacy_base() */
  else
    {
      /* R1: PAGE_ALIGN(TASK_SIZE - clamp(rlimit + guard gap, 128 MiB,
       * 5/6 TASK_SIZE)), no random offset with ASLR off. An unlimited
       * stack skips the pad (it would overflow) and is clamped to 5/6:
       * still top-down, at 0x155555556000 (measured, legacy_torture). */
      guint64 gap = self->stack_rlimit;

      if (gap <= G_MAXUINT64 - STACK_GUARD_GAP)
        gap += STACK_GUARD_GAP;
      gap = CLAMP (gap, G_GUINT64_CONSTANT (128) << 20, TASK_SIZE / 6 * 5);
      self->mmap_base = page_align (TASK_SIZE - gap);
    }
}

static void
ms_linux_mm_finalize (GObject *object)
{
  MsLinuxMm *self = (MsLinuxMm *) object;

  /* The set goes first: its areas hold the files. */
  g_clear_object (&self->set);
  g_clear_object (&self->anon);
  g_clear_pointer (&self->initial_files, g_hash_table_unref);
  g_clear_pointer (&self->special_files, g_hash_table_unref);
  g_clear_object (&self->anonymous_backend);
  g_clear_pointer (&self->vsyscall_line, g_free);
  g_clear_pointer (&self->reported, g_hash_table_unref);
  g_clear_pointer (&self->fresh, g_hash_table_unref);
  g_clear_pointer (&self->created, g_array_unref);

  G_OBJECT_CLASS (ms_linux_mm_parent_class)->finalize (object);
}

static void
ms_linux_mm_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  MsLinuxMm *self = MS_LINUX_MM (object);

  switch (prop_id)
    {
    case PROP_SET:
      g_value_set_object (value, self->set);
      break;
    case PROP_ANONYMOUS_BACKEND:
      g_value_set_object (value, self->anonymous_backend);
      break;
    case PROP_START_BRK:
      g_value_set_uint64 (value, self->start_brk);
      break;
    case PROP_BRK:
      g_value_set_uint64 (value, self->brk);
      break;
    case PROP_START_STACK:
      g_value_set_uint64 (value, self->start_stack);
      break;
    case PROP_STACK_RLIMIT:
      g_value_set_uint64 (value, self->stack_rlimit);
      break;
    case PROP_PERSONALITY:
      g_value_set_uint (value, self->personality);
      break;
    case PROP_MMAP_BASE:
      g_value_set_uint64 (value, self->mmap_base);
      break;
    case PROP_LEGACY_LAYOUT:
      g_value_set_boolean (value, !self->top_down);
      break;
    case PROP_FAULT_GUESS:
      g_value_set_enum (value, self->fault_guess);
      break;
    case PROP_THREAD_ID:
      g_value_set_uint64 (value, self->thread_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_linux_mm_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  MsLinuxMm *self = MS_LINUX_MM (object);

  switch (prop_id)
    {
    case PROP_ANONYMOUS_BACKEND:
      self->anonymous_backend = g_value_dup_object (value);
      break;
    case PROP_START_BRK:
      self->start_brk = g_value_get_uint64 (value);
      break;
    case PROP_START_STACK:
      self->start_stack = g_value_get_uint64 (value);
      break;
    case PROP_STACK_RLIMIT:
      self->stack_rlimit = g_value_get_uint64 (value);
      break;
    case PROP_PERSONALITY:
      self->personality = g_value_get_uint (value);
      break;
    case PROP_MMAP_BASE:
      self->mmap_base_asked = g_value_get_uint64 (value);
      break;
    case PROP_FAULT_GUESS:
      ms_linux_mm_set_fault_guess (self, g_value_get_enum (value));
      break;
    case PROP_THREAD_ID:
      ms_linux_mm_set_thread_id (self, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_linux_mm_class_init (MsLinuxMmClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ms_linux_mm_constructed;
  object_class->finalize = ms_linux_mm_finalize;
  object_class->get_property = ms_linux_mm_get_property;
  object_class->set_property = ms_linux_mm_set_property;

  /**
   * MsLinuxMm:set: (getter get_set)
   *
   * The set that holds the mm's VMAs, one area each; see
   * [class@Ms.LinuxMm] for what their flags, offsets, names and backends
   * are. Read it; changing it behind the mm's back leaves the mm wrong.
   *
   * Since: 1.0
   */
  properties[PROP_SET] =
    g_param_spec_object ("set", NULL, NULL, MS_TYPE_MEMORY_SET,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:anonymous-backend: (getter get_anonymous_backend)
   *
   * The backend of anonymous memory, `[heap]`, the stack, shared
   * anonymous memory and the areas of the initial maps, or %NULL for
   * none (bookkeeping only). It receives [flags@Ms.Prot] flags.
   *
   * Since: 1.0
   */
  properties[PROP_ANONYMOUS_BACKEND] =
    g_param_spec_object ("anonymous-backend", NULL, NULL, MS_TYPE_MAPPING_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:start-brk: (getter get_start_brk)
   *
   * Where the program break starts (`start_brk`, field 47 of
   * `/proc/<pid>/stat` at exec): `brk` below it fails.
   *
   * Since: 1.0
   */
  properties[PROP_START_BRK] =
    g_param_spec_uint64 ("start-brk", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:brk: (getter get_brk)
   *
   * The program break, as the last `brk` left it (not page-aligned).
   *
   * Since: 1.0
   */
  properties[PROP_BRK] =
    g_param_spec_uint64 ("brk", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:start-stack: (getter get_start_stack)
   *
   * The address of the initial stack (`start_stack`, field 28 of
   * `/proc/<pid>/stat`): the VMA that holds it is shown as `[stack]`.
   *
   * Since: 1.0
   */
  properties[PROP_START_STACK] =
    g_param_spec_uint64 ("start-stack", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:stack-rlimit: (getter get_stack_rlimit)
   *
   * The soft limit of the stack (`RLIMIT_STACK`) at exec, in bytes;
   * %G_MAXUINT64 for unlimited. It places `mmap_base`, and bounds the
   * growth of the stack. 8 MiB by default.
   *
   * Since: 1.0
   */
  properties[PROP_STACK_RLIMIT] =
    g_param_spec_uint64 ("stack-rlimit", NULL, NULL, 0, G_MAXUINT64, G_GUINT64_CONSTANT (8) << 20,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:personality: (getter get_personality)
   *
   * The process's personality (`personality(0xffffffff)`):
   * `ADDR_COMPAT_LAYOUT` (0x0200000) selects the legacy bottom-up layout,
   * `READ_IMPLIES_EXEC` (0x0400000) makes readable mappings executable.
   *
   * Since: 1.0
   */
  properties[PROP_PERSONALITY] =
    g_param_spec_uint ("personality", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:mmap-base: (getter get_mmap_base)
   *
   * Where mappings are placed from: below it, top-down, in the default
   * layout; above it, bottom-up, in the legacy one. Given as 0 (the
   * default), it is derived as the kernel derives it with ASLR off:
   * `PAGE_ALIGN (TASK_SIZE - clamp (stack_rlimit + 1 MiB, 128 MiB,
   * 5/6 TASK_SIZE))`, 0x7ffff7fff000 for an 8 MiB stack, or
   * `PAGE_ALIGN (TASK_SIZE / 3)` in the legacy layout. Reading it gives
   * the base in use.
   *
   * Since: 1.0
   */
  properties[PROP_MMAP_BASE] =
    g_param_spec_uint64 ("mmap-base", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:legacy-layout: (getter get_legacy_layout)
   *
   * Whether mappings are placed bottom-up from `mmap_base`, as with the
   * `ADDR_COMPAT_LAYOUT` personality; otherwise top-down below it. An
   * unlimited stack does not select it on x86-64.
   *
   * Since: 1.0
   */
  properties[PROP_LEGACY_LAYOUT] =
    g_param_spec_boolean ("legacy-layout", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxMm:fault-guess: (getter get_fault_guess) (setter set_fault_guess)
   *
   * Whether and where the mm guesses which private mappings were
   * written; see [enum@Ms.LinuxMmFaultGuess].
   *
   * Since: 1.0
   */
  properties[PROP_FAULT_GUESS] =
    g_param_spec_enum ("fault-guess", NULL, NULL, MS_TYPE_LINUX_MM_FAULT_GUESS,
                       MS_LINUX_MM_FAULT_GUESS_NONE,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MsLinuxMm:thread-id: (getter get_thread_id) (setter set_thread_id)
   *
   * The thread that makes the next calls, any number the caller uses
   * for its threads (0 by default). Only the fault guess uses it.
   *
   * Since: 1.0
   */
  properties[PROP_THREAD_ID] =
    g_param_spec_uint64 ("thread-id", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_linux_mm_init (MsLinuxMm *self)
{
  self->set = ms_memory_set_new ();
  self->initial_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->special_files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->stack_rlimit = G_GUINT64_CONSTANT (8) << 20;
  self->next_anon_vma = 1;
  self->reported = g_hash_table_new_full (ms_linux_mm_range_hash, ms_linux_mm_range_equal, g_free, NULL);
  self->fresh = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_array_unref);
  self->created = g_array_new (FALSE, FALSE, sizeof (Range));
}

/* ------------------------------------------------------------------ */
/* The calls. */

static const char *
errno_name (gint64 code)
{
  switch (code)
    {
    case EPERM_: return "EPERM";
    case EBADF_: return "EBADF";
    case ENOMEM_: return "ENOMEM";
    case EACCES_: return "EACCES";
    case EFAULT_: return "EFAULT";
    case EEXIST_: return "EEXIST";
    case EINVAL_: return "EINVAL";
    case EOVERFLOW_: return "EOVERFLOW";
    case EOPNOTSUPP_: return "EOPNOTSUPP";
    default: return "?";
    }
}

/* Ends the call @call, which gave @result (a value, -errno, or
 * BACKEND_FAILED with @local_error): the caller's error and value. */
static gboolean
finish (MsLinuxMm   *self,
        const char  *call,
        gint64       result,
        GError      *local_error,
        guint64     *out,
        gboolean     is_syscall,
        GError     **error)
{
  if (is_syscall)
    end_call (self);
  if (result == BACKEND_FAILED)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_clear_error (&local_error);
  if (result < 0)
    {
      g_set_error (error, MS_LINUX_MM_ERROR, (gint) -result, "%s: %s (%s)", call, g_strerror ((gint) -result),
                   errno_name (-result));
      return FALSE;
    }
  if (out != NULL)
    *out = (guint64) result;
  return TRUE;
}

/**
 * ms_linux_mm_new:
 * @anonymous_backend: (nullable): the backend of anonymous memory, or
 *   %NULL for bookkeeping only
 *
 * Creates an empty mm with the default layout (an 8 MiB stack limit,
 * `mmap_base` 0x7ffff7fff000, top-down) and no break. Use
 * [ctor@Ms.LinuxMm.new_for_process], or `g_object_new()` with
 * [property@Ms.LinuxMm:start-brk] and the other properties and then
 * [method@Ms.LinuxMm.load_maps], to start where a real process starts.
 *
 * Returns: (transfer full): a new mm
 *
 * Since: 1.0
 */
MsLinuxMm *
ms_linux_mm_new (MsMappingBackend *anonymous_backend)
{
  g_return_val_if_fail (anonymous_backend == NULL || MS_IS_MAPPING_BACKEND (anonymous_backend), NULL);

  return g_object_new (MS_TYPE_LINUX_MM, "anonymous-backend", anonymous_backend, NULL);
}

/**
 * ms_linux_mm_new_for_process:
 * @anonymous_backend: (nullable): the backend of anonymous memory and of
 *   the initial maps, or %NULL for bookkeeping only
 * @maps: the process's `/proc/<pid>/maps`
 * @vmflags: (nullable): its `/proc/<pid>/smaps`, or lines of
 *   `start-end` and VmFlags mnemonics, or %NULL
 * @start_brk: where its break starts (field 47 of `/proc/<pid>/stat`)
 * @start_stack: where its stack starts (field 28)
 * @stack_rlimit: its stack limit, %G_MAXUINT64 for unlimited
 * @personality: its personality
 * @error: return location for a #GError
 *
 * Creates an mm as a process is at its first instruction after `exec`:
 * its maps loaded as [method@Ms.LinuxMm.load_maps] loads them, its break
 * at @start_brk, `mmap_base` derived from @stack_rlimit and
 * @personality as the kernel derives it.
 *
 * Returns: (transfer full): a new mm, or %NULL with @error set
 *
 * Since: 1.0
 */
MsLinuxMm *
ms_linux_mm_new_for_process (MsMappingBackend  *anonymous_backend,
                             const char        *maps,
                             const char        *vmflags,
                             guint64            start_brk,
                             guint64            start_stack,
                             guint64            stack_rlimit,
                             guint              personality,
                             GError           **error)
{
  g_autoptr(MsLinuxMm) self = NULL;

  g_return_val_if_fail (anonymous_backend == NULL || MS_IS_MAPPING_BACKEND (anonymous_backend), NULL);
  g_return_val_if_fail (maps != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MS_TYPE_LINUX_MM,
                       "anonymous-backend", anonymous_backend,
                       "start-brk", start_brk,
                       "start-stack", start_stack,
                       "stack-rlimit", stack_rlimit,
                       "personality", personality,
                       NULL);
  if (!ms_linux_mm_load_maps (self, maps, vmflags, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * ms_linux_mm_get_set: (get-property set)
 * @self: an mm
 *
 * Gets the set of the mm's VMAs; see [property@Ms.LinuxMm:set].
 *
 * Returns: (transfer none): the set
 *
 * Since: 1.0
 */
MsMemorySet *
ms_linux_mm_get_set (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), NULL);

  return self->set;
}

/**
 * ms_linux_mm_get_anonymous_backend: (get-property anonymous-backend)
 * @self: an mm
 *
 * Gets the backend of anonymous memory; see
 * [property@Ms.LinuxMm:anonymous-backend].
 *
 * Returns: (nullable) (transfer none): the backend
 *
 * Since: 1.0
 */
MsMappingBackend *
ms_linux_mm_get_anonymous_backend (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), NULL);

  return self->anonymous_backend;
}

/**
 * ms_linux_mm_get_brk: (get-property brk)
 * @self: an mm
 *
 * Gets the program break; see [property@Ms.LinuxMm:brk].
 *
 * Returns: the break
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_brk (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->brk;
}

/**
 * ms_linux_mm_get_start_brk: (get-property start-brk)
 * @self: an mm
 *
 * Gets where the break starts; see [property@Ms.LinuxMm:start-brk].
 *
 * Returns: the start of the break
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_start_brk (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->start_brk;
}

/**
 * ms_linux_mm_get_start_stack: (get-property start-stack)
 * @self: an mm
 *
 * Gets where the stack starts; see [property@Ms.LinuxMm:start-stack].
 *
 * Returns: the start of the stack
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_start_stack (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->start_stack;
}

/**
 * ms_linux_mm_get_stack_rlimit: (get-property stack-rlimit)
 * @self: an mm
 *
 * Gets the stack limit; see [property@Ms.LinuxMm:stack-rlimit].
 *
 * Returns: the limit, in bytes
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_stack_rlimit (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->stack_rlimit;
}

/**
 * ms_linux_mm_get_personality: (get-property personality)
 * @self: an mm
 *
 * Gets the personality; see [property@Ms.LinuxMm:personality].
 *
 * Returns: the personality
 *
 * Since: 1.0
 */
guint
ms_linux_mm_get_personality (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->personality;
}

/**
 * ms_linux_mm_get_mmap_base: (get-property mmap-base)
 * @self: an mm
 *
 * Gets where mappings are placed from; see
 * [property@Ms.LinuxMm:mmap-base].
 *
 * Returns: `mmap_base`
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_mmap_base (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->mmap_base;
}

/**
 * ms_linux_mm_get_legacy_layout: (get-property legacy-layout)
 * @self: an mm
 *
 * Gets whether mappings are placed bottom-up; see
 * [property@Ms.LinuxMm:legacy-layout].
 *
 * Returns: %TRUE in the legacy layout
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_get_legacy_layout (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), FALSE);

  return !self->top_down;
}

/**
 * ms_linux_mm_get_fault_guess: (get-property fault-guess)
 * @self: an mm
 *
 * Gets where the mm guesses writes; see
 * [property@Ms.LinuxMm:fault-guess].
 *
 * Returns: the guess
 *
 * Since: 1.0
 */
MsLinuxMmFaultGuess
ms_linux_mm_get_fault_guess (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), MS_LINUX_MM_FAULT_GUESS_NONE);

  return self->fault_guess;
}

/**
 * ms_linux_mm_set_fault_guess: (set-property fault-guess)
 * @self: an mm
 * @guess: where to guess writes
 *
 * Sets [property@Ms.LinuxMm:fault-guess].
 *
 * Since: 1.0
 */
void
ms_linux_mm_set_fault_guess (MsLinuxMm           *self,
                             MsLinuxMmFaultGuess  guess)
{
  g_return_if_fail (MS_IS_LINUX_MM (self));
  g_return_if_fail (guess <= MS_LINUX_MM_FAULT_GUESS_REPEATS);

  if (self->fault_guess == guess)
    return;
  self->fault_guess = guess;
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_FAULT_GUESS]);
}

/**
 * ms_linux_mm_get_thread_id: (get-property thread-id)
 * @self: an mm
 *
 * Gets the thread that makes the calls; see
 * [property@Ms.LinuxMm:thread-id].
 *
 * Returns: the thread
 *
 * Since: 1.0
 */
guint64
ms_linux_mm_get_thread_id (MsLinuxMm *self)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), 0);

  return self->thread_id;
}

/**
 * ms_linux_mm_set_thread_id: (set-property thread-id)
 * @self: an mm
 * @thread_id: the thread that makes the next calls
 *
 * Sets [property@Ms.LinuxMm:thread-id].
 *
 * Since: 1.0
 */
void
ms_linux_mm_set_thread_id (MsLinuxMm *self,
                           guint64    thread_id)
{
  g_return_if_fail (MS_IS_LINUX_MM (self));

  if (self->thread_id == thread_id)
    return;
  self->thread_id = thread_id;
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_THREAD_ID]);
}

#define CHECK_CALL(self, error) G_STMT_START {                         \
    g_return_val_if_fail (MS_IS_LINUX_MM (self), FALSE);               \
    g_return_val_if_fail ((error) == NULL || *(error) == NULL, FALSE); \
  } G_STMT_END

/**
 * ms_linux_mm_mmap:
 * @self: an mm
 * @addr: the address asked for: a hint, or with `MAP_FIXED` the address
 * @length: the length
 * @prot: `PROT_READ`, `PROT_WRITE`, `PROT_EXEC`
 * @flags: `MAP_SHARED` or `MAP_PRIVATE` and the other `MAP_*` flags
 * @file: (nullable): the open file to map, %NULL for none (needed
 *   unless `MAP_ANONYMOUS`, ignored with it)
 * @offset: the offset in the file, a multiple of the page size
 * @out_addr: (out) (optional): where to store the address of the mapping
 * @error: return location for a #GError
 *
 * `mmap(2)`. Where a mapping without `MAP_FIXED` goes: the hint if it is
 * free (with the guard gap of a stack above it), else the highest free
 * range below `mmap_base` (or the lowest above it in the legacy layout,
 * and in [1 GiB, 2 GiB) with `MAP_32BIT`), 2 MiB-aligned for private
 * anonymous mappings of a multiple of 2 MiB without a hint and for files
 * of ext4, xfs and btrfs whose range holds a whole aligned 2 MiB. The
 * new VMA merges with its neighbours where the kernel would: same
 * flags, same [class@Ms.LinuxFile] (never two opens of one file), page
 * offsets that run on, compatible anon_vmas. `MAP_FIXED` replaces what
 * is there; `MAP_FIXED_NOREPLACE` fails with `EEXIST` over a mapping.
 * Its flags get `mr mw me`, `sh ms` for `MAP_SHARED` (no `mw sh` for a
 * read-only file), `gd` for `MAP_GROWSDOWN`, `lo` for `MAP_LOCKED`, `nh`
 * for `MAP_STACK`, `nr` for `MAP_NORESERVE`, `ac` when private and
 * writable without it. A shared anonymous mapping is a shmem object of
 * its own, `/dev/zero (deleted)`.
 *
 * Returns: (skip): %TRUE on success; otherwise @error holds the `errno`
 *   (%MS_LINUX_MM_ERROR), or a backend's refusal
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mmap (MsLinuxMm    *self,
                  guint64       addr,
                  guint64       length,
                  guint64       prot,
                  guint64       flags,
                  MsLinuxFile  *file,
                  guint64       offset,
                  guint64      *out_addr,
                  GError      **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);
  g_return_val_if_fail (file == NULL || MS_IS_LINUX_FILE (file), FALSE);

  if (offset & (PAGE - 1))
    result = -EINVAL_;
  else if (!(flags & MAP_ANONYMOUS_) && file == NULL)
    result = -EBADF_;
  else if ((flags & MAP_ANONYMOUS_) && (flags & MAP_HUGETLB_))
    result = -ENOMEM_;                     /* hugetlbfs: no huge pages reserved (measured) */
  else
    result = do_mmap (self, (flags & MAP_ANONYMOUS_) ? NULL : file, addr, length, prot, flags, offset >> 12,
                      &local_error);
  return finish (self, "mmap", result, local_error, out_addr, TRUE, error);
}

/**
 * ms_linux_mm_munmap:
 * @self: an mm
 * @addr: the start of the range, page-aligned
 * @length: its length
 * @error: return location for a #GError
 *
 * `munmap(2)`: removes the VMAs of the range, splitting those that cross
 * its ends; nothing merges afterwards. A range with nothing mapped
 * succeeds. A sealed VMA in the range fails the call with `EPERM`, a
 * special one that would be split with `EINVAL`; the split at the start
 * is made before those checks and stays, as in the kernel.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_munmap (MsLinuxMm  *self,
                    guint64     addr,
                    guint64     length,
                    GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_munmap (self, addr, length, &local_error);
  return finish (self, "munmap", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mprotect:
 * @self: an mm
 * @addr: the start of the range, page-aligned
 * @length: its length
 * @prot: the new protection, `PROT_READ`, `PROT_WRITE`, `PROT_EXEC`, and
 *   maybe `PROT_GROWSDOWN`
 * @error: return location for a #GError
 *
 * `mprotect(2)`: changes the VMAs of the range one by one, in address
 * order, splitting and merging them as the kernel does. A hole in the
 * range fails the call with `ENOMEM` once the VMAs before it have been
 * changed, as in the kernel; a protection beyond what the mapping may
 * have (`VM_MAY*`) fails with `EACCES`, a sealed VMA with `EPERM`.
 * `VM_ACCOUNT` is added when a VMA without it becomes writable, and
 * dropped when an anonymous VMA that was never written stops being
 * writable.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mprotect (MsLinuxMm  *self,
                      guint64     addr,
                      guint64     length,
                      guint64     prot,
                      GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mprotect (self, addr, length, prot, &local_error);
  return finish (self, "mprotect", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_pkey_mprotect:
 * @self: an mm
 * @addr: the start of the range
 * @length: its length
 * @prot: the new protection
 * @pkey: the protection key: only -1, no key, is known here
 * @error: return location for a #GError
 *
 * `pkey_mprotect(2)` with no key: [method@Ms.LinuxMm.mprotect]. Any
 * other key fails with `EINVAL`, as for a key never allocated.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_pkey_mprotect (MsLinuxMm  *self,
                           guint64     addr,
                           guint64     length,
                           guint64     prot,
                           gint        pkey,
                           GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = pkey == -1 ? do_mprotect (self, addr, length, prot, &local_error) : -EINVAL_;
  return finish (self, "pkey_mprotect", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mremap:
 * @self: an mm
 * @old_addr: the start of the VMA's range to resize or move
 * @old_length: its length (0 with a shared mapping: a second mapping of
 *   the same pages)
 * @new_length: the new length
 * @flags: `MREMAP_MAYMOVE`, `MREMAP_FIXED`, `MREMAP_DONTUNMAP`
 * @new_addr: the destination with `MREMAP_FIXED`, a hint with
 *   `MREMAP_DONTUNMAP`; otherwise unused
 * @out_addr: (out) (optional): where to store the new address
 * @error: return location for a #GError
 *
 * `mremap(2)`, as Linux 6.18 does it. Shrinking unmaps the tail, across
 * VMAs. Growing happens in place when the range ends where its VMA ends
 * and the room after it is free, the extension joining a compatible
 * next VMA; otherwise, with `MREMAP_MAYMOVE`, the range moves to where
 * `mmap` would place it (huge-page alignment included) and merges
 * there. `MREMAP_FIXED` unmaps the destination first, and without a
 * change of size moves every VMA of the range, the gaps between them
 * kept. `MREMAP_DONTUNMAP` (with equal lengths) leaves the old VMA
 * mapped and empty. A moved anonymous VMA that was never written takes
 * the page offset of its new address; others keep theirs.
 *
 * The memory moves through the backend's [vfunc@Ms.MappingBackend.move]
 * (with [method@Ms.MemorySet.remap]), so its contents follow it; a
 * backend without that method gets the destination mapped fresh and the
 * source unmapped.
 *
 * Returns: (skip): %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mremap (MsLinuxMm  *self,
                    guint64     old_addr,
                    guint64     old_length,
                    guint64     new_length,
                    guint64     flags,
                    guint64     new_addr,
                    guint64    *out_addr,
                    GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mremap (self, old_addr, old_length, new_length, flags, new_addr, &local_error);
  return finish (self, "mremap", result, local_error, out_addr, TRUE, error);
}

/**
 * ms_linux_mm_brk:
 * @self: an mm
 * @brk: the break asked for; 0 to ask for the current one
 * @out_brk: (out) (optional): where to store the break after the call
 * @error: return location for a #GError
 *
 * `brk(2)`: moves the program break. Growth extends the brk VMA (never
 * into the VMA after it, nor within a page of its guard gap) or maps a
 * new one; shrinking unmaps. As the system call, it does not fail: a
 * break it refuses leaves the old one, which is what @out_brk gets. The
 * call fails only when a backend refuses.
 *
 * Returns: (skip): %TRUE unless a backend refused
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_brk (MsLinuxMm  *self,
                 guint64     brk,
                 guint64    *out_brk,
                 GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_brk (self, brk, &local_error);
  return finish (self, "brk", result, local_error, out_brk, TRUE, error);
}

/**
 * ms_linux_mm_madvise:
 * @self: an mm
 * @addr: the start of the range, page-aligned
 * @length: its length
 * @advice: the `MADV_*` value
 * @error: return location for a #GError
 *
 * `madvise(2)`. The advice that sets VMA flags splits and merges VMAs as
 * `mprotect` does: `MADV_NORMAL`, `_RANDOM`, `_SEQUENTIAL` (`rr`, `sr`),
 * `_DONTFORK`, `_DOFORK` (`dc`), `_WIPEONFORK`, `_KEEPONFORK` (`wf`),
 * `_DONTDUMP`, `_DODUMP` (`dd`), `_HUGEPAGE`, `_NOHUGEPAGE` (`hg`, `nh`),
 * `_MERGEABLE`, `_UNMERGEABLE` (`mg`); `MADV_GUARD_INSTALL` marks the
 * whole VMA `gu`. The rest changes no VMA. A hole makes the call fail
 * with `ENOMEM` after the whole range was handled; an error of one VMA
 * stops it there. `MADV_POPULATE_READ` and `_WRITE` stop at the first
 * hole (`ENOMEM`) or VMA that forbids the access (`EINVAL`). The
 * discarding advice fails with `EPERM` on a sealed, read-only,
 * anonymous VMA.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_madvise (MsLinuxMm  *self,
                     guint64     addr,
                     guint64     length,
                     gint        advice,
                     GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_madvise (self, addr, length, advice, &local_error);
  return finish (self, "madvise", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mlock:
 * @self: an mm
 * @addr: the start of the range (rounded down to a page)
 * @length: its length
 * @error: return location for a #GError
 *
 * `mlock(2)`: marks the VMAs of the range `lo`, splitting and merging as
 * `mprotect` does; special and hugetlb VMAs are left alone. A hole fails
 * with `ENOMEM`.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mlock (MsLinuxMm  *self,
                   guint64     addr,
                   guint64     length,
                   GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mlock (self, addr, length, 0, TRUE, &local_error);
  return finish (self, "mlock", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mlock2:
 * @self: an mm
 * @addr: the start of the range
 * @length: its length
 * @flags: 0 or `MLOCK_ONFAULT` (1), which adds `lf`
 * @error: return location for a #GError
 *
 * `mlock2(2)`: [method@Ms.LinuxMm.mlock] with flags.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mlock2 (MsLinuxMm  *self,
                    guint64     addr,
                    guint64     length,
                    guint       flags,
                    GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mlock (self, addr, length, flags, TRUE, &local_error);
  return finish (self, "mlock2", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_munlock:
 * @self: an mm
 * @addr: the start of the range
 * @length: its length
 * @error: return location for a #GError
 *
 * `munlock(2)`: clears `lo` and `lf` on the VMAs of the range.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_munlock (MsLinuxMm  *self,
                     guint64     addr,
                     guint64     length,
                     GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mlock (self, addr, length, 0, FALSE, &local_error);
  return finish (self, "munlock", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mlockall:
 * @self: an mm
 * @flags: `MCL_CURRENT` (1), `MCL_FUTURE` (2), `MCL_ONFAULT` (4)
 * @error: return location for a #GError
 *
 * `mlockall(2)`: `MCL_FUTURE` locks the mappings made from now on,
 * `MCL_CURRENT` every VMA now.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mlockall (MsLinuxMm  *self,
                      guint       flags,
                      GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  if (flags == 0 || (flags & ~(guint) (MCL_CURRENT_ | MCL_FUTURE_ | MCL_ONFAULT_)) || flags == MCL_ONFAULT_)
    result = -EINVAL_;
  else
    result = apply_mlockall (self, flags, &local_error);
  return finish (self, "mlockall", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_munlockall:
 * @self: an mm
 * @error: return location for a #GError
 *
 * `munlockall(2)`: unlocks every VMA, and the mappings to come.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_munlockall (MsLinuxMm  *self,
                        GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = apply_mlockall (self, 0, &local_error);
  return finish (self, "munlockall", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_mseal:
 * @self: an mm
 * @addr: the start of the range, page-aligned
 * @length: its length
 * @flags: 0
 * @error: return location for a #GError
 *
 * `mseal(2)`: seals the VMAs of the range (`sl`), which then refuse
 * `mprotect`, `munmap`, `mremap` and `MAP_FIXED` with `EPERM`. The whole
 * range must be mapped (`ENOMEM` before anything changes otherwise).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_mseal (MsLinuxMm  *self,
                   guint64     addr,
                   guint64     length,
                   guint64     flags,
                   GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_mseal (self, addr, length, flags, &local_error);
  return finish (self, "mseal", result, local_error, NULL, TRUE, error);
}

/**
 * ms_linux_mm_fault:
 * @self: an mm
 * @addr: the address of the access
 * @access: the access: %MS_PROT_READ, %MS_PROT_WRITE or %MS_PROT_EXEC
 * @error: return location for a #GError
 *
 * Tells the mm of a page fault, as an emulator's memory hook sees one,
 * with the kernel's effect: below a stack (`VM_GROWSDOWN`), the stack
 * grows down to the page of @addr, within its limit and short of the
 * guard gap of the VMA below; a write in a private mapping gives it an
 * anon_vma (shared with a compatible neighbour's, as the kernel does),
 * which later decides merges and `VM_ACCOUNT`. The anon_vma reaches the
 * backend as a protect of the range with the protection it already has
 * (see [class@Ms.LinuxFile]); a stack that grows maps its new pages.
 *
 * A fault the kernel would answer with `SIGSEGV` fails: with `EFAULT`
 * where nothing is mapped (or the stack cannot grow), with `EACCES`
 * where the protection forbids the access. It is not a system call: the
 * fault guess does not count it as one.
 *
 * Returns: %TRUE if the access is allowed
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_fault (MsLinuxMm  *self,
                   guint64     addr,
                   MsProt      access,
                   GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = do_fault (self, addr, access, &local_error);
  return finish (self, "fault", result, local_error, NULL, FALSE, error);
}

/**
 * ms_linux_mm_report_anonymous:
 * @self: an mm
 * @start: the start of a VMA
 * @size: its size
 * @error: return location for a #GError
 *
 * Tells the mm that `/proc/<pid>/smaps` shows `[start, start + size)` as
 * a VMA with anonymous pages (`Anonymous:` above 0), as the A lines of a
 * recording do: every VMA of the range that has no anon_vma gets one,
 * as a write fault would have given it; and a stack that ends at the
 * range's end and starts above @start grew down to @start, by faults no
 * call shows.
 *
 * It fails only when a backend refuses the growth of the stack.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_report_anonymous (MsLinuxMm  *self,
                              guint64     start,
                              guint64     size,
                              GError    **error)
{
  GError *local_error = NULL;
  gint64 result;

  CHECK_CALL (self, error);

  result = size > 0 && start + size > start ? do_report_anonymous (self, start, start + size, &local_error) : 0;
  return finish (self, "report_anonymous", result, local_error, NULL, FALSE, error);
}
