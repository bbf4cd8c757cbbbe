/* ms-gap-index.c: the gaps between the areas of a set, for finding free
 * ranges in O(log n)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-gap-index.h"

/* A bucket holds between BUCKET_MIN and BUCKET_MAX areas (fewer only
 * when it is the only one): few enough that scanning one through the
 * GTree stays cheap, enough that the treap is small (a byte per area or
 * less) and shallow, and so stays in the cache: every change of the set
 * looks its bucket up, and at a million areas a treap of 64-area buckets
 * cost as much as the GTree's own search. */
#define BUCKET_MAX 256
#define BUCKET_MIN 32

typedef struct _Bucket Bucket;

struct _Bucket
{
  guint64  lo;        /* the bucket holds the areas starting in [lo, next lo) */
  guint64  bound;     /* >= the gap of each of its areas */
  guint64  sub_max;   /* the largest bound in this subtree */
  Bucket  *left;
  Bucket  *right;
  Bucket  *parent;
  guint32  priority;  /* treap: a parent's is >= its children's */
  guint32  n_areas;
};

struct _MsGapIndex
{
  GTree  *areas;      /* the set's, not owned */
  Bucket *root;       /* never NULL: the first bucket has lo = 0 */
  guint32 random;
};

static inline guint64
node_end (GTreeNode *node)
{
  return ms_memory_area_end (ms_node_area (node));
}

static guint32
next_priority (MsGapIndex *self)
{
  /* xorshift32: any fixed sequence of distinct-enough values will do. */
  guint32 x = self->random;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return self->random = x;
}

static Bucket *
bucket_new (MsGapIndex *self,
            guint64     lo)
{
  Bucket *b = g_slice_new0 (Bucket);

  b->lo = lo;
  b->priority = next_priority (self);
  return b;
}

static inline void
update (Bucket *b)
{
  guint64 m = b->bound;

  if (b->left != NULL && b->left->sub_max > m)
    m = b->left->sub_max;
  if (b->right != NULL && b->right->sub_max > m)
    m = b->right->sub_max;
  b->sub_max = m;
}

/* Recomputes sub_max from @b up, after a change at @b or below it. */
static void
fix_up (Bucket *b)
{
  for (; b != NULL; b = b->parent)
    {
      guint64 old = b->sub_max;

      update (b);
      if (b->sub_max == old)
        break;
    }
}

/* Sets @b's bound to @bound and fixes its ancestors. */
static void
set_bound (Bucket  *b,
           guint64  bound)
{
  if (b->bound == bound)
    return;

  b->bound = bound;
  fix_up (b);
}

/* Rotates @x above its parent. */
static void
rotate_up (MsGapIndex *self,
           Bucket     *x)
{
  Bucket *p = x->parent;
  Bucket *g = p->parent;

  if (p->left == x)
    {
      p->left = x->right;
      if (x->right != NULL)
        x->right->parent = p;
      x->right = p;
    }
  else
    {
      p->right = x->left;
      if (x->left != NULL)
        x->left->parent = p;
      x->left = p;
    }

  p->parent = x;
  x->parent = g;
  if (g == NULL)
    self->root = x;
  else if (g->left == p)
    g->left = x;
  else
    g->right = x;

  update (p);
  update (x);
}

static void
insert_bucket (MsGapIndex *self,
               Bucket     *b)
{
  Bucket **link = &self->root;
  Bucket *parent = NULL;

  while (*link != NULL)
    {
      parent = *link;
      link = b->lo < parent->lo ? &parent->left : &parent->right;
    }

  *link = b;
  b->parent = parent;
  b->left = b->right = NULL;
  update (b);

  while (b->parent != NULL && b->parent->priority < b->priority)
    rotate_up (self, b);
  fix_up (b->parent);
}

static void
delete_bucket (MsGapIndex *self,
               Bucket     *b)
{
  Bucket *parent;

  while (b->left != NULL || b->right != NULL)
    {
      Bucket *child;

      if (b->left == NULL)
        child = b->right;
      else if (b->right == NULL)
        child = b->left;
      else
        child = b->left->priority > b->right->priority ? b->left : b->right;
      rotate_up (self, child);
    }

  parent = b->parent;
  if (parent == NULL)
    self->root = NULL;
  else if (parent->left == b)
    parent->left = NULL;
  else
    parent->right = NULL;
  fix_up (parent);

  g_slice_free (Bucket, b);
}

/* The bucket of an area starting at @start: the last with lo <= start. */
static Bucket *
find_bucket (MsGapIndex *self,
             guint64     start)
{
  Bucket *b = self->root;
  Bucket *found = NULL;

  while (b != NULL)
    {
      if (b->lo <= start)
        {
          found = b;
          b = b->right;
        }
      else
        b = b->left;
    }

  return found;
}

static Bucket *
bucket_next (Bucket *b)
{
  if (b->right != NULL)
    {
      b = b->right;
      while (b->left != NULL)
        b = b->left;
      return b;
    }

  while (b->parent != NULL && b->parent->right == b)
    b = b->parent;
  return b->parent;
}

static Bucket *
bucket_previous (Bucket *b)
{
  if (b->left != NULL)
    {
      b = b->left;
      while (b->right != NULL)
        b = b->right;
      return b;
    }

  while (b->parent != NULL && b->parent->left == b)
    b = b->parent;
  return b->parent;
}

/* The first bucket of subtree @b with bound >= @size; b->sub_max >= size. */
static Bucket *
leftmost_fit (Bucket  *b,
              guint64  size)
{
  for (;;)
    {
      if (b->left != NULL && b->left->sub_max >= size)
        b = b->left;
      else if (b->bound >= size)
        return b;
      else
        b = b->right;
    }
}

/* The first bucket after @b with bound >= @size, or NULL. */
static Bucket *
next_fit (Bucket  *b,
          guint64  size)
{
  if (b->right != NULL && b->right->sub_max >= size)
    return leftmost_fit (b->right, size);

  for (; b->parent != NULL; b = b->parent)
    {
      Bucket *p = b->parent;

      if (p->left != b)
        continue;
      if (p->bound >= size)
        return p;
      if (p->right != NULL && p->right->sub_max >= size)
        return leftmost_fit (p->right, size);
    }

  return NULL;
}

/* The node of the first area of @b (there is one: n_areas > 0). */
static GTreeNode *
bucket_first_node (MsGapIndex *self,
                   Bucket     *b)
{
  guint64 lo = b->lo;

  return g_tree_lower_bound (self->areas, MS_LOOKUP_KEY (lo));
}

static inline guint64
end_before (GTreeNode *node)
{
  GTreeNode *prev = g_tree_node_previous (node);

  return prev != NULL ? node_end (prev) : 0;
}

/* Splits @b, which has too many areas, in two halves, computing the
 * exact bound of each. */
static void
split_bucket (MsGapIndex *self,
              Bucket     *b)
{
  GTreeNode *node = bucket_first_node (self, b);
  guint64 prev_end = end_before (node);
  guint half = b->n_areas / 2;
  guint64 bounds[2] = { 0, 0 };
  guint64 mid = 0;
  Bucket *upper;
  guint i;

  for (i = 0; i < b->n_areas; i++, node = g_tree_node_next (node))
    {
      MsMemoryArea *area = ms_node_area (node);
      guint64 gap = area->start - prev_end;

      if (i == half)
        mid = area->start;
      if (gap > bounds[i >= half])
        bounds[i >= half] = gap;
      prev_end = ms_memory_area_end (area);
    }

  upper = bucket_new (self, mid);
  upper->n_areas = b->n_areas - half;
  upper->bound = bounds[1];
  b->n_areas = half;
  b->bound = bounds[0];
  fix_up (b);
  /* b's own sub_max may have gone down: fix_up stops early only when a
   * node is unchanged, which is then true of its ancestors too. */
  insert_bucket (self, upper);
}

/* Merges @b, which has too few areas, into a neighbour. */
static void
merge_bucket (MsGapIndex *self,
              Bucket     *b)
{
  Bucket *into = bucket_previous (b);
  Bucket *gone = b;

  if (into == NULL)
    {
      /* The first bucket (lo = 0) takes in the next one. */
      into = b;
      gone = bucket_next (b);
      if (gone == NULL)
        return;
    }

  into->n_areas += gone->n_areas;
  into->bound = MAX (into->bound, gone->bound);
  delete_bucket (self, gone);
  fix_up (into);

  if (into->n_areas > BUCKET_MAX)
    split_bucket (self, into);
}

MsGapIndex *
ms_gap_index_new (GTree *areas)
{
  MsGapIndex *self = g_new0 (MsGapIndex, 1);

  self->random = 0x9e3779b9u;
  ms_gap_index_reset (self, areas);
  return self;
}

static void
free_subtree (Bucket *b)
{
  while (b != NULL)
    {
      Bucket *right = b->right;

      free_subtree (b->left);
      g_slice_free (Bucket, b);
      b = right;
    }
}

void
ms_gap_index_reset (MsGapIndex *self,
                    GTree      *areas)
{
  g_assert (g_tree_nnodes (areas) == 0);

  free_subtree (self->root);
  self->areas = areas;
  self->root = bucket_new (self, 0);
}

void
ms_gap_index_free (MsGapIndex *self)
{
  free_subtree (self->root);
  g_free (self);
}

void
ms_gap_index_insert (MsGapIndex *self,
                     guint64     start,
                     guint64     gap)
{
  Bucket *b = find_bucket (self, start);

  b->n_areas++;
  if (gap > b->bound)
    {
      b->bound = gap;
      fix_up (b);
    }

  if (b->n_areas > BUCKET_MAX)
    split_bucket (self, b);
}

void
ms_gap_index_remove (MsGapIndex *self,
                     guint64     start)
{
  Bucket *b = find_bucket (self, start);

  g_assert (b->n_areas > 0);
  b->n_areas--;

  /* The bound may now be too large: a search tightens it when it looks. */
  if (b->n_areas < BUCKET_MIN && (b->left != NULL || b->right != NULL || b->parent != NULL))
    merge_bucket (self, b);
  else if (b->n_areas == 0)
    set_bound (b, 0);
}

void
ms_gap_index_grow (MsGapIndex *self,
                   guint64     start,
                   guint64     gap)
{
  Bucket *b = find_bucket (self, start);

  if (gap > b->bound)
    {
      b->bound = gap;
      fix_up (b);
    }
}

typedef enum {
  GAP_FITS,
  GAP_TOO_SMALL,
  GAP_PAST_LIMIT,   /* neither this gap nor any later one can fit */
} GapFit;

static inline GapFit
check_gap (guint64  gap_start,
           guint64  gap_end,
           guint64  from,
           guint64  size,
           guint64  limit_end,
           guint64  align,
           guint64 *out_start)
{
  guint64 r = MAX (gap_start, from);

  if (r > G_MAXUINT64 - (align - 1))
    return GAP_PAST_LIMIT;
  r = (r + align - 1) & ~(align - 1);
  if (r > limit_end || limit_end - r < size)
    return GAP_PAST_LIMIT;
  if (r < gap_end && gap_end - r >= size)
    {
      *out_start = r;
      return GAP_FITS;
    }
  return GAP_TOO_SMALL;
}

gboolean
ms_gap_index_find (MsGapIndex *self,
                   guint64     from,
                   guint64     size,
                   guint64     limit_end,
                   guint64     align,
                   guint64    *out_start)
{
  GTreeNode *node, *last;
  Bucket *b;
  guint64 prev_end;
  GapFit fit;

  /* The first gap that can hold the answer is that of the first area
   * starting after @from: the gaps before it end at or before @from. */
  node = g_tree_upper_bound (self->areas, MS_LOOKUP_KEY (from));
  if (node == NULL)
    goto trailing;

  b = find_bucket (self, ms_node_area (node)->start);
  if (b->bound >= size)
    {
      Bucket *next = bucket_next (b);
      guint64 stop = next != NULL ? next->lo : G_MAXUINT64;

      prev_end = end_before (node);
      for (; node != NULL; node = g_tree_node_next (node))
        {
          MsMemoryArea *area = ms_node_area (node);

          if (area->start >= stop && next != NULL)
            break;
          if (area->start - prev_end >= size)
            {
              fit = check_gap (prev_end, area->start, from, size, limit_end, align, out_start);
              if (fit != GAP_TOO_SMALL)
                return fit == GAP_FITS;
            }
          prev_end = ms_memory_area_end (area);
        }
    }

  /* Then the buckets that may hold a gap large enough, each scanned
   * whole; one that turns out not to is given its exact bound. */
  while ((b = next_fit (b, size)) != NULL)
    {
      guint64 exact = 0;
      guint i;

      node = bucket_first_node (self, b);
      prev_end = end_before (node);
      for (i = 0; i < b->n_areas; i++, node = g_tree_node_next (node))
        {
          MsMemoryArea *area = ms_node_area (node);
          guint64 gap = area->start - prev_end;

          if (gap >= size)
            {
              fit = check_gap (prev_end, area->start, from, size, limit_end, align, out_start);
              if (fit != GAP_TOO_SMALL)
                return fit == GAP_FITS;
            }
          if (gap > exact)
            exact = gap;
          prev_end = ms_memory_area_end (area);
        }
      set_bound (b, exact);
    }

trailing:
  /* The free range after the last area, up to the top of the address
   * space. */
  last = g_tree_node_last (self->areas);
  prev_end = last != NULL ? node_end (last) : 0;
  return check_gap (prev_end, G_MAXUINT64, from, size, limit_end, align, out_start) == GAP_FITS;
}

static guint
check_subtree (Bucket *b,
               Bucket *parent)
{
  guint64 m = b->bound;
  guint n = 1;

  g_assert (b->parent == parent);
  if (parent != NULL)
    g_assert (parent->priority >= b->priority);
  if (b->left != NULL)
    {
      g_assert (b->left->lo < b->lo);
      n += check_subtree (b->left, b);
      m = MAX (m, b->left->sub_max);
    }
  if (b->right != NULL)
    {
      g_assert (b->right->lo > b->lo);
      n += check_subtree (b->right, b);
      m = MAX (m, b->right->sub_max);
    }
  g_assert (b->sub_max == m);

  return n;
}

void
ms_gap_index_check (MsGapIndex *self)
{
  GTreeNode *node = g_tree_node_first (self->areas);
  guint64 prev_end = 0;
  Bucket *b, *first = self->root;
  guint n_buckets, n_seen = 0;

  g_assert (self->root != NULL);
  n_buckets = check_subtree (self->root, NULL);

  while (first->left != NULL)
    first = first->left;
  g_assert (first->lo == 0);

  for (b = first; b != NULL; b = bucket_next (b))
    {
      Bucket *next = bucket_next (b);
      guint i;

      n_seen++;
      g_assert (n_buckets == 1 || (b->n_areas >= BUCKET_MIN && b->n_areas <= BUCKET_MAX));
      for (i = 0; i < b->n_areas; i++, node = g_tree_node_next (node))
        {
          MsMemoryArea *area;

          g_assert (node != NULL);
          area = ms_node_area (node);
          g_assert (area->start >= b->lo);
          g_assert (next == NULL || area->start < next->lo);
          g_assert (area->start >= prev_end);
          g_assert (area->start - prev_end <= b->bound);
          prev_end = ms_memory_area_end (area);
        }
    }

  g_assert (node == NULL);
  g_assert (n_seen == n_buckets);
}
