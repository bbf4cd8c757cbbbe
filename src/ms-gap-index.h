/* ms-gap-index.h: the gaps between the areas of a set, for finding free
 * ranges in O(log n)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ms-area-key-private.h"

G_BEGIN_DECLS

/* Why a second ordered structure: a search for a free range must skip
 * every stretch of the address space whose gaps are all too small, which
 * needs each subtree of an ordered tree to know the largest gap below
 * it. GTree's nodes are opaque and cannot carry such a value, so the
 * index keeps its own small tree beside the set's GTree.
 *
 * The gap of an area is the free range just before it: from the end of
 * the area before it (0 for the first area) to its start. The index
 * splits the areas, in address order, into buckets of a few dozen to a
 * few hundred, and keeps for each bucket a *profile* of its gaps: for
 * every alignment 2^k, an upper bound of the number of whole 2^k-aligned
 * blocks of 2^k bytes the bucket's best gap holds (see GapProfile in the
 * .c file: 16 bytes hold all 64 alignments, exactly). The buckets form a
 * treap (a balanced search tree) whose nodes also hold the profile of
 * their subtree, so that a search for `size` bytes aligned to 2^k skips
 * every subtree without room for `size >> k` blocks, however the gaps
 * are aligned.
 *
 * Profiles are upper bounds: a gap that grows or appears raises its
 * bucket's profile at once, a gap that shrinks or goes leaves it as it
 * was. A search that scans a whole bucket and finds no room gives it its
 * exact profile, so it is not scanned again for nothing: searches tighten
 * bounds, and each costs O(log n) amortised over the changes of the set.
 *
 * The index learns from node events: the set changes its GTree, then
 * tells the index which node was inserted, which start was removed, or
 * whose end changed, and the index reads the gaps it needs from the tree
 * itself. */
typedef struct _MsGapIndex MsGapIndex;

MsGapIndex *ms_gap_index_new           (GTree      *areas);
void        ms_gap_index_free          (MsGapIndex *self);
/* The tree was emptied. */
void        ms_gap_index_clear         (MsGapIndex *self);

/* @node was just inserted into the tree. (The gap of the area after it
 * can only have shrunk.) */
void        ms_gap_index_inserted      (MsGapIndex *self,
                                        GTreeNode  *node);
/* The area that started at @start was just removed from the tree. */
void        ms_gap_index_removed       (MsGapIndex *self,
                                        guint64     start);
/* The area of @node, which used to end at @old_end, now ends elsewhere
 * (its start is unchanged). */
void        ms_gap_index_end_changed   (MsGapIndex *self,
                                        GTreeNode  *node,
                                        guint64     old_end);

/* The lowest r, a multiple of @align (a power of two), with r >= @from,
 * r + @size <= @limit_end and [r, r + @size) free. @from is a multiple
 * of @align, @size a non-zero multiple of @align, and
 * @from + @size <= @limit_end. */
gboolean    ms_gap_index_find          (MsGapIndex *self,
                                        guint64     from,
                                        guint64     size,
                                        guint64     limit_end,
                                        guint64     align,
                                        guint64    *out_start);
/* The highest such r with r >= @limit_start and r + @size <= @limit_end.
 * @size is a non-zero multiple of @align and
 * @limit_start + @size <= @limit_end. */
gboolean    ms_gap_index_find_top_down (MsGapIndex *self,
                                        guint64     size,
                                        guint64     limit_start,
                                        guint64     limit_end,
                                        guint64     align,
                                        guint64    *out_start);

/* For tests. */
/* Checks every invariant of the index against the tree, and aborts if
 * one does not hold. */
void        ms_gap_index_check         (MsGapIndex *self);
/* The number of buckets, and the number of areas of the bucket of the
 * area that starts at @start. */
guint       ms_gap_index_get_n_buckets (MsGapIndex *self);
guint       ms_gap_index_get_bucket_size (MsGapIndex *self,
                                          guint64     start);

/* The bounds of a bucket's size (fewer areas only when it is the only
 * one). */
#define MS_GAP_INDEX_BUCKET_MAX 256
#define MS_GAP_INDEX_BUCKET_MIN 32

G_END_DECLS
