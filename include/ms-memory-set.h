/* ms-memory-set.h: the memory mappings of one address space
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib-object.h>

#include "ms-version-macros.h"
#include "ms-memory-area.h"

G_BEGIN_DECLS

#define MS_TYPE_MEMORY_SET (ms_memory_set_get_type ())

MS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MsMemorySet, ms_memory_set, MS, MEMORY_SET, GObject)

/**
 * MsUpdateFlagsFunc:
 * @old_flags: the current flags of an area
 * @new_flags: (out): where to store the flags the area should take
 * @user_data: (closure): the data given to [method@Ms.MemorySet.protect_with]
 *
 * Computes the new flags of an area for [method@Ms.MemorySet.protect_with].
 *
 * Returns: %TRUE if @new_flags holds the area's new flags, %FALSE to leave
 *   the area alone
 *
 * Since: 1.0
 */
typedef gboolean (*MsUpdateFlagsFunc) (guint64   old_flags,
                                       guint64  *new_flags,
                                       gpointer  user_data);

/**
 * MsAreaFunc:
 * @area: (transfer none): an area of the set
 * @user_data: (closure): the data given to [method@Ms.MemorySet.foreach]
 *
 * Called for each area by [method@Ms.MemorySet.foreach].
 *
 * Returns: %TRUE to stop the iteration, %FALSE to go on
 *
 * Since: 1.0
 */
typedef gboolean (*MsAreaFunc) (MsMemoryArea *area,
                                gpointer      user_data);

/**
 * MsGapFunc:
 * @start: the first address of a free range
 * @size: its size
 * @user_data: (closure): the data given to [method@Ms.MemorySet.foreach_gap]
 *
 * Called for each free range by [method@Ms.MemorySet.foreach_gap].
 *
 * Returns: %TRUE to stop, %FALSE to go on
 *
 * Since: 1.0
 */
typedef gboolean (*MsGapFunc) (guint64  start,
                               guint64  size,
                               gpointer user_data);

MS_AVAILABLE_IN_ALL
MsMemorySet  *ms_memory_set_new            (void) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
guint         ms_memory_set_get_n_areas    (MsMemorySet       *self);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_is_empty       (MsMemorySet       *self);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_overlaps       (MsMemorySet       *self,
                                            guint64            start,
                                            guint64            size);
MS_AVAILABLE_IN_ALL
MsMemoryArea *ms_memory_set_find           (MsMemorySet       *self,
                                            guint64            addr);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_find_free_area (MsMemorySet       *self,
                                            guint64            hint,
                                            guint64            size,
                                            guint64            limit_start,
                                            guint64            limit_end,
                                            guint64            align,
                                            guint64           *out_start);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_find_free_area_top_down (MsMemorySet *self,
                                                     guint64      size,
                                                     guint64      limit_start,
                                                     guint64      limit_end,
                                                     guint64      align,
                                                     guint64     *out_start);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_map            (MsMemorySet       *self,
                                            MsMemoryArea      *area,
                                            GObject           *page_table,
                                            gboolean           unmap_overlap,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_unmap          (MsMemorySet       *self,
                                            guint64            start,
                                            guint64            size,
                                            GObject           *page_table,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_protect        (MsMemorySet       *self,
                                            guint64            start,
                                            guint64            size,
                                            guint64            new_flags,
                                            GObject           *page_table,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_protect_with   (MsMemorySet       *self,
                                            guint64            start,
                                            guint64            size,
                                            GObject           *page_table,
                                            MsUpdateFlagsFunc  update_flags,
                                            gpointer           user_data,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_remap          (MsMemorySet       *self,
                                            guint64            old_start,
                                            guint64            old_size,
                                            guint64            new_start,
                                            guint64            new_size,
                                            GObject           *page_table,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_split          (MsMemorySet       *self,
                                            guint64            addr,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_join           (MsMemorySet       *self,
                                            guint64            addr,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_set_offsets    (MsMemorySet       *self,
                                            guint64            start,
                                            guint64            size,
                                            guint64            offset,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_clear          (MsMemorySet       *self,
                                            GObject           *page_table,
                                            GError           **error);
MS_AVAILABLE_IN_ALL
void          ms_memory_set_foreach        (MsMemorySet       *self,
                                            MsAreaFunc         func,
                                            gpointer           user_data);
MS_AVAILABLE_IN_ALL
GPtrArray    *ms_memory_set_get_areas      (MsMemorySet       *self);

MS_AVAILABLE_IN_ALL
void          ms_memory_set_foreach_in_range   (MsMemorySet *self,
                                                guint64      start,
                                                guint64      size,
                                                MsAreaFunc   func,
                                                gpointer     user_data);
MS_AVAILABLE_IN_ALL
GPtrArray    *ms_memory_set_get_areas_in_range (MsMemorySet *self,
                                                guint64      start,
                                                guint64      size);
MS_AVAILABLE_IN_ALL
GBytes       *ms_memory_set_get_area_table     (MsMemorySet *self,
                                                guint64      start,
                                                guint64      size,
                                                gboolean     with_offsets);
MS_AVAILABLE_IN_ALL
GPtrArray    *ms_memory_set_get_area_names     (MsMemorySet *self,
                                                guint64      start,
                                                guint64      size);
MS_AVAILABLE_IN_ALL
void          ms_memory_set_foreach_gap        (MsMemorySet *self,
                                                guint64      start,
                                                guint64      size,
                                                MsGapFunc    func,
                                                gpointer     user_data);
MS_AVAILABLE_IN_ALL
guint64       ms_memory_set_get_mapped_size    (MsMemorySet *self);
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_get_merge_adjacent (MsMemorySet *self);
MS_AVAILABLE_IN_ALL
void          ms_memory_set_set_merge_adjacent (MsMemorySet *self,
                                                gboolean     merge);
MS_AVAILABLE_IN_ALL
guint         ms_memory_set_get_max_areas      (MsMemorySet *self);
MS_AVAILABLE_IN_ALL
void          ms_memory_set_set_max_areas      (MsMemorySet *self,
                                                guint        max_areas);

MS_AVAILABLE_IN_ALL
char         *ms_memory_set_to_string      (MsMemorySet       *self) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
gboolean      ms_memory_set_load_maps      (MsMemorySet       *self,
                                            const char        *text,
                                            MsMappingBackend  *backend,
                                            GObject           *page_table,
                                            GError           **error);

G_END_DECLS
