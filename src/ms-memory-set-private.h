/* ms-memory-set-private.h: what the rest of the library asks of a set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memoryset.h"
#include "ms-gap-index.h"

G_BEGIN_DECLS

/* Maps @n_areas areas in one change of the set, in the order given: the
 * work of load_maps(). A busy set refuses with BUSY first. Then every
 * area is checked, in order, before anything is mapped: one that map()
 * would refuse as INVALID_PARAM fails the call so, and one that overlaps
 * the set or an area before it with ALREADY_EXISTS. A backend that refuses stops the call, the areas before it
 * staying mapped. On failure, *@failed is the index of the area the
 * error is about. */
gboolean ms_memory_set_map_all (MsMemorySet         *self,
                                MsMemoryArea * const *areas,
                                guint                 n_areas,
                                GObject              *page_table,
                                guint                *failed,
                                GError              **error);

/* For tests: aborts unless the set is idle and its gap index agrees with
 * its tree. */
void        ms_memory_set_check_invariants (MsMemorySet *self);
MsGapIndex *ms_memory_set_get_gap_index    (MsMemorySet *self);

G_END_DECLS
