/* test-gap-index.c: find_free_area against a plain scan, on random sets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The set answers find_free_area from an index of its gaps, kept up to
 * date by every map, unmap, protect and clear. These tests change sets
 * at random and compare every answer with one computed by scanning the
 * areas from get_areas(). The program runs with MS_DEBUG_GAP_INDEX=1, so
 * that the set also checks its index against its tree after each change.
 */

#include "ms-test-backend.h"

/* The lowest aligned fit, by a scan over the areas: the reference. */
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
  guint64 from = MAX (hint, limit_start);
  guint64 gap_start = 0;
  guint i;

  if (size == 0 || align == 0 || (align & (align - 1)) != 0 ||
      size % align != 0 || limit_start >= limit_end)
    return FALSE;

  for (i = 0; i <= areas->len; i++)
    {
      /* The gap [gap_start, gap_end]: inclusive end, so that the last
       * one can reach 2^64 - 1. */
      guint64 gap_last;
      guint64 r;

      if (i < areas->len)
        {
          MsMemoryArea *area = areas->pdata[i];

          if (ms_memory_area_get_start (area) == 0)
            {
              gap_start = ms_memory_area_get_end (area);
              continue;
            }
          gap_last = ms_memory_area_get_start (area) - 1;
        }
      else
        gap_last = G_MAXUINT64;

      if (i > 0 && i == areas->len && gap_start == 0)
        break;   /* the last area ends at 2^64: no gap after it */

      r = MAX (gap_start, from);
      if (r <= gap_last && r <= G_MAXUINT64 - (align - 1))
        {
          r = (r + align - 1) & ~(align - 1);
          if (r >= gap_start && r <= gap_last && gap_last - r >= size - 1 &&
              r <= limit_end && limit_end - r >= size)
            {
              *out_start = r;
              return TRUE;
            }
        }

      if (i < areas->len)
        gap_start = ms_memory_area_get_end (areas->pdata[i]);
    }

  return FALSE;
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
        query_at_random (set, (guint64) n * 0x2000, 10);
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

int
main (int   argc,
      char *argv[])
{
  /* The set checks its gap index against its tree after every change. */
  g_setenv ("MS_DEBUG_GAP_INDEX", "1", FALSE);

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/gap-index/random-changes", test_random_changes);
  g_test_add_func ("/gap-index/many-buckets", test_many_buckets);
  g_test_add_func ("/gap-index/edges", test_edges);

  return g_test_run ();
}
