/* ms-mapping-backend.c: the interface that does the real mapping work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "memoryset.h"

/**
 * MsMappingBackend:
 *
 * The object that does the real work behind the areas of a
 * [class@Ms.MemorySet]: installing, removing and changing page-table
 * entries, or whatever else a mapping means to its user.
 *
 * The set keeps the bookkeeping and calls its backend for every change:
 * [vfunc@Ms.MappingBackend.map] once for each new area,
 * [vfunc@Ms.MappingBackend.unmap] on each mapped piece that goes away, and
 * [vfunc@Ms.MappingBackend.protect] on each piece whose flags change.
 * The `page_table` argument is the object the caller gave the set; the
 * set never looks at it.
 *
 * A backend is all-or-nothing: a method that returns %FALSE must have
 * changed nothing. The set relies on it to stay in agreement with the
 * backend when a call fails.
 *
 * Backends can be written in C, or in any language with GObject
 * introspection: in Python, a class deriving from `GObject.Object` and
 * `Ms.MappingBackend` that defines `do_map`, `do_unmap` and `do_protect`.
 *
 * Since: 1.0
 */

G_DEFINE_INTERFACE (MsMappingBackend, ms_mapping_backend, G_TYPE_OBJECT)

static void
ms_mapping_backend_default_init (MsMappingBackendInterface *iface)
{
  /* The three methods stay NULL: a backend that lacks one fails the
   * operations that need it, it never crashes. */
}

/**
 * ms_mapping_backend_map: (virtual map)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @flags: the flags of the new mapping
 * @page_table: (nullable): the page table the set was given
 *
 * Maps `[start, start + size)` with @flags.
 *
 * Returns: %TRUE on success; %FALSE if the backend refused, or does not
 *   implement the method, in which case nothing changed
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_map (MsMappingBackend *self,
                        guint64           start,
                        guint64           size,
                        guint64           flags,
                        GObject          *page_table)
{
  MsMappingBackendInterface *iface;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->map == NULL)
    return FALSE;

  return iface->map (self, start, size, flags, page_table);
}

/**
 * ms_mapping_backend_unmap: (virtual unmap)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @page_table: (nullable): the page table the set was given
 *
 * Removes the mapping of `[start, start + size)`.
 *
 * Returns: %TRUE on success; %FALSE if the backend refused, or does not
 *   implement the method, in which case nothing changed
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_unmap (MsMappingBackend *self,
                          guint64           start,
                          guint64           size,
                          GObject          *page_table)
{
  MsMappingBackendInterface *iface;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->unmap == NULL)
    return FALSE;

  return iface->unmap (self, start, size, page_table);
}

/**
 * ms_mapping_backend_protect: (virtual protect)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @new_flags: the flags the range takes
 * @page_table: (nullable): the page table the set was given
 *
 * Changes the flags of the mapping of `[start, start + size)` to
 * @new_flags.
 *
 * Returns: %TRUE on success; %FALSE if the backend refused, or does not
 *   implement the method, in which case nothing changed
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_protect (MsMappingBackend *self,
                            guint64           start,
                            guint64           size,
                            guint64           new_flags,
                            GObject          *page_table)
{
  MsMappingBackendInterface *iface;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->protect == NULL)
    return FALSE;

  return iface->protect (self, start, size, new_flags, page_table);
}
