/* ms-memory-set.c: the memory mappings of one address space
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-gap-index.h"
#include "ms-memory-set-private.h"
#include "ms-mapping-backend-private.h"

/**
 * MsMemorySet:
 *
 * The memory mappings of one address space: the bookkeeping behind
 * `mmap`, `munmap` and `mprotect`.
 *
 * A set holds [struct@Ms.MemoryArea]s that never overlap, ordered by
 * start address. [method@Ms.MemorySet.map] adds an area,
 * [method@Ms.MemorySet.unmap] removes a range, shrinking or splitting the
 * areas it crosses, and [method@Ms.MemorySet.protect] changes the flags
 * of a range, splitting areas at its boundaries. Each change is passed to
 * the [iface@Ms.MappingBackend] of the area concerned, and the set never
 * disagrees with its backends: when a backend refuses, the set describes
 * exactly what the backends hold and the call fails with
 * %MS_MAPPING_ERROR_BAD_STATE.
 *
 * Lookups ([method@Ms.MemorySet.find], [method@Ms.MemorySet.overlaps]),
 * [method@Ms.MemorySet.map], [method@Ms.MemorySet.unmap] and
 * [method@Ms.MemorySet.protect] cost O(log n) for each area they touch;
 * [method@Ms.MemorySet.find_free_area] costs O(log n) (amortised over
 * the changes of the set), even when most gaps are too small.
 *
 * A set is not thread-safe: use one set from one thread at a time, as
 * with a `GTree`. Distinct sets are independent.
 *
 * Since: 1.0
 */
struct _MsMemorySet
{
  GObject parent_instance;

  /* start address (see MS_AREA_KEY()) -> MsMemoryArea. The set holds a
   * reference to each area, but the tree does not drop it: see
   * drop_area(). */
  GTree *areas;

  /* The gaps between the areas, for find_free_area(). */
  MsGapIndex *gaps;

  /* The sum of the sizes of the areas, kept by the primitives. */
  guint64 mapped_size;

  /* Properties. */
  gboolean merge_adjacent;
  guint    max_areas;

  /* The area find() returned last, or NULL: lookups near the last one
   * are common. Cleared by every change of the tree. */
  MsMemoryArea *last_found;

  /* The class of the last backend called, referenced so that it stays
   * loaded, and its MsMappingBackend vtable: looking an interface up
   * costs more than the rest of a call. */
  GTypeClass *backend_class;
  MsMappingBackendInterface *backend_iface;

  /* Areas taken out of the set during the running change, released when
   * it ends: releasing one can run user code (the dispose of a backend
   * whose last reference it held, weak references, destroy notifies),
   * which must see a set in a consistent state. */
  GPtrArray *dropped;

  /* > 0 while a change, a foreach or a callback of this set runs: a
   * change asked for then is refused instead of corrupting the walk. */
  guint busy;

  /* The last reference went while the set was busy: the set keeps one
   * of its own until it is no longer busy, then drops it and goes. */
  gboolean dispose_deferred;
};

G_DEFINE_FINAL_TYPE (MsMemorySet, ms_memory_set, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_N_AREAS,
  PROP_MERGE_ADJACENT,
  PROP_MAX_AREAS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"
#define RANGE_FORMAT "[" ADDR_FORMAT ", " ADDR_FORMAT ")"

static gint
compare_keys (gconstpointer a,
              gconstpointer b,
              gpointer      user_data)
{
  guint64 x = MS_KEY_VALUE (a);
  guint64 y = MS_KEY_VALUE (b);

  return (x > y) - (x < y);
}

/* The end of [start, start + size), or FALSE when it runs past 2^64 - 1. */
static inline gboolean
range_end (guint64  start,
           guint64  size,
           guint64 *end)
{
  if (size > G_MAXUINT64 - start)
    return FALSE;

  *end = start + size;
  return TRUE;
}

/* The end of the range [start, start + size) that @operation was asked
 * for, or FALSE with INVALID_PARAM when it runs past 2^64 - 1. */
static gboolean
check_range (const char  *operation,
             guint64      start,
             guint64      size,
             guint64     *end,
             GError     **error)
{
  if (G_LIKELY (range_end (start, size, end)))
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
               "Cannot %s " ADDR_FORMAT " bytes at " ADDR_FORMAT ": "
               "the range runs past the end of the address space",
               operation, size, start);
  return FALSE;
}

/* The node of the area that contains @addr, or else of the first area
 * after @addr; NULL when there is none. */
static GTreeNode *
node_at_or_after (MsMemorySet *self,
                  guint64      addr)
{
  GTreeNode *after = g_tree_upper_bound (self->areas, MS_LOOKUP_KEY (addr));
  GTreeNode *before = after != NULL ? g_tree_node_previous (after)
                                    : g_tree_node_last (self->areas);

  if (before != NULL && ms_memory_area_end (ms_node_area (before)) > addr)
    return before;

  return after;
}

/* Whether the set holds the only reference to @area: then nobody else
 * can see it, and it may be changed in place instead of replaced. */
static inline gboolean
area_is_private (MsMemoryArea *area)
{
  return ms_memory_area_is_private (area);
}

/* The set's reference to @area, taken out of the tree, goes when the
 * change ends. */
static inline void
drop_area (MsMemorySet  *self,
           MsMemoryArea *area)
{
  g_ptr_array_add (self->dropped, area);
}

/* The primitives below are the only code that changes the tree, and
 * each tells the gap index what it did. */

/* Inserts @area (the set takes the reference). */
static GTreeNode *
insert_area (MsMemorySet  *self,
             MsMemoryArea *area)
{
  GTreeNode *node = g_tree_insert_node (self->areas, MS_AREA_KEY (area), area);

  ms_gap_index_inserted (self->gaps, node);
  self->mapped_size += area->size;
  self->last_found = NULL;
  return node;
}

/* Removes the area of @node from the set. */
static void
remove_node (MsMemorySet *self,
             GTreeNode   *node)
{
  MsMemoryArea *area = ms_node_area (node);
  guint64 start = area->start;

  self->last_found = NULL;
  self->mapped_size -= area->size;
  g_tree_remove (self->areas, MS_LOOKUP_KEY (start));
  ms_gap_index_removed (self->gaps, start);
  drop_area (self, area);
}

/* Makes @area, the area of @node, cover [its start, @end) with @flags
 * (and its offset running on): in place when nobody else holds it,
 * otherwise by a new area. The caller tells the gap index. */
static void
set_node_area (MsMemorySet  *self,
               GTreeNode    *node,
               MsMemoryArea *area,
               guint64       end,
               guint64       flags)
{
  self->last_found = NULL;
  self->mapped_size += (end - area->start) - area->size;
  if (area_is_private (area))
    {
      area->size = end - area->start;
      area->flags = flags;
    }
  else
    {
      MsMemoryArea *piece = ms_memory_area_new_like (area, area->start, end - area->start, flags,
                                                     ms_memory_area_offset_at (area, area->start));

      /* The key is the new area's own (it points into it on 32 bits). */
      g_tree_replace_node (self->areas, MS_AREA_KEY (piece), piece);
      drop_area (self, area);
    }
}

/* Makes the area of @node cover [its start, @end) with @flags. */
static void
reshape_node (MsMemorySet *self,
              GTreeNode   *node,
              guint64      end,
              guint64      flags)
{
  MsMemoryArea *area = ms_node_area (node);
  guint64 old_end = ms_memory_area_end (area);

  set_node_area (self, node, area, end, flags);
  if (end != old_end)
    ms_gap_index_end_changed (self->gaps, node, old_end);
}

/* Splits the area of @node around [hole_start, hole_end), strictly
 * inside it (the hole may be empty): @node keeps [start, hole_start),
 * and the node returned holds [hole_end, end), with the same flags,
 * backend and name, and the offset of @hole_end. The gap index hears
 * only of the new node, whose gap before it is the hole. */
static GTreeNode *
split_node_around (MsMemorySet *self,
                   GTreeNode   *node,
                   guint64      hole_start,
                   guint64      hole_end)
{
  MsMemoryArea *area = ms_node_area (node);
  guint64 end = ms_memory_area_end (area);
  MsMemoryArea *upper;

  g_assert (area->start < hole_start && hole_start <= hole_end && hole_end < end);

  upper = ms_memory_area_new_like (area, hole_end, end - hole_end, area->flags,
                                   ms_memory_area_offset_at (area, hole_end));
  set_node_area (self, node, area, hole_start, area->flags);
  return insert_area (self, upper);
}

/* Splits the area of @node at @addr, strictly inside it. */
static inline GTreeNode *
split_node (MsMemorySet *self,
            GTreeNode   *node,
            guint64      addr)
{
  return split_node_around (self, node, addr, addr);
}

/* Whether @b could be the part of @a after its end: they touch, have
 * the same backend, flags and name, and the offset runs on. */
static inline gboolean
mergeable (const MsMemoryArea *a,
           const MsMemoryArea *b)
{
  return ms_memory_area_end (a) == b->start && a->backend == b->backend &&
         a->flags == b->flags && ms_memory_area_same_tag (a, b);
}

/* Joins the area of @next, mergeable into the area of @node, to it: one
 * area, with the first one's start and offset. Bookkeeping only. The
 * first one grows before the second goes, so that the gap index never
 * sees a free range between them. */
static void
join_nodes (MsMemorySet *self,
            GTreeNode   *node,
            GTreeNode   *next)
{
  MsMemoryArea *area = ms_node_area (node);

  g_assert (mergeable (area, ms_node_area (next)));

  reshape_node (self, node, ms_memory_area_end (ms_node_area (next)), area->flags);
  remove_node (self, next);
}

/* With merge-adjacent, joins every mergeable pair of neighbours from the
 * area before @start to the area that starts at @end: after a change of
 * [start, end), no other pair can have become mergeable. */
static void
merge_range (MsMemorySet *self,
             guint64      start,
             guint64      end)
{
  GTreeNode *node, *prev, *next;

  if (!self->merge_adjacent || (node = node_at_or_after (self, start)) == NULL)
    return;

  if ((prev = g_tree_node_previous (node)) != NULL)
    node = prev;
  while ((next = g_tree_node_next (node)) != NULL && ms_node_area (next)->start <= end)
    {
      if (mergeable (ms_node_area (node), ms_node_area (next)))
        join_nodes (self, node, next);
      else
        node = next;
    }
}

/* Ends a busy stretch (a change or a foreach): if the last reference
 * went meanwhile, the set goes now. */
static inline void
leave_busy (MsMemorySet *self)
{
  self->busy--;

  if (G_UNLIKELY (self->dispose_deferred) && self->busy == 0)
    {
      self->dispose_deferred = FALSE;
      g_object_unref (self);
    }
}

/* One change of the set, from begin_change() to end_change(). */
typedef struct {
  MsMemorySet *set;
  GObject     *page_table;       /* a reference, or NULL */
  guint        n_areas_before;
} Change;

/* Starts a change of the set. A callback that drops the caller's last
 * reference does not pull the set from under the running call: dispose
 * keeps the set alive until the change ends (cheaper than holding a
 * reference through every change). The page table is held for the
 * whole change, so that every backend call gets a live one. */
static gboolean
begin_change (MsMemorySet  *self,
              Change       *change,
              const char   *operation,
              guint64       start,
              guint64       end,
              GObject      *page_table,
              GError      **error)
{
  if (self->busy > 0)
    {
      g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BUSY,
                   "Cannot %s " RANGE_FORMAT ": the set is in the middle of "
                   "another operation (called from a backend or a callback "
                   "of the same set)",
                   operation, start, end);
      return FALSE;
    }

  self->busy++;
  change->set = self;
  change->page_table = page_table != NULL ? g_object_ref (page_table) : NULL;
  change->n_areas_before = g_tree_nnodes (self->areas);

  return TRUE;
}

/* Ends a change: the set is consistent again, so the areas it dropped
 * can go, and user code (destructors, notify handlers) may look at it. */
static void
end_change (Change *change)
{
  MsMemorySet *self = change->set;

  /* A destructor run from here cannot change the set (it is busy), but
   * it may drop more areas: take them one at a time. */
  while (self->dropped->len > 0)
    ms_memory_area_unref (g_ptr_array_steal_index_fast (self->dropped, self->dropped->len - 1));

  if ((guint) g_tree_nnodes (self->areas) != change->n_areas_before)
    g_object_notify_by_pspec ((GObject *) self, properties[PROP_N_AREAS]);

  g_clear_object (&change->page_table);
  leave_busy (self);
}

typedef enum {
  BACKEND_MAP,
  BACKEND_UNMAP,
  BACKEND_PROTECT,
  BACKEND_MOVE,
} BackendOperation;

static const char * const backend_operation_names[] = { "map", "unmap", "protect", "move" };

/* The MsMappingBackend vtable of @backend, when its class is not the one
 * of the last backend called. */
static MsMappingBackendInterface *
backend_iface_slow (MsMemorySet      *self,
                    MsMappingBackend *backend)
{
  GTypeClass *klass = g_type_class_ref (G_OBJECT_TYPE (backend));

  g_clear_pointer (&self->backend_class, g_type_class_unref);
  self->backend_class = klass;
  self->backend_iface = MS_MAPPING_BACKEND_GET_IFACE (backend);

  return self->backend_iface;
}

static inline MsMappingBackendInterface *
backend_iface (MsMemorySet      *self,
               MsMappingBackend *backend)
{
  if (G_LIKELY (((GTypeInstance *) backend)->g_class == self->backend_class))
    return self->backend_iface;

  return backend_iface_slow (self, backend);
}

/* Asks @area's backend to map, unmap or protect [start, end) (@arg is
 * the flags of map and protect), or to move it to @arg: TRUE when it
 * did, otherwise FALSE with the backend's reason in @error. */
static gboolean
backend_call (MsMemorySet        *self,
              BackendOperation    operation,
              const MsMemoryArea *area,
              guint64             start,
              guint64             end,
              guint64             arg,
              GObject            *page_table,
              GError            **error)
{
  MsMappingBackendInterface *iface = backend_iface (self, area->backend);
  const char *name = backend_operation_names[operation];
  GError *local_error = NULL;
  gboolean done;

  switch (operation)
    {
    case BACKEND_MAP:
      if (iface->map == NULL)
        goto missing;
      done = iface->map (area->backend, start, end - start, arg, page_table, &local_error);
      break;

    case BACKEND_UNMAP:
      if (iface->unmap == NULL)
        goto missing;
      done = iface->unmap (area->backend, start, end - start, page_table, &local_error);
      break;

    case BACKEND_PROTECT:
      if (iface->protect == NULL)
        goto missing;
      done = iface->protect (area->backend, start, end - start, arg, page_table, &local_error);
      break;

    case BACKEND_MOVE:
      if (iface->move == NULL)
        goto missing;
      done = iface->move (area->backend, start, end - start, arg, page_table, &local_error);
      break;

    default:
      g_assert_not_reached ();
    }

  if (G_LIKELY (done && local_error == NULL))
    return TRUE;
  return ms_mapping_backend_finish_call (area->backend, name, start, end, done, local_error, error);

missing:
  return ms_mapping_backend_missing (area->backend, name, start, end, error);
}

/* How many areas a call leaves, for max-areas: the pieces a call makes
 * in and around its range, in address order, are counted as the set
 * will hold them once merged. */
typedef struct {
  guint64             start;
  guint64             end;
  guint64             flags;
  guint64             offset;   /* at start */
  const MsMemoryArea *like;     /* backend and name */
  const MsMemoryArea *origin;   /* the area it is a piece of, or NULL */
} Segment;

/* A piece [start, end) of @area with @flags. */
static inline Segment
segment (const MsMemoryArea *area,
         guint64             start,
         guint64             end,
         guint64             flags)
{
  return (Segment) { start, end, flags, ms_memory_area_offset_at (area, start), area, area };
}

/* A new area [start, end) with @flags and @offset, like @area. */
static inline Segment
new_segment (const MsMemoryArea *area,
             guint64             start,
             guint64             end,
             guint64             flags,
             guint64             offset)
{
  return (Segment) { start, end, flags, offset, area, NULL };
}

static gboolean
segments_join (MsMemorySet   *self,
               const Segment *a,
               const Segment *b)
{
  if (a->end != b->start || a->flags != b->flags)
    return FALSE;
  /* Nothing splits the pieces of one area that keep the same flags... */
  if (a->origin != NULL && a->origin == b->origin)
    return TRUE;
  /* ... and merge-adjacent joins mergeable neighbours. */
  return self->merge_adjacent && a->like->backend == b->like->backend &&
         ms_memory_area_name (a->like) == ms_memory_area_name (b->like) &&
         a->offset + (a->end - a->start) == b->offset;
}

/* The number of areas @segments, in address order, make. */
static guint
count_segments (MsMemorySet   *self,
                const Segment *segments,
                guint          n_segments)
{
  guint count = 0;

  for (guint i = 0; i < n_segments; i++)
    if (i == 0 || !segments_join (self, &segments[i - 1], &segments[i]))
      count++;
  return count;
}

/* Whether a call that may add @worst areas at most can break the limit:
 * when it cannot, its outcome need not be counted. */
static inline gboolean
limit_may_bind (MsMemorySet *self,
                guint64      worst)
{
  guint n = g_tree_nnodes (self->areas);

  return n + worst > MAX (self->max_areas, n);
}

/* Fails with TOO_MANY_AREAS when @outcome breaks the limit: more areas
 * than both max-areas and the set holds now. */
static gboolean
check_limit (MsMemorySet  *self,
             guint64       outcome,
             const char   *operation,
             guint64       start,
             guint64       end,
             GError      **error)
{
  guint n = g_tree_nnodes (self->areas);

  if (outcome <= MAX (self->max_areas, n))
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS,
               "Cannot %s " RANGE_FORMAT ": the set would hold %" G_GUINT64_FORMAT
               " areas, more than its limit of %u", operation, start, end, outcome,
               self->max_areas);
  return FALSE;
}

/* The areas that meet [start, end): the first one's node, and how many. */
static GTreeNode *
nodes_in_range (MsMemorySet *self,
                guint64      start,
                guint64      end,
                guint       *n_nodes)
{
  GTreeNode *first = node_at_or_after (self, start);

  *n_nodes = 0;
  for (GTreeNode *node = first; node != NULL && ms_node_area (node)->start < end;
       node = g_tree_node_next (node))
    (*n_nodes)++;
  return *n_nodes > 0 ? first : NULL;
}

/* The outcome of unmapping [start, end), and of mapping @area there
 * after (with @area NULL, the unmap alone): the areas in the range go,
 * the parts of the first and last outside it stay, and @area may merge
 * with what it touches. */
static guint64
outcome_of_map (MsMemorySet        *self,
                guint64             start,
                guint64             end,
                const MsMemoryArea *area)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  GTreeNode *first, *last = NULL, *before, *after;
  guint n_in = 0, n_around = 0;

  first = nodes_in_range (self, start, end, &n_in);
  if (first != NULL)
    {
      last = first;
      for (guint i = 1; i < n_in; i++)
        last = g_tree_node_next (last);
      before = g_tree_node_previous (first);
      after = g_tree_node_next (last);
    }
  else
    {
      after = node_at_or_after (self, start);
      before = after != NULL ? g_tree_node_previous (after) : g_tree_node_last (self->areas);
    }

  if (area != NULL && before != NULL)
    {
      const MsMemoryArea *b = ms_node_area (before);
      Segment seg = segment (b, b->start, ms_memory_area_end (b), b->flags);

      g_array_append_val (segments, seg);
      n_around++;
    }
  if (first != NULL && ms_node_area (first)->start < start)
    {
      const MsMemoryArea *f = ms_node_area (first);
      Segment seg = segment (f, f->start, start, f->flags);

      g_array_append_val (segments, seg);
    }
  if (area != NULL)
    {
      Segment seg = new_segment (area, area->start, ms_memory_area_end (area), area->flags,
                                 ms_memory_area_get_offset (area));

      g_array_append_val (segments, seg);
    }
  if (last != NULL && ms_memory_area_end (ms_node_area (last)) > end)
    {
      const MsMemoryArea *l = ms_node_area (last);
      Segment seg = segment (l, end, ms_memory_area_end (l), l->flags);

      g_array_append_val (segments, seg);
    }
  if (area != NULL && after != NULL)
    {
      const MsMemoryArea *a = ms_node_area (after);
      Segment seg = segment (a, a->start, ms_memory_area_end (a), a->flags);

      g_array_append_val (segments, seg);
      n_around++;
    }

  return (guint64) g_tree_nnodes (self->areas) - n_in - n_around +
         count_segments (self, (Segment *) (gpointer) segments->data, segments->len);
}

/* Unmaps [start, end) from the set and the backends, piece by piece:
 * each area in the range is split at the range's end, and what is inside
 * goes (the area's tail is cut off, or the area is removed). On a
 * backend failure the pieces already unmapped stay unmapped and the
 * failed area is left whole. */
static gboolean
unmap_range (MsMemorySet  *self,
             guint64       start,
             guint64       end,
             GObject      *page_table,
             GError      **error)
{
  GTreeNode *node = node_at_or_after (self, start);

  while (node != NULL && ms_node_area (node)->start < end)
    {
      MsMemoryArea *area = ms_node_area (node);
      guint64 area_start = area->start;
      guint64 piece_start = MAX (area_start, start);
      guint64 piece_end = MIN (ms_memory_area_end (area), end);
      GTreeNode *next;

      /* The set is busy during the call, so @area stays in the tree. */
      if (!backend_call (self, BACKEND_UNMAP, area, piece_start, piece_end, 0, page_table, error))
        return FALSE;

      /* Only @node changes below, so @next stays valid. A piece in the
       * middle is one split around it. */
      if (area_start < piece_start && piece_end < ms_memory_area_end (area))
        next = split_node_around (self, node, piece_start, piece_end);
      else
        {
          if (piece_end < ms_memory_area_end (area))
            next = split_node (self, node, piece_end);
          else
            next = g_tree_node_next (node);

          if (area_start < piece_start)
            reshape_node (self, node, piece_start, ms_node_area (node)->flags);
          else
            remove_node (self, node);
        }

      node = next;
    }

  return TRUE;
}

/* Gives the piece [start, end) of the area of @node the flags
 * @new_flags: the backend first, then the piece is split off and
 * re-flagged. Returns the node of the piece. */
static gboolean
protect_piece (MsMemorySet  *self,
               GTreeNode    *node,
               guint64       start,
               guint64       end,
               guint64       new_flags,
               GObject      *page_table,
               GError      **error)
{
  MsMemoryArea *area = ms_node_area (node);
  guint64 piece_start = MAX (area->start, start);
  guint64 piece_end = MIN (ms_memory_area_end (area), end);

  if (!backend_call (self, BACKEND_PROTECT, area, piece_start, piece_end, new_flags,
                     page_table, error))
    return FALSE;

  if (piece_end < ms_memory_area_end (area))
    split_node (self, node, piece_end);
  if (ms_node_area (node)->start < piece_start)
    node = split_node (self, node, piece_start);
  reshape_node (self, node, piece_end, new_flags);
  return TRUE;
}

/* What update_flags asked for one area of a protect_with() range. */
typedef struct {
  GTreeNode *node;
  guint64    new_flags;
  gboolean   change;
} ProtectPlan;

static inline gboolean
ask_update (MsUpdateFlagsFunc  update_flags,
            gpointer           user_data,
            guint64            old_flags,
            guint64           *new_flags)
{
  *new_flags = old_flags;
  return update_flags (old_flags, new_flags, user_data) && *new_flags != old_flags;
}

/* The outcome of @plan over [start, end), its @n_plan areas in order. */
static guint64
outcome_of_protect (MsMemorySet       *self,
                    guint64            start,
                    guint64            end,
                    const ProtectPlan *plan,
                    guint              n_plan)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  GTreeNode *before = g_tree_node_previous (plan[0].node);
  GTreeNode *after = g_tree_node_next (plan[n_plan - 1].node);
  guint n_around = 0;
  Segment seg;

  if (before != NULL)
    {
      const MsMemoryArea *b = ms_node_area (before);

      seg = segment (b, b->start, ms_memory_area_end (b), b->flags);
      g_array_append_val (segments, seg);
      n_around++;
    }
  for (guint i = 0; i < n_plan; i++)
    {
      const MsMemoryArea *area = ms_node_area (plan[i].node);
      guint64 area_end = ms_memory_area_end (area);
      guint64 piece_start = MAX (area->start, start), piece_end = MIN (area_end, end);

      if (!plan[i].change)
        {
          seg = segment (area, area->start, area_end, area->flags);
          g_array_append_val (segments, seg);
          continue;
        }
      if (area->start < piece_start)
        {
          seg = segment (area, area->start, piece_start, area->flags);
          g_array_append_val (segments, seg);
        }
      seg = segment (area, piece_start, piece_end, plan[i].new_flags);
      g_array_append_val (segments, seg);
      if (piece_end < area_end)
        {
          seg = segment (area, piece_end, area_end, area->flags);
          g_array_append_val (segments, seg);
        }
    }
  if (after != NULL)
    {
      const MsMemoryArea *a = ms_node_area (after);

      seg = segment (a, a->start, ms_memory_area_end (a), a->flags);
      g_array_append_val (segments, seg);
      n_around++;
    }

  return (guint64) g_tree_nnodes (self->areas) - n_plan - n_around +
         count_segments (self, (Segment *) (gpointer) segments->data, segments->len);
}

/* Gives each area piece in [start, end) the flags @update_flags asks
 * for, in address order: a piece that changes is split off at the
 * range's boundaries, given to its backend, and re-flagged.
 * @update_flags is asked about each piece as the walk reaches it; when
 * the limit on areas may be broken, about every piece first, so that
 * the outcome can be counted before anything changes. */
static gboolean
protect_range (MsMemorySet       *self,
               guint64            start,
               guint64            end,
               GObject           *page_table,
               MsUpdateFlagsFunc  update_flags,
               gpointer           user_data,
               GError           **error)
{
  g_autoptr(GArray) plan = NULL;
  GTreeNode *node;

  if (limit_may_bind (self, 2))
    {
      guint n_nodes;

      plan = g_array_new (FALSE, FALSE, sizeof (ProtectPlan));
      for (node = nodes_in_range (self, start, end, &n_nodes); n_nodes > 0;
           node = g_tree_node_next (node), n_nodes--)
        {
          ProtectPlan piece = { node, 0, FALSE };

          piece.change = ask_update (update_flags, user_data, ms_node_area (node)->flags,
                                     &piece.new_flags);
          g_array_append_val (plan, piece);
        }
      if (plan->len == 0 ||
          !check_limit (self, outcome_of_protect (self, start, end, (ProtectPlan *) (gpointer) plan->data,
                                                  plan->len), "protect", start, end, error))
        return plan->len == 0;

      for (guint i = 0; i < plan->len; i++)
        {
          ProtectPlan *piece = &g_array_index (plan, ProtectPlan, i);

          if (piece->change &&
              !protect_piece (self, piece->node, start, end, piece->new_flags, page_table, error))
            return FALSE;
        }
      return TRUE;
    }

  node = node_at_or_after (self, start);
  while (node != NULL && ms_node_area (node)->start < end)
    {
      GTreeNode *here = node;
      guint64 new_flags;

      /* New pieces go between @here and @node. */
      node = g_tree_node_next (node);

      if (ask_update (update_flags, user_data, ms_node_area (here)->flags, &new_flags) &&
          !protect_piece (self, here, start, end, new_flags, page_table, error))
        return FALSE;
    }

  return TRUE;
}

static void
ms_memory_set_dispose (GObject *object)
{
  MsMemorySet *self = (MsMemorySet *) object;

  /* The last reference went from a backend or a callback of a running
   * change or foreach: keep the set until that ends (leave_busy()). */
  if (self->busy > 0)
    {
      if (!self->dispose_deferred)
        {
          self->dispose_deferred = TRUE;
          g_object_ref (self);
        }
      return;
    }

  G_OBJECT_CLASS (ms_memory_set_parent_class)->dispose (object);
}

static gboolean
unref_area (gpointer key,
            gpointer value,
            gpointer user_data)
{
  ms_memory_area_unref (value);
  return FALSE;
}

static void
ms_memory_set_finalize (GObject *object)
{
  MsMemorySet *self = (MsMemorySet *) object;

  g_clear_pointer (&self->gaps, ms_gap_index_free);
  g_tree_foreach (self->areas, unref_area, NULL);
  g_clear_pointer (&self->areas, g_tree_unref);
  g_clear_pointer (&self->dropped, g_ptr_array_unref);
  g_clear_pointer (&self->backend_class, g_type_class_unref);

  G_OBJECT_CLASS (ms_memory_set_parent_class)->finalize (object);
}

static void
ms_memory_set_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MsMemorySet *self = MS_MEMORY_SET (object);

  switch (prop_id)
    {
    case PROP_N_AREAS:
      g_value_set_uint (value, ms_memory_set_get_n_areas (self));
      break;

    case PROP_MERGE_ADJACENT:
      g_value_set_boolean (value, self->merge_adjacent);
      break;

    case PROP_MAX_AREAS:
      g_value_set_uint (value, self->max_areas);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_memory_set_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  MsMemorySet *self = MS_MEMORY_SET (object);

  switch (prop_id)
    {
    case PROP_MERGE_ADJACENT:
      ms_memory_set_set_merge_adjacent (self, g_value_get_boolean (value));
      break;

    case PROP_MAX_AREAS:
      ms_memory_set_set_max_areas (self, g_value_get_uint (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_memory_set_class_init (MsMemorySetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ms_memory_set_dispose;
  object_class->finalize = ms_memory_set_finalize;
  object_class->get_property = ms_memory_set_get_property;
  object_class->set_property = ms_memory_set_set_property;

  /**
   * MsMemorySet:n-areas: (getter get_n_areas)
   *
   * The number of areas in the set.
   *
   * Since: 1.0
   */
  properties[PROP_N_AREAS] =
    g_param_spec_uint ("n-areas", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MsMemorySet:merge-adjacent: (getter get_merge_adjacent) (setter set_merge_adjacent)
   *
   * Whether the set joins neighbouring areas that could be one: areas
   * that touch, with the same backend object, equal flags, equal names
   * (both %NULL, or equal strings), and offsets that run on (the second
   * one's offset is the first one's plus its size). The joined area has
   * the first one's start and offset.
   *
   * Joining is bookkeeping only: no backend is called. When the property
   * is on, after every call of the set, successful or not, no two
   * neighbours in the set could be joined: the set joins what a call
   * made joinable, and all it holds when the property is turned on. An
   * area a caller holds never changes: joining replaces it. When the
   * property is off, the default, nothing is joined.
   *
   * Since: 1.0
   */
  properties[PROP_MERGE_ADJACENT] =
    g_param_spec_boolean ("merge-adjacent", NULL, NULL,
                          FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MsMemorySet:max-areas: (getter get_max_areas) (setter set_max_areas)
   *
   * The number of areas the set may hold, as Linux's `vm.max_map_count`
   * limits the mappings of a process.
   *
   * A call of [method@Ms.MemorySet.map], [method@Ms.MemorySet.unmap],
   * [method@Ms.MemorySet.protect], [method@Ms.MemorySet.protect_with],
   * [method@Ms.MemorySet.load_maps] or [method@Ms.MemorySet.remap] whose
   * success would leave the set with more areas than both this limit and
   * the number it holds before the call fails with
   * %MS_MAPPING_ERROR_TOO_MANY_AREAS before any backend call, and changes
   * nothing; the areas that [property@Ms.MemorySet:merge-adjacent] joins
   * are counted. (A call that a backend refuses part-way keeps what was
   * done up to that point, and may end with more areas than its success
   * would have left.) [method@Ms.MemorySet.protect_with] asks its
   * function about each area piece of the range once, in address order,
   * whether the limit refuses the call or not: when the limit might be
   * broken, about all of them before anything changes.
   *
   * Lowering the limit below the number of areas the set holds removes
   * nothing; calls that add areas fail until it holds fewer.
   *
   * Since: 1.0
   */
  properties[PROP_MAX_AREAS] =
    g_param_spec_uint ("max-areas", NULL, NULL,
                       0, G_MAXUINT, G_MAXUINT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_memory_set_init (MsMemorySet *self)
{
  self->areas = g_tree_new_full (compare_keys, NULL, NULL, NULL);
  self->gaps = ms_gap_index_new (self->areas);
  self->dropped = g_ptr_array_new ();
  self->max_areas = G_MAXUINT;
}

/**
 * ms_memory_set_new:
 *
 * Creates an empty set.
 *
 * Returns: (transfer full): a new set
 *
 * Since: 1.0
 */
MsMemorySet *
ms_memory_set_new (void)
{
  return g_object_new (MS_TYPE_MEMORY_SET, NULL);
}

/**
 * ms_memory_set_get_n_areas: (get-property n-areas)
 * @self: a set
 *
 * Gets the number of areas in the set.
 *
 * Returns: the number of areas
 *
 * Since: 1.0
 */
guint
ms_memory_set_get_n_areas (MsMemorySet *self)
{
  g_return_val_if_fail (MS_IS_MEMORY_SET (self), 0);

  return g_tree_nnodes (self->areas);
}

/**
 * ms_memory_set_get_mapped_size:
 * @self: a set
 *
 * Gets the number of bytes the set maps: the sum of the sizes of its
 * areas, kept as the set changes (O(1)).
 *
 * Returns: the mapped size, in bytes
 *
 * Since: 1.0
 */
guint64
ms_memory_set_get_mapped_size (MsMemorySet *self)
{
  g_return_val_if_fail (MS_IS_MEMORY_SET (self), 0);

  return self->mapped_size;
}

/**
 * ms_memory_set_get_merge_adjacent: (get-property merge-adjacent)
 * @self: a set
 *
 * Gets whether the set joins neighbouring areas that could be one; see
 * [property@Ms.MemorySet:merge-adjacent].
 *
 * Returns: %TRUE if it does
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_get_merge_adjacent (MsMemorySet *self)
{
  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);

  return self->merge_adjacent;
}

/**
 * ms_memory_set_set_merge_adjacent: (set-property merge-adjacent)
 * @self: a set
 * @merge: whether to join neighbouring areas that could be one
 *
 * Sets [property@Ms.MemorySet:merge-adjacent]. Turning it on joins,
 * once, every pair of neighbours of the set that could be one.
 *
 * It must not be called from a backend or a callback of the same set,
 * while the set is in the middle of a change.
 *
 * Since: 1.0
 */
void
ms_memory_set_set_merge_adjacent (MsMemorySet *self,
                                  gboolean     merge)
{
  Change change;

  g_return_if_fail (MS_IS_MEMORY_SET (self));
  g_return_if_fail (self->busy == 0);

  merge = !!merge;
  if (self->merge_adjacent == merge)
    return;

  self->merge_adjacent = merge;
  if (merge && begin_change (self, &change, "merge", 0, G_MAXUINT64, NULL, NULL))
    {
      merge_range (self, 0, G_MAXUINT64);
      end_change (&change);
    }
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_MERGE_ADJACENT]);
}

/**
 * ms_memory_set_get_max_areas: (get-property max-areas)
 * @self: a set
 *
 * Gets the number of areas the set may hold; see
 * [property@Ms.MemorySet:max-areas].
 *
 * Returns: the limit (%G_MAXUINT by default)
 *
 * Since: 1.0
 */
guint
ms_memory_set_get_max_areas (MsMemorySet *self)
{
  g_return_val_if_fail (MS_IS_MEMORY_SET (self), 0);

  return self->max_areas;
}

/**
 * ms_memory_set_set_max_areas: (set-property max-areas)
 * @self: a set
 * @max_areas: the number of areas the set may hold
 *
 * Sets [property@Ms.MemorySet:max-areas].
 *
 * Since: 1.0
 */
void
ms_memory_set_set_max_areas (MsMemorySet *self,
                             guint        max_areas)
{
  g_return_if_fail (MS_IS_MEMORY_SET (self));

  if (self->max_areas == max_areas)
    return;

  self->max_areas = max_areas;
  g_object_notify_by_pspec ((GObject *) self, properties[PROP_MAX_AREAS]);
}

/**
 * ms_memory_set_is_empty:
 * @self: a set
 *
 * Checks whether the set has no area.
 *
 * Returns: %TRUE if the set is empty
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_is_empty (MsMemorySet *self)
{
  g_return_val_if_fail (MS_IS_MEMORY_SET (self), TRUE);

  return g_tree_nnodes (self->areas) == 0;
}

/**
 * ms_memory_set_overlaps:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 *
 * Checks whether any area intersects `[start, start + size)`. An empty
 * range overlaps nothing; a range that runs past the top of the address
 * space is taken to end there.
 *
 * Returns: %TRUE if an area intersects the range
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_overlaps (MsMemorySet *self,
                        guint64      start,
                        guint64      size)
{
  GTreeNode *node;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);

  if (size == 0)
    return FALSE;

  /* No area holds the last address, so clamping there is exact. */
  if (!range_end (start, size, &end))
    end = G_MAXUINT64;

  node = node_at_or_after (self, start);

  return node != NULL && ms_node_area (node)->start < end;
}

/**
 * ms_memory_set_find:
 * @self: a set
 * @addr: an address
 *
 * Finds the area that contains @addr.
 *
 * Returns: (nullable) (transfer none): the area with
 *   `start <= addr < end`, or %NULL if @addr is not mapped
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_set_find (MsMemorySet *self,
                    guint64      addr)
{
  GTreeNode *node;
  MsMemoryArea *area;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  area = self->last_found;
  if (area != NULL && addr - area->start < area->size)
    return area;

  node = node_at_or_after (self, addr);
  if (node == NULL || ms_node_area (node)->start > addr)
    return NULL;

  return self->last_found = ms_node_area (node);
}

/* Whether a search for @size bytes aligned to @align inside
 * [limit_start, limit_end) can have an answer at all: the rules both
 * searches share. */
static inline gboolean
valid_search (guint64 size,
              guint64 limit_start,
              guint64 limit_end,
              guint64 align)
{
  return size != 0 && align != 0 && (align & (align - 1)) == 0 &&
         (size & (align - 1)) == 0 && limit_start < limit_end;
}

/* Rounds @addr up to a multiple of @align (a power of two); FALSE when
 * that runs past 2^64 - 1. */
static inline gboolean
align_up (guint64  addr,
          guint64  align,
          guint64 *aligned)
{
  if (addr > G_MAXUINT64 - (align - 1))
    return FALSE;

  *aligned = (addr + align - 1) & ~(align - 1);
  return TRUE;
}

/**
 * ms_memory_set_find_free_area:
 * @self: a set
 * @hint: the lowest address wanted
 * @size: the size of the free range wanted, a multiple of @align
 * @limit_start: the first address the range may use
 * @limit_end: the address the range must end at or before
 * @align: the alignment of the answer, a power of two
 * @out_start: (out) (optional): where to store the start of the free range
 *
 * Finds the lowest address `r`, a multiple of @align, with
 * `r >= MAX (hint, limit_start)` and `r + size <= limit_end`, such that
 * `[r, r + size)` is free.
 *
 * There is no answer when no such range exists, when @size is 0 or not a
 * multiple of @align, when @align is not a power of two, or when the
 * limit is empty. The search never wraps around the top of the address
 * space.
 *
 * Returns: %TRUE if a free range was found
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_find_free_area (MsMemorySet *self,
                              guint64      hint,
                              guint64      size,
                              guint64      limit_start,
                              guint64      limit_end,
                              guint64      align,
                              guint64     *out_start)
{
  guint64 candidate;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);

  if (!valid_search (size, limit_start, limit_end, align))
    return FALSE;

  if (!align_up (MAX (hint, limit_start), align, &candidate))
    return FALSE;
  if (candidate > limit_end || limit_end - candidate < size)
    return FALSE;

  return ms_gap_index_find (self->gaps, candidate, size, limit_end, align,
                            out_start != NULL ? out_start : &candidate);
}

/* The end of @area, or FALSE with INVALID_PARAM when it is empty, or it
 * or its offsets run past 2^64 - 1. */
static gboolean
check_area (const MsMemoryArea  *area,
            guint64             *end,
            GError             **error)
{
  const char *why;

  if (area->size == 0)
    why = "the area is empty";
  else if (!range_end (area->start, area->size, end))
    why = "it runs past the end of the address space";
  else if (ms_memory_area_get_offset (area) > G_MAXUINT64 - area->size)
    why = "its offsets run past 2^64 - 1";
  else
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
               "Cannot map an area at " ADDR_FORMAT " of size " ADDR_FORMAT ": %s",
               area->start, area->size, why);
  return FALSE;
}

static gboolean
set_overlap_error (const MsMemoryArea  *area,
                   const char          *what,
                   GError             **error)
{
  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS,
               "Cannot map " RANGE_FORMAT ": it overlaps %s",
               area->start, ms_memory_area_end (area), what);
  return FALSE;
}

/**
 * ms_memory_set_find_free_area_top_down:
 * @self: a set
 * @size: the size of the free range wanted, a multiple of @align
 * @limit_start: the first address the range may use
 * @limit_end: the address the range must end at or before
 * @align: the alignment of the answer, a power of two
 * @out_start: (out) (optional): where to store the start of the free range
 *
 * Finds the highest address `r`, a multiple of @align, with
 * `r >= limit_start` and `r + size <= limit_end`, such that
 * `[r, r + size)` is free: where Linux places a mapping in its default
 * layout, below `mmap_base`.
 *
 * There is no answer when no such range exists, when @size is 0 or not a
 * multiple of @align, when @align is not a power of two, or when the
 * limit is empty (the rules of [method@Ms.MemorySet.find_free_area]). A
 * hint is the caller's business: `!ms_memory_set_overlaps (set, hint,
 * size)` before searching. The cost is O(log n), amortised over the
 * changes of the set, even when most gaps are too small.
 *
 * Returns: %TRUE if a free range was found
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_find_free_area_top_down (MsMemorySet *self,
                                       guint64      size,
                                       guint64      limit_start,
                                       guint64      limit_end,
                                       guint64      align,
                                       guint64     *out_start)
{
  guint64 found;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);

  if (!valid_search (size, limit_start, limit_end, align) || limit_end - limit_start < size)
    return FALSE;

  return ms_gap_index_find_top_down (self->gaps, size, limit_start, limit_end, align,
                                     out_start != NULL ? out_start : &found);
}

/**
 * ms_memory_set_map:
 * @self: a set
 * @area: the area to map
 * @page_table: (nullable): passed unchanged to the backend
 * @unmap_overlap: whether to unmap whatever overlaps @area first
 * @error: return location for a #GError
 *
 * Adds @area to the set and asks its backend to map it, with one call of
 * [vfunc@Ms.MappingBackend.map] for the whole area. The set keeps its own
 * reference to @area.
 *
 * If @area overlaps existing areas, the call fails with
 * %MS_MAPPING_ERROR_ALREADY_EXISTS, unless @unmap_overlap is %TRUE, in
 * which case the range is unmapped first, as by
 * [method@Ms.MemorySet.unmap].
 *
 * An empty area, or one that runs past the top of the address space,
 * fails with %MS_MAPPING_ERROR_INVALID_PARAM. A backend that refuses
 * fails the call with %MS_MAPPING_ERROR_BAD_STATE, and @area is not
 * added (what an @unmap_overlap unmapped stays unmapped).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_map (MsMemorySet   *self,
                   MsMemoryArea  *area,
                   GObject       *page_table,
                   gboolean       unmap_overlap,
                   GError       **error)
{
  g_autoptr(MsMemoryArea) held = NULL;
  GTreeNode *node;
  Change change;
  gboolean done = FALSE, overlap;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (area != NULL, FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_area (area, &end, error))
    return FALSE;

  if (!begin_change (self, &change, "map", area->start, end, page_table, error))
    return FALSE;

  /* A backend may drop the caller's reference to the area. */
  held = ms_memory_area_ref (area);

  node = node_at_or_after (self, area->start);
  overlap = node != NULL && ms_node_area (node)->start < end;
  if (overlap && !unmap_overlap)
    {
      set_overlap_error (area, "a mapped area", error);
      goto out;
    }

  /* Splitting the areas on either side adds two at most; the area one. */
  if (limit_may_bind (self, overlap ? 2 : 1) &&
      !check_limit (self, outcome_of_map (self, area->start, end, area), "map", area->start, end, error))
    goto out;

  if (overlap && !unmap_range (self, area->start, end, page_table, error))
    goto out;

  if (!backend_call (self, BACKEND_MAP, area, area->start, end, area->flags, page_table, error))
    goto out;

  insert_area (self, g_steal_pointer (&held));
  done = TRUE;

out:
  merge_range (self, area->start, end);
  end_change (&change);
  return done;
}

/* Whether [start, end) overlaps an area of the set. */
static inline gboolean
range_overlaps (MsMemorySet *self,
                guint64      start,
                guint64      end)
{
  GTreeNode *node = node_at_or_after (self, start);

  return node != NULL && ms_node_area (node)->start < end;
}

static gint
compare_area_starts (gconstpointer a,
                     gconstpointer b,
                     gpointer      user_data)
{
  guint64 x = ((const MsMemoryArea *) a)->start;
  guint64 y = ((const MsMemoryArea *) b)->start;

  return (x > y) - (x < y);
}

void
ms_memory_set_check_invariants (MsMemorySet *self)
{
  g_assert (self->busy == 0 && self->dropped->len == 0);
  ms_gap_index_check (self->gaps);
}

MsGapIndex *
ms_memory_set_get_gap_index (MsMemorySet *self)
{
  return self->gaps;
}

/* The outcome of mapping @areas, which overlap nothing: they, with the
 * areas of the set they touch, in address order. */
static guint64
outcome_of_map_all (MsMemorySet          *self,
                    GTree                *sorted)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  const MsMemoryArea *last_neighbour = NULL;
  guint n_neighbours = 0;

  for (GTreeNode *n = g_tree_node_first (sorted); n != NULL; n = g_tree_node_next (n))
    {
      const MsMemoryArea *area = g_tree_node_value (n);
      guint64 end = ms_memory_area_end (area);
      GTreeNode *after = node_at_or_after (self, area->start);
      GTreeNode *before = after != NULL ? g_tree_node_previous (after) : g_tree_node_last (self->areas);
      Segment seg = new_segment (area, area->start, end, area->flags,
                                 ms_memory_area_get_offset (area));
      const MsMemoryArea *neighbours[2] = {
        before != NULL && ms_memory_area_end (ms_node_area (before)) == area->start ? ms_node_area (before) : NULL,
        after != NULL && ms_node_area (after)->start == end ? ms_node_area (after) : NULL,
      };

      for (guint k = 0; k < 2; k++)
        {
          const MsMemoryArea *neighbour = neighbours[k];
          Segment around;

          if (k == 1)
            g_array_append_val (segments, seg);
          if (neighbour == NULL || neighbour == last_neighbour)
            continue;
          around = segment (neighbour, neighbour->start, ms_memory_area_end (neighbour),
                            neighbour->flags);
          g_array_append_val (segments, around);
          last_neighbour = neighbour;
          n_neighbours++;
        }
    }

  return (guint64) g_tree_nnodes (self->areas) - n_neighbours +
         count_segments (self, (Segment *) (gpointer) segments->data, segments->len);
}

gboolean
ms_memory_set_map_all (MsMemorySet          *self,
                       MsMemoryArea * const *areas,
                       guint                 n_areas,
                       GObject              *page_table,
                       guint                *failed,
                       GError              **error)
{
  /* The areas checked so far, by start. */
  g_autoptr(GTree) checked = g_tree_new_full (compare_area_starts, NULL, NULL, NULL);
  Change change;
  gboolean done = TRUE;
  guint64 end;
  guint i;

  if (n_areas == 0)
    return TRUE;

  /* A busy set refuses before it looks at the areas; then the first
   * area that cannot be mapped, in the order given, fails the call. */
  *failed = 0;
  if (!begin_change (self, &change, "map", areas[0]->start, ms_memory_area_end (areas[0]),
                     page_table, error))
    return FALSE;

  for (i = 0; i < n_areas && done; i++)
    {
      MsMemoryArea *area = areas[i];
      MsMemoryArea last;
      GTreeNode *after, *before;

      *failed = i;
      if (!check_area (area, &end, error))
        {
          done = FALSE;
          break;
        }
      last.start = end - 1;
      after = g_tree_upper_bound (checked, &last);
      before = after != NULL ? g_tree_node_previous (after) : g_tree_node_last (checked);
      if (range_overlaps (self, area->start, end))
        done = set_overlap_error (area, "a mapped area", error);
      else if (before != NULL && ms_memory_area_end (ms_node_area (before)) > area->start)
        done = set_overlap_error (area, "an area given before it", error);
      else
        g_tree_insert (checked, area, area);
    }
  if (!done)
    {
      end_change (&change);
      return FALSE;
    }

  *failed = 0;
  done = !limit_may_bind (self, n_areas) ||
         check_limit (self, outcome_of_map_all (self, checked), "map",
                      areas[0]->start, ms_memory_area_end (areas[0]), error);

  for (i = 0; i < n_areas && done; i++)
    {
      MsMemoryArea *area = areas[i];

      *failed = i;
      done = backend_call (self, BACKEND_MAP, area, area->start, ms_memory_area_end (area),
                           area->flags, page_table, error);
      if (done)
        insert_area (self, ms_memory_area_ref (area));
    }

  for (guint j = 0; j < i; j++)
    merge_range (self, areas[j]->start, ms_memory_area_end (areas[j]));

  end_change (&change);
  return done;
}

/**
 * ms_memory_set_unmap:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @page_table: (nullable): passed unchanged to the backends
 * @error: return location for a #GError
 *
 * Unmaps `[start, start + size)`: areas inside the range are removed,
 * areas that cross one of its boundaries are shrunk, and an area that
 * contains the whole range is split in two. The backends'
 * [vfunc@Ms.MappingBackend.unmap] is called exactly on the mapped pieces
 * of the range, in address order; holes are skipped. An empty range does
 * nothing.
 *
 * A range that runs past the top of the address space fails with
 * %MS_MAPPING_ERROR_INVALID_PARAM. If a backend refuses, the call stops
 * there with %MS_MAPPING_ERROR_BAD_STATE: the pieces unmapped before stay
 * unmapped, and the area that failed is left as it was.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_unmap (MsMemorySet  *self,
                     guint64       start,
                     guint64       size,
                     GObject      *page_table,
                     GError      **error)
{
  Change change;
  gboolean done;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_range ("unmap", start, size, &end, error))
    return FALSE;

  if (size == 0)
    return TRUE;

  if (!begin_change (self, &change, "unmap", start, end, page_table, error))
    return FALSE;

  /* Splitting an area in two adds one. */
  done = (!limit_may_bind (self, 1) ||
          check_limit (self, outcome_of_map (self, start, end, NULL), "unmap", start, end, error)) &&
         unmap_range (self, start, end, page_table, error);
  end_change (&change);

  return done;
}

static gboolean
set_fixed_flags (guint64   old_flags,
                 guint64  *new_flags,
                 gpointer  user_data)
{
  *new_flags = *(const guint64 *) user_data;
  return TRUE;
}

/**
 * ms_memory_set_protect:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @new_flags: the flags the range takes
 * @page_table: (nullable): passed unchanged to the backends
 * @error: return location for a #GError
 *
 * Gives every mapped piece of `[start, start + size)` the flags given,
 * exactly as [method@Ms.MemorySet.protect_with] does with a function that
 * always answers @new_flags.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_protect (MsMemorySet  *self,
                       guint64       start,
                       guint64       size,
                       guint64       new_flags,
                       GObject      *page_table,
                       GError      **error)
{
  return ms_memory_set_protect_with (self, start, size, page_table,
                                     set_fixed_flags, &new_flags, error);
}

/**
 * ms_memory_set_protect_with:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @page_table: (nullable): passed unchanged to the backends
 * @update_flags: (scope call) (closure user_data): computes each area's
 *   new flags from its old ones
 * @user_data: data for @update_flags
 * @error: return location for a #GError
 *
 * Changes the flags of the mapped pieces of `[start, start + size)`.
 *
 * For each area in the range, in address order, @update_flags is given
 * the area's flags. If it returns %FALSE, or the flags it gives are the
 * area's own, the area is left untouched: not split, and its backend not
 * called. Otherwise the area is split at the range's boundaries, the
 * backend's [vfunc@Ms.MappingBackend.protect] is called on the piece in
 * the range, and that piece takes the new flags. Holes are skipped; an
 * empty range does nothing.
 *
 * A range that runs past the top of the address space fails with
 * %MS_MAPPING_ERROR_INVALID_PARAM. If a backend refuses, the call stops
 * there with %MS_MAPPING_ERROR_BAD_STATE: pieces changed before keep
 * their new flags, and the area that failed is left whole, with its old
 * flags.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_protect_with (MsMemorySet        *self,
                            guint64             start,
                            guint64             size,
                            GObject            *page_table,
                            MsUpdateFlagsFunc   update_flags,
                            gpointer            user_data,
                            GError            **error)
{
  Change change;
  gboolean done;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (update_flags != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_range ("protect", start, size, &end, error))
    return FALSE;

  if (size == 0)
    return TRUE;

  if (!begin_change (self, &change, "protect", start, end, page_table, error))
    return FALSE;

  done = protect_range (self, start, end, page_table, update_flags, user_data, error);
  merge_range (self, start, end);
  end_change (&change);

  return done;
}

static gint
compare_segment_starts (gconstpointer a,
                        gconstpointer b)
{
  guint64 x = ((const Segment *) a)->start;
  guint64 y = ((const Segment *) b)->start;

  return (x > y) - (x < y);
}

/* Appends the area of @node, unless it is @except or NULL, as a
 * neighbour that stays as it is. */
static guint
add_neighbour (GArray             *segments,
               GTreeNode          *node,
               const MsMemoryArea *except)
{
  const MsMemoryArea *area;
  Segment seg;

  if (node == NULL || (area = ms_node_area (node)) == except)
    return 0;
  seg = segment (area, area->start, ms_memory_area_end (area), area->flags);
  g_array_append_val (segments, seg);
  return 1;
}

/* The outcome of moving [old_start, old_end) of @area, the area of
 * @node, to [new_start, new_end): what is left of @area on either side,
 * and the moved area with the areas around its new place. */
static guint64
outcome_of_move (MsMemorySet *self,
                 GTreeNode   *node,
                 guint64      old_start,
                 guint64      old_end,
                 guint64      new_start,
                 guint64      new_end)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  const MsMemoryArea *area = ms_node_area (node);
  GTreeNode *after = node_at_or_after (self, new_end);
  GTreeNode *before = node_at_or_after (self, new_start);
  guint n_around = 0;
  Segment seg;

  before = before != NULL ? g_tree_node_previous (before) : g_tree_node_last (self->areas);
  if (area->start < old_start)
    {
      seg = segment (area, area->start, old_start, area->flags);
      g_array_append_val (segments, seg);
    }
  if (old_end < ms_memory_area_end (area))
    {
      seg = segment (area, old_end, ms_memory_area_end (area), area->flags);
      g_array_append_val (segments, seg);
    }
  seg = new_segment (area, new_start, new_end, area->flags, ms_memory_area_offset_at (area, old_start));
  g_array_append_val (segments, seg);
  n_around += add_neighbour (segments, before, area);
  if (after != before)
    n_around += add_neighbour (segments, after, area);

  g_array_sort (segments, compare_segment_starts);
  return (guint64) g_tree_nnodes (self->areas) - 1 - n_around +
         count_segments (self, (Segment *) (gpointer) segments->data, segments->len);
}

/* Moves the piece [start, end) of the area of @node, which the backend
 * has moved, to @new_start: the piece is cut out of its area (what is
 * left on either side stays) and becomes an area of its own, with the
 * offset its first byte had. Returns its node. */
static GTreeNode *
move_piece (MsMemorySet *self,
            GTreeNode   *node,
            guint64      start,
            guint64      end,
            guint64      new_start)
{
  MsMemoryArea *area = ms_node_area (node);
  MsMemoryArea *moved;

  if (end < ms_memory_area_end (area))
    split_node (self, node, end);
  if (area->start < start)
    node = split_node (self, node, start);
  area = ms_node_area (node);
  moved = ms_memory_area_new_like (area, new_start, end - start, area->flags,
                                   ms_memory_area_get_offset (area));
  remove_node (self, node);
  return insert_area (self, moved);
}

static gboolean
set_remap_error (GError     **error,
                 gint         code,
                 guint64      old_start,
                 guint64      old_size,
                 guint64      new_start,
                 guint64      new_size,
                 const char  *why)
{
  g_set_error (error, MS_MAPPING_ERROR, code,
               "Cannot remap " ADDR_FORMAT " bytes at " ADDR_FORMAT " to " ADDR_FORMAT
               " bytes at " ADDR_FORMAT ": %s", old_size, old_start, new_size, new_start, why);
  return FALSE;
}

/**
 * ms_memory_set_remap:
 * @self: a set
 * @old_start: the first address of the piece to move or resize
 * @old_size: its size
 * @new_start: where it goes
 * @new_size: its new size
 * @page_table: (nullable): passed unchanged to the backends
 * @error: return location for a #GError
 *
 * Moves and resizes the piece `[old_start, old_start + old_size)` of an
 * area to `[new_start, new_start + new_size)`, as Linux's `mremap` does:
 *
 * - With @new_start equal to @old_start, it resizes in place, changing
 *   only the tail: shrinking unmaps the cut tail, as
 *   [method@Ms.MemorySet.unmap] of it would; growing needs
 *   `[old_start + old_size, new_start + new_size)` free (so the piece
 *   must end where its area ends), maps that extension through the
 *   backend's [vfunc@Ms.MappingBackend.map] with the area's flags, and
 *   extends the area, which stays one area with its head before
 *   @old_start.
 * - Otherwise it moves: when shrinking, the cut tail is unmapped first;
 *   then the backend's [vfunc@Ms.MappingBackend.move] moves
 *   `MIN (old_size, new_size)` bytes; when growing, the extension is
 *   mapped after the move. The moved piece keeps its backend, flags and
 *   name, and its offset is that of its first byte before the call (as
 *   the kernel keeps a moved mapping's page offset); what is left of its
 *   area before and after it stays, as an unmap of the piece would leave
 *   it. A backend without the move method refuses, before anything
 *   changes.
 *
 * A size of 0, a range that runs past 2^64 - 1, or a piece whose offsets
 * would run past it fail with %MS_MAPPING_ERROR_INVALID_PARAM, as does a
 * destination that overlaps the old range; an old range that is not
 * inside one area fails with %MS_MAPPING_ERROR_NOT_MAPPED, and a
 * destination (or an extension) that is not free with
 * %MS_MAPPING_ERROR_ALREADY_EXISTS (to replace what is there, as
 * `MREMAP_FIXED` does, unmap it first). Any of these changes nothing.
 *
 * Each backend call is all-or-nothing. When one refuses, the call fails
 * with the backend's reason and the set describes what the backends hold:
 * a shrink done before a refused move stays done, and a move done before
 * a refused extension stays done, with the old size.
 * [property@Ms.MemorySet:merge-adjacent] and
 * [property@Ms.MemorySet:max-areas] apply as for any other call. The
 * cost is O(log n + k).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_remap (MsMemorySet  *self,
                     guint64       old_start,
                     guint64       old_size,
                     guint64       new_start,
                     guint64       new_size,
                     GObject      *page_table,
                     GError      **error)
{
  guint64 old_end, new_end, moved_end;
  MsMemoryArea *area;
  GTreeNode *node;
  Change change;
  gboolean done = FALSE;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (old_size == 0 || new_size == 0)
    return set_remap_error (error, MS_MAPPING_ERROR_INVALID_PARAM, old_start, old_size,
                            new_start, new_size, "a size is 0");
  if (!range_end (old_start, old_size, &old_end) || !range_end (new_start, new_size, &new_end))
    return set_remap_error (error, MS_MAPPING_ERROR_INVALID_PARAM, old_start, old_size,
                            new_start, new_size, "a range runs past the end of the address space");
  if (new_start != old_start && new_start < old_end && old_start < new_end)
    return set_remap_error (error, MS_MAPPING_ERROR_INVALID_PARAM, old_start, old_size,
                            new_start, new_size, "the destination overlaps the range");

  if (!begin_change (self, &change, "remap", old_start, old_end, page_table, error))
    return FALSE;

  node = node_at_or_after (self, old_start);
  area = node != NULL ? ms_node_area (node) : NULL;
  if (area == NULL || area->start > old_start || ms_memory_area_end (area) < old_end)
    {
      set_remap_error (error, MS_MAPPING_ERROR_NOT_MAPPED, old_start, old_size, new_start, new_size,
                       "the range is not inside one area");
      goto out;
    }
  if (ms_memory_area_offset_at (area, old_start) > G_MAXUINT64 - new_size)
    {
      set_remap_error (error, MS_MAPPING_ERROR_INVALID_PARAM, old_start, old_size, new_start,
                       new_size, "its offsets would run past 2^64 - 1");
      goto out;
    }

  if (new_start == old_start)
    {
      if (new_size < old_size)
        done = (!limit_may_bind (self, 1) ||
                check_limit (self, outcome_of_map (self, new_end, old_end, NULL), "remap",
                             old_start, old_end, error)) &&
               unmap_range (self, new_end, old_end, page_table, error);
      else if (new_size == old_size)
        done = TRUE;
      else if (range_overlaps (self, old_end, new_end))
        set_remap_error (error, MS_MAPPING_ERROR_ALREADY_EXISTS, old_start, old_size, new_start,
                         new_size, "the range after it is not free");
      else if (backend_call (self, BACKEND_MAP, area, old_end, new_end, area->flags, page_table, error))
        {
          /* Growing adds no area. */
          reshape_node (self, node, new_end, area->flags);
          done = TRUE;
        }
      merge_range (self, old_start, new_end);
      goto out;
    }

  if (range_overlaps (self, new_start, new_end))
    {
      set_remap_error (error, MS_MAPPING_ERROR_ALREADY_EXISTS, old_start, old_size, new_start,
                       new_size, "the destination is not free");
      goto out;
    }
  if (backend_iface (self, area->backend)->move == NULL)
    {
      ms_mapping_backend_missing (area->backend, "move", old_start, old_end, error);
      goto out;
    }
  /* Moving a piece out of the middle of an area adds two at most. */
  if (limit_may_bind (self, 2) &&
      !check_limit (self, outcome_of_move (self, node, old_start, old_end, new_start, new_end),
                    "remap", old_start, old_end, error))
    goto out;

  moved_end = old_start + MIN (old_size, new_size);
  if (moved_end < old_end)
    {
      if (!unmap_range (self, moved_end, old_end, page_table, error))
        goto out;
      node = node_at_or_after (self, old_start);
      area = ms_node_area (node);
    }

  if (!backend_call (self, BACKEND_MOVE, area, old_start, moved_end, new_start, page_table, error))
    goto moved;
  node = move_piece (self, node, old_start, moved_end, new_start);

  if (new_size > old_size)
    {
      area = ms_node_area (node);
      if (!backend_call (self, BACKEND_MAP, area, new_start + old_size, new_end, area->flags,
                         page_table, error))
        goto moved;
      reshape_node (self, node, new_end, area->flags);
    }
  done = TRUE;

moved:
  merge_range (self, new_start, new_end);
out:
  end_change (&change);
  return done;
}

/**
 * ms_memory_set_split:
 * @self: a set
 * @addr: where to split
 * @error: return location for a #GError
 *
 * Splits the area that holds @addr in two at @addr, as an unmap or a
 * protect of a range that starts there would: the first keeps
 * `[start, addr)`, the second gets `[addr, end)` with the same backend,
 * flags and name, and the offset @addr had. This is bookkeeping only:
 * no backend is called, and the memory stays mapped as it was.
 *
 * An address that no area holds, or where an area starts, changes
 * nothing. With [property@Ms.MemorySet:merge-adjacent] on, the two
 * pieces could be one and would be joined again at once, so the call
 * changes nothing either.
 *
 * A split that would leave more areas than
 * [property@Ms.MemorySet:max-areas] allows fails with
 * %MS_MAPPING_ERROR_TOO_MANY_AREAS, and a call from a backend or a
 * callback of the same set with %MS_MAPPING_ERROR_BUSY; neither changes
 * anything. The cost is O(log n).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_split (MsMemorySet  *self,
                     guint64       addr,
                     GError      **error)
{
  GTreeNode *node;
  Change change;
  gboolean done = TRUE;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_change (self, &change, "split", addr, addr, NULL, error))
    return FALSE;

  node = node_at_or_after (self, addr);
  if (!self->merge_adjacent && node != NULL && ms_node_area (node)->start < addr)
    {
      MsMemoryArea *area = ms_node_area (node);

      done = !limit_may_bind (self, 1) ||
             check_limit (self, (guint64) g_tree_nnodes (self->areas) + 1, "split",
                          area->start, ms_memory_area_end (area), error);
      if (done)
        split_node (self, node, addr);
    }

  end_change (&change);
  return done;
}

/* Why @a and @b, which touch, could not be one area, or NULL. */
static const char *
why_not_mergeable (const MsMemoryArea *a,
                   const MsMemoryArea *b)
{
  if (a->backend != b->backend)
    return "their backends differ";
  if (a->flags != b->flags)
    return "their flags differ";
  if (ms_memory_area_name (a) != ms_memory_area_name (b))
    return "their names differ";
  if (!ms_memory_area_same_tag (a, b))
    return "their offsets do not run on";
  return NULL;
}

/**
 * ms_memory_set_join:
 * @self: a set
 * @addr: where the first area ends and the second starts
 * @error: return location for a #GError
 *
 * Joins the area that ends at @addr and the area that starts there into
 * one area, `[start of the first, end of the second)`, with the first
 * one's offset: what [property@Ms.MemorySet:merge-adjacent] does by
 * itself, done when the caller decides, as a kernel merges a new
 * mapping with its neighbours by rules of its own. This is bookkeeping
 * only: no backend is called.
 *
 * The two areas must be able to be one: the same backend object, equal
 * flags, equal names (both %NULL, or equal strings), and offsets that
 * run on (the second one's is the first one's plus its size). Otherwise
 * the call fails with %MS_MAPPING_ERROR_INCOMPATIBLE, saying what
 * differs. When no area ends at @addr, or none starts there, it fails
 * with %MS_MAPPING_ERROR_NOT_MAPPED, and from a backend or a callback of
 * the same set with %MS_MAPPING_ERROR_BUSY. A failure changes nothing.
 * An area held by the caller keeps its values: the joined area is a new
 * one. The cost is O(log n).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_join (MsMemorySet  *self,
                    guint64       addr,
                    GError      **error)
{
  GTreeNode *node, *prev;
  const char *why;
  Change change;
  gboolean done = FALSE;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_change (self, &change, "join", addr, addr, NULL, error))
    return FALSE;

  node = node_at_or_after (self, addr);
  prev = node != NULL ? g_tree_node_previous (node) : NULL;
  if (node == NULL || ms_node_area (node)->start != addr)
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_NOT_MAPPED,
                 "Cannot join the areas at " ADDR_FORMAT ": no area starts there", addr);
  else if (prev == NULL || ms_memory_area_end (ms_node_area (prev)) != addr)
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_NOT_MAPPED,
                 "Cannot join the areas at " ADDR_FORMAT ": no area ends there", addr);
  else if ((why = why_not_mergeable (ms_node_area (prev), ms_node_area (node))) != NULL)
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INCOMPATIBLE,
                 "Cannot join the areas at " ADDR_FORMAT ": %s", addr, why);
  else
    {
      join_nodes (self, prev, node);
      done = TRUE;
    }

  end_change (&change);
  return done;
}

/* What set_offsets() asks of one area of its range. */
typedef struct {
  GTreeNode *node;
  guint64    piece_start;
  guint64    piece_end;
  gboolean   change;
} OffsetPlan;

/* The outcome of giving the pieces of @plan, over [start, end), the
 * offsets that start at @offset. */
static guint64
outcome_of_offsets (MsMemorySet      *self,
                    guint64           start,
                    guint64           offset,
                    const OffsetPlan *plan,
                    guint             n_plan)
{
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (Segment));
  guint n_around = 0;
  Segment seg;

  n_around += add_neighbour (segments, g_tree_node_previous (plan[0].node), NULL);
  for (guint i = 0; i < n_plan; i++)
    {
      const MsMemoryArea *area = ms_node_area (plan[i].node);
      guint64 area_end = ms_memory_area_end (area);

      if (!plan[i].change)
        {
          seg = segment (area, area->start, area_end, area->flags);
          g_array_append_val (segments, seg);
          continue;
        }
      if (area->start < plan[i].piece_start)
        {
          seg = segment (area, area->start, plan[i].piece_start, area->flags);
          g_array_append_val (segments, seg);
        }
      /* The piece is no longer a piece of its area: its offsets differ. */
      seg = new_segment (area, plan[i].piece_start, plan[i].piece_end, area->flags,
                         offset + (plan[i].piece_start - start));
      g_array_append_val (segments, seg);
      if (plan[i].piece_end < area_end)
        {
          seg = segment (area, plan[i].piece_end, area_end, area->flags);
          g_array_append_val (segments, seg);
        }
    }
  n_around += add_neighbour (segments, g_tree_node_next (plan[n_plan - 1].node), NULL);

  return (guint64) g_tree_nnodes (self->areas) - n_plan - n_around +
         count_segments (self, (Segment *) (gpointer) segments->data, segments->len);
}

/**
 * ms_memory_set_set_offsets:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @offset: the offset that @start takes
 * @error: return location for a #GError
 *
 * Gives the mapped pieces of `[start, start + size)` the offsets they
 * would have if the range were mapped at @offset: the byte at address
 * `a` gets `offset + (a - start)`. Areas that cross a boundary of the
 * range are split there, as [method@Ms.MemorySet.protect] splits them;
 * a piece whose offsets already are those is left alone, and holes are
 * skipped. The flags, backends and names stay. This is bookkeeping
 * only: no backend is called, since offsets are the set's own record
 * (as when a kernel gives memory it moved a new page offset).
 *
 * An empty range does nothing. A range that runs past the top of the
 * address space, or whose offsets would run past 2^64 - 1, fails with
 * %MS_MAPPING_ERROR_INVALID_PARAM; [property@Ms.MemorySet:max-areas]
 * and [property@Ms.MemorySet:merge-adjacent] apply as for
 * [method@Ms.MemorySet.protect], and a call from a backend or a
 * callback of the same set fails with %MS_MAPPING_ERROR_BUSY. A failure
 * changes nothing. The cost is O(log n + k) for k areas in the range.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_set_offsets (MsMemorySet  *self,
                           guint64       start,
                           guint64       size,
                           guint64       offset,
                           GError      **error)
{
  g_autoptr(GArray) plan = NULL;
  Change change;
  guint n_nodes;
  gboolean done = TRUE;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_range ("set the offsets of", start, size, &end, error))
    return FALSE;
  if (offset > G_MAXUINT64 - size)
    {
      g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
                   "Cannot set the offsets of " RANGE_FORMAT " from " ADDR_FORMAT
                   ": they would run past 2^64 - 1", start, end, offset);
      return FALSE;
    }
  if (size == 0)
    return TRUE;

  if (!begin_change (self, &change, "set the offsets of", start, end, NULL, error))
    return FALSE;

  plan = g_array_new (FALSE, FALSE, sizeof (OffsetPlan));
  for (GTreeNode *node = nodes_in_range (self, start, end, &n_nodes); n_nodes > 0;
       node = g_tree_node_next (node), n_nodes--)
    {
      const MsMemoryArea *area = ms_node_area (node);
      OffsetPlan piece = { node, MAX (area->start, start), MIN (ms_memory_area_end (area), end), FALSE };

      piece.change = ms_memory_area_offset_at (area, piece.piece_start) !=
                     offset + (piece.piece_start - start);
      g_array_append_val (plan, piece);
    }

  /* Two more areas at most: a head and a tail split off. */
  if (plan->len > 0 && limit_may_bind (self, 2))
    done = check_limit (self, outcome_of_offsets (self, start, offset, (OffsetPlan *) (gpointer) plan->data,
                                                  plan->len),
                        "set the offsets of", start, end, error);

  for (guint i = 0; done && i < plan->len; i++)
    {
      const OffsetPlan *piece = &g_array_index (plan, OffsetPlan, i);
      GTreeNode *node = piece->node;
      MsMemoryArea *area = ms_node_area (node), *retagged;

      if (!piece->change)
        continue;

      /* Splitting adds nodes after @node only, so the nodes of the
       * plan further on stay valid. */
      if (piece->piece_end < ms_memory_area_end (area))
        split_node (self, node, piece->piece_end);
      if (ms_node_area (node)->start < piece->piece_start)
        node = split_node (self, node, piece->piece_start);
      area = ms_node_area (node);

      /* The range and flags stay: neither the gap index nor the mapped
       * size changes, only the area's record. */
      retagged = ms_memory_area_new_like (area, area->start, area->size, area->flags,
                                          offset + (area->start - start));
      self->last_found = NULL;
      g_tree_replace_node (self->areas, MS_AREA_KEY (retagged), retagged);
      drop_area (self, area);
    }

  merge_range (self, start, end);
  end_change (&change);
  return done;
}

static gboolean
collect_area (gpointer key,
              gpointer value,
              gpointer user_data)
{
  g_ptr_array_add (user_data, value);
  return FALSE;
}

/**
 * ms_memory_set_clear:
 * @self: a set
 * @page_table: (nullable): passed unchanged to the backends
 * @error: return location for a #GError
 *
 * Unmaps every area, with one call of [vfunc@Ms.MappingBackend.unmap]
 * each, in address order.
 *
 * If a backend refuses, the call stops there with
 * %MS_MAPPING_ERROR_BAD_STATE: the areas before it are gone, it and the
 * areas after it stay.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_clear (MsMemorySet  *self,
                     GObject      *page_table,
                     GError      **error)
{
  GTreeNode *node;
  Change change;
  guint n_unmapped = 0;
  gboolean done = TRUE;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!begin_change (self, &change, "clear", 0, G_MAXUINT64, page_table, error))
    return FALSE;

  for (node = g_tree_node_first (self->areas); node != NULL; node = g_tree_node_next (node))
    {
      MsMemoryArea *area = ms_node_area (node);

      if (!backend_call (self, BACKEND_UNMAP, area, area->start, ms_memory_area_end (area),
                         0, page_table, error))
        {
          done = FALSE;
          break;
        }
      n_unmapped++;
    }

  if (done)
    {
      /* Every area goes: empty the tree in one pass, and release the
       * areas once the set is consistent again. */
      self->last_found = NULL;
      g_tree_foreach (self->areas, collect_area, self->dropped);
      g_tree_remove_all (self->areas);
      ms_gap_index_clear (self->gaps);
      self->mapped_size = 0;
    }
  else
    {
      while (n_unmapped-- > 0)
        remove_node (self, g_tree_node_first (self->areas));
    }

  end_change (&change);

  return done;
}

typedef struct {
  MsAreaFunc func;
  gpointer   user_data;
} ForeachData;

static gboolean
foreach_area (gpointer key,
              gpointer value,
              gpointer user_data)
{
  ForeachData *data = user_data;

  return data->func (value, data->user_data);
}

/**
 * ms_memory_set_foreach:
 * @self: a set
 * @func: (scope call) (closure user_data): called for each area
 * @user_data: data for @func
 *
 * Calls @func for each area of the set, in address order, until it
 * returns %TRUE.
 *
 * The set cannot change while @func runs: a change asked for from @func
 * fails with %MS_MAPPING_ERROR_BUSY.
 *
 * Since: 1.0
 */
void
ms_memory_set_foreach (MsMemorySet *self,
                       MsAreaFunc   func,
                       gpointer     user_data)
{
  ForeachData data = { func, user_data };

  g_return_if_fail (MS_IS_MEMORY_SET (self));
  g_return_if_fail (func != NULL);

  self->busy++;
  g_tree_foreach (self->areas, foreach_area, &data);
  leave_busy (self);
}

/**
 * ms_memory_set_get_areas:
 * @self: a set
 *
 * Gets the areas of the set, in address order.
 *
 * The array is the caller's; the areas in it belong to the set, and stay
 * valid until the set changes (take a reference with
 * [method@Ms.MemoryArea.ref] to keep one longer).
 *
 * Returns: (transfer container) (element-type MsMemoryArea): the areas
 *
 * Since: 1.0
 */
GPtrArray *
ms_memory_set_get_areas (MsMemorySet *self)
{
  GPtrArray *areas;
  GTreeNode *node;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  areas = g_ptr_array_sized_new (g_tree_nnodes (self->areas));
  for (node = g_tree_node_first (self->areas); node != NULL; node = g_tree_node_next (node))
    g_ptr_array_add (areas, ms_node_area (node));

  return areas;
}

/* The end of the range [start, start + size) of a query: clamped at
 * 2^64 - 1, the last address no area holds, as overlaps() does. */
static inline guint64
query_end (guint64 start,
           guint64 size)
{
  guint64 end;

  return range_end (start, size, &end) ? end : G_MAXUINT64;
}

/**
 * ms_memory_set_foreach_in_range:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @func: (scope call) (closure user_data): called for each area
 * @user_data: data for @func
 *
 * Calls @func for each area that meets `[start, start + size)`, whole, in
 * address order, until it returns %TRUE. An empty range meets nothing; a
 * range that runs past the top of the address space is taken to end
 * there. The cost is O(log n + k) for k areas in the range.
 *
 * The set cannot change while @func runs: a change asked for from @func
 * fails with %MS_MAPPING_ERROR_BUSY.
 *
 * Since: 1.0
 */
void
ms_memory_set_foreach_in_range (MsMemorySet *self,
                                guint64      start,
                                guint64      size,
                                MsAreaFunc   func,
                                gpointer     user_data)
{
  guint64 end = query_end (start, size);

  g_return_if_fail (MS_IS_MEMORY_SET (self));
  g_return_if_fail (func != NULL);

  if (size == 0)
    return;

  self->busy++;
  for (GTreeNode *node = node_at_or_after (self, start);
       node != NULL && ms_node_area (node)->start < end;
       node = g_tree_node_next (node))
    if (func (ms_node_area (node), user_data))
      break;
  leave_busy (self);
}

static gboolean
add_area (MsMemoryArea *area,
          gpointer      user_data)
{
  g_ptr_array_add (user_data, area);
  return FALSE;
}

/**
 * ms_memory_set_get_areas_in_range:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 *
 * Gets the areas that meet `[start, start + size)`, whole, in address
 * order, as [method@Ms.MemorySet.foreach_in_range] finds them.
 *
 * The array is the caller's; the areas in it belong to the set, and stay
 * valid until the set changes.
 *
 * Returns: (transfer container) (element-type MsMemoryArea): the areas
 *
 * Since: 1.0
 */
GPtrArray *
ms_memory_set_get_areas_in_range (MsMemorySet *self,
                                  guint64      start,
                                  guint64      size)
{
  GPtrArray *areas;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  areas = g_ptr_array_new ();
  ms_memory_set_foreach_in_range (self, start, size, add_area, areas);
  return areas;
}

/**
 * ms_memory_set_get_area_table:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @with_offsets: whether each row also has the area's offset
 *
 * Gets the areas that meet `[start, start + size)`, as
 * [method@Ms.MemorySet.get_areas_in_range] finds them, as a table of
 * numbers: one row per area, in address order, of its start, end and
 * flags, then its offset if @with_offsets, each a #guint64 in the host's
 * byte order. The rows follow each other: with three columns, area `i`
 * is at values `3 * i`, `3 * i + 1` and `3 * i + 2`, and there are
 * `g_bytes_get_size (table) / sizeof (guint64)` values.
 *
 * This is the way for bindings to read many areas at once: one call,
 * and bytes that a binding turns into its own numbers in one go, where
 * a loop over the areas makes a wrapper for each (in Python,
 * `memoryview (table.get_data ()).cast ("Q")`; the overrides build
 * `MemorySet.table()` on it). [method@Ms.MemorySet.get_area_names]
 * gives the names, in the same order.
 *
 * Returns: (transfer full): the table
 *
 * Since: 1.0
 */
GBytes *
ms_memory_set_get_area_table (MsMemorySet *self,
                              guint64      start,
                              guint64      size,
                              gboolean     with_offsets)
{
  guint64 end = query_end (start, size);
  guint columns = with_offsets ? 4 : 3;
  GArray *values;
  gsize n_bytes;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  /* A plain walk, no callback: this is the fast way to read a set. */
  values = g_array_new (FALSE, FALSE, sizeof (guint64));
  for (GTreeNode *node = size > 0 ? node_at_or_after (self, start) : NULL;
       node != NULL && ms_node_area (node)->start < end;
       node = g_tree_node_next (node))
    {
      MsMemoryArea *area = ms_node_area (node);
      guint64 *row;

      g_array_set_size (values, values->len + columns);
      row = &g_array_index (values, guint64, values->len - columns);
      row[0] = area->start;
      row[1] = ms_memory_area_end (area);
      row[2] = area->flags;
      if (with_offsets)
        row[3] = ms_memory_area_get_offset (area);
    }
  n_bytes = values->len * sizeof (guint64);
  return g_bytes_new_take (g_array_free (values, FALSE), n_bytes);
}

static gboolean
add_name (MsMemoryArea *area,
          gpointer      user_data)
{
  g_ptr_array_add (user_data, (gpointer) ms_memory_area_get_name (area));
  return FALSE;
}

/**
 * ms_memory_set_get_area_names:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 *
 * Gets the names of the areas that meet `[start, start + size)`, in the
 * order of [method@Ms.MemorySet.get_area_table]'s rows, %NULL for an
 * area without a name.
 *
 * The array is the caller's; the names in it belong to the areas, and
 * stay valid until the set changes.
 *
 * Returns: (transfer container) (element-type utf8): the names
 *
 * Since: 1.0
 */
GPtrArray *
ms_memory_set_get_area_names (MsMemorySet *self,
                              guint64      start,
                              guint64      size)
{
  GPtrArray *names;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  names = g_ptr_array_new ();
  ms_memory_set_foreach_in_range (self, start, size, add_name, names);
  return names;
}

/**
 * ms_memory_set_foreach_gap:
 * @self: a set
 * @start: the first address of the range
 * @size: the size of the range
 * @func: (scope call) (closure user_data): called for each free range
 * @user_data: data for @func
 *
 * Calls @func for each free range inside `[start, start + size)`, clipped
 * to it, in address order, until it returns %TRUE. An empty range has no
 * free range; a range that runs past the top of the address space is
 * taken to end there. The cost is O(log n + k) for k areas in the range.
 *
 * The set cannot change while @func runs: a change asked for from @func
 * fails with %MS_MAPPING_ERROR_BUSY.
 *
 * Since: 1.0
 */
void
ms_memory_set_foreach_gap (MsMemorySet *self,
                           guint64      start,
                           guint64      size,
                           MsGapFunc    func,
                           gpointer     user_data)
{
  guint64 end = query_end (start, size);
  guint64 cursor = start;
  gboolean stop = FALSE;

  g_return_if_fail (MS_IS_MEMORY_SET (self));
  g_return_if_fail (func != NULL);

  if (size == 0)
    return;

  self->busy++;
  for (GTreeNode *node = node_at_or_after (self, start);
       node != NULL && ms_node_area (node)->start < end && !stop;
       node = g_tree_node_next (node))
    {
      MsMemoryArea *area = ms_node_area (node);

      if (area->start > cursor)
        stop = func (cursor, area->start - cursor, user_data);
      cursor = MAX (cursor, ms_memory_area_end (area));
    }
  if (!stop && cursor < end)
    func (cursor, end - cursor, user_data);
  leave_busy (self);
}
