/* test-fast-paths.c: the shortcuts the set takes stay invisible
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The set changes an area in place when nobody else holds it, remembers
 * the last area found and the vtable of the last backend class called,
 * and does not hold a reference on itself during a change. These tests
 * check that none of it shows.
 */

#include "ms-test-backend.h"

/* A second backend class: counts its calls, and can drop a reference
 * to a set from inside its methods. */
#define TEST_TYPE_COUNTING_BACKEND (test_counting_backend_get_type ())
G_DECLARE_FINAL_TYPE (TestCountingBackend, test_counting_backend, TEST, COUNTING_BACKEND, GObject)

struct _TestCountingBackend
{
  GObject      parent_instance;
  guint        n_calls;
  MsMemorySet *set_to_drop;   /* owned; unreffed in the next call */
};

static void test_counting_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestCountingBackend, test_counting_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      test_counting_backend_iface_init))

static gboolean
counting_call (MsMappingBackend *backend)
{
  TestCountingBackend *self = TEST_COUNTING_BACKEND (backend);

  self->n_calls++;
  g_clear_object (&self->set_to_drop);
  return TRUE;
}

static gboolean
counting_map (MsMappingBackend *backend, guint64 start, guint64 size, guint64 flags, GObject *pt, GError **error)
{
  return counting_call (backend);
}

static gboolean
counting_unmap (MsMappingBackend *backend, guint64 start, guint64 size, GObject *pt, GError **error)
{
  return counting_call (backend);
}

static gboolean
counting_protect (MsMappingBackend *backend, guint64 start, guint64 size, guint64 flags, GObject *pt, GError **error)
{
  return counting_call (backend);
}

static void
test_counting_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = counting_map;
  iface->unmap = counting_unmap;
  iface->protect = counting_protect;
}

static void
test_counting_backend_finalize (GObject *object)
{
  g_clear_object (&TEST_COUNTING_BACKEND (object)->set_to_drop);
  G_OBJECT_CLASS (test_counting_backend_parent_class)->finalize (object);
}

static void
test_counting_backend_class_init (TestCountingBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_counting_backend_finalize;
}

static void
test_counting_backend_init (TestCountingBackend *self)
{
}

static void
map_new_area (MsMemorySet      *set,
              MsMappingBackend *backend,
              guint64           start,
              guint64           size,
              guint64           flags)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, flags, backend);
  g_autoptr(GError) error = NULL;

  ms_memory_set_map (set, area, NULL, FALSE, &error);
  g_assert_no_error (error);
}

static void
assert_area (MsMemoryArea *area,
             guint64       start,
             guint64       end,
             guint64       flags)
{
  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
}

/* Areas a caller holds keep their values through splits, shrinks and
 * re-flagging; the ones only the set holds are changed, visibly right. */
static void
test_held_and_private_areas (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) held = NULL;
  g_autoptr(GError) error = NULL;
  guint64 start;

  /* Four areas; the caller keeps the second. */
  for (start = 0x1000; start < 0x9000; start += 0x2000)
    ms_test_map_ok (set, backend, table, start, 0x1000, 1);
  held = ms_memory_area_ref (ms_memory_set_find (set, 0x3000));

  /* Split every area in two, then in three by flags, then re-flag whole
   * areas, then shrink them from each end. */
  for (start = 0x1000; start < 0x9000; start += 0x2000)
    {
      g_assert_true (ms_memory_set_unmap (set, start + 0x400, 0x100, G_OBJECT (table), &error));
      g_assert_no_error (error);
      ms_test_assert_set_matches_table (set, table);
      g_assert_true (ms_memory_set_protect (set, start + 0x100, 0x100, 2, G_OBJECT (table), &error));
      g_assert_no_error (error);
      ms_test_assert_set_matches_table (set, table);
      g_assert_true (ms_memory_set_protect (set, start + 0x800, 0x800, 3, G_OBJECT (table), &error));
      g_assert_no_error (error);
      ms_test_assert_set_matches_table (set, table);
      g_assert_true (ms_memory_set_unmap (set, start + 0xf00, 0x100, G_OBJECT (table), &error));
      g_assert_no_error (error);
      g_assert_true (ms_memory_set_unmap (set, start, 0x80, G_OBJECT (table), &error));
      g_assert_no_error (error);
      ms_test_assert_set_matches_table (set, table);
    }

  assert_area (held, 0x3000, 0x4000, 1);
  assert_area (ms_memory_set_find (set, 0x3080), 0x3080, 0x3100, 1);
  assert_area (ms_memory_set_find (set, 0x3100), 0x3100, 0x3200, 2);
  assert_area (ms_memory_set_find (set, 0x3200), 0x3200, 0x3400, 1);
  assert_area (ms_memory_set_find (set, 0x3500), 0x3500, 0x3800, 1);
  assert_area (ms_memory_set_find (set, 0x3800), 0x3800, 0x3f00, 3);
  g_assert_null (ms_memory_set_find (set, 0x3f00));
  g_assert_null (ms_memory_set_find (set, 0x3400));
}

/* find() remembers the last area it found: that never outlives a change. */
static void
test_find_after_changes (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;

  map_new_area (set, MS_MAPPING_BACKEND (backend), 0x1000, 0x1000, 1);
  assert_area (ms_memory_set_find (set, 0x1800), 0x1000, 0x2000, 1);

  /* Shrunk in place: the tail is gone. */
  g_assert_true (ms_memory_set_unmap (set, 0x1800, 0x800, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ms_memory_set_find (set, 0x1800));
  assert_area (ms_memory_set_find (set, 0x1000), 0x1000, 0x1800, 1);

  /* Re-flagged in place. */
  g_assert_true (ms_memory_set_protect (set, 0x1000, 0x800, 5, NULL, &error));
  g_assert_no_error (error);
  assert_area (ms_memory_set_find (set, 0x1400), 0x1000, 0x1800, 5);

  /* Removed. */
  g_assert_true (ms_memory_set_unmap (set, 0x1000, 0x800, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ms_memory_set_find (set, 0x1400));

  /* Cleared. */
  map_new_area (set, MS_MAPPING_BACKEND (backend), 0x1000, 0x1000, 1);
  assert_area (ms_memory_set_find (set, 0x1400), 0x1000, 0x2000, 1);
  g_assert_true (ms_memory_set_clear (set, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (ms_memory_set_find (set, 0x1400));
}

/* An area only the set holds is shrunk and re-flagged in place (the same
 * area stays in the set); one a caller holds is replaced. */
static void
test_private_area_changed_in_place (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) held = NULL;
  g_autoptr(GError) error = NULL;
  MsMemoryArea *private_area;

  map_new_area (set, MS_MAPPING_BACKEND (backend), 0x1000, 0x1000, 1);
  private_area = ms_memory_set_find (set, 0x1000);

  g_assert_true (ms_memory_set_unmap (set, 0x1800, 0x800, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_find (set, 0x1000) == private_area);
  assert_area (private_area, 0x1000, 0x1800, 1);

  g_assert_true (ms_memory_set_protect (set, 0x1000, 0x800, 5, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_find (set, 0x1000) == private_area);
  assert_area (private_area, 0x1000, 0x1800, 5);

  held = ms_memory_area_ref (private_area);
  g_assert_true (ms_memory_set_unmap (set, 0x1400, 0x400, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_find (set, 0x1000) != held);
  assert_area (held, 0x1000, 0x1800, 5);
  assert_area (ms_memory_set_find (set, 0x1000), 0x1000, 0x1400, 5);
}

/* Areas of two backend classes, interleaved: each call reaches the
 * backend of its own area. */
static void
test_two_backend_classes (void)
{
  g_autoptr(MsTestBackend) logging = ms_test_backend_new ();
  g_autoptr(TestCountingBackend) counting = g_object_new (TEST_TYPE_COUNTING_BACKEND, NULL);
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;
  guint i;

  for (i = 0; i < 8; i++)
    map_new_area (set, i % 2 ? MS_MAPPING_BACKEND (counting) : MS_MAPPING_BACKEND (logging),
                  0x1000 * (i + 1), 0x1000, 1);
  g_assert_cmpuint (ms_test_backend_get_calls (logging)->len, ==, 4);
  g_assert_cmpuint (counting->n_calls, ==, 4);

  /* Protect all eight, then unmap all eight. */
  g_assert_true (ms_memory_set_protect (set, 0x1000, 0x8000, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms_test_backend_get_calls (logging)->len, ==, 8);
  g_assert_cmpuint (counting->n_calls, ==, 8);
  g_assert_true (ms_memory_set_unmap (set, 0x1000, 0x8000, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms_test_backend_get_calls (logging)->len, ==, 12);
  g_assert_cmpuint (counting->n_calls, ==, 12);
  g_assert_true (ms_memory_set_is_empty (set));
}

static void
set_finalized (gpointer  data,
               GObject  *where_the_object_was)
{
  *(gboolean *) data = TRUE;
}

/* A backend that drops the last reference to the set in the middle of
 * a change: the change runs to its end, then the set goes. */
static void
test_last_unref_in_backend (void)
{
  g_autoptr(TestCountingBackend) backend = g_object_new (TEST_TYPE_COUNTING_BACKEND, NULL);
  MsMemorySet *set = ms_memory_set_new ();
  gboolean finalized = FALSE;
  guint64 start;

  for (start = 0x1000; start < 0x9000; start += 0x2000)
    map_new_area (set, MS_MAPPING_BACKEND (backend), start, 0x1000, 1);
  g_object_weak_ref (G_OBJECT (set), set_finalized, &finalized);

  /* The backend takes over the caller's reference and drops it at the
   * first unmap call; the four unmaps still happen. */
  backend->set_to_drop = set;
  backend->n_calls = 0;
  g_assert_true (ms_memory_set_unmap (set, 0, 0x10000, NULL, NULL));
  g_assert_cmpuint (backend->n_calls, ==, 4);
  g_assert_true (finalized);
}

static gboolean
drop_set (MsMemoryArea *area,
          gpointer      user_data)
{
  g_clear_object ((MsMemorySet **) user_data);
  return FALSE;
}

/* The same from a foreach callback. */
static void
test_last_unref_in_foreach (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  MsMemorySet *set = ms_memory_set_new ();
  MsMemorySet *dropped = set;
  gboolean finalized = FALSE;

  map_new_area (set, MS_MAPPING_BACKEND (backend), 0x1000, 0x1000, 1);
  map_new_area (set, MS_MAPPING_BACKEND (backend), 0x3000, 0x1000, 1);
  g_object_weak_ref (G_OBJECT (set), set_finalized, &finalized);

  ms_memory_set_foreach (set, drop_set, &dropped);
  g_assert_null (dropped);
  g_assert_true (finalized);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fast-paths/held-and-private-areas", test_held_and_private_areas);
  g_test_add_func ("/fast-paths/find-after-changes", test_find_after_changes);
  g_test_add_func ("/fast-paths/private-area-changed-in-place", test_private_area_changed_in_place);
  g_test_add_func ("/fast-paths/two-backend-classes", test_two_backend_classes);
  g_test_add_func ("/fast-paths/last-unref-in-backend", test_last_unref_in_backend);
  g_test_add_func ("/fast-paths/last-unref-in-foreach", test_last_unref_in_foreach);

  return g_test_run ();
}
