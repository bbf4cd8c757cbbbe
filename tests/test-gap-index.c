/* test-gap-index.c: find_free_area against a plain scan, on random sets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The set answers find_free_area from an index of its gaps, kept up to
 * date by every map, unmap, protect and clear. These tests change sets
 * at random and compare every answer with one found from the definition
 * over the areas from get_areas(), and check the index against the tree
 * after every change. Others drive the index directly on a tree of their
 * own, to make its buckets split and merge.
 */

#include "ms-test-backend.h"
#include "ms-memory-set-private.h"
#include "ms-gap-index.h"

/* Whether [r, r + size) meets an area of @areas. */
static gboolean
meets_an_area (GPtrArray *areas,
               guint64    r,
               guint64    size)
{
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = areas->pdata[i];

      if (ms_memory_area_get_start (area) - r < size ||
          r - ms_memory_area_get_start (area) < ms_memory_area_get_size (area))
        return TRUE;
    }
  return FALSE;
}

/* The answer by the definition: the lowest r, a multiple of @align, with
 * r >= MAX (hint, limit_start), r + size <= limit_end and
 * [r, r + size) free; none for a size that is 0 or not a multiple of
 * the alignment, an alignment that is not a power of two, or an empty
 * limit. The lowest such r is the first multiple of @align at or above
 * MAX (hint, limit_start) or at or above the end of an area (the range
 * before it was not free, or too low), so only those are tried. */
static gboolean
scan_free_area (MsMemorySet *set,
                guint64      hint,
                guint64      size,
                guint64      limit_start,
                guint64      limit_end,
                guint64      align,
                guint64     *out_start)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  g_autoptr(GArray) candidates = g_array_new (FALSE, FALSE, sizeof (unsigned __int128));
  unsigned __int128 from = MAX (hint, limit_start), best = 0;
  gboolean found = FALSE;

  if (size == 0 || align == 0 || (align & (align - 1)) != 0 || size % align != 0 ||
      limit_start >= limit_end)
    return FALSE;

  g_array_append_val (candidates, from);
  for (guint i = 0; i < areas->len; i++)
    {
      unsigned __int128 end = ms_memory_area_get_end (areas->pdata[i]);

      if (end >= from)
        g_array_append_val (candidates, end);
    }

  for (guint i = 0; i < candidates->len; i++)
    {
      unsigned __int128 r = g_array_index (candidates, unsigned __int128, i);

      r = (r + align - 1) / align * align;
      if (r + size <= limit_end && (!found || r < best) &&
          !meets_an_area (areas, (guint64) r, size))
        {
          best = r;
          found = TRUE;
        }
    }

  if (found)
    *out_start = (guint64) best;
  return found;
}

static void
assert_same_answer (MsMemorySet *set,
                    guint64      hint,
                    guint64      size,
                    guint64      limit_start,
                    guint64      limit_end,
                    guint64      align)
{
  guint64 expected = 0, got = 0;
  gboolean expected_found = scan_free_area (set, hint, size, limit_start, limit_end, align, &expected);
  gboolean found = ms_memory_set_find_free_area (set, hint, size, limit_start, limit_end, align, &got);

  if (found != expected_found || (found && got != expected))
    g_error ("find_free_area (hint %#" G_GINT64_MODIFIER "x, size %#" G_GINT64_MODIFIER "x, "
             "limit [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x), align %#" G_GINT64_MODIFIER "x) "
             "on %u areas: got %s %#" G_GINT64_MODIFIER "x, a scan gives %s %#" G_GINT64_MODIFIER "x",
             hint, size, limit_start, limit_end, align, ms_memory_set_get_n_areas (set),
             found ? "TRUE" : "FALSE", got, expected_found ? "TRUE" : "FALSE", expected);
}

/* A random power of two, 1 to 2^max_shift, times @unit. */
static guint64
random_align (guint64 unit,
              guint   max_shift)
{
  return unit << g_test_rand_int_range (0, max_shift + 1);
}

/* A few queries of every kind on @set, whose areas lie in [0, space). */
static void
query_at_random (MsMemorySet *set,
                 guint64      space,
                 guint        n_queries)
{
  guint q;

  for (q = 0; q < n_queries; q++)
    {
      guint64 align = random_align (1, 8);
      guint64 size = align * g_test_rand_int_range (1, 6);
      guint64 hint = g_test_rand_int_range (0, 4) == 0 ? 0 : (guint64) g_test_rand_double_range (0, space);
      guint64 limit_start = g_test_rand_int_range (0, 3) == 0 ? (guint64) g_test_rand_double_range (0, space) : 0;
      guint64 limit_end;

      switch (g_test_rand_int_range (0, 4))
        {
        case 0:
          limit_end = G_MAXUINT64;
          break;
        case 1:
          limit_end = space;
          break;
        default:
          limit_end = (guint64) g_test_rand_double_range (0, space + 0x100);
          break;
        }

      /* Now and then a size that is not a multiple of the alignment, or
       * an alignment that is not a power of two: no answer. */
      if (g_test_rand_int_range (0, 50) == 0)
        size += 1;
      if (g_test_rand_int_range (0, 50) == 0)
        align = 3;

      assert_same_answer (set, hint, size, limit_start, limit_end, align);
    }
}

/* Maps, unmaps, protects and now and then clears at random over a small
 * address space, asking find_free_area questions after every change. */
static void
test_random_changes (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  guint round;

  for (round = 0; round < 20; round++)
    {
      g_autoptr(MsMemorySet) set = ms_memory_set_new ();
      guint64 space = (guint64) 0x40 << g_test_rand_int_range (4, 16);
      /* Small areas in a large space make many (and so many buckets). */
      guint64 max_size = space >> g_test_rand_int_range (3, 10);
      guint n_changes = g_test_slow () ? 6000 : 1500;
      guint c;

      for (c = 0; c < n_changes; c++)
        {
          guint64 start = (guint64) g_test_rand_double_range (0, space);
          guint64 size = 1 + (guint64) g_test_rand_double_range (0, max_size);
          int kind = g_test_rand_int_range (0, 100);

          if (kind < 60)
            {
              g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, g_test_rand_int_range (1, 4),
                                                                 MS_MAPPING_BACKEND (backend));

              ms_memory_set_map (set, area, NULL, g_test_rand_bit (), NULL);
            }
          else if (kind < 80)
            {
              g_assert_true (ms_memory_set_unmap (set, start, size, NULL, NULL));
            }
          else if (kind < 99)
            {
              g_assert_true (ms_memory_set_protect (set, start, size, g_test_rand_int_range (1, 4), NULL, NULL));
            }
          else
            {
              g_assert_true (ms_memory_set_clear (set, NULL, NULL));
            }

          ms_memory_set_check_invariants (set);
          query_at_random (set, space, 4);
        }
    }
}

/* Many areas of equal gaps, as in the benchmark workload: the index has
 * many buckets, and every gap is too small for the common question. */
static void
test_many_buckets (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  const guint n = 5000;
  guint64 answer = 0;
  guint i;

  for (i = 0; i < n; i++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new ((guint64) i * 0x2000, 0x1000, 1,
                                                         MS_MAPPING_BACKEND (backend));

      g_assert_true (ms_memory_set_map (set, area, NULL, FALSE, NULL));
    }

  g_assert_true (ms_memory_set_find_free_area (set, 0, 0x2000, 0, G_GUINT64_CONSTANT (1) << 47,
                                               0x1000, &answer));
  g_assert_cmphex (answer, ==, (guint64) (n - 1) * 0x2000 + 0x1000);
  query_at_random (set, (guint64) n * 0x2000, 200);

  /* Open larger gaps here and there, then fill some, asking after each. */
  for (i = 0; i < 300; i++)
    {
      guint64 at = (guint64) g_test_rand_int_range (0, n) * 0x2000;

      if (g_test_rand_bit ())
        {
          g_assert_true (ms_memory_set_unmap (set, at, 0x1000 * g_test_rand_int_range (1, 8), NULL, NULL));
        }
      else
        {
          g_autoptr(MsMemoryArea) area = ms_memory_area_new (at, 0x800 * g_test_rand_int_range (1, 12), 2,
                                                             MS_MAPPING_BACKEND (backend));

          ms_memory_set_map (set, area, NULL, TRUE, NULL);
        }

      ms_memory_set_check_invariants (set);
      query_at_random (set, (guint64) n * 0x2000, 10);
      assert_same_answer (set, 0, 0x2000, 0, G_GUINT64_CONSTANT (1) << 47, 0x1000);
      assert_same_answer (set, 0, 0x4000, 0, G_GUINT64_CONSTANT (1) << 47, 0x4000);
    }

  /* Unmap nearly everything, in random pieces: buckets merge. */
  for (i = 0; i < 2000; i++)
    {
      guint64 at = (guint64) g_test_rand_int_range (0, n) * 0x2000;

      g_assert_true (ms_memory_set_unmap (set, at, 0x2000 * g_test_rand_int_range (1, 6), NULL, NULL));
      if (i % 10 == 0)
        {
          ms_memory_set_check_invariants (set);
          query_at_random (set, (guint64) n * 0x2000, 10);
        }
    }
}

/* Areas at the very top and bottom of the address space, and limits at
 * the edges: nothing wraps around. */
static void
test_edges (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  static const guint64 starts[] = { 0, 0x1000, G_MAXUINT64 - 0x1fff, G_MAXUINT64 - 0x10000 };
  guint i;

  assert_same_answer (set, 0, 0x1000, 0, G_MAXUINT64, 0x1000);
  assert_same_answer (set, G_MAXUINT64 - 0xfff, 0x1000, 0, G_MAXUINT64, 0x1000);

  for (i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new (starts[i], 0x800, 1, MS_MAPPING_BACKEND (backend));
      guint64 hint;

      g_assert_true (ms_memory_set_map (set, area, NULL, FALSE, NULL));
      for (hint = 0; hint < 0x4000; hint += 0x400)
        {
          assert_same_answer (set, hint, 0x800, 0, G_MAXUINT64, 0x800);
          assert_same_answer (set, G_MAXUINT64 - hint, 0x800, 0, G_MAXUINT64, 0x800);
          assert_same_answer (set, G_MAXUINT64 - 0x20000 + hint * 8, 0x1000, 0, G_MAXUINT64, 0x1000);
          assert_same_answer (set, hint, 0x1000, 0x800, 0x3000, 0x800);
        }
    }
}

/* The index on a tree of its own: areas inserted in order, then removed
 * from the front, make buckets split at BUCKET_MAX and merge below
 * BUCKET_MIN; the index agrees with the tree all along. */
static gint
compare_starts (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  guint64 x = MS_KEY_VALUE (a), y = MS_KEY_VALUE (b);

  return (x > y) - (x < y);
}

static void
test_buckets (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(GTree) tree = g_tree_new_full (compare_starts, NULL, NULL,
                                           (GDestroyNotify) ms_memory_area_unref);
  MsGapIndex *index = ms_gap_index_new (tree);
  const guint n = 4 * MS_GAP_INDEX_BUCKET_MAX;
  guint64 answer;

  for (guint i = 0; i < n; i++)
    {
      /* Area i ends at (i + 1) * 4 pages, after a gap of 1, 2 or 3 pages. */
      guint64 gap = (i % 3 + 1) * 0x1000;
      MsMemoryArea *area = ms_memory_area_new ((guint64) i * 0x4000 + gap, 0x4000 - gap, 1,
                                               MS_MAPPING_BACKEND (backend));

      ms_gap_index_inserted (index, g_tree_insert_node (tree, MS_AREA_KEY (area), area));
      if (i == MS_GAP_INDEX_BUCKET_MAX - 1)
        g_assert_cmpuint (ms_gap_index_get_n_buckets (index), ==, 1);
      if (i == MS_GAP_INDEX_BUCKET_MAX)
        g_assert_cmpuint (ms_gap_index_get_n_buckets (index), ==, 2);
    }
  ms_gap_index_check (index);
  g_assert_cmpuint (ms_gap_index_get_n_buckets (index), >=, n / MS_GAP_INDEX_BUCKET_MAX);
  g_assert_cmpuint (ms_gap_index_get_bucket_size (index, 0x1000), ==, MS_GAP_INDEX_BUCKET_MAX / 2);

  /* Every gap is shorter than 4 pages: the first fit is after the last area. */
  g_assert_true (ms_gap_index_find (index, 0, 0x4000, G_MAXUINT64, 0x1000, &answer));
  g_assert_cmphex (answer, ==, (guint64) n * 0x4000);
  g_assert_true (ms_gap_index_find (index, 0, 0x1000, G_MAXUINT64, 0x1000, &answer));
  g_assert_cmphex (answer, ==, 0);
  g_assert_true (ms_gap_index_find_top_down (index, 0x3000, 0, (guint64) n * 0x4000, 0x1000, &answer));
  /* The last 3-page gap: that of area n - 2 (n is a multiple of 3, plus 1). */
  g_assert_cmpuint (n % 3, ==, 1);
  g_assert_cmphex (answer, ==, (guint64) (n - 2) * 0x4000);

  /* Remove from the front: buckets merge into their neighbours. */
  while (g_tree_nnodes (tree) > 0)
    {
      GTreeNode *first = g_tree_node_first (tree);
      guint64 start = ((MsMemoryArea *) g_tree_node_value (first))->start;

      g_tree_remove (tree, MS_LOOKUP_KEY (start));
      ms_gap_index_removed (index, start);
      if (g_tree_nnodes (tree) % 97 == 0)
        ms_gap_index_check (index);
      if (g_tree_nnodes (tree) > 0)
        g_assert_cmpuint (ms_gap_index_get_n_buckets (index), <=,
                          1 + g_tree_nnodes (tree) / MS_GAP_INDEX_BUCKET_MIN);
    }
  g_assert_cmpuint (ms_gap_index_get_n_buckets (index), ==, 1);
  ms_gap_index_check (index);
  ms_gap_index_free (index);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gap-index/random-changes", test_random_changes);
  g_test_add_func ("/gap-index/many-buckets", test_many_buckets);
  g_test_add_func ("/gap-index/edges", test_edges);
  g_test_add_func ("/gap-index/buckets", test_buckets);

  return g_test_run ();
}
