/* ms-mapping-backend.c: the interface that does the real mapping work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-mapping-backend-private.h"

/**
 * MsMappingBackend:
 *
 * The object that does the real work behind the areas of a
 * [class@Ms.MemorySet]: installing, removing and changing page-table
 * entries, or whatever else a mapping means to its user.
 *
 * The set keeps the bookkeeping and calls its backend for every change:
 * [vfunc@Ms.MappingBackend.map] once for each new area (and for what
 * [method@Ms.MemorySet.remap] grows an area by),
 * [vfunc@Ms.MappingBackend.unmap] on each mapped piece that goes away,
 * [vfunc@Ms.MappingBackend.protect] on each piece whose flags change, and
 * [vfunc@Ms.MappingBackend.move], which is optional, on each piece
 * [method@Ms.MemorySet.remap] moves.
 * The `page_table` argument is the object the caller gave the set; the
 * set never looks at it.
 *
 * A backend is all-or-nothing: a method that returns %FALSE must have
 * changed nothing. The set relies on it to stay in agreement with the
 * backend when a call fails. A method that refuses says why in its
 * #GError, and the caller of the set's method receives that error, its
 * domain and code unchanged, its message prefixed with the operation
 * and the range: `Failed to map [0x1000, 0x3000): ` and the backend's
 * own message.
 *
 * Backends can be written in C, or in any language with GObject
 * introspection, where the methods are ones that throw: in Python, a
 * class deriving from `GObject.Object` and `Ms.MappingBackend` that
 * defines `do_map`, `do_unmap` and `do_protect` (with the overrides, an
 * exception raised there reaches the caller of the set's method as it
 * is); in JavaScript, `vfunc_map` and the others, throwing an error to
 * refuse; in Vala, methods that `throws Error`.
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

#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"
#define RANGE_FORMAT "[" ADDR_FORMAT ", " ADDR_FORMAT ")"

gboolean
ms_mapping_backend_finish_call (MsMappingBackend  *self,
                                const char        *method,
                                guint64            start,
                                guint64            end,
                                gboolean           done,
                                GError            *local_error,
                                GError           **error)
{
  if (done)
    {
      if (G_UNLIKELY (local_error != NULL))
        {
          g_critical ("%s's %s method returned TRUE but set an error (%s): the error is ignored",
                      G_OBJECT_TYPE_NAME (self), method, local_error->message);
          g_error_free (local_error);
        }
      return TRUE;
    }

  if (local_error != NULL)
    g_propagate_prefixed_error (error, local_error, "Failed to %s " RANGE_FORMAT ": ",
                                method, start, end);
  else
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
                 "Failed to %s " RANGE_FORMAT ": the backend (%s) refused",
                 method, start, end, G_OBJECT_TYPE_NAME (self));
  return FALSE;
}

gboolean
ms_mapping_backend_missing (MsMappingBackend  *self,
                            const char        *method,
                            guint64            start,
                            guint64            end,
                            GError           **error)
{
  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "Cannot %s " RANGE_FORMAT ": the backend (%s) does not "
               "implement the %s method",
               method, start, end, G_OBJECT_TYPE_NAME (self), method);
  return FALSE;
}

/**
 * ms_mapping_backend_map: (virtual map)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @flags: the flags of the new mapping
 * @page_table: (nullable): the page table the set was given
 * @error: return location for a #GError
 *
 * Maps `[start, start + size)` with @flags.
 *
 * A backend that refuses changes nothing and fails with the error it
 * gives, its message prefixed with the operation and the range (or a
 * generic %MS_MAPPING_ERROR_BAD_STATE when it gives none); one that does
 * not implement the method fails with %MS_MAPPING_ERROR_BAD_STATE.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_map (MsMappingBackend  *self,
                        guint64            start,
                        guint64            size,
                        guint64            flags,
                        GObject           *page_table,
                        GError           **error)
{
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->map == NULL)
    return ms_mapping_backend_missing (self, "map", start, start + size, error);

  done = iface->map (self, start, size, flags, page_table, &local_error);
  return ms_mapping_backend_finish_call (self, "map", start, start + size, done, local_error, error);
}

/**
 * ms_mapping_backend_unmap: (virtual unmap)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @page_table: (nullable): the page table the set was given
 * @error: return location for a #GError
 *
 * Removes the mapping of `[start, start + size)`.
 *
 * Fails as [method@Ms.MappingBackend.map] does.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_unmap (MsMappingBackend  *self,
                          guint64            start,
                          guint64            size,
                          GObject           *page_table,
                          GError           **error)
{
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->unmap == NULL)
    return ms_mapping_backend_missing (self, "unmap", start, start + size, error);

  done = iface->unmap (self, start, size, page_table, &local_error);
  return ms_mapping_backend_finish_call (self, "unmap", start, start + size, done, local_error, error);
}

/**
 * ms_mapping_backend_protect: (virtual protect)
 * @self: a backend
 * @start: the first address of the range
 * @size: the size of the range, in bytes
 * @new_flags: the flags the range takes
 * @page_table: (nullable): the page table the set was given
 * @error: return location for a #GError
 *
 * Changes the flags of the mapping of `[start, start + size)` to
 * @new_flags.
 *
 * Fails as [method@Ms.MappingBackend.map] does.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_protect (MsMappingBackend  *self,
                            guint64            start,
                            guint64            size,
                            guint64            new_flags,
                            GObject           *page_table,
                            GError           **error)
{
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->protect == NULL)
    return ms_mapping_backend_missing (self, "protect", start, start + size, error);

  done = iface->protect (self, start, size, new_flags, page_table, &local_error);
  return ms_mapping_backend_finish_call (self, "protect", start, start + size, done, local_error,
                                         error);
}

/**
 * ms_mapping_backend_move: (virtual move)
 * @self: a backend
 * @old_start: the first address of the mapping to move
 * @size: its size, in bytes
 * @new_start: where it goes: `[new_start, new_start + size)` is free
 * @page_table: (nullable): the page table the set was given
 * @error: return location for a #GError
 *
 * Moves the mapping of `[old_start, old_start + size)`, with its contents
 * and flags, to `[new_start, new_start + size)`, leaving the old range
 * unmapped. The two ranges do not overlap.
 *
 * The method is optional; a backend without it fails with
 * %MS_MAPPING_ERROR_BAD_STATE. Otherwise it fails as
 * [method@Ms.MappingBackend.map] does.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_mapping_backend_move (MsMappingBackend  *self,
                         guint64            old_start,
                         guint64            size,
                         guint64            new_start,
                         GObject           *page_table,
                         GError           **error)
{
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  iface = MS_MAPPING_BACKEND_GET_IFACE (self);
  if (iface->move == NULL)
    return ms_mapping_backend_missing (self, "move", old_start, old_start + size, error);

  done = iface->move (self, old_start, size, new_start, page_table, &local_error);
  return ms_mapping_backend_finish_call (self, "move", old_start, old_start + size, done,
                                         local_error, error);
}
