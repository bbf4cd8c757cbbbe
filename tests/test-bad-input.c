/* test-bad-input.c: programmer errors caught by the preconditions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every public function checks its pointer arguments with
 * g_return_val_if_fail, as GLib does: a NULL or wrong-type argument, or
 * an error location that already holds an error, logs a critical in the
 * "Ms" domain naming the function and the failed check, and the
 * function returns its documented "nothing" value without touching
 * anything. docs/bad-input.md lists every case tried here.
 */

#include "ms-test-backend.h"

/* Expects one critical from @func naming @check, and @call to give
 * @expected. */
typedef struct {
  MsMemorySet      *set;
  MsTestBackend    *backend;
  MsTestPageTable  *table;
  MsMemoryArea     *area;          /* mapped in set */
  GObject          *not_a_set;     /* a GObject of another type */
  GParamSpec       *not_a_gobject; /* a type instance that is no GObject */
  GError           *set_error;     /* an error already set */
} Fixture;

static gboolean
keep_flags (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  *new_flags = old_flags;
  return TRUE;
}

static gboolean
stop_at_first (MsMemoryArea *area,
               gpointer      user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static gboolean
count_gap (guint64  start,
           guint64  size,
           gpointer user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

static gboolean
switch_merging (MsMemoryArea *area,
                gpointer      user_data)
{
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_merge_adjacent", "self->busy == 0", ms_memory_set_set_merge_adjacent (user_data, TRUE));
  return TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->set = ms_memory_set_new ();
  f->backend = ms_test_backend_new ();
  f->table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
  f->area = ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  g_assert_true (ms_memory_set_map (f->set, f->area, G_OBJECT (f->table), FALSE, NULL));
  ms_test_backend_reset_calls (f->backend);
  f->not_a_set = g_object_new (G_TYPE_OBJECT, NULL);
  f->not_a_gobject = g_param_spec_ref_sink (g_param_spec_boolean ("x", NULL, NULL, FALSE,
                                                                  G_PARAM_READWRITE));
  f->set_error = g_error_new_literal (G_FILE_ERROR, G_FILE_ERROR_FAILED, "earlier failure");
}

/* Nothing changed: the set still holds its one area, the table agrees,
 * no backend was called, and the earlier error is untouched. */
static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 1);
  g_assert_true (ms_memory_set_find (f->set, 0x1000) == f->area);
  ms_test_assert_set_matches_table (f->set, f->table);
  g_assert_cmpuint (ms_test_backend_get_calls (f->backend)->len, ==, 0);
  g_assert_error (f->set_error, G_FILE_ERROR, G_FILE_ERROR_FAILED);
  g_assert_cmpstr (f->set_error->message, ==, "earlier failure");

  g_clear_error (&f->set_error);
  g_clear_pointer (&f->not_a_gobject, g_param_spec_unref);
  g_clear_object (&f->not_a_set);
  g_clear_pointer (&f->area, ms_memory_area_unref);
  g_clear_object (&f->set);
  g_clear_object (&f->backend);
  g_clear_object (&f->table);
}

#define SET(f) ((MsMemorySet *) (f)->not_a_set)
#define BACKEND(f) ((MsMappingBackend *) (f)->not_a_set)
#define PT(f) ((GObject *) (f)->not_a_gobject)

static void
test_memory_area (Fixture       *f,
                  gconstpointer  data)
{
  MsMemoryArea *area = f->area;

  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_new", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_memory_area_new (0, 1, 0, NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_new", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_memory_area_new (0, 1, 0, BACKEND (f))) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_new", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_memory_area_new (0, 1, 0, (MsMappingBackend *) f->set)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_ref", "self != NULL", g_assert_true ((ms_memory_area_ref (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_unref", "self != NULL", ms_memory_area_unref (NULL));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_start", "self != NULL", g_assert_true ((ms_memory_area_get_start (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_end", "self != NULL", g_assert_true ((ms_memory_area_get_end (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_size", "self != NULL", g_assert_true ((ms_memory_area_get_size (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_flags", "self != NULL", g_assert_true ((ms_memory_area_get_flags (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_backend", "self != NULL", g_assert_true ((ms_memory_area_get_backend (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_contains", "self != NULL", g_assert_true ((ms_memory_area_contains (NULL, 0)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_equal", "a != NULL", g_assert_true ((ms_memory_area_equal (NULL, area)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_equal", "b != NULL", g_assert_true ((ms_memory_area_equal (area, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_to_string", "self != NULL", g_assert_true ((ms_memory_area_to_string (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_new_full", "MS_IS_MAPPING_BACKEND", g_assert_null (ms_memory_area_new_full (0, 1, 0, NULL, 0, "x")));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_new_full", "MS_IS_MAPPING_BACKEND", g_assert_null (ms_memory_area_new_full (0, 1, 0, BACKEND (f), 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_offset", "self != NULL", g_assert_cmpuint (ms_memory_area_get_offset (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_area_get_name", "self != NULL", g_assert_null (ms_memory_area_get_name (NULL)));

  /* Not programmer errors: an area may be empty or run past the top of
   * the address space; mapping it fails with INVALID_PARAM. */
  {
    g_autoptr(MsMemoryArea) empty = ms_memory_area_new (0x8000, 0, 1,
                                                        MS_MAPPING_BACKEND (f->backend));
    g_autoptr(MsMemoryArea) huge = ms_memory_area_new (G_MAXUINT64, 2, 1,
                                                       MS_MAPPING_BACKEND (f->backend));
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;

    g_assert_false (ms_memory_area_contains (empty, 0x8000));
    g_assert_true (ms_memory_area_contains (huge, G_MAXUINT64));
    g_assert_false (ms_memory_set_map (f->set, empty, G_OBJECT (f->table), FALSE, &e1));
    g_assert_error (e1, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
    g_assert_false (ms_memory_set_map (f->set, huge, G_OBJECT (f->table), TRUE, &e2));
    g_assert_error (e2, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
  }
}

static void
test_mapping_backend (Fixture       *f,
                      gconstpointer  data)
{
  MsMappingBackend *backend = MS_MAPPING_BACKEND (f->backend);

  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_map", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_map (NULL, 0, 1, 0, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_map", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_map (BACKEND (f), 0, 1, 0, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_map", "G_IS_OBJECT (page_table)", g_assert_true ((ms_mapping_backend_map (backend, 0, 1, 0, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_unmap", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_unmap (NULL, 0, 1, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_unmap", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_unmap (BACKEND (f), 0, 1, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_unmap", "G_IS_OBJECT (page_table)", g_assert_true ((ms_mapping_backend_unmap (backend, 0, 1, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_protect", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_protect (NULL, 0, 1, 0, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_protect", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_mapping_backend_protect (BACKEND (f), 0, 1, 0, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_protect", "G_IS_OBJECT (page_table)", g_assert_true ((ms_mapping_backend_protect (backend, 0, 1, 0, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_map", "error == NULL || *error == NULL", g_assert_true ((ms_mapping_backend_map (backend, 0, 1, 0, NULL, &f->set_error)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_unmap", "error == NULL || *error == NULL", g_assert_true ((ms_mapping_backend_unmap (backend, 0, 1, NULL, &f->set_error)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_protect", "error == NULL || *error == NULL", g_assert_true ((ms_mapping_backend_protect (backend, 0, 1, 0, NULL, &f->set_error)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_move", "MS_IS_MAPPING_BACKEND", g_assert_false (ms_mapping_backend_move (NULL, 0, 1, 2, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_move", "MS_IS_MAPPING_BACKEND", g_assert_false (ms_mapping_backend_move (BACKEND (f), 0, 1, 2, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_move", "G_IS_OBJECT (page_table)", g_assert_false (ms_mapping_backend_move (backend, 0, 1, 2, PT (f), NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_mapping_backend_move", "error == NULL || *error == NULL", g_assert_false (ms_mapping_backend_move (backend, 0, 1, 2, NULL, &f->set_error)));
}

static void
test_memory_set_lookups (Fixture       *f,
                         gconstpointer  data)
{
  guint64 start = 0x5a5a;
  guint n = 0;

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_n_areas", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_get_n_areas (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_n_areas", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_get_n_areas (SET (f))) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_is_empty", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_is_empty (NULL)) == (TRUE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_is_empty", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_is_empty (SET (f))) == (TRUE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_overlaps", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_overlaps (NULL, 0, 1)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_overlaps", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_overlaps (SET (f), 0, 1)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_find (NULL, 0x1000)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_find (SET (f), 0x1000)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find_free_area", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_find_free_area (NULL, 0, 1, 0, 10, 1, &start)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find_free_area", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_find_free_area (SET (f), 0, 1, 0, 10, 1, &start)) == (FALSE)));
  g_assert_cmphex (start, ==, 0x5a5a);
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_areas", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_get_areas (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_areas", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_get_areas (SET (f))) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_to_string", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_to_string (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_to_string", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_to_string (SET (f))) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach", "MS_IS_MEMORY_SET", ms_memory_set_foreach (NULL, stop_at_first, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach", "MS_IS_MEMORY_SET", ms_memory_set_foreach (SET (f), stop_at_first, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach", "func != NULL", ms_memory_set_foreach (f->set, NULL, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find_free_area_top_down", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_find_free_area_top_down (NULL, 1, 0, 10, 1, &start)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_find_free_area_top_down", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_find_free_area_top_down (SET (f), 1, 0, 10, 1, &start)));
  g_assert_cmphex (start, ==, 0x5a5a);
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_in_range", "MS_IS_MEMORY_SET", ms_memory_set_foreach_in_range (NULL, 0, G_MAXUINT64, stop_at_first, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_in_range", "MS_IS_MEMORY_SET", ms_memory_set_foreach_in_range (SET (f), 0, G_MAXUINT64, stop_at_first, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_in_range", "func != NULL", ms_memory_set_foreach_in_range (f->set, 0, G_MAXUINT64, NULL, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_areas_in_range", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_areas_in_range (NULL, 0, G_MAXUINT64)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_areas_in_range", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_areas_in_range (SET (f), 0, G_MAXUINT64)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_area_table", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_area_table (NULL, 0, G_MAXUINT64, TRUE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_area_table", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_area_table (SET (f), 0, G_MAXUINT64, TRUE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_area_names", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_area_names (NULL, 0, G_MAXUINT64)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_area_names", "MS_IS_MEMORY_SET", g_assert_null (ms_memory_set_get_area_names (SET (f), 0, G_MAXUINT64)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_gap", "MS_IS_MEMORY_SET", ms_memory_set_foreach_gap (NULL, 0, G_MAXUINT64, count_gap, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_gap", "MS_IS_MEMORY_SET", ms_memory_set_foreach_gap (SET (f), 0, G_MAXUINT64, count_gap, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_foreach_gap", "func != NULL", ms_memory_set_foreach_gap (f->set, 0, G_MAXUINT64, NULL, &n));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_mapped_size", "MS_IS_MEMORY_SET", g_assert_cmpuint (ms_memory_set_get_mapped_size (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_mapped_size", "MS_IS_MEMORY_SET", g_assert_cmpuint (ms_memory_set_get_mapped_size (SET (f)), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_merge_adjacent", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_get_merge_adjacent (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_merge_adjacent", "MS_IS_MEMORY_SET", ms_memory_set_set_merge_adjacent (SET (f), TRUE));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_get_max_areas", "MS_IS_MEMORY_SET", g_assert_cmpuint (ms_memory_set_get_max_areas (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_max_areas", "MS_IS_MEMORY_SET", ms_memory_set_set_max_areas (SET (f), 1));
  g_assert_cmpuint (n, ==, 0);
  g_assert_false (ms_memory_set_get_merge_adjacent (f->set));
  g_assert_cmpuint (ms_memory_set_get_max_areas (f->set), ==, G_MAXUINT);

  /* Merging cannot be switched while the set is busy: areas a walk is
   * looking at would merge under it. */
  ms_memory_set_foreach (f->set, switch_merging, f->set);
  g_assert_false (ms_memory_set_get_merge_adjacent (f->set));

  /* Not programmer errors: nonsense sizes, limits and alignments give
   * "no free area". */
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, 0, 0, 10, 1, &start));
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, 1, 0, 10, 0, &start));
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, 3, 0, 10, 3, &start));
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, 1, 10, 10, 1, &start));
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, 1, 10, 0, 1, &start));
  g_assert_false (ms_memory_set_find_free_area (f->set, 0, G_MAXUINT64, 0, G_MAXUINT64, 1, &start));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 0, 0, 10, 1, &start));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 1, 0, 10, 0, &start));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 3, 0, 10, 3, &start));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, 1, 10, 10, 1, &start));
  g_assert_false (ms_memory_set_find_free_area_top_down (f->set, G_MAXUINT64, 0, G_MAXUINT64, 1, &start));
  g_assert_cmphex (start, ==, 0x5a5a);
}

static void
test_memory_set_map (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x4000, 0x1000, 1,
                                                     MS_MAPPING_BACKEND (f->backend));
  GObject *pt = G_OBJECT (f->table);

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_map", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_map (NULL, area, pt, FALSE, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_map", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_map (SET (f), area, pt, FALSE, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_map", "area != NULL", g_assert_true ((ms_memory_set_map (f->set, NULL, pt, FALSE, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_map", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_map (f->set, area, PT (f), FALSE, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_map", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_map (f->set, area, pt, FALSE, &f->set_error)) == (FALSE)));
}

static void
test_memory_set_unmap (Fixture       *f,
                       gconstpointer  data)
{
  GObject *pt = G_OBJECT (f->table);

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_unmap", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_unmap (NULL, 0, 0x10000, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_unmap", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_unmap (SET (f), 0, 0x10000, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_unmap", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_unmap (f->set, 0, 0x10000, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_unmap", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_unmap (f->set, 0, 0x10000, pt, &f->set_error)) == (FALSE)));
}

static void
test_memory_set_protect (Fixture       *f,
                         gconstpointer  data)
{
  GObject *pt = G_OBJECT (f->table);

  /* protect checks through protect_with: the message names that. */
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_protect (NULL, 0, 0x10000, 2, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_protect (SET (f), 0, 0x10000, 2, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_protect (f->set, 0, 0x10000, 2, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_protect (f->set, 0, 0x10000, 2, pt, &f->set_error)) == (FALSE)));

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect_with", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_protect_with (NULL, 0, 0x10000, pt, keep_flags, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect_with", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_protect_with (SET (f), 0, 0x10000, pt, keep_flags, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect_with", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_protect_with (f->set, 0, 0x10000, PT (f), keep_flags, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect_with", "update_flags != NULL", g_assert_true ((ms_memory_set_protect_with (f->set, 0, 0x10000, pt, NULL, NULL, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_protect_with", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_protect_with (f->set, 0, 0x10000, pt, keep_flags, NULL,
                                               &f->set_error)) == (FALSE)));
}

static void
test_memory_set_clear (Fixture       *f,
                       gconstpointer  data)
{
  GObject *pt = G_OBJECT (f->table);

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_clear", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_clear (NULL, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_clear", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_clear (SET (f), pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_clear", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_clear (f->set, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_clear", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_clear (f->set, pt, &f->set_error)) == (FALSE)));
}

static void
test_memory_set_remap (Fixture       *f,
                       gconstpointer  data)
{
  GObject *pt = G_OBJECT (f->table);

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_remap", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_remap (NULL, 0x1000, 0x1000, 0x8000, 0x1000, pt, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_remap", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_remap (SET (f), 0x1000, 0x1000, 0x8000, 0x1000, pt, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_remap", "G_IS_OBJECT (page_table)", g_assert_false (ms_memory_set_remap (f->set, 0x1000, 0x1000, 0x8000, 0x1000, PT (f), NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_remap", "error == NULL || *error == NULL", g_assert_false (ms_memory_set_remap (f->set, 0x1000, 0x1000, 0x8000, 0x1000, pt, &f->set_error)));
}

static void
test_memory_set_bookkeeping (Fixture       *f,
                             gconstpointer  data)
{
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_split", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_split (NULL, 0x1800, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_split", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_split (SET (f), 0x1800, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_split", "error == NULL || *error == NULL", g_assert_false (ms_memory_set_split (f->set, 0x1800, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_join", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_join (NULL, 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_join", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_join (SET (f), 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_join", "error == NULL || *error == NULL", g_assert_false (ms_memory_set_join (f->set, 0x1000, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_offsets", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_set_offsets (NULL, 0x1000, 0x1000, 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_offsets", "MS_IS_MEMORY_SET", g_assert_false (ms_memory_set_set_offsets (SET (f), 0x1000, 0x1000, 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_set_offsets", "error == NULL || *error == NULL", g_assert_false (ms_memory_set_set_offsets (f->set, 0x1000, 0x1000, 0, &f->set_error)));

  /* Not programmer errors: values the set refuses at run time, and
   * addresses where there is nothing to do. */
  {
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;

    g_assert_true (ms_memory_set_split (f->set, 0x1000, NULL));
    g_assert_true (ms_memory_set_split (f->set, G_MAXUINT64, NULL));
    g_assert_false (ms_memory_set_join (f->set, 0x1000, &e1));
    g_assert_error (e1, MS_MAPPING_ERROR, MS_MAPPING_ERROR_NOT_MAPPED);
    g_assert_false (ms_memory_set_set_offsets (f->set, 0x1000, G_MAXUINT64, 0, &e2));
    g_assert_error (e2, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
    g_assert_false (ms_memory_set_set_offsets (f->set, 0x1000, 0x1000, G_MAXUINT64, &e3));
    g_assert_error (e3, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
    g_assert_true (ms_memory_set_set_offsets (f->set, 0x1000, 0, G_MAXUINT64, NULL));
  }
}

static void
test_memory_set_load_maps (Fixture       *f,
                           gconstpointer  data)
{
  MsMappingBackend *backend = MS_MAPPING_BACKEND (f->backend);
  GObject *pt = G_OBJECT (f->table);
  const char *text = "";

  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_load_maps (NULL, text, backend, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "MS_IS_MEMORY_SET", g_assert_true ((ms_memory_set_load_maps (SET (f), text, backend, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "text != NULL", g_assert_true ((ms_memory_set_load_maps (f->set, NULL, backend, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_memory_set_load_maps (f->set, text, NULL, pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "MS_IS_MAPPING_BACKEND", g_assert_true ((ms_memory_set_load_maps (f->set, text, BACKEND (f), pt, NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "G_IS_OBJECT (page_table)", g_assert_true ((ms_memory_set_load_maps (f->set, text, backend, PT (f), NULL)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_memory_set_load_maps", "error == NULL || *error == NULL", g_assert_true ((ms_memory_set_load_maps (f->set, text, backend, pt, &f->set_error)) == (FALSE)));
}

static void
test_host_backend (Fixture       *f,
                   gconstpointer  data)
{
  MsHostBackend *not_host = (MsHostBackend *) f->not_a_set;
  MsProt prot = 0;
  const guint8 byte = 0;

  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_new", "error == NULL || *error == NULL", g_assert_true ((ms_host_backend_new (0x10000, &f->set_error)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_base", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_base (NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_base", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_base (not_host)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_size", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_size (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_page_size", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_page_size (NULL)) == (0)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_prot", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_prot (NULL, 0, &prot)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_get_prot", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_get_prot ((MsHostBackend *) f->backend, 0, &prot)) == (FALSE)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_read", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_read (NULL, 0, 1, NULL)) == (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_host_backend_write", "MS_IS_HOST_BACKEND", g_assert_true ((ms_host_backend_write (NULL, 0, &byte, 1, NULL)) == (FALSE)));

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(MsHostBackend) host = ms_host_backend_new (0x10000, &error);

    g_assert_no_error (error);
    MS_TEST_EXPECT_CRITICAL ("ms_host_backend_read", "error == NULL || *error == NULL", g_assert_true ((ms_host_backend_read (host, 0, 1, &f->set_error)) == (NULL)));
    MS_TEST_EXPECT_CRITICAL ("ms_host_backend_write", "data != NULL || size == 0", g_assert_true ((ms_host_backend_write (host, 0, NULL, 1, NULL)) == (FALSE)));
    MS_TEST_EXPECT_CRITICAL ("ms_host_backend_write", "error == NULL || *error == NULL", g_assert_true ((ms_host_backend_write (host, 0, &byte, 1, &f->set_error)) == (FALSE)));
  }
}

static void
test_linux_mm (Fixture       *f,
               gconstpointer  data)
{
  /* The mm has a backend of its own: the fixture's must hear nothing,
   * and neither must this one once the mm holds its one VMA. */
  g_autoptr(MsTestBackend) mm_backend = ms_test_backend_new ();
  g_autoptr(MsLinuxMm) mm = ms_linux_mm_new (MS_MAPPING_BACKEND (mm_backend));
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  MsLinuxMm *not_mm = (MsLinuxMm *) f->not_a_set;
  MsLinuxFile *not_file = (MsLinuxFile *) f->not_a_set;
  MsMemoryArea *mm_area;
  guint64 out = 0x5a5a;

  g_assert_true (ms_linux_mm_mmap (mm, 0x10000000, 0x1000, 3, 0x22, NULL, 0, NULL, NULL));
  mm_area = ms_memory_set_find (ms_linux_mm_get_set (mm), 0x10000000);
  g_assert_nonnull (mm_area);
  ms_test_backend_reset_calls (mm_backend);
  before = ms_linux_mm_to_string (mm);

  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_new", "MS_IS_MAPPING_BACKEND", g_assert_null (ms_linux_mm_new (BACKEND (f))));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_new_for_process", "MS_IS_MAPPING_BACKEND", g_assert_null (ms_linux_mm_new_for_process (BACKEND (f), "", NULL, 0, 0, 0, 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_new_for_process", "maps != NULL", g_assert_null (ms_linux_mm_new_for_process (NULL, NULL, NULL, 0, 0, 0, 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_new_for_process", "error == NULL || *error == NULL", g_assert_null (ms_linux_mm_new_for_process (NULL, "", NULL, 0, 0, 0, 0, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_load_maps", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_load_maps (NULL, "", NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_load_maps", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_load_maps (not_mm, "", NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_load_maps", "maps != NULL", g_assert_false (ms_linux_mm_load_maps (mm, NULL, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_load_maps", "error == NULL || *error == NULL", g_assert_false (ms_linux_mm_load_maps (mm, "", NULL, &f->set_error)));

  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_set", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_get_set (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_set", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_get_set (not_mm)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_anonymous_backend", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_get_anonymous_backend (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_brk", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_brk (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_start_brk", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_start_brk (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_start_stack", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_start_stack (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_stack_rlimit", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_stack_rlimit (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_personality", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_personality (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_mmap_base", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_mmap_base (not_mm), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_legacy_layout", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_get_legacy_layout (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_fault_guess", "MS_IS_LINUX_MM (self)", g_assert_cmpint (ms_linux_mm_get_fault_guess (NULL), ==, MS_LINUX_MM_FAULT_GUESS_NONE));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_set_fault_guess", "MS_IS_LINUX_MM (self)", ms_linux_mm_set_fault_guess (NULL, MS_LINUX_MM_FAULT_GUESS_ALL));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_set_fault_guess", "guess <= MS_LINUX_MM_FAULT_GUESS_REPEATS", ms_linux_mm_set_fault_guess (mm, (MsLinuxMmFaultGuess) 99));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_thread_id", "MS_IS_LINUX_MM (self)", g_assert_cmpuint (ms_linux_mm_get_thread_id (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_set_thread_id", "MS_IS_LINUX_MM (self)", ms_linux_mm_set_thread_id (not_mm, 7));
  g_assert_cmpint (ms_linux_mm_get_fault_guess (mm), ==, MS_LINUX_MM_FAULT_GUESS_NONE);

  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mmap", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mmap (NULL, 0, 0x1000, 3, 0x22, NULL, 0, &out, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mmap", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mmap (not_mm, 0, 0x1000, 3, 0x22, NULL, 0, &out, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mmap", "MS_IS_LINUX_FILE (file)", g_assert_false (ms_linux_mm_mmap (mm, 0, 0x1000, 1, 0x02, not_file, 0, &out, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mmap", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mmap (mm, 0, 0x1000, 3, 0x22, NULL, 0, &out, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munmap", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_munmap (NULL, 0x10000000, 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munmap", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_munmap (mm, 0x10000000, 0x1000, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mprotect", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mprotect (not_mm, 0x10000000, 0x1000, 1, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mprotect", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mprotect (mm, 0x10000000, 0x1000, 1, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_pkey_mprotect", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_pkey_mprotect (NULL, 0x10000000, 0x1000, 1, -1, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_pkey_mprotect", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_pkey_mprotect (mm, 0x10000000, 0x1000, 1, -1, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mremap", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mremap (NULL, 0x10000000, 0x1000, 0x2000, 1, 0, &out, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mremap", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mremap (mm, 0x10000000, 0x1000, 0x2000, 1, 0, &out, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_brk", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_brk (NULL, 0, &out, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_brk", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_brk (mm, 0, &out, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_madvise", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_madvise (not_mm, 0x10000000, 0x1000, 10, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_madvise", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_madvise (mm, 0x10000000, 0x1000, 10, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlock", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mlock (NULL, 0x10000000, 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlock", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mlock (mm, 0x10000000, 0x1000, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlock2", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mlock2 (NULL, 0x10000000, 0x1000, 1, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlock2", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mlock2 (mm, 0x10000000, 0x1000, 1, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munlock", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_munlock (NULL, 0x10000000, 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munlock", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_munlock (mm, 0x10000000, 0x1000, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlockall", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mlockall (not_mm, 1, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mlockall", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mlockall (mm, 1, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munlockall", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_munlockall (NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_munlockall", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_munlockall (mm, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mseal", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_mseal (NULL, 0x10000000, 0x1000, 0, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_mseal", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_mseal (mm, 0x10000000, 0x1000, 0, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_fault", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_fault (NULL, 0x10000000, MS_PROT_WRITE, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_fault", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_fault (mm, 0x10000000, MS_PROT_WRITE, &f->set_error)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_report_anonymous", "MS_IS_LINUX_MM (self)", g_assert_false (ms_linux_mm_report_anonymous (not_mm, 0x10000000, 0x1000, NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_report_anonymous", "(error) == NULL || *(error) == NULL", g_assert_false (ms_linux_mm_report_anonymous (mm, 0x10000000, 0x1000, &f->set_error)));

  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_area_name", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_get_area_name (NULL, mm_area)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_area_name", "area != NULL", g_assert_null (ms_linux_mm_get_area_name (mm, NULL)));
  /* An area of a plain set: its backend is no MsLinuxFile. */
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_get_area_name", "MS_IS_LINUX_FILE", g_assert_null (ms_linux_mm_get_area_name (mm, f->area)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_to_string", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_to_string (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_mm_to_string", "MS_IS_LINUX_MM (self)", g_assert_null (ms_linux_mm_to_string (not_mm)));
  g_assert_cmphex (out, ==, 0x5a5a);

  /* Nothing reached the mm or its backend. */
  after = ms_linux_mm_to_string (mm);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (ms_test_backend_get_calls (mm_backend)->len, ==, 0);

  /* Not programmer errors: the out locations are optional, and so is
   * the error; a call the kernel refuses only sets the error. */
  g_assert_true (ms_linux_mm_mmap (mm, 0x20000000, 0x1000, 3, 0x22, NULL, 0, NULL, NULL));
  g_assert_true (ms_linux_mm_mremap (mm, 0x20000000, 0x1000, 0x2000, 0, 0, NULL, NULL));
  g_assert_true (ms_linux_mm_brk (mm, 0, NULL, NULL));
  g_assert_false (ms_linux_mm_munmap (mm, 0x10000800, 0x1000, NULL));
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_linux_mm_get_set (mm)), ==, 2);
  {
    g_autofree char *none = ms_linux_mm_flags_to_string (0);

    g_assert_cmpstr (none, ==, "");
  }
}

static void
test_linux_file (Fixture       *f,
                 gconstpointer  data)
{
  MsLinuxFile *not_file = (MsLinuxFile *) f->not_a_set;

  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_new", "MS_IS_MAPPING_BACKEND", g_assert_null (ms_linux_file_new ("/x", 0, 0, 0, BACKEND (f))));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_path", "MS_IS_LINUX_FILE", g_assert_null (ms_linux_file_get_path (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_path", "MS_IS_LINUX_FILE", g_assert_null (ms_linux_file_get_path (not_file)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_fs_type", "MS_IS_LINUX_FILE", g_assert_cmpuint (ms_linux_file_get_fs_type (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_open_flags", "MS_IS_LINUX_FILE", g_assert_cmpuint (ms_linux_file_get_open_flags (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_mode", "MS_IS_LINUX_FILE", g_assert_cmpuint (ms_linux_file_get_mode (not_file), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_get_backend", "MS_IS_LINUX_FILE", g_assert_null (ms_linux_file_get_backend (NULL)));
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_is_anonymous", "MS_IS_LINUX_FILE", g_assert_false (ms_linux_file_is_anonymous (NULL)));
  /* A set's backend is no file. */
  MS_TEST_EXPECT_CRITICAL ("ms_linux_file_is_anonymous", "MS_IS_LINUX_FILE", g_assert_false (ms_linux_file_is_anonymous ((MsLinuxFile *) f->backend)));

  /* Not programmer errors: no path, no backend. */
  {
    g_autoptr(MsLinuxFile) file = ms_linux_file_new (NULL, 0, 0, 0, NULL);

    g_assert_null (ms_linux_file_get_path (file));
    g_assert_null (ms_linux_file_get_backend (file));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/bad-input/memory-area", Fixture, NULL,
              fixture_setup, test_memory_area, fixture_teardown);
  g_test_add ("/bad-input/mapping-backend", Fixture, NULL,
              fixture_setup, test_mapping_backend, fixture_teardown);
  g_test_add ("/bad-input/memory-set/lookups", Fixture, NULL,
              fixture_setup, test_memory_set_lookups, fixture_teardown);
  g_test_add ("/bad-input/memory-set/map", Fixture, NULL,
              fixture_setup, test_memory_set_map, fixture_teardown);
  g_test_add ("/bad-input/memory-set/unmap", Fixture, NULL,
              fixture_setup, test_memory_set_unmap, fixture_teardown);
  g_test_add ("/bad-input/memory-set/protect", Fixture, NULL,
              fixture_setup, test_memory_set_protect, fixture_teardown);
  g_test_add ("/bad-input/memory-set/clear", Fixture, NULL,
              fixture_setup, test_memory_set_clear, fixture_teardown);
  g_test_add ("/bad-input/memory-set/remap", Fixture, NULL,
              fixture_setup, test_memory_set_remap, fixture_teardown);
  g_test_add ("/bad-input/memory-set/bookkeeping", Fixture, NULL,
              fixture_setup, test_memory_set_bookkeeping, fixture_teardown);
  g_test_add ("/bad-input/memory-set/load-maps", Fixture, NULL,
              fixture_setup, test_memory_set_load_maps, fixture_teardown);
  g_test_add ("/bad-input/host-backend", Fixture, NULL,
              fixture_setup, test_host_backend, fixture_teardown);
  g_test_add ("/bad-input/linux-mm", Fixture, NULL,
              fixture_setup, test_linux_mm, fixture_teardown);
  g_test_add ("/bad-input/linux-file", Fixture, NULL,
              fixture_setup, test_linux_file, fixture_teardown);

  return g_test_run ();
}
