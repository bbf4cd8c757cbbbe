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
#define BUCKET_MAX MS_GAP_INDEX_BUCKET_MAX
#define BUCKET_MIN MS_GAP_INDEX_BUCKET_MIN

/* What a gap, or the best of several, offers to a search for `size`
 * bytes aligned to 2^k: the number of whole 2^k-aligned blocks of 2^k
 * bytes it holds, its *level k*. A search fits where level k is at least
 * `size >> k`.
 *
 * For one gap [s, e), level k is floor (e / 2^k) - ceil (s / 2^k), which
 * is (len - (skew mod 2^k)) >> k with len = e - s and skew = -s (mod
 * 2^64), or 0 when that is negative. The level-wise maximum of such
 * profiles has the same form: from one level to the next, a maximum m
 * becomes m / 2 or (m - 1) / 2 (rounded down), and bit k of skew says
 * which (see profile_max()). So 16 bytes describe every alignment
 * exactly. */
typedef struct {
  guint64 len;    /* level 0: the longest gap */
  guint64 skew;
} GapProfile;

typedef struct _Bucket Bucket;

struct _Bucket
{
  guint64     lo;        /* the bucket holds the areas starting in [lo, next lo) */
  GapProfile  own;       /* >= the profile of each gap of its areas */
  GapProfile  sub;       /* the maximum of own and the children's sub */
  Bucket     *left;
  Bucket     *right;
  Bucket     *parent;
  guint32     priority;  /* treap: a parent's is >= its children's */
  guint32     n_areas;
};

struct _MsGapIndex
{
  GTree  *areas;      /* the set's, not owned */
  Bucket *root;       /* never NULL: the first bucket has lo = 0 */
  guint32 random;

  /* The bucket found last, and the lo of the one after it (G_MAXUINT64
   * when there is none; no area starts there): one change of the set
   * tells the index of several nodes side by side. NULL when the
   * buckets changed. */
  Bucket *last_found;
  guint64 last_found_end;
};

static inline guint64
profile_level (const GapProfile *p,
               guint             k)
{
  guint64 cut = p->skew & ((G_GUINT64_CONSTANT (1) << k) - 1);

  return p->len >= cut ? (p->len - cut) >> k : 0;
}

/* The profile of the free range [s, e); empty when e <= s (an area that
 * overlaps the one before it, for a moment, inside a change). */
static inline GapProfile
gap_profile (guint64 s,
             guint64 e)
{
  GapProfile p = { 0, 0 };

  if (e > s)
    {
      p.len = e - s;
      p.skew = -s;
    }
  return p;
}

static inline gboolean
profile_equal (const GapProfile *a,
               const GapProfile *b)
{
  return a->len == b->len && a->skew == b->skew;
}

/* A quick, sufficient test that @a is at least @b at every level: @b has
 * no block above level `top`, and @a keeps @b's whole length at level
 * `top` and so below it. */
static inline gboolean
profile_covers (const GapProfile *a,
                const GapProfile *b)
{
  guint top;
  guint64 cut;

  if (b->len == 0 || profile_equal (a, b))
    return TRUE;

  top = 63 - __builtin_clzll (b->len);
  cut = a->skew & ((G_GUINT64_CONSTANT (2) << top) - 1);
  return a->len >= cut && a->len - cut >= b->len;
}

/* The level-wise maximum of two profiles, when neither covers the
 * other. */
G_GNUC_NO_INLINE static GapProfile
profile_max_slow (const GapProfile *a,
                  const GapProfile *b)
{
  GapProfile w;
  guint64 level;

  w.len = MAX (a->len, b->len);
  w.skew = 0;
  level = w.len;
  for (guint k = 0; k < 63 && level > 0; k++)
    {
      guint64 next = MAX (profile_level (a, k + 1), profile_level (b, k + 1));

      /* next is level / 2 or (level - 1) / 2: bit k says which. */
      if (next != level >> 1)
        w.skew |= G_GUINT64_CONSTANT (1) << k;
      level = next;
    }

  return w;
}

/* The level-wise maximum of two profiles. */
static inline GapProfile
profile_max (const GapProfile *a,
             const GapProfile *b)
{
  if (profile_covers (a, b))
    return *a;
  if (profile_covers (b, a))
    return *b;
  return profile_max_slow (a, b);
}

static inline guint64
node_end (GTreeNode *node)
{
  return ms_memory_area_end (ms_node_area (node));
}

static inline guint64
end_before (GTreeNode *node)
{
  GTreeNode *prev = g_tree_node_previous (node);

  return prev != NULL ? node_end (prev) : 0;
}

/* The gap of the area of @node. */
static inline GapProfile
node_gap (GTreeNode *node)
{
  return gap_profile (end_before (node), ms_node_area (node)->start);
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
  GapProfile m = b->own;

  if (b->left != NULL)
    m = profile_max (&m, &b->left->sub);
  if (b->right != NULL)
    m = profile_max (&m, &b->right->sub);
  b->sub = m;
}

/* Recomputes sub from @b up, after a change at @b or below it. */
static void
fix_up (Bucket *b)
{
  for (; b != NULL; b = b->parent)
    {
      GapProfile old = b->sub;

      update (b);
      if (profile_equal (&b->sub, &old))
        break;
    }
}

/* Gives @b the exact profile of its gaps, found by a scan. */
static void
set_exact (Bucket           *b,
           const GapProfile *exact)
{
  if (profile_equal (&b->own, exact))
    return;

  b->own = *exact;
  fix_up (b);
}

/* A gap of one of @b's areas is now @gap. */
static inline void
raise_bucket (Bucket           *b,
              const GapProfile *gap)
{
  if (G_LIKELY (profile_covers (&b->own, gap)))
    return;

  b->own = profile_max_slow (&b->own, gap);
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

  self->last_found = NULL;

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

  self->last_found = NULL;

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
  Bucket *after = NULL;

  if (self->last_found != NULL && self->last_found->lo <= start && start < self->last_found_end)
    return self->last_found;

  while (b != NULL)
    {
      if (b->lo <= start)
        {
          found = b;
          b = b->right;
        }
      else
        {
          after = b;
          b = b->left;
        }
    }

  self->last_found = found;
  self->last_found_end = after != NULL ? after->lo : G_MAXUINT64;
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

/* Whether @p has room for @blocks blocks at level @k. */
static inline gboolean
fits (const GapProfile *p,
      guint             k,
      guint64           blocks)
{
  return profile_level (p, k) >= blocks;
}

/* The first bucket of subtree @b with room; fits (&b->sub). */
static Bucket *
leftmost_fit (Bucket  *b,
              guint    k,
              guint64  blocks)
{
  for (;;)
    {
      if (b->left != NULL && fits (&b->left->sub, k, blocks))
        b = b->left;
      else if (fits (&b->own, k, blocks))
        return b;
      else
        b = b->right;
    }
}

/* The last bucket of subtree @b with room; fits (&b->sub). */
static Bucket *
rightmost_fit (Bucket  *b,
               guint    k,
               guint64  blocks)
{
  for (;;)
    {
      if (b->right != NULL && fits (&b->right->sub, k, blocks))
        b = b->right;
      else if (fits (&b->own, k, blocks))
        return b;
      else
        b = b->left;
    }
}

/* The first bucket after @b with room, or NULL. */
static Bucket *
next_fit (Bucket  *b,
          guint    k,
          guint64  blocks)
{
  if (b->right != NULL && fits (&b->right->sub, k, blocks))
    return leftmost_fit (b->right, k, blocks);

  for (; b->parent != NULL; b = b->parent)
    {
      Bucket *p = b->parent;

      if (p->left != b)
        continue;
      if (fits (&p->own, k, blocks))
        return p;
      if (p->right != NULL && fits (&p->right->sub, k, blocks))
        return leftmost_fit (p->right, k, blocks);
    }

  return NULL;
}

/* The last bucket before @b with room, or NULL. */
static Bucket *
previous_fit (Bucket  *b,
              guint    k,
              guint64  blocks)
{
  if (b->left != NULL && fits (&b->left->sub, k, blocks))
    return rightmost_fit (b->left, k, blocks);

  for (; b->parent != NULL; b = b->parent)
    {
      Bucket *p = b->parent;

      if (p->right != b)
        continue;
      if (fits (&p->own, k, blocks))
        return p;
      if (p->left != NULL && fits (&p->left->sub, k, blocks))
        return rightmost_fit (p->left, k, blocks);
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

/* The node of the last area of @b (there is one: n_areas > 0). */
static GTreeNode *
bucket_last_node (MsGapIndex *self,
                  Bucket     *b)
{
  Bucket *next = bucket_next (b);
  guint64 next_lo;

  if (next == NULL)
    return g_tree_node_last (self->areas);

  next_lo = next->lo;
  return g_tree_node_previous (g_tree_lower_bound (self->areas, MS_LOOKUP_KEY (next_lo)));
}

/* Splits @b, which has too many areas, in two halves. Each keeps @b's
 * profile, an upper bound of its own: searches tighten it. */
static void
split_bucket (MsGapIndex *self,
              Bucket     *b)
{
  GTreeNode *node = bucket_first_node (self, b);
  guint half = b->n_areas / 2;
  Bucket *upper;

  for (guint i = 0; i < half; i++)
    node = g_tree_node_next (node);

  upper = bucket_new (self, ms_node_area (node)->start);
  upper->n_areas = b->n_areas - half;
  upper->own = b->own;
  b->n_areas = half;
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
  into->own = profile_max (&into->own, &gone->own);
  delete_bucket (self, gone);
  fix_up (into);

  if (into->n_areas > BUCKET_MAX)
    split_bucket (self, into);
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

MsGapIndex *
ms_gap_index_new (GTree *areas)
{
  MsGapIndex *self = g_new0 (MsGapIndex, 1);

  g_assert (g_tree_nnodes (areas) == 0);

  self->areas = areas;
  self->random = 0x9e3779b9u;
  self->root = bucket_new (self, 0);
  return self;
}

void
ms_gap_index_clear (MsGapIndex *self)
{
  g_assert (g_tree_nnodes (self->areas) == 0);

  free_subtree (self->root);
  self->root = bucket_new (self, 0);
  self->last_found = NULL;
}

void
ms_gap_index_free (MsGapIndex *self)
{
  free_subtree (self->root);
  g_free (self);
}

void
ms_gap_index_inserted (MsGapIndex *self,
                       GTreeNode  *node)
{
  guint64 start = ms_node_area (node)->start;
  Bucket *b = find_bucket (self, start);
  GapProfile gap = gap_profile (end_before (node), start);

  b->n_areas++;
  raise_bucket (b, &gap);

  if (b->n_areas > BUCKET_MAX)
    split_bucket (self, b);
}

void
ms_gap_index_removed (MsGapIndex *self,
                      guint64     start)
{
  Bucket *b = find_bucket (self, start);
  GTreeNode *next = g_tree_lower_bound (self->areas, MS_LOOKUP_KEY (start));

  g_assert (b->n_areas > 0);
  b->n_areas--;

  /* The gap of the next area took in the removed area. (b's own profile
   * may now be too large: a search tightens it when it looks.) */
  if (next != NULL)
    {
      GapProfile gap = node_gap (next);

      if (gap.len > 0)
        raise_bucket (find_bucket (self, ms_node_area (next)->start), &gap);
    }

  if (b->n_areas < BUCKET_MIN && (b->left != NULL || b->right != NULL || b->parent != NULL))
    merge_bucket (self, b);
  else if (b->n_areas == 0)
    set_exact (b, &(GapProfile) { 0, 0 });
}

void
ms_gap_index_end_changed (MsGapIndex *self,
                          GTreeNode  *node,
                          guint64     old_end)
{
  guint64 end = node_end (node);
  GTreeNode *next;
  GapProfile gap;

  /* An area that grew only shrinks the gap after it. */
  if (end >= old_end || (next = g_tree_node_next (node)) == NULL)
    return;

  gap = gap_profile (end, ms_node_area (next)->start);
  if (gap.len > 0)
    raise_bucket (find_bucket (self, ms_node_area (next)->start), &gap);
}

typedef enum {
  GAP_FITS,
  GAP_TOO_SMALL,
  GAP_PAST_LIMIT,   /* neither this gap nor any further one can fit */
} GapFit;

/* Bottom-up: the lowest fit in the gap [gap_start, gap_end), at or
 * above @from. */
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

/* Top-down: the highest fit in the gap [gap_start, gap_end), at or
 * above @limit_start and ending at or below @limit_end. */
static inline GapFit
check_gap_down (guint64  gap_start,
                guint64  gap_end,
                guint64  size,
                guint64  limit_start,
                guint64  limit_end,
                guint64  align,
                guint64 *out_start)
{
  guint64 hi = MIN (gap_end, limit_end);
  guint64 r;

  if (hi < size)
    return GAP_PAST_LIMIT;
  r = (hi - size) & ~(align - 1);
  if (r >= gap_start && r >= limit_start)
    {
      *out_start = r;
      return GAP_FITS;
    }
  /* The gaps below end at or below gap_start. */
  if (gap_start <= limit_start)
    return GAP_PAST_LIMIT;
  return GAP_TOO_SMALL;
}

/* Looks for the lowest fit among the gaps of the areas of @b from @node
 * on. Gives @b its exact profile when the scan covered it whole and
 * found nothing. */
static GapFit
scan_bucket_up (MsGapIndex *self,
                Bucket     *b,
                GTreeNode  *node,
                gboolean    whole,
                guint64     from,
                guint64     size,
                guint64     limit_end,
                guint64     align,
                guint64    *out_start)
{
  Bucket *next = bucket_next (b);
  guint64 stop = next != NULL ? next->lo : 0;
  guint64 prev_end = end_before (node);
  GapProfile exact = { 0, 0 };

  for (; node != NULL; node = g_tree_node_next (node))
    {
      MsMemoryArea *area = ms_node_area (node);
      GapProfile gap;

      if (next != NULL && area->start >= stop)
        break;
      gap = gap_profile (prev_end, area->start);
      if (gap.len >= size)
        {
          GapFit fit = check_gap (prev_end, area->start, from, size, limit_end, align, out_start);

          if (fit != GAP_TOO_SMALL)
            return fit;
        }
      exact = profile_max (&exact, &gap);
      prev_end = ms_memory_area_end (area);
    }

  if (whole)
    set_exact (b, &exact);
  return GAP_TOO_SMALL;
}

/* The same, top-down: the highest fit among the gaps of the areas of @b
 * from @node down. */
static GapFit
scan_bucket_down (MsGapIndex *self,
                  Bucket     *b,
                  GTreeNode  *node,
                  gboolean    whole,
                  guint64     size,
                  guint64     limit_start,
                  guint64     limit_end,
                  guint64     align,
                  guint64    *out_start)
{
  GapProfile exact = { 0, 0 };

  for (; node != NULL; node = g_tree_node_previous (node))
    {
      MsMemoryArea *area = ms_node_area (node);
      GTreeNode *prev;
      guint64 prev_end;
      GapProfile gap;

      if (area->start < b->lo)
        break;
      prev = g_tree_node_previous (node);
      prev_end = prev != NULL ? node_end (prev) : 0;
      gap = gap_profile (prev_end, area->start);
      if (gap.len >= size)
        {
          GapFit fit = check_gap_down (prev_end, area->start, size, limit_start, limit_end,
                                       align, out_start);

          if (fit != GAP_TOO_SMALL)
            return fit;
        }
      else if (area->start <= limit_start)
        return GAP_PAST_LIMIT;
      exact = profile_max (&exact, &gap);
    }

  if (whole)
    set_exact (b, &exact);
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
  guint k = __builtin_ctzll (align);
  guint64 blocks = size >> k;
  GTreeNode *node, *last;
  guint64 prev_end;
  Bucket *b;
  GapFit fit;

  /* The first gap that can hold the answer is that of the first area
   * starting after @from: the gaps before it end at or before @from. */
  node = g_tree_upper_bound (self->areas, MS_LOOKUP_KEY (from));
  if (node == NULL)
    goto trailing;

  b = find_bucket (self, ms_node_area (node)->start);
  if (fits (&b->own, k, blocks))
    {
      fit = scan_bucket_up (self, b, node, node == bucket_first_node (self, b),
                            from, size, limit_end, align, out_start);
      if (fit != GAP_TOO_SMALL)
        return fit == GAP_FITS;
    }

  /* Then the buckets that may have room, each scanned whole. */
  while ((b = next_fit (b, k, blocks)) != NULL)
    {
      fit = scan_bucket_up (self, b, bucket_first_node (self, b), TRUE,
                            from, size, limit_end, align, out_start);
      if (fit != GAP_TOO_SMALL)
        return fit == GAP_FITS;
    }

trailing:
  /* The free range after the last area, up to the top of the address
   * space. */
  last = g_tree_node_last (self->areas);
  prev_end = last != NULL ? node_end (last) : 0;
  return check_gap (prev_end, G_MAXUINT64, from, size, limit_end, align, out_start) == GAP_FITS;
}

gboolean
ms_gap_index_find_top_down (MsGapIndex *self,
                            guint64     size,
                            guint64     limit_start,
                            guint64     limit_end,
                            guint64     align,
                            guint64    *out_start)
{
  guint k = __builtin_ctzll (align);
  guint64 blocks = size >> k;
  GTreeNode *node;
  Bucket *b;
  GapFit fit;

  /* The last gap that can hold the answer is that of the first area
   * starting at or after @limit_end, or the free range after the last
   * area. */
  node = g_tree_lower_bound (self->areas, MS_LOOKUP_KEY (limit_end));
  if (node == NULL)
    {
      GTreeNode *last = g_tree_node_last (self->areas);
      guint64 prev_end = last != NULL ? node_end (last) : 0;

      fit = check_gap_down (prev_end, G_MAXUINT64, size, limit_start, limit_end, align, out_start);
      if (fit != GAP_TOO_SMALL || last == NULL)
        return fit == GAP_FITS;
      node = last;
    }

  b = find_bucket (self, ms_node_area (node)->start);
  if (fits (&b->own, k, blocks))
    {
      fit = scan_bucket_down (self, b, node, node == bucket_last_node (self, b),
                              size, limit_start, limit_end, align, out_start);
      if (fit != GAP_TOO_SMALL)
        return fit == GAP_FITS;
    }

  while ((b = previous_fit (b, k, blocks)) != NULL)
    {
      fit = scan_bucket_down (self, b, bucket_last_node (self, b), TRUE,
                              size, limit_start, limit_end, align, out_start);
      if (fit != GAP_TOO_SMALL)
        return fit == GAP_FITS;
    }

  return FALSE;
}

static guint
check_subtree (Bucket *b,
               Bucket *parent)
{
  GapProfile m = b->own;
  guint n = 1;

  g_assert (b->parent == parent);
  if (parent != NULL)
    g_assert (parent->priority >= b->priority);
  if (b->left != NULL)
    {
      g_assert (b->left->lo < b->lo);
      n += check_subtree (b->left, b);
      m = profile_max (&m, &b->left->sub);
    }
  if (b->right != NULL)
    {
      g_assert (b->right->lo > b->lo);
      n += check_subtree (b->right, b);
      m = profile_max (&m, &b->right->sub);
    }
  g_assert (profile_equal (&b->sub, &m));

  return n;
}

/* Asserts that @p is at least the number of whole 2^k-aligned blocks of
 * [s, e) at every level k, counted directly. */
static void
check_profile_covers_gap (const GapProfile *p,
                          guint64           s,
                          guint64           e)
{
  for (guint k = 0; k < 64; k++)
    {
      guint64 mask = (G_GUINT64_CONSTANT (1) << k) - 1;
      guint64 first_block = (s >> k) + ((s & mask) != 0);
      guint64 end_block = e >> k;
      guint64 blocks = e > s && end_block > first_block ? end_block - first_block : 0;

      g_assert_cmpuint (profile_level (p, k), >=, blocks);
    }
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
          check_profile_covers_gap (&b->own, prev_end, area->start);
          prev_end = ms_memory_area_end (area);
        }
    }

  g_assert (node == NULL);
  g_assert (n_seen == n_buckets);
}

guint
ms_gap_index_get_n_buckets (MsGapIndex *self)
{
  Bucket *b = self->root;
  guint n = 0;

  while (b->left != NULL)
    b = b->left;
  for (; b != NULL; b = bucket_next (b))
    n++;
  return n;
}

guint
ms_gap_index_get_bucket_size (MsGapIndex *self,
                              guint64     start)
{
  return find_bucket (self, start)->n_areas;
}
