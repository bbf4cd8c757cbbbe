/* ms-gap-index.h: the gaps between the areas of a set, for finding free
 * ranges in O(log n)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ms-area-key-private.h"

G_BEGIN_DECLS

/* The gap of an area is the free range just before it: from the end of
 * the area before it (0 for the first area) to its start. The index
 * splits the areas of a set, in address order, into buckets of a few
 * dozen, and keeps for each bucket a bound at least as large as its
 * longest gap, in a treap (a balanced search tree) whose nodes also know
 * the largest bound below them. A search for a gap of a given size skips
 * every subtree whose largest bound is too small.
 *
 * The set changes its GTree first, then tells the index. */
typedef struct _MsGapIndex MsGapIndex;

MsGapIndex *ms_gap_index_new    (GTree      *areas);
void        ms_gap_index_free   (MsGapIndex *self);
/* The tree was emptied, or replaced by @areas (empty). */
void        ms_gap_index_reset  (MsGapIndex *self,
                                 GTree      *areas);

/* An area starting at @start was added; its gap is @gap long. (The gap
 * of the area after it can only have shrunk.) */
void        ms_gap_index_insert (MsGapIndex *self,
                                 guint64     start,
                                 guint64     gap);
/* The area starting at @start was removed. Report the grown gap of the
 * area after it with ms_gap_index_grow(). */
void        ms_gap_index_remove (MsGapIndex *self,
                                 guint64     start);
/* The gap of the area starting at @start grew to @gap. */
void        ms_gap_index_grow   (MsGapIndex *self,
                                 guint64     start,
                                 guint64     gap);

/* The lowest r, a multiple of @align (a power of two), with r >= @from,
 * r + @size <= @limit_end and [r, r + @size) free. @from is a multiple
 * of @align and @from + @size <= @limit_end. */
gboolean    ms_gap_index_find   (MsGapIndex *self,
                                 guint64     from,
                                 guint64     size,
                                 guint64     limit_end,
                                 guint64     align,
                                 guint64    *out_start);

/* For tests: checks every invariant of the index against the tree, and
 * aborts if one does not hold. */
void        ms_gap_index_check  (MsGapIndex *self);

G_END_DECLS
