/* test-memory-area.c: MsMemoryArea
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#define TOP G_MAXUINT64

/* A backend whose finalization the test can watch. */
static MsMappingBackend *
watched_backend (gpointer *weak)
{
  MsTestBackend *backend = ms_test_backend_new ();

  *weak = backend;
  g_object_add_weak_pointer (G_OBJECT (backend), weak);
  return MS_MAPPING_BACKEND (backend);
}

static void
test_new (void)
{
  gpointer weak = NULL;
  MsMappingBackend *backend = watched_backend (&weak);
  MsMemoryArea *area = ms_memory_area_new (0x1000, 0x2000, 0xdeadbeef00000007, backend);

  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x1000);
  g_assert_cmphex (ms_memory_area_get_size (area), ==, 0x2000);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, 0x3000);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, 0xdeadbeef00000007);
  g_assert_true (ms_memory_area_get_backend (area) == backend);

  /* The area holds its own reference to the backend, and gives none. */
  g_object_unref (backend);
  g_assert_nonnull (weak);
  g_assert_true (MS_IS_MAPPING_BACKEND (ms_memory_area_get_backend (area)));
  ms_memory_area_unref (area);
  g_assert_null (weak);
}

static void
test_new_extremes (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) top = ms_memory_area_new (TOP - 0x10, 0x10, TOP,
                                                    MS_MAPPING_BACKEND (backend));
  g_autoptr(MsMemoryArea) everything = ms_memory_area_new (0, TOP, 0,
                                                           MS_MAPPING_BACKEND (backend));
  /* Not mappable, but an area all the same: the set refuses it. */
  g_autoptr(MsMemoryArea) empty = ms_memory_area_new (0x1000, 0, 1,
                                                      MS_MAPPING_BACKEND (backend));

  g_assert_cmphex (ms_memory_area_get_start (top), ==, TOP - 0x10);
  g_assert_cmphex (ms_memory_area_get_end (top), ==, TOP);
  g_assert_cmphex (ms_memory_area_get_flags (top), ==, TOP);
  g_assert_cmphex (ms_memory_area_get_start (everything), ==, 0);
  g_assert_cmphex (ms_memory_area_get_end (everything), ==, TOP);
  g_assert_cmphex (ms_memory_area_get_size (everything), ==, TOP);
  g_assert_cmphex (ms_memory_area_get_flags (everything), ==, 0);
  g_assert_cmphex (ms_memory_area_get_size (empty), ==, 0);
  g_assert_cmphex (ms_memory_area_get_end (empty), ==, 0x1000);
}

static void
test_ref_unref (void)
{
  gpointer weak = NULL;
  MsMappingBackend *backend = watched_backend (&weak);
  MsMemoryArea *area = ms_memory_area_new (0x1000, 0x1000, 1, backend);

  g_object_unref (backend);

  g_assert_true (ms_memory_area_ref (area) == area);
  g_assert_true (ms_memory_area_ref (area) == area);
  ms_memory_area_unref (area);
  ms_memory_area_unref (area);
  g_assert_nonnull (weak);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x1000);

  ms_memory_area_unref (area);
  g_assert_null (weak);
}

static void
test_contains (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (backend));
  g_autoptr(MsMemoryArea) first = ms_memory_area_new (0, 1, 1, MS_MAPPING_BACKEND (backend));
  g_autoptr(MsMemoryArea) top = ms_memory_area_new (TOP - 0x10, 0x10, 1, MS_MAPPING_BACKEND (backend));
  g_autoptr(MsMemoryArea) empty = ms_memory_area_new (0x1000, 0, 1, MS_MAPPING_BACKEND (backend));
  g_autoptr(MsMemoryArea) everything = ms_memory_area_new (0, TOP, 1, MS_MAPPING_BACKEND (backend));

  g_assert_false (ms_memory_area_contains (area, 0));
  g_assert_false (ms_memory_area_contains (area, 0xfff));
  g_assert_true (ms_memory_area_contains (area, 0x1000));
  g_assert_true (ms_memory_area_contains (area, 0x1800));
  g_assert_true (ms_memory_area_contains (area, 0x1fff));
  g_assert_false (ms_memory_area_contains (area, 0x2000));
  g_assert_false (ms_memory_area_contains (area, TOP));

  g_assert_true (ms_memory_area_contains (first, 0));
  g_assert_false (ms_memory_area_contains (first, 1));
  g_assert_false (ms_memory_area_contains (first, TOP));

  g_assert_false (ms_memory_area_contains (top, TOP - 0x11));
  g_assert_true (ms_memory_area_contains (top, TOP - 0x10));
  g_assert_true (ms_memory_area_contains (top, TOP - 1));
  g_assert_false (ms_memory_area_contains (top, TOP));
  g_assert_false (ms_memory_area_contains (top, 0));

  g_assert_false (ms_memory_area_contains (empty, 0xfff));
  g_assert_false (ms_memory_area_contains (empty, 0x1000));
  g_assert_false (ms_memory_area_contains (empty, 0x1001));

  g_assert_true (ms_memory_area_contains (everything, 0));
  g_assert_true (ms_memory_area_contains (everything, TOP - 1));
  g_assert_false (ms_memory_area_contains (everything, TOP));
}

static void
test_equal (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestBackend) other_backend = ms_test_backend_new ();
  MsMappingBackend *b = MS_MAPPING_BACKEND (backend);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, b);
  g_autoptr(MsMemoryArea) same = ms_memory_area_new (0x1000, 0x1000, 1, b);
  g_autoptr(MsMemoryArea) other_start = ms_memory_area_new (0x1001, 0x1000, 1, b);
  g_autoptr(MsMemoryArea) other_size = ms_memory_area_new (0x1000, 0x1001, 1, b);
  g_autoptr(MsMemoryArea) other_flags = ms_memory_area_new (0x1000, 0x1000, 0x100000001, b);
  g_autoptr(MsMemoryArea) other_backend_area = ms_memory_area_new (0x1000, 0x1000, 1,
                                                                   MS_MAPPING_BACKEND (other_backend));
  /* Same end, different start and size. */
  g_autoptr(MsMemoryArea) same_end = ms_memory_area_new (0x1800, 0x800, 1, b);

  g_assert_true (ms_memory_area_equal (area, area));
  g_assert_true (ms_memory_area_equal (area, same));
  g_assert_true (ms_memory_area_equal (same, area));
  g_assert_false (ms_memory_area_equal (area, other_start));
  g_assert_false (ms_memory_area_equal (area, other_size));
  g_assert_false (ms_memory_area_equal (area, other_flags));
  g_assert_false (ms_memory_area_equal (other_flags, area));
  g_assert_false (ms_memory_area_equal (area, other_backend_area));
  g_assert_false (ms_memory_area_equal (area, same_end));
}

static void
test_boxed (void)
{
  gpointer weak = NULL;
  MsMappingBackend *backend = watched_backend (&weak);
  MsMemoryArea *area = ms_memory_area_new (0x1000, 0x1000, 1, backend);
  MsMemoryArea *copy;
  GValue value = G_VALUE_INIT;

  g_object_unref (backend);

  g_assert_true (G_TYPE_IS_BOXED (MS_TYPE_MEMORY_AREA));
  g_assert_cmpstr (g_type_name (MS_TYPE_MEMORY_AREA), ==, "MsMemoryArea");
  g_assert_true (ms_memory_area_get_type () == MS_TYPE_MEMORY_AREA);

  /* Copying a ref-counted boxed takes a reference. */
  copy = g_boxed_copy (MS_TYPE_MEMORY_AREA, area);
  g_assert_true (copy == area);
  g_boxed_free (MS_TYPE_MEMORY_AREA, copy);
  g_assert_nonnull (weak);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x1000);

  /* Through a GValue. */
  g_value_init (&value, MS_TYPE_MEMORY_AREA);
  g_value_set_boxed (&value, area);
  g_assert_true (g_value_get_boxed (&value) == area);
  copy = g_value_dup_boxed (&value);
  g_assert_true (copy == area);
  ms_memory_area_unref (copy);
  g_value_take_boxed (&value, area);   /* the value now owns the last reference */
  g_assert_nonnull (weak);
  g_value_unset (&value);
  g_assert_null (weak);
}

static void
test_autoptr (void)
{
  gpointer weak = NULL;
  MsMappingBackend *backend = watched_backend (&weak);
  MsMemoryArea *kept;

  {
    G_GNUC_UNUSED g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, backend);

    g_object_unref (backend);
    g_assert_nonnull (weak);
  }
  /* The area went out of scope, and took the backend with it. */
  g_assert_null (weak);

  backend = watched_backend (&weak);
  {
    g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x2000, 0x1000, 2, backend);

    kept = g_steal_pointer (&area);
  }
  g_object_unref (backend);
  g_assert_nonnull (weak);
  g_assert_cmphex (ms_memory_area_get_start (kept), ==, 0x2000);
  g_clear_pointer (&kept, ms_memory_area_unref);
  g_assert_null (weak);
  g_assert_null (kept);
}

static void
test_preconditions (void)
{
  g_autoptr(MsTestPageTable) not_a_backend = ms_test_page_table_new (1);
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (backend));

  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_area_new (0, 1, 1, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_area_new (0, 1, 1, (MsMappingBackend *) not_a_backend)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_area_ref (NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", ms_memory_area_unref (NULL));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_cmphex (ms_memory_area_get_start (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_cmphex (ms_memory_area_get_end (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_cmphex (ms_memory_area_get_size (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_cmphex (ms_memory_area_get_flags (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_area_get_backend (NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_area_contains (NULL, 0)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_area_equal (NULL, area)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_area_equal (area, NULL)));

  /* The area is untouched. */
  g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x1000);
  g_assert_true (ms_memory_area_get_backend (area) == MS_MAPPING_BACKEND (backend));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/memory-area/new", test_new);
  g_test_add_func ("/memory-area/new/extremes", test_new_extremes);
  g_test_add_func ("/memory-area/ref-unref", test_ref_unref);
  g_test_add_func ("/memory-area/contains", test_contains);
  g_test_add_func ("/memory-area/equal", test_equal);
  g_test_add_func ("/memory-area/boxed", test_boxed);
  g_test_add_func ("/memory-area/autoptr", test_autoptr);
  g_test_add_func ("/memory-area/preconditions", test_preconditions);

  return g_test_run ();
}
