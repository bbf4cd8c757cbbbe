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
  g_tree_remove (self->areas, MS_LOOKUP_KEY (start));
  ms_gap_index_removed (self->gaps, start);
  drop_area (self, area);
}

/* Makes @area, the area of @node, cover [its start, @end) with @flags: in
 * place when nobody else holds it, otherwise by a new area. The caller
 * tells the gap index. */
static void
set_node_area (MsMemorySet  *self,
               GTreeNode    *node,
               MsMemoryArea *area,
               guint64       end,
               guint64       flags)
{
  self->last_found = NULL;
  if (area_is_private (area))
    {
      area->size = end - area->start;
      area->flags = flags;
    }
  else
    {
      MsMemoryArea *piece = ms_memory_area_new_piece (area, area->start, end, flags);

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

/* Splits the area of @node at @addr, strictly inside it: @node keeps
 * [start, addr), and the node returned holds [addr, end), with the same
 * flags and backend. No free range appears, so the gap index hears only
 * of the new node. */
static GTreeNode *
split_node (MsMemorySet *self,
            GTreeNode   *node,
            guint64      addr)
{
  MsMemoryArea *area = ms_node_area (node);
  MsMemoryArea *upper;

  g_assert (area->start < addr && addr < ms_memory_area_end (area));

  upper = ms_memory_area_new_piece (area, addr, ms_memory_area_end (area), area->flags);
  set_node_area (self, node, area, addr, area->flags);
  return insert_area (self, upper);
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
} BackendOperation;

static const char * const backend_operation_names[] = { "map", "unmap", "protect" };

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

/* Asks @area's backend to map, unmap or protect [start, end): TRUE when
 * it did, otherwise FALSE with the backend's reason in @error. */
static gboolean
backend_call (MsMemorySet        *self,
              BackendOperation    operation,
              const MsMemoryArea *area,
              guint64             start,
              guint64             end,
              guint64             flags,
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
      done = iface->map (area->backend, start, end - start, flags, page_table, &local_error);
      break;

    case BACKEND_UNMAP:
      if (iface->unmap == NULL)
        goto missing;
      done = iface->unmap (area->backend, start, end - start, page_table, &local_error);
      break;

    case BACKEND_PROTECT:
      if (iface->protect == NULL)
        goto missing;
      done = iface->protect (area->backend, start, end - start, flags, page_table, &local_error);
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

      /* Only @node changes below, so @next stays valid. */
      if (piece_end < ms_memory_area_end (area))
        next = split_node (self, node, piece_end);
      else
        next = g_tree_node_next (node);

      if (area_start < piece_start)
        reshape_node (self, node, piece_start, ms_node_area (node)->flags);
      else
        remove_node (self, node);

      node = next;
    }

  return TRUE;
}

/* Gives each area piece in [start, end) the flags @update_flags asks
 * for, in address order: a piece that changes is split off at the
 * range's boundaries, given to its backend, and re-flagged. */
static gboolean
protect_range (MsMemorySet       *self,
               guint64            start,
               guint64            end,
               GObject           *page_table,
               MsUpdateFlagsFunc  update_flags,
               gpointer           user_data,
               GError           **error)
{
  GTreeNode *node = node_at_or_after (self, start);

  while (node != NULL && ms_node_area (node)->start < end)
    {
      MsMemoryArea *area = ms_node_area (node);
      guint64 old_flags = area->flags;
      guint64 new_flags = old_flags;
      guint64 piece_start = MAX (area->start, start);
      guint64 piece_end = MIN (ms_memory_area_end (area), end);
      GTreeNode *here = node;

      /* New pieces go between @here and @node. */
      node = g_tree_node_next (node);

      if (!update_flags (old_flags, &new_flags, user_data) || new_flags == old_flags)
        continue;

      if (!backend_call (self, BACKEND_PROTECT, area, piece_start, piece_end, new_flags,
                         page_table, error))
        return FALSE;

      if (piece_end < ms_memory_area_end (area))
        split_node (self, here, piece_end);
      if (ms_node_area (here)->start < piece_start)
        here = split_node (self, here, piece_start);
      reshape_node (self, here, piece_end, new_flags);
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

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_memory_set_init (MsMemorySet *self)
{
  self->areas = g_tree_new_full (compare_keys, NULL, NULL, NULL);
  self->gaps = ms_gap_index_new (self->areas);
  self->dropped = g_ptr_array_new ();
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

  if (size == 0 || align == 0 || (align & (align - 1)) != 0 ||
      (size & (align - 1)) != 0 || limit_start >= limit_end)
    return FALSE;

  if (!align_up (MAX (hint, limit_start), align, &candidate))
    return FALSE;
  if (candidate > limit_end || limit_end - candidate < size)
    return FALSE;

  return ms_gap_index_find (self->gaps, candidate, size, limit_end, align,
                            out_start != NULL ? out_start : &candidate);
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
  gboolean done = FALSE;
  guint64 end;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (area != NULL, FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (area->size == 0 || !range_end (area->start, area->size, &end))
    {
      g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
                   "Cannot map an area at " ADDR_FORMAT " of size " ADDR_FORMAT ": %s",
                   area->start, area->size,
                   area->size == 0 ? "the area is empty"
                                   : "it runs past the end of the address space");
      return FALSE;
    }

  if (!begin_change (self, &change, "map", area->start, end, page_table, error))
    return FALSE;

  /* A backend may drop the caller's reference to the area. */
  held = ms_memory_area_ref (area);

  node = node_at_or_after (self, area->start);
  if (node != NULL && ms_node_area (node)->start < end)
    {
      if (!unmap_overlap)
        {
          g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS,
                       "Cannot map " RANGE_FORMAT ": it overlaps a mapped area",
                       area->start, end);
          goto out;
        }

      if (!unmap_range (self, area->start, end, page_table, error))
        goto out;
    }

  if (!backend_call (self, BACKEND_MAP, area, area->start, end, area->flags, page_table, error))
    goto out;

  insert_area (self, g_steal_pointer (&held));
  done = TRUE;

out:
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
  guint i;

  for (i = 0; i < n_areas; i++)
    {
      MsMemoryArea *area = areas[i];
      MsMemoryArea last = { .start = ms_memory_area_end (area) - 1 };
      GTreeNode *after = g_tree_upper_bound (checked, &last);
      GTreeNode *before = after != NULL ? g_tree_node_previous (after) : g_tree_node_last (checked);

      *failed = i;
      if (range_overlaps (self, area->start, ms_memory_area_end (area)))
        return set_overlap_error (area, "a mapped area", error);
      if (before != NULL && ms_memory_area_end (ms_node_area (before)) > area->start)
        return set_overlap_error (area, "an area given before it", error);
      g_tree_insert (checked, area, area);
    }

  if (n_areas == 0)
    return TRUE;

  if (!begin_change (self, &change, "map", areas[0]->start, ms_memory_area_end (areas[0]),
                     page_table, error))
    {
      *failed = 0;
      return FALSE;
    }

  for (i = 0; i < n_areas && done; i++)
    {
      MsMemoryArea *area = areas[i];

      *failed = i;
      done = backend_call (self, BACKEND_MAP, area, area->start, ms_memory_area_end (area),
                           area->flags, page_table, error);
      if (done)
        insert_area (self, ms_memory_area_ref (area));
    }

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

  done = unmap_range (self, start, end, page_table, error);
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
