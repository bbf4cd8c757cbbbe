/* ms-mapping-backend.h: the interface that does the real mapping work
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib-object.h>

#include "ms-version-macros.h"

G_BEGIN_DECLS

#define MS_TYPE_MAPPING_BACKEND (ms_mapping_backend_get_type ())

MS_AVAILABLE_IN_ALL
G_DECLARE_INTERFACE (MsMappingBackend, ms_mapping_backend, MS, MAPPING_BACKEND, GObject)

/**
 * MsMappingBackendInterface:
 * @g_iface: the parent interface
 * @map: installs a mapping of `[start, start + size)` with `flags`
 * @unmap: removes the mapping of `[start, start + size)`
 * @protect: changes the flags of the mapping of `[start, start + size)`
 * @move: moves the mapping of `[old_start, old_start + size)`, contents
 *   and flags, to `[new_start, new_start + size)`, which is free; the old
 *   range is left unmapped. Optional: without it, the set refuses to move
 *   areas of the backend.
 *
 * The virtual methods of [iface@Ms.MappingBackend].
 *
 * Every method returns %TRUE on success. A backend is all-or-nothing:
 * %FALSE means that the call changed nothing. A method that refuses
 * should say why in @error; the caller of the [class@Ms.MemorySet]
 * method then gets that error, its domain and code unchanged, its
 * message prefixed with the operation and the range. A method that
 * returns %FALSE without setting @error gets a generic
 * %MS_MAPPING_ERROR_BAD_STATE message. A method left %NULL makes the
 * operation that needs it fail with %MS_MAPPING_ERROR_BAD_STATE, naming
 * the method.
 *
 * Since: 1.0
 */
struct _MsMappingBackendInterface
{
  GTypeInterface g_iface;

  gboolean (*map)     (MsMappingBackend  *self,
                       guint64            start,
                       guint64            size,
                       guint64            flags,
                       GObject           *page_table,
                       GError           **error);
  gboolean (*unmap)   (MsMappingBackend  *self,
                       guint64            start,
                       guint64            size,
                       GObject           *page_table,
                       GError           **error);
  gboolean (*protect) (MsMappingBackend  *self,
                       guint64            start,
                       guint64            size,
                       guint64            new_flags,
                       GObject           *page_table,
                       GError           **error);
  gboolean (*move)    (MsMappingBackend  *self,
                       guint64            old_start,
                       guint64            size,
                       guint64            new_start,
                       GObject           *page_table,
                       GError           **error);

  /*< private >*/
  gpointer padding[7];
};

MS_AVAILABLE_IN_ALL
gboolean ms_mapping_backend_map     (MsMappingBackend  *self,
                                     guint64            start,
                                     guint64            size,
                                     guint64            flags,
                                     GObject           *page_table,
                                     GError           **error);
MS_AVAILABLE_IN_ALL
gboolean ms_mapping_backend_unmap   (MsMappingBackend  *self,
                                     guint64            start,
                                     guint64            size,
                                     GObject           *page_table,
                                     GError           **error);
MS_AVAILABLE_IN_ALL
gboolean ms_mapping_backend_protect (MsMappingBackend  *self,
                                     guint64            start,
                                     guint64            size,
                                     guint64            new_flags,
                                     GObject           *page_table,
                                     GError           **error);

MS_AVAILABLE_IN_ALL
gboolean ms_mapping_backend_move    (MsMappingBackend  *self,
                                     guint64            old_start,
                                     guint64            size,
                                     guint64            new_start,
                                     GObject           *page_table,
                                     GError           **error);

G_END_DECLS
