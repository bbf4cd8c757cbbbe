/* test-areas.c: offsets and names that follow splits, merging, range and
 * gap queries, the mapped size, the limit on areas, and the bookkeeping
 * calls: split, join and set_offsets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-harness.h"

#define RW (MS_PROT_READ | MS_PROT_WRITE)

typedef struct {
  MsMemorySet     *set;
  MsTestBackend   *backend;
  MsTestPageTable *table;
  guint            n_notifies;
} Fixture;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  ((Fixture *) user_data)->n_notifies++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->set = ms_memory_set_new ();
  f->backend = ms_test_backend_new ();
  f->table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
  g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (count_notify), f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->set);
  g_clear_object (&f->backend);
  g_clear_object (&f->table);
}

static MsMemoryArea *
file_area (Fixture    *f,
           guint64     start,
           guint64     size,
           guint64     flags,
           guint64     offset,
           const char *name)
{
  return ms_memory_area_new_full (start, size, flags, MS_MAPPING_BACKEND (f->backend), offset, name);
}

static void
map_ok (Fixture      *f,
        MsMemoryArea *area)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
  g_assert_no_error (error);
  ms_memory_area_unref (area);
}

/* Fails the test unless the area at @start is [start, end) with @flags,
 * @offset and @name. */
static void
assert_area (Fixture    *f,
             guint64     start,
             guint64     end,
             guint64     flags,
             guint64     offset,
             const char *name)
{
  ms_test_assert_area (f->set, start, end, flags, offset, name, MS_MAPPING_BACKEND (f->backend));
}

static void
test_new_full (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MsMemoryArea) plain = ms_memory_area_new (0x3000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  g_autoptr(MsMemoryArea) same = file_area (f, 0x3000, 0x1000, 1, 0x3000, NULL);
  g_autoptr(MsMemoryArea) named = file_area (f, 0x3000, 0x1000, 1, 0x3000, "[heap]");
  g_autoptr(MsMemoryArea) other_offset = file_area (f, 0x3000, 0x1000, 1, 0, NULL);
  g_autofree char *name = g_strdup ("[heap]");
  g_autoptr(MsMemoryArea) named_again = file_area (f, 0x9000, 0x1000, 2, 5, name);

  /* An area made without an offset is anonymous memory. */
  g_assert_cmphex (ms_memory_area_get_offset (plain), ==, 0x3000);
  g_assert_null (ms_memory_area_get_name (plain));
  g_assert_true (ms_memory_area_equal (plain, same));
  g_assert_false (ms_memory_area_equal (plain, named));
  g_assert_false (ms_memory_area_equal (plain, other_offset));
  g_assert_cmphex (ms_memory_area_get_offset (other_offset), ==, 0);

  /* Names are kept as given, in one copy. */
  g_assert_cmpstr (ms_memory_area_get_name (named), ==, "[heap]");
  g_assert_true (ms_memory_area_get_name (named_again) == ms_memory_area_get_name (named));
  g_assert_true (ms_memory_area_get_name (named_again) != name);
  g_assert_cmphex (ms_memory_area_get_offset (named_again), ==, 5);

  /* Offsets may lie below the start, and end at 2^64 - 1 (as ranges
   * do), not past it. */
  {
    g_autoptr(MsMemoryArea) top = file_area (f, 0x1000, 0x1000, 1, G_MAXUINT64 - 0x1000, NULL);
    g_autoptr(MsMemoryArea) over = file_area (f, 0x1000, 0x1000, 1, G_MAXUINT64 - 0xfff, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true (ms_memory_set_map (f->set, top, G_OBJECT (f->table), FALSE, &error));
    g_assert_no_error (error);
    g_assert_true (ms_memory_set_unmap (f->set, 0x1000, 0x1000, G_OBJECT (f->table), NULL));
    g_assert_false (ms_memory_set_map (f->set, over, G_OBJECT (f->table), FALSE, &error));
    g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
    g_assert_true (ms_memory_set_is_empty (f->set));
  }
}

/* Every piece of an area keeps its backend and name and has the
 * offset of its first byte. */
static void
test_offsets_follow_splits (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsMemoryArea) over = NULL;

  map_ok (f, file_area (f, 0x1000, 0x8000, RW, 0x100000, "/lib/libc.so.6"));
  map_ok (f, ms_memory_area_new (0xa000, 0x3000, 1, MS_MAPPING_BACKEND (f->backend)));

  /* unmap splits: the upper half gets offset + (split - start). */
  g_assert_true (ms_memory_set_unmap (f->set, 0x2000, 0x1000, G_OBJECT (f->table), &error));
  assert_area (f, 0x1000, 0x2000, RW, 0x100000, "/lib/libc.so.6");
  assert_area (f, 0x3000, 0x9000, RW, 0x102000, "/lib/libc.so.6");

  /* protect splits in three. */
  g_assert_true (ms_memory_set_protect (f->set, 0x4000, 0x2000, MS_PROT_READ, G_OBJECT (f->table), &error));
  assert_area (f, 0x3000, 0x4000, RW, 0x102000, "/lib/libc.so.6");
  assert_area (f, 0x4000, 0x6000, MS_PROT_READ, 0x103000, "/lib/libc.so.6");
  assert_area (f, 0x6000, 0x9000, RW, 0x105000, "/lib/libc.so.6");

  /* Shrinking from the front. */
  g_assert_true (ms_memory_set_unmap (f->set, 0x6000, 0x1000, G_OBJECT (f->table), &error));
  assert_area (f, 0x7000, 0x9000, RW, 0x106000, "/lib/libc.so.6");

  /* Anonymous memory: its offset is its address, piece by piece. */
  g_assert_true (ms_memory_set_protect (f->set, 0xb000, 0x1000, 3, G_OBJECT (f->table), &error));
  assert_area (f, 0xa000, 0xb000, 1, 0xa000, NULL);
  assert_area (f, 0xb000, 0xc000, 3, 0xb000, NULL);
  assert_area (f, 0xc000, 0xd000, 1, 0xc000, NULL);

  /* map with unmap_overlap cuts what it covers. */
  over = ms_memory_area_new (0x7800, 0x3000, 5, MS_MAPPING_BACKEND (f->backend));
  g_assert_true (ms_memory_set_map (f->set, over, G_OBJECT (f->table), TRUE, &error));
  g_assert_no_error (error);
  assert_area (f, 0x7000, 0x7800, RW, 0x106000, "/lib/libc.so.6");
  assert_area (f, 0xa800, 0xb000, 1, 0xa800, NULL);
  ms_test_assert_set_matches_table (f->set, f->table);
}

static gboolean
count_area (MsMemoryArea *area,
            gpointer      user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

/* With merge-adjacent, the set joins what could be one, and never calls
 * a backend for it. */
static void
test_merge (Fixture       *f,
            gconstpointer  data)
{
  const GArray *calls = ms_test_backend_get_calls (f->backend);
  g_autoptr(MsMemoryArea) held = NULL;
  g_autoptr(GError) error = NULL;
  guint n = 0;

  /* Neighbours that could be one, and ones that could not: another
   * name, offsets that do not run on, other flags, a gap. */
  map_ok (f, file_area (f, 0x1000, 0x1000, RW, 0x5000, "a"));
  map_ok (f, file_area (f, 0x2000, 0x1000, RW, 0x6000, "a"));
  map_ok (f, file_area (f, 0x3000, 0x1000, RW, 0x7000, "b"));
  map_ok (f, file_area (f, 0x4000, 0x1000, RW, 0x9000, "b"));
  map_ok (f, file_area (f, 0x5000, 0x1000, MS_PROT_READ, 0xa000, "b"));
  map_ok (f, file_area (f, 0x7000, 0x1000, MS_PROT_READ, 0xc000, "b"));
  map_ok (f, ms_memory_area_new (0x8000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  map_ok (f, ms_memory_area_new (0x9000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 8);
  held = ms_memory_area_ref (ms_memory_set_find (f->set, 0x1000));

  ms_test_backend_reset_calls (f->backend);
  f->n_notifies = 0;
  g_assert_false (ms_memory_set_get_merge_adjacent (f->set));
  ms_memory_set_set_merge_adjacent (f->set, TRUE);
  g_assert_true (ms_memory_set_get_merge_adjacent (f->set));
  g_assert_cmpuint (calls->len, ==, 0);
  g_assert_cmpuint (f->n_notifies, ==, 1);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 6);
  assert_area (f, 0x1000, 0x3000, RW, 0x5000, "a");
  assert_area (f, 0x3000, 0x4000, RW, 0x7000, "b");
  assert_area (f, 0x4000, 0x5000, RW, 0x9000, "b");
  assert_area (f, 0x5000, 0x6000, MS_PROT_READ, 0xa000, "b");
  assert_area (f, 0x8000, 0xa000, 1, 0x8000, NULL);
  /* The area the test holds was replaced, not changed. */
  g_assert_cmphex (ms_memory_area_get_size (held), ==, 0x1000);
  g_assert_false (ms_memory_set_find (f->set, 0x1000) == held);

  /* A protect that makes neighbours equal joins them... */
  g_assert_true (ms_memory_set_protect (f->set, 0x4000, 0x1000, MS_PROT_READ, G_OBJECT (f->table), &error));
  g_assert_cmpuint (calls->len, ==, 1);
  assert_area (f, 0x4000, 0x6000, MS_PROT_READ, 0x9000, "b");
  /* ... and one that splits and puts back joins the pieces again. */
  g_assert_true (ms_memory_set_protect (f->set, 0x1800, 0x800, MS_PROT_READ, G_OBJECT (f->table), &error));
  g_assert_true (ms_memory_set_protect (f->set, 0x1800, 0x800, RW, G_OBJECT (f->table), &error));
  assert_area (f, 0x1000, 0x3000, RW, 0x5000, "a");

  /* A map next to an area it continues. */
  map_ok (f, file_area (f, 0x6000, 0x1000, MS_PROT_READ, 0xb000, "b"));
  assert_area (f, 0x4000, 0x8000, MS_PROT_READ, 0x9000, "b");
  g_assert_true (ms_memory_set_unmap (f->set, 0x8000, 0x800, G_OBJECT (f->table), &error));
  map_ok (f, ms_memory_area_new (0x8000, 0x800, 1, MS_MAPPING_BACKEND (f->backend)));
  assert_area (f, 0x8000, 0xa000, 1, 0x8000, NULL);

  /* load_maps joins too. */
  g_assert_true (ms_memory_set_load_maps (f->set, "a000-b000 0x1 0000a000 00:00 0\n"
                                                  "b000-c000 0x1 0000b000 00:00 0\n",
                                          MS_MAPPING_BACKEND (f->backend), G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  assert_area (f, 0x8000, 0xc000, 1, 0x8000, NULL);

  ms_memory_set_foreach (f->set, count_area, &n);
  g_assert_cmpuint (n, ==, ms_memory_set_get_n_areas (f->set));
  g_assert_cmpuint (n, ==, 4);
  ms_test_assert_set_matches_table (f->set, f->table);

  /* Turned off, nothing joins. */
  ms_memory_set_set_merge_adjacent (f->set, FALSE);
  map_ok (f, ms_memory_area_new (0xc000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  assert_area (f, 0xc000, 0xd000, 1, 0xc000, NULL);
  g_object_set (f->set, "merge-adjacent", TRUE, NULL);
  assert_area (f, 0x8000, 0xd000, 1, 0x8000, NULL);
}

/* A failed call merges what it changed before the failure. */
static void
test_merge_after_failure (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  ms_memory_set_set_merge_adjacent (f->set, TRUE);
  map_ok (f, ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  map_ok (f, ms_memory_area_new (0x2000, 0x1000, 2, MS_MAPPING_BACKEND (f->backend)));
  map_ok (f, ms_memory_area_new (0x3000, 0x1000, 3, MS_MAPPING_BACKEND (f->backend)));

  /* The second protect call fails: the first area joins its neighbour. */
  ms_test_backend_fail_nth_call (f->backend, 2);
  g_assert_false (ms_memory_set_protect (f->set, 0x1000, 0x3000, 2, G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 2);
  assert_area (f, 0x1000, 0x3000, 2, 0x1000, NULL);
  ms_test_assert_set_matches_table (f->set, f->table);
}

typedef struct {
  GArray *got;    /* of guint64 pairs */
} Collected;

static gboolean
collect_gap (guint64  start,
             guint64  size,
             gpointer user_data)
{
  GArray *got = user_data;
  guint64 pair[2] = { start, size };

  g_array_append_vals (got, pair, 2);
  return FALSE;
}

/* Range and gap queries against a plain walk over get_areas(). */
static void
test_queries (Fixture       *f,
              gconstpointer  data)
{
  static const guint64 layout[][2] = {
    { 0x0, 0x1000 }, { 0x2000, 0x800 }, { 0x2800, 0x800 }, { 0x4000, 0x2000 }, { 0xf000, 0x1000 },
  };
  guint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (layout); i++)
    {
      map_ok (f, ms_memory_area_new (layout[i][0], layout[i][1], 1, MS_MAPPING_BACKEND (f->backend)));
      total += layout[i][1];
    }
  g_assert_cmphex (ms_memory_set_get_mapped_size (f->set), ==, total);

  for (guint64 start = 0; start < 0x11000; start += 0x400)
    for (guint64 size = 0; size < 0x11000; size += 0xc00)
      {
        g_autoptr(GPtrArray) all = ms_memory_set_get_areas (f->set);
        g_autoptr(GPtrArray) in = ms_memory_set_get_areas_in_range (f->set, start, size);
        g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (guint64));
        guint n = 0, g = 0;
        guint64 addr = start;

        for (guint i = 0; i < all->len; i++)
          {
            MsMemoryArea *area = all->pdata[i];

            if (size > 0 && ms_memory_area_get_start (area) < start + size &&
                ms_memory_area_get_end (area) > start)
              {
                g_assert_cmpuint (n, <, in->len);
                g_assert_true (in->pdata[n++] == area);
              }
          }
        g_assert_cmpuint (in->len, ==, n);

        /* The gaps, address by address of the range (0x400 apart). */
        ms_memory_set_foreach_gap (f->set, start, size, collect_gap, gaps);
        while (addr < start + size)
          {
            guint64 gap_start, gap_end;

            if (ms_memory_set_find (f->set, addr) != NULL)
              {
                addr += 0x400;
                continue;
              }
            gap_start = addr;
            while (addr < start + size && ms_memory_set_find (f->set, addr) == NULL)
              addr += 0x400;
            gap_end = MIN (addr, start + size);
            g_assert_cmpuint (g, <, gaps->len / 2);
            g_assert_cmphex (g_array_index (gaps, guint64, 2 * g), ==, gap_start);
            g_assert_cmphex (g_array_index (gaps, guint64, 2 * g + 1), ==, gap_end - gap_start);
            g++;
          }
        g_assert_cmpuint (g, ==, gaps->len / 2);
      }

  /* A range past the top of the address space ends there. */
  {
    g_autoptr(GPtrArray) in = ms_memory_set_get_areas_in_range (f->set, 0xf800, G_MAXUINT64);
    g_autoptr(GArray) gaps = g_array_new (FALSE, FALSE, sizeof (guint64));

    g_assert_cmpuint (in->len, ==, 1);
    ms_memory_set_foreach_gap (f->set, 0xe000, G_MAXUINT64, collect_gap, gaps);
    g_assert_cmpuint (gaps->len, ==, 4);
    g_assert_cmphex (g_array_index (gaps, guint64, 0), ==, 0xe000);
    g_assert_cmphex (g_array_index (gaps, guint64, 1), ==, 0x1000);
    g_assert_cmphex (g_array_index (gaps, guint64, 2), ==, 0x10000);
    g_assert_cmphex (g_array_index (gaps, guint64, 3), ==, G_MAXUINT64 - 0x10000);
  }

  g_assert_true (ms_memory_set_unmap (f->set, 0x800, 0x2000, G_OBJECT (f->table), NULL));
  g_assert_cmphex (ms_memory_set_get_mapped_size (f->set), ==, total - 0x800 - 0x800);
  g_assert_true (ms_memory_set_clear (f->set, G_OBJECT (f->table), NULL));
  g_assert_cmphex (ms_memory_set_get_mapped_size (f->set), ==, 0);
}

static gboolean
stop_at_second (MsMemoryArea *area,
                gpointer      user_data)
{
  return ++(*(guint *) user_data) == 2;
}

static gboolean
stop_gap (guint64  start,
          guint64  size,
          gpointer user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static void
test_queries_stop (Fixture       *f,
                   gconstpointer  data)
{
  guint n = 0;

  for (guint64 k = 0; k < 5; k++)
    map_ok (f, ms_memory_area_new (k * 0x2000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  ms_memory_set_foreach_in_range (f->set, 0, 0x10000, stop_at_second, &n);
  g_assert_cmpuint (n, ==, 2);
  n = 0;
  ms_memory_set_foreach_gap (f->set, 0, 0x10000, stop_gap, &n);
  g_assert_cmpuint (n, ==, 1);
  n = 0;
  ms_memory_set_foreach_in_range (f->set, 0x1000, 0, stop_at_second, &n);
  ms_memory_set_foreach_gap (f->set, 0x1000, 0, stop_gap, &n);
  g_assert_cmpuint (n, ==, 0);
}

typedef struct {
  guint n_asked;
} Asked;

static gboolean
ask_and_set_2 (guint64   old_flags,
               guint64  *new_flags,
               gpointer  user_data)
{
  ((Asked *) user_data)->n_asked++;
  *new_flags = 2;
  return TRUE;
}

/* A call whose success would break the limit fails before any backend
 * call and changes nothing; merges are counted. */
static void
test_limit (Fixture       *f,
            gconstpointer  data)
{
  const GArray *calls = ms_test_backend_get_calls (f->backend);
  g_autoptr(GError) error = NULL;
  g_autoptr(MsMemoryArea) third = ms_memory_area_new (0x5000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  g_autoptr(MsMemoryArea) fourth = ms_memory_area_new (0x6000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  g_autofree char *before = NULL, *after = NULL;
  Asked asked = { 0 };

  g_assert_cmpuint (ms_memory_set_get_max_areas (f->set), ==, G_MAXUINT);
  ms_memory_set_set_max_areas (f->set, 2);
  g_assert_cmpuint (ms_memory_set_get_max_areas (f->set), ==, 2);
  map_ok (f, ms_memory_area_new (0x1000, 0x2000, 1, MS_MAPPING_BACKEND (f->backend)));
  map_ok (f, ms_memory_area_new (0x8000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend)));
  before = ms_memory_set_to_string (f->set);
  ms_test_backend_reset_calls (f->backend);

  g_assert_false (ms_memory_set_map (f->set, third, G_OBJECT (f->table), FALSE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);
  g_assert_false (ms_memory_set_unmap (f->set, 0x1800, 0x100, G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);
  g_assert_false (ms_memory_set_protect (f->set, 0x2000, 0x7000, 2, G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);
  g_assert_false (ms_memory_set_load_maps (f->set, "a000-b000 rw-p\n", MS_MAPPING_BACKEND (f->backend),
                                           G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);

  /* protect_with asks about each piece once, even when refused. */
  g_assert_false (ms_memory_set_protect_with (f->set, 0x2000, 0x7000, G_OBJECT (f->table),
                                              ask_and_set_2, &asked, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);
  g_assert_cmpuint (asked.n_asked, ==, 2);

  after = ms_memory_set_to_string (f->set);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (calls->len, ==, 0);

  /* What does not add areas goes on. */
  g_assert_true (ms_memory_set_protect (f->set, 0x1000, 0x2000, 2, G_OBJECT (f->table), &error));
  g_assert_true (ms_memory_set_unmap (f->set, 0x8000, 0x1000, G_OBJECT (f->table), &error));
  g_assert_true (ms_memory_set_unmap (f->set, 0x1000, 0x1000, G_OBJECT (f->table), &error));
  g_assert_no_error (error);

  /* With merging, a map that joins a neighbour adds nothing. */
  ms_memory_set_set_max_areas (f->set, 1);
  ms_memory_set_set_merge_adjacent (f->set, TRUE);
  map_ok (f, ms_memory_area_new (0x3000, 0x1000, 2, MS_MAPPING_BACKEND (f->backend)));
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 1);
  g_assert_false (ms_memory_set_map (f->set, fourth, G_OBJECT (f->table), FALSE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);

  /* Below the count the set holds: nothing is removed, and a call that
   * keeps the count goes on. */
  ms_memory_set_set_max_areas (f->set, 0);
  g_assert_true (ms_memory_set_protect (f->set, 0x2000, 0x2000, 5, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 1);
  ms_test_assert_set_matches_table (f->set, f->table);
}

/* The area of the harness's set at @start is [start, end) with @flags,
 * backend @backend, @offset and @name. */
static void
assert_harness_area (MsTestHarness *h,
                     guint64        start,
                     guint64        end,
                     guint64        flags,
                     guint          backend,
                     guint64        offset,
                     const char    *name)
{
  MsMemoryArea *area = ms_memory_set_find (ms_test_harness_get_set (h), start);

  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
  g_assert_true (ms_memory_area_get_backend (area) == ms_test_harness_get_backend (h, backend));
  g_assert_cmphex (ms_memory_area_get_offset (area), ==, offset);
  g_assert_cmpstr (ms_memory_area_get_name (area), ==, name);
}

/* split: bookkeeping only, nothing where no area is cut. The harness
 * checks every call against the model (no backend call at all). */
static void
test_split (void)
{
  MsTestHarness *h = ms_test_harness_new (2, 0);

  g_assert_cmpint (ms_test_harness_map (h, 0x1000, 0x4000, RW, 0, 0x20000, "/f", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x5000, 0x1000, RW, 0, 0x24000, "/f", FALSE), ==, MS_MODEL_OK);
  ms_test_harness_hold (h, 0x1000);

  /* In the middle: two areas, the second with the offset of its start. */
  g_assert_cmpint (ms_test_harness_split (h, 0x3000), ==, MS_MODEL_OK);
  g_assert_cmpuint (ms_test_harness_get_calls (h)->len, ==, 0);
  assert_harness_area (h, 0x1000, 0x3000, RW, 0, 0x20000, "/f");
  assert_harness_area (h, 0x3000, 0x5000, RW, 0, 0x22000, "/f");

  /* At a boundary, in a hole, past everything: nothing. */
  g_assert_cmpint (ms_test_harness_split (h, 0x3000), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_split (h, 0x5000), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_split (h, 0x800), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_split (h, G_MAXUINT64), ==, MS_MODEL_OK);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_test_harness_get_set (h)), ==, 3);

  /* The limit counts the new area. */
  ms_test_harness_set_limit (h, 3);
  g_assert_cmpint (ms_test_harness_split (h, 0x2000), ==, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  ms_test_harness_set_limit (h, 4);
  g_assert_cmpint (ms_test_harness_split (h, 0x2000), ==, MS_MODEL_OK);
  ms_test_harness_set_limit (h, G_MAXUINT);

  /* With merge-adjacent, the halves would be joined again: nothing. */
  ms_test_harness_set_merge (h, TRUE);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_test_harness_get_set (h)), ==, 1);
  g_assert_cmpint (ms_test_harness_split (h, 0x2000), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x1000, 0x6000, RW, 0, 0x20000, "/f");
  ms_test_harness_check (h);
  ms_test_harness_free (h);
}

/* join: only areas that could be one, and only when asked. */
static void
test_join (void)
{
  MsTestHarness *h = ms_test_harness_new (2, 0);

  g_assert_cmpint (ms_test_harness_map (h, 0x1000, 0x1000, RW, 0, 0x20000, "/f", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x2000, 0x1000, RW, 0, 0x21000, "/f", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x3000, 0x1000, RW, 0, 0x23000, "/f", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x4000, 0x1000, RW, 0, 0x24000, "/g", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x5000, 0x1000, RW, 1, 0x25000, "/g", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x6000, 0x1000, MS_PROT_READ, 1, 0x26000, "/g", FALSE), ==,
                   MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x8000, 0x1000, 1, 1, 0x8000, NULL, FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x9000, 0x1000, 1, 1, 0x9000, NULL, FALSE), ==, MS_MODEL_OK);
  ms_test_harness_hold (h, 0x1000);
  ms_test_harness_hold (h, 0x2000);

  /* Neighbours that could be one become one, with the first offset. */
  g_assert_cmpint (ms_test_harness_join (h, 0x2000), ==, MS_MODEL_OK);
  g_assert_cmpuint (ms_test_harness_get_calls (h)->len, ==, 0);
  assert_harness_area (h, 0x1000, 0x3000, RW, 0, 0x20000, "/f");
  g_assert_cmpint (ms_test_harness_join (h, 0x9000), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x8000, 0xa000, 1, 1, 0x8000, NULL);

  /* Offsets that do not run on, other names, backends or flags. */
  g_assert_cmpint (ms_test_harness_join (h, 0x3000), ==, MS_MAPPING_ERROR_INCOMPATIBLE);
  g_assert_cmpint (ms_test_harness_join (h, 0x4000), ==, MS_MAPPING_ERROR_INCOMPATIBLE);
  g_assert_cmpint (ms_test_harness_join (h, 0x5000), ==, MS_MAPPING_ERROR_INCOMPATIBLE);
  g_assert_cmpint (ms_test_harness_join (h, 0x6000), ==, MS_MAPPING_ERROR_INCOMPATIBLE);

  /* Nothing ends there, nothing starts there, or the address is inside. */
  g_assert_cmpint (ms_test_harness_join (h, 0x8000), ==, MS_MAPPING_ERROR_NOT_MAPPED);
  g_assert_cmpint (ms_test_harness_join (h, 0x7000), ==, MS_MAPPING_ERROR_NOT_MAPPED);
  g_assert_cmpint (ms_test_harness_join (h, 0x1800), ==, MS_MAPPING_ERROR_NOT_MAPPED);
  g_assert_cmpint (ms_test_harness_join (h, 0), ==, MS_MAPPING_ERROR_NOT_MAPPED);
  g_assert_cmpint (ms_test_harness_join (h, G_MAXUINT64), ==, MS_MAPPING_ERROR_NOT_MAPPED);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_test_harness_get_set (h)), ==, 6);

  /* What a split cut, a join mends. */
  g_assert_cmpint (ms_test_harness_split (h, 0x1800), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_join (h, 0x1800), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x1000, 0x3000, RW, 0, 0x20000, "/f");
  ms_test_harness_check (h);
  ms_test_harness_free (h);
}

/* set_offsets: like protect, for offsets, and with no backend call. */
static void
test_set_offsets (void)
{
  MsTestHarness *h = ms_test_harness_new (2, 0);

  g_assert_cmpint (ms_test_harness_map (h, 0x1000, 0x4000, RW, 0, 0x20000, "/f", FALSE), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_map (h, 0x6000, 0x2000, 1, 1, 0x6000, NULL, FALSE), ==, MS_MODEL_OK);
  ms_test_harness_hold (h, 0x1000);

  /* The middle of an area: split off, and given offsets from 0x100000. */
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x2000, 0x1000, 0x100000), ==, MS_MODEL_OK);
  g_assert_cmpuint (ms_test_harness_get_calls (h)->len, ==, 0);
  assert_harness_area (h, 0x1000, 0x2000, RW, 0, 0x20000, "/f");
  assert_harness_area (h, 0x2000, 0x3000, RW, 0, 0x100000, "/f");
  assert_harness_area (h, 0x3000, 0x5000, RW, 0, 0x22000, "/f");

  /* Across a hole: each piece by its address; a piece that already has
   * those offsets is left whole. */
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x3000, 0x5000, 0x22000), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x3000, 0x5000, RW, 0, 0x22000, "/f");
  assert_harness_area (h, 0x6000, 0x8000, 1, 1, 0x25000, NULL);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x6000, 0x1000, 0x25000), ==, MS_MODEL_OK);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_test_harness_get_set (h)), ==, 4);

  /* Back to what ran on: with merge-adjacent, the pieces join again. */
  ms_test_harness_set_merge (h, TRUE);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x2000, 0x1000, 0x21000), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x1000, 0x5000, RW, 0, 0x20000, "/f");
  ms_test_harness_set_merge (h, FALSE);

  /* Empty, past the end, offsets past 2^64 - 1, the limit. */
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x1000, 0, 7), ==, MS_MODEL_OK);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x1000, G_MAXUINT64, 0), ==, MS_MAPPING_ERROR_INVALID_PARAM);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x1000, 0x1000, G_MAXUINT64 - 0xfff), ==,
                   MS_MAPPING_ERROR_INVALID_PARAM);
  ms_test_harness_set_limit (h, 3);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x2000, 0x1000, 0), ==, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_assert_cmpint (ms_test_harness_set_offsets (h, 0x1000, 0x1000, 0), ==, MS_MODEL_OK);
  assert_harness_area (h, 0x1000, 0x2000, RW, 0, 0, "/f");
  ms_test_harness_check (h);
  ms_test_harness_free (h);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/areas/new-full", test_new_full);
  ADD ("/areas/offsets-follow-splits", test_offsets_follow_splits);
  ADD ("/areas/merge", test_merge);
  ADD ("/areas/merge-after-failure", test_merge_after_failure);
  ADD ("/areas/queries", test_queries);
  ADD ("/areas/queries-stop", test_queries_stop);
  ADD ("/areas/limit", test_limit);
#undef ADD
  g_test_add_func ("/areas/split", test_split);
  g_test_add_func ("/areas/join", test_join);
  g_test_add_func ("/areas/set-offsets", test_set_offsets);

  return g_test_run ();
}
