/* ms-linux-mm-placement.c: where an MsLinuxMm places a mapping
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * get_unmapped_area() and its top-down, bottom-up and THP searches, on
 * the free ranges of the mm's set.
 */

#include "ms-linux-mm-private.h"

/* ------------------------------------------------------------------ */
/* Placement: get_unmapped_area() (R1 to R7). */

/* vm_unmapped_area() top-down (R2): the highest gap in [low, high) that
 * fits; a VM_GROWSDOWN VMA above the gap shortens it by the guard gap
 * (R4), and the search goes on below it. */
static gint64
unmapped_area_top_down (MsLinuxMm *self,
                        guint64    length,
                        guint64    low,
                        guint64    high)
{
  low = MAX (low, MMAP_MIN_ADDR);
  for (;;)
    {
      g_autoptr(MsMemoryArea) next = NULL;
      guint64 gap;

      if (!ms_memory_set_find_free_area_top_down (self->set, length, low, high, PAGE, &gap))
        return -ENOMEM_;
      next = ms_linux_mm_vma_next (self, gap + length);
      if (next != NULL && (area_flags (next) & VM_STARTGAP_FLAGS) &&
          ms_linux_mm_vm_start_gap (next) < gap + length)
        {
          high = ms_linux_mm_vm_start_gap (next);
          continue;
        }
      return gap;
    }
}

/* vm_unmapped_area() bottom-up (R6 for MAP_32BIT, the legacy layout,
 * and the fallback when top-down fails). */
static gint64
unmapped_area_bottom_up (MsLinuxMm *self,
                         guint64    length,
                         guint64    low,
                         guint64    high)
{
  low = MAX (low, MMAP_MIN_ADDR);
  for (;;)
    {
      g_autoptr(MsMemoryArea) next = NULL;
      guint64 gap;

      if (!ms_memory_set_find_free_area (self->set, low, length, low, high, PAGE, &gap))
        return -ENOMEM_;
      next = ms_linux_mm_vma_next (self, gap);
      if (next != NULL && (area_flags (next) & VM_STARTGAP_FLAGS) &&
          ms_linux_mm_vm_start_gap (next) < gap + length - 1)
        {
          low = area_end (next);
          continue;
        }
      return gap;
    }
}

/* R3: [addr, addr + length) meets no VMA, counting the guard gap of a
 * VM_GROWSDOWN VMA above it (find_vma, vm_start_gap). */
static gboolean
hint_is_free (MsLinuxMm *self,
              guint64    addr,
              guint64    length)
{
  g_autoptr(MsMemoryArea) next = ms_linux_mm_vma_next (self, addr);

  return next == NULL || addr + length <= ms_linux_mm_vm_start_gap (next);
}

/* x86's arch_get_unmapped_area(): bottom-up, for MAP_32BIT (R6), the
 * legacy layout, and when top-down finds nothing (src). */
static gint64
get_unmapped_area_bottom_up (MsLinuxMm *self,
                             guint64    length,
                             guint64    addr,
                             guint64    flags)
{
  guint64 begin, end;

  if (length > TASK_SIZE)
    return -ENOMEM_;
  if (flags & MAP_FIXED_)
    return addr;
  if (flags & MAP_32BIT_)
    {
      begin = 0x40000000;
      end = 0x80000000;
    }
  else
    {
      begin = page_align (TASK_SIZE / 3);     /* mmap_legacy_base */
      end = TASK_SIZE;
    }
  if (length > end)
    return -ENOMEM_;
  if (addr != 0)
    {
      addr = page_align (addr);
      if (end - length >= addr && hint_is_free (self, addr, length))
        return addr;
    }
  return unmapped_area_bottom_up (self, length, begin, end);
}

/* x86's arch_get_unmapped_area_topdown(). */
static gint64
get_unmapped_area_top_down (MsLinuxMm *self,
                            guint64    length,
                            guint64    addr,
                            guint64    flags)
{
  guint64 first_hint = addr;
  gint64 found;

  if (length > TASK_SIZE)
    return -ENOMEM_;
  if (flags & MAP_FIXED_)                   /* R7: no check for MAP_FIXED */
    return addr;
  if (flags & MAP_32BIT_)                   /* R6 */
    return get_unmapped_area_bottom_up (self, length, first_hint, flags);
  if (addr != 0)
    {
      /* R3: the hint, page-aligned down, if inside the 47-bit window
       * (mmap_address_hint_valid()) and free. */
      addr &= PAGE_MASK;
      if (!(TASK_SIZE - length < addr) &&
          (addr > DEFAULT_MAP_WINDOW) == (addr + length > DEFAULT_MAP_WINDOW) &&
          hint_is_free (self, addr, length))
        return addr;
    }
  found = unmapped_area_top_down (self, length, (flags & MAP_ABOVE4G_) ? G_GUINT64_CONSTANT (1) << 32 : PAGE,
                                  self->mmap_base);
  if (!is_error (found))
    return found;
  return get_unmapped_area_bottom_up (self, length, first_hint, flags);
}

/* mm->get_unmapped_area: top-down unless the legacy layout. */
static gint64
mm_get_unmapped_area (MsLinuxMm *self,
                      guint64    length,
                      guint64    addr,
                      guint64    flags)
{
  if (self->top_down)
    return get_unmapped_area_top_down (self, length, addr, flags);
  return get_unmapped_area_bottom_up (self, length, addr, flags);
}

/* __thp_get_unmapped_area() (R5): when [off, off + length) holds a whole
 * 2 MiB-aligned stretch, search with length + 2 MiB and return an
 * address congruent to off modulo 2 MiB (a top-down mm takes ret + 2 MiB
 * when ret already is). Measured (probe_thp seq 19): the hint is tried
 * with the padding. Otherwise, or when the padded search fails, a plain
 * search. */
static gint64
thp_get_unmapped_area (MsLinuxMm *self,
                       guint64    addr,
                       guint64    length,
                       guint64    pgoff,
                       guint64    flags)
{
  guint64 off = pgoff << 12;
  guint64 off_end = off + length;
  guint64 off_align = (off + PMD_SIZE - 1) & ~(PMD_SIZE - 1);

  if (!(off_end <= off_align || off_end - off_align < PMD_SIZE))
    {
      gint64 ret = mm_get_unmapped_area (self, length + PMD_SIZE, addr, flags);

      if (!is_error (ret))
        {
          guint64 off_sub;

          if ((guint64) ret == addr)
            return addr;
          off_sub = (off - (guint64) ret) & (PMD_SIZE - 1);
          /* MMF_TOPDOWN belongs to the mm, not to the search: a MAP_32BIT
           * (bottom-up) search gets ret + 2 MiB too (measured, probe_thp). */
          if (self->top_down && off_sub == 0)
            return ret + PMD_SIZE;
          return ret + off_sub;
        }
    }
  return mm_get_unmapped_area (self, length, addr, flags);
}

/* __get_unmapped_area(): the file's own get_unmapped_area, the
 * anonymous THP path (R5: private anonymous, a multiple of 2 MiB, and no
 * hint at all: measured (probe_thp seq 26), any hint turns it off), or
 * the plain one. */
gint64
ms_linux_mm_get_unmapped_area (MsLinuxMm   *self,
                               MsLinuxFile *file,
                               guint64      addr,
                               guint64      length,
                               guint64      pgoff,
                               guint64      flags)
{
  gboolean thp;
  gint64 found;

  if (length > TASK_SIZE)
    return -ENOMEM_;
  if (file != NULL)
    {
      guint32 fs_type = ms_linux_file_get_fs_type (file);

      if (ms_linux_file_is_dev_zero (file))
        /* get_unmapped_area_zero(): private is THP, shared is shmem's
         * (measured, torture3). */
        thp = (flags & MAP_SHARED_) == 0;
      else
        thp = fs_type == FS_EXT4 || fs_type == FS_XFS || fs_type == FS_BTRFS;
    }
  else
    {
      /* Shared anonymous memory is shmem (huge=never): plain. */
      thp = (flags & MAP_SHARED_) == 0 && addr == 0 && length % PMD_SIZE == 0;
      pgoff = 0;
    }

  if (thp)
    found = thp_get_unmapped_area (self, addr, length, pgoff, flags);
  else
    found = mm_get_unmapped_area (self, length, addr, flags);
  if (is_error (found))
    return found;
  if ((guint64) found > TASK_SIZE - length)
    return -ENOMEM_;
  if (found & (PAGE - 1))
    return -EINVAL_;
  return found;
}
