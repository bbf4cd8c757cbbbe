/* test-remap.c: moving and resizing areas, and top-down placement
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-harness.h"

#include <string.h>

#define RW (MS_PROT_READ | MS_PROT_WRITE)

typedef struct {
  MsMemorySet     *set;
  MsTestBackend   *backend;
  MsTestPageTable *table;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->set = ms_memory_set_new ();
  f->backend = ms_test_backend_new ();
  f->table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->set);
  g_clear_object (&f->backend);
  g_clear_object (&f->table);
}

static void
map_file (Fixture    *f,
          guint64     start,
          guint64     size,
          guint64     flags,
          guint64     offset,
          const char *name)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new_full (start, size, flags,
                                                          MS_MAPPING_BACKEND (f->backend),
                                                          offset, name);
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
  g_assert_no_error (error);
}

static gboolean
remap (Fixture  *f,
       guint64   old_start,
       guint64   old_size,
       guint64   new_start,
       guint64   new_size,
       GError  **error)
{
  return ms_memory_set_remap (f->set, old_start, old_size, new_start, new_size,
                              G_OBJECT (f->table), error);
}

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

/* The calls made since the last reset, as "map 0x1000 0x2000" lines. */
static char *
calls_text (Fixture *f)
{
  static const char * const names[] = { "map", "unmap", "protect", "move" };
  const GArray *calls = ms_test_backend_get_calls (f->backend);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < calls->len; i++)
    {
      const MsTestCall *call = &g_array_index (calls, MsTestCall, i);

      g_string_append_printf (text, "%s%s %#" G_GINT64_MODIFIER "x %#" G_GINT64_MODIFIER "x",
                              i > 0 ? "; " : "", names[call->kind], call->start, call->size);
      if (call->kind == MS_TEST_CALL_MOVE)
        g_string_append_printf (text, " -> %#" G_GINT64_MODIFIER "x", call->flags);
      if (!call->succeeded)
        g_string_append (text, " (refused)");
    }
  ms_test_backend_reset_calls (f->backend);
  return g_string_free (text, FALSE);
}

#define ASSERT_CALLS(f, expected) G_STMT_START { \
    g_autofree char *got__ = calls_text (f); \
    g_assert_cmpstr (got__, ==, expected); \
  } G_STMT_END

static void
test_in_place (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_file (f, 0x1000, 0x3000, RW, 0x40000, "/f");
  map_file (f, 0x6000, 0x1000, 1, 0x6000, NULL);
  ms_test_backend_reset_calls (f->backend);

  /* Shrinking unmaps the tail. */
  g_assert_true (remap (f, 0x1000, 0x3000, 0x1000, 0x2000, &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, "unmap 0x3000 0x1000");
  assert_area (f, 0x1000, 0x3000, RW, 0x40000, "/f");

  /* The same size does nothing. */
  g_assert_true (remap (f, 0x1000, 0x2000, 0x1000, 0x2000, &error));
  ASSERT_CALLS (f, "");

  /* Growing into free room maps the extension; one area, head kept. */
  g_assert_true (remap (f, 0x2000, 0x1000, 0x2000, 0x3000, &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, "map 0x3000 0x2000");
  assert_area (f, 0x1000, 0x5000, RW, 0x40000, "/f");
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 2);

  /* Growing into an area: nothing changes. */
  g_assert_false (remap (f, 0x1000, 0x4000, 0x1000, 0x6000, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  /* A piece that does not end where its area does cannot grow. */
  g_assert_false (remap (f, 0x1000, 0x1000, 0x1000, 0x2000, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  ASSERT_CALLS (f, "");
  ms_test_assert_set_matches_table (f->set, f->table);
}

static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_file (f, 0x1000, 0x4000, RW, 0x40000, "/f");
  ms_test_backend_reset_calls (f->backend);

  /* A move of the middle: what is left on either side stays; the moved
   * piece keeps its offset, name and flags. */
  g_assert_true (remap (f, 0x2000, 0x1000, 0x8000, 0x1000, &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, "move 0x2000 0x1000 -> 0x8000");
  assert_area (f, 0x1000, 0x2000, RW, 0x40000, "/f");
  assert_area (f, 0x3000, 0x5000, RW, 0x42000, "/f");
  assert_area (f, 0x8000, 0x9000, RW, 0x41000, "/f");

  /* Growing: the move, then the extension. */
  g_assert_true (remap (f, 0x8000, 0x1000, 0xa000, 0x3000, &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, "move 0x8000 0x1000 -> 0xa000; map 0xb000 0x2000");
  assert_area (f, 0xa000, 0xd000, RW, 0x41000, "/f");

  /* Shrinking: the cut tail goes first. */
  g_assert_true (remap (f, 0x3000, 0x2000, 0x6000, 0x1000, &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, "unmap 0x4000 0x1000; move 0x3000 0x1000 -> 0x6000");
  assert_area (f, 0x6000, 0x7000, RW, 0x42000, "/f");
  g_assert_null (ms_memory_set_find (f->set, 0x3000));
  g_assert_null (ms_memory_set_find (f->set, 0x4000));
  ms_test_assert_set_matches_table (f->set, f->table);
}

static void
test_refusals (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MsMappingBackend) no_move = ms_test_partial_backend_new (MS_TEST_METHOD_MAP |
                                                                      MS_TEST_METHOD_UNMAP,
                                                                      f->backend);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x8000, 0x2000, 1, no_move);
  g_autofree char *before = NULL, *after = NULL;
  g_autoptr(GError) error = NULL;

  map_file (f, 0x1000, 0x2000, RW, 0x1000, NULL);
  map_file (f, 0x4000, 0x1000, RW, 0x4000, NULL);
  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, NULL));
  before = ms_memory_set_to_string (f->set);
  ms_test_backend_reset_calls (f->backend);

#define REFUSED(code, call) G_STMT_START { \
    g_assert_false (call); \
    g_assert_error (error, MS_MAPPING_ERROR, code); \
    g_clear_error (&error); \
  } G_STMT_END

  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, 0x1000, 0, 0x6000, 0x1000, &error));
  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, 0x1000, 0x1000, 0x6000, 0, &error));
  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, 0x1000, 0x1000, G_MAXUINT64 - 0xfff, 0x1000, &error));
  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, G_MAXUINT64, 2, 0x6000, 0x1000, &error));
  /* The destination overlaps the old range. */
  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, 0x1000, 0x2000, 0x2000, 0x2000, &error));
  REFUSED (MS_MAPPING_ERROR_INVALID_PARAM, remap (f, 0x2000, 0x1000, 0x1800, 0x1000, &error));
  /* Not inside one area. */
  REFUSED (MS_MAPPING_ERROR_NOT_MAPPED, remap (f, 0x3000, 0x1000, 0x6000, 0x1000, &error));
  REFUSED (MS_MAPPING_ERROR_NOT_MAPPED, remap (f, 0x2000, 0x3000, 0x6000, 0x1000, &error));
  REFUSED (MS_MAPPING_ERROR_NOT_MAPPED, remap (f, 0x2800, 0x1000, 0x6000, 0x1000, &error));
  /* The destination is not free. */
  REFUSED (MS_MAPPING_ERROR_ALREADY_EXISTS, remap (f, 0x1000, 0x1000, 0x3800, 0x1000, &error));
  REFUSED (MS_MAPPING_ERROR_ALREADY_EXISTS, remap (f, 0x1000, 0x1000, 0x6000, 0x3000, &error));
  /* A backend without the move method, even with a shrink to do first. */
  g_assert_false (remap (f, 0x8000, 0x2000, 0xc000, 0x1000, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_nonnull (strstr (error->message, "does not implement the move method"));
  g_clear_error (&error);

  after = ms_memory_set_to_string (f->set);
  g_assert_cmpstr (after, ==, before);
  ASSERT_CALLS (f, "");
#undef REFUSED
}

/* A failure leaves the set describing what the backend holds. */
static void
test_failures (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_file (f, 0x1000, 0x3000, RW, 0x10000, "/f");
  ms_test_backend_reset_calls (f->backend);

  /* The shrink is done, the move refused. */
  ms_test_backend_fail_nth_call (f->backend, 2);
  g_assert_false (remap (f, 0x1000, 0x3000, 0x8000, 0x1000, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_nonnull (strstr (error->message, MS_TEST_INJECTED_FAILURE));
  g_clear_error (&error);
  ASSERT_CALLS (f, "unmap 0x2000 0x2000; move 0x1000 0x1000 -> 0x8000 (refused)");
  assert_area (f, 0x1000, 0x2000, RW, 0x10000, "/f");
  ms_test_assert_set_matches_table (f->set, f->table);

  /* The move is done, the extension refused: the old size, moved. */
  ms_test_backend_fail_nth_call (f->backend, 2);
  g_assert_false (remap (f, 0x1000, 0x1000, 0x8000, 0x3000, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  ASSERT_CALLS (f, "move 0x1000 0x1000 -> 0x8000; map 0x9000 0x2000 (refused)");
  g_assert_null (ms_memory_set_find (f->set, 0x1000));
  assert_area (f, 0x8000, 0x9000, RW, 0x10000, "/f");
  ms_test_assert_set_matches_table (f->set, f->table);

  /* A refused in-place extension changes nothing. */
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (remap (f, 0x8000, 0x1000, 0x8000, 0x2000, &error));
  g_clear_error (&error);
  assert_area (f, 0x8000, 0x9000, RW, 0x10000, "/f");
  ms_test_assert_set_matches_table (f->set, f->table);
}

static void
test_merge_and_limit (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  ms_memory_set_set_merge_adjacent (f->set, TRUE);
  map_file (f, 0x1000, 0x1000, RW, 0x20000, "/f");
  map_file (f, 0x4000, 0x1000, RW, 0x21000, "/f");

  /* Moved next to the piece it continues, it joins it. */
  g_assert_true (remap (f, 0x4000, 0x1000, 0x2000, 0x1000, &error));
  g_assert_no_error (error);
  assert_area (f, 0x1000, 0x3000, RW, 0x20000, "/f");
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 1);

  /* Moving the middle out would make three areas of one. */
  ms_memory_set_set_max_areas (f->set, 2);
  g_assert_true (remap (f, 0x2000, 0x1000, 0x8000, 0x1000, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 2);
  ms_memory_set_set_max_areas (f->set, 3);
  map_file (f, 0x2000, 0x1000, RW, 0x50000, "/g");
  ms_test_backend_reset_calls (f->backend);
  /* A piece from the front of /g: its tail stays, a fourth area. */
  g_assert_false (remap (f, 0x2000, 0x800, 0xa000, 0x800, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_TOO_MANY_AREAS);
  g_clear_error (&error);
  ASSERT_CALLS (f, "");
  ms_test_assert_set_matches_table (f->set, f->table);
}

/* The highest fit, against the definition tried at every aligned
 * address of a small space. */
static void
test_top_down (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x70d0);

  for (guint round = 0; round < 300; round++)
    {
      g_autoptr(MsMemoryArea) area = NULL;
      guint64 start = g_rand_int_range (rand, 0, 0x100) * 0x100;
      guint64 size = g_rand_int_range (rand, 1, 8) * 0x100;

      area = ms_memory_area_new (start, MIN (size, MS_TEST_MAX_ADDR - start), 1,
                                 MS_MAPPING_BACKEND (f->backend));
      ms_memory_set_map (f->set, area, NULL, g_rand_boolean (rand), NULL);
      if (g_rand_int_range (rand, 0, 4) == 0)
        ms_memory_set_unmap (f->set, start, 0x800, NULL, NULL);

      for (guint q = 0; q < 20; q++)
        {
          guint64 align = (guint64) 0x100 << g_rand_int_range (rand, 0, 5);
          guint64 want = align * g_rand_int_range (rand, 1, 4);
          guint64 limit_start = g_rand_int_range (rand, 0, 0x100) * 0x100;
          guint64 limit_end = g_rand_int_range (rand, 0, 0x110) * 0x100;
          gboolean expected = FALSE, found;
          guint64 best = 0, got = 0;

          if (g_rand_int_range (rand, 0, 10) == 0)
            limit_end = G_MAXUINT64;
          /* The highest aligned r below 0x11000 that fits, by the
           * definition (past 0x10000 everything is free). */
          for (guint64 r = 0x11000; r-- > 0;)
            if (r % align == 0 && r >= limit_start && r + want <= limit_end &&
                !ms_memory_set_overlaps (f->set, r, want))
              {
                expected = TRUE;
                best = r;
                break;
              }
          if (limit_end == G_MAXUINT64)
            {
              expected = TRUE;
              best = (G_MAXUINT64 - want) & ~(align - 1);
            }

          found = ms_memory_set_find_free_area_top_down (f->set, want, limit_start, limit_end,
                                                         align, &got);
          g_assert_cmpint (found, ==, expected && limit_start < limit_end);
          if (found)
            g_assert_cmphex (got, ==, best);
        }
    }

  /* The rules of find_free_area. */
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 0, 0, 0x10000, 1, NULL));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 0x180, 0, 0x10000, 0x100, NULL));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 0x300, 0, 0x10000, 0x300, NULL));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 0x100, 0x5000, 0x5000, 0x100, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/remap/in-place", test_in_place);
  ADD ("/remap/move", test_move);
  ADD ("/remap/refusals", test_refusals);
  ADD ("/remap/failures", test_failures);
  ADD ("/remap/merge-and-limit", test_merge_and_limit);
  ADD ("/remap/top-down", test_top_down);
#undef ADD

  return g_test_run ();
}
