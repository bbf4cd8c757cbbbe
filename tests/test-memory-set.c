/* test-memory-set.c: MsMemorySet
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

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

/* Upstream's README example: map [0x1000, 0x5000), unmap the middle. */
static void
test_readme_example (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) areas = NULL;

  ms_test_map_ok (f->set, f->backend, f->table, 0x1000, 0x4000, 1);
  ms_memory_set_unmap (f->set, 0x2000, 0x2000, G_OBJECT (f->table), &error);
  g_assert_no_error (error);

  areas = ms_memory_set_get_areas (f->set);
  g_assert_cmpuint (areas->len, ==, 2);
  g_assert_cmphex (ms_memory_area_get_start (areas->pdata[0]), ==, 0x1000);
  g_assert_cmphex (ms_memory_area_get_end (areas->pdata[0]), ==, 0x2000);
  g_assert_cmphex (ms_memory_area_get_start (areas->pdata[1]), ==, 0x4000);
  g_assert_cmphex (ms_memory_area_get_end (areas->pdata[1]), ==, 0x5000);
  ms_test_assert_set_matches_table (f->set, f->table);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/memory-set/readme-example", Fixture, NULL,
              fixture_setup, test_readme_example, fixture_teardown);

  return g_test_run ();
}
