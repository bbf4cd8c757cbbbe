/* ms-memory-area.c: one contiguous mapped range
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-memory-area-private.h"

/**
 * MsMemoryArea:
 *
 * One contiguous range `[start, start + size)` of an address space, with
 * one set of flags and the [iface@Ms.MappingBackend] that maps it.
 *
 * An area that a caller holds keeps its values: when a
 * [class@Ms.MemorySet] shrinks, splits or re-flags an area that anyone
 * but the set holds a reference to, it replaces it with new areas. An
 * area that only the set holds is changed in place instead, which nobody
 * can observe: a pointer from [method@Ms.MemorySet.find] or
 * [method@Ms.MemorySet.foreach], borrowed without a reference, stays
 * valid only until the set next changes (take a reference with
 * [method@Ms.MemoryArea.ref] to keep the values).
 *
 * Areas are reference counted: [method@Ms.MemoryArea.ref] and
 * [method@Ms.MemoryArea.unref].
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (MsMemoryArea, ms_memory_area, ms_memory_area_ref, ms_memory_area_unref)

static MsMemoryArea *
memory_area_alloc (guint64           start,
                   guint64           size,
                   guint64           flags,
                   MsMappingBackend *backend)
{
  MsMemoryArea *self = g_new (MsMemoryArea, 1);

  self->start = start;
  self->size = size;
  self->flags = flags;
  self->backend = g_object_ref (backend);
  self->ref_count = 1;

  return self;
}

/**
 * ms_memory_area_new:
 * @start: the first address of the area
 * @size: the size of the area, in bytes
 * @flags: the area's flags; their meaning is the backend's business
 * @backend: the backend that maps the area
 *
 * Creates an area covering `[start, start + size)`.
 *
 * The range is checked when the area is mapped: an empty area, or one
 * that runs past the top of the address space, is refused by
 * [method@Ms.MemorySet.map].
 *
 * Returns: (transfer full): a new area
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_area_new (guint64           start,
                    guint64           size,
                    guint64           flags,
                    MsMappingBackend *backend)
{
  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (backend), NULL);

  return memory_area_alloc (start, size, flags, backend);
}

MsMemoryArea *
ms_memory_area_new_piece (const MsMemoryArea *area,
                          guint64             start,
                          guint64             end,
                          guint64             flags)
{
  g_assert (area->start <= start && start < end && end <= ms_memory_area_end (area));

  return memory_area_alloc (start, end - start, flags, area->backend);
}

/**
 * ms_memory_area_ref:
 * @self: an area
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_area_ref (MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);

  return self;
}

/**
 * ms_memory_area_unref:
 * @self: (transfer full): an area
 *
 * Drops a reference on @self, and frees it when that was the last one.
 *
 * Since: 1.0
 */
void
ms_memory_area_unref (MsMemoryArea *self)
{
  g_return_if_fail (self != NULL);

  if (__atomic_fetch_sub (&self->ref_count, 1, __ATOMIC_ACQ_REL) == 1)
    {
      g_object_unref (self->backend);
      g_free (self);
    }
}

/**
 * ms_memory_area_get_start:
 * @self: an area
 *
 * Gets the first address of the area.
 *
 * Returns: the start address
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_start (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->start;
}

/**
 * ms_memory_area_get_end:
 * @self: an area
 *
 * Gets the address just past the area: `start + size`.
 *
 * Returns: the end address (exclusive)
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_end (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return ms_memory_area_end (self);
}

/**
 * ms_memory_area_get_size:
 * @self: an area
 *
 * Gets the size of the area.
 *
 * Returns: the size, in bytes
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_size (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/**
 * ms_memory_area_get_flags:
 * @self: an area
 *
 * Gets the flags of the area.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_flags (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->flags;
}

/**
 * ms_memory_area_get_backend:
 * @self: an area
 *
 * Gets the backend that maps the area.
 *
 * Returns: (transfer none): the backend
 *
 * Since: 1.0
 */
MsMappingBackend *
ms_memory_area_get_backend (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->backend;
}

/**
 * ms_memory_area_contains:
 * @self: an area
 * @addr: an address
 *
 * Checks whether @addr lies in the area: `start <= addr < start + size`.
 *
 * Returns: %TRUE if the area contains @addr
 *
 * Since: 1.0
 */
gboolean
ms_memory_area_contains (const MsMemoryArea *self,
                         guint64             addr)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return addr >= self->start && addr - self->start < self->size;
}

/**
 * ms_memory_area_equal:
 * @a: an area
 * @b: another area
 *
 * Checks whether two areas have the same start, size, flags and backend.
 *
 * Returns: %TRUE if the areas are equal
 *
 * Since: 1.0
 */
gboolean
ms_memory_area_equal (const MsMemoryArea *a,
                      const MsMemoryArea *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a->start == b->start && a->size == b->size &&
         a->flags == b->flags && a->backend == b->backend;
}

/**
 * ms_memory_area_to_string:
 * @self: an area
 *
 * Describes the area as a line of `/proc/<pid>/maps`, without the line
 * break: the start and end addresses in lowercase hexadecimal, at least
 * 8 digits each, joined by `-`, a space, and the flags.
 *
 * Flags made only of [flags@Ms.Prot] bits are printed as the kernel
 * prints permissions, `r`, `w`, `x` or `-` in turn and then `p`
 * (private), as in `00001000-00005000 rw-p`. Any other flags are
 * printed as a hexadecimal number, as in `00001000-00005000 0x10`.
 * [method@Ms.MemorySet.load_maps] reads both forms back.
 *
 * Returns: (transfer full): a new string
 *
 * Since: 1.0
 */
char *
ms_memory_area_to_string (const MsMemoryArea *self)
{
  const guint64 prot_bits = MS_PROT_READ | MS_PROT_WRITE | MS_PROT_EXEC;

  g_return_val_if_fail (self != NULL, NULL);

  if ((self->flags & ~prot_bits) != 0)
    return g_strdup_printf ("%08" G_GINT64_MODIFIER "x-%08" G_GINT64_MODIFIER "x "
                            "%#" G_GINT64_MODIFIER "x",
                            self->start, ms_memory_area_end (self), self->flags);

  return g_strdup_printf ("%08" G_GINT64_MODIFIER "x-%08" G_GINT64_MODIFIER "x %c%c%cp",
                          self->start, ms_memory_area_end (self),
                          (self->flags & MS_PROT_READ) != 0 ? 'r' : '-',
                          (self->flags & MS_PROT_WRITE) != 0 ? 'w' : '-',
                          (self->flags & MS_PROT_EXEC) != 0 ? 'x' : '-');
}
