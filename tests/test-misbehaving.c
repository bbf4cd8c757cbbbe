/* test-misbehaving.c: backends and callbacks that fail, re-enter or drop references
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Whatever a backend or a callback does, the set must end up describing
 * exactly what the backend holds, never crash, never touch freed memory
 * and never leak (run under valgrind and AddressSanitizer in CI):
 * - a backend, an update function, a foreach function or a
 *   notify::n-areas handler changes the same set: refused with
 *   MS_MAPPING_ERROR_BUSY, nothing changed, the outer call goes on;
 * - they drop the last reference to the set, or to the area being
 *   mapped, while the set still works on it.
 */

#include "ms-test-harness.h"

typedef struct {
  MsMemorySet     *set;
  MsTestBackend   *backend;   /* with a hook, set by each test */
  MsTestPageTable *table;
  guint            n_hooks;
  gboolean         dropped;
  MsMemoryArea    *area;       /* for the hooks that drop it */
  MsMemorySet     *other_set;  /* for the hooks that change another set */
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
  g_clear_object (&f->other_set);
  g_clear_object (&f->backend);
  g_clear_object (&f->table);
}

static MsMappingBackend *
backend (Fixture *f)
{
  return MS_MAPPING_BACKEND (f->backend);
}

static void
map_ok (Fixture *f,
        guint64  start,
        guint64  size,
        guint64  flags)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, flags, backend (f));
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
  g_assert_no_error (error);
}

/* Eight areas [k * 0x2000, + 0x1000), as in the upstream tests. */
static void
map_eight (Fixture *f,
           guint64  flags)
{
  for (guint64 k = 0; k < 8; k++)
    map_ok (f, k * 0x2000, 0x1000, flags);
}

/* Upstream's update function: the high bits stay, the low three come
 * from the argument; the area is left alone if they already match. */
static gboolean
upstream_update_flags (guint64   old_flags,
                       guint64  *new_flags,
                       gpointer  user_data)
{
  guint64 wanted = GPOINTER_TO_SIZE (user_data);

  if ((old_flags & 0x7) == (wanted & 0x7))
    return FALSE;

  *new_flags = (old_flags & ~G_GUINT64_CONSTANT (0x7)) | (wanted & 0x7);
  return TRUE;
}

/* The operations a test may make the subject of a hook. (Every backend
 * call of every scenario failing in turn is test-scenarios.c's.) */
typedef enum {
  OP_MAP,
  OP_MAP_OVERLAP,
  OP_UNMAP,
  OP_PROTECT,
  OP_PROTECT_WITH,
  OP_CLEAR,
} OpKind;

/* ---- re-entering the set from a backend or a callback ---- */

static gboolean
count_area (MsMemoryArea *area,
            gpointer      user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

/* Every change of the set is refused and changes nothing; every lookup
 * works on a well-formed set. */
static void
try_nested_calls (Fixture *f)
{
  ms_test_probe_busy_set (f->set, backend (f));
  f->n_hooks++;
}

static void
nested_calls_hook (MsTestCallKind kind,
                   guint64        start,
                   guint64        size,
                   gpointer       data)
{
  try_nested_calls (data);
}

static void
test_reentrant_backend (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(MsMemoryArea) area = NULL;
  g_autoptr(GError) error = NULL;
  guint n_calls;

  map_eight (f, 1);
  ms_test_backend_set_hook (f->backend, nested_calls_hook, f);

  /* map, map over others, unmap with a split, protect, protect_with, clear */
  area = ms_memory_area_new (0x1000, 0x800, 2, backend (f));
  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);
  g_assert_cmpuint (f->n_hooks, ==, 1);

  g_clear_pointer (&area, ms_memory_area_unref);
  area = ms_memory_area_new (0x0800, 0x3000, 3, backend (f));
  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), TRUE, &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  g_assert_true (ms_memory_set_unmap (f->set, 0x4400, 0x200, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  g_assert_true (ms_memory_set_protect (f->set, 0x4000, 0x4000, 5, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  g_assert_true (ms_memory_set_protect_with (f->set, 0, MS_TEST_MAX_ADDR, G_OBJECT (f->table),
                                             upstream_update_flags, GSIZE_TO_POINTER (6),
                                             &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  n_calls = ms_test_backend_get_calls (f->backend)->len;
  g_assert_true (ms_memory_set_clear (f->set, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);
  g_assert_true (ms_memory_set_is_empty (f->set));

  /* Every backend call ran the nested calls, and they made none. */
  g_assert_cmpuint (ms_test_backend_get_calls (f->backend)->len, >, n_calls);
  g_assert_cmpuint (f->n_hooks, ==, ms_test_backend_get_calls (f->backend)->len - 8);
}

/* A failing backend call that also re-enters. */
static void
test_reentrant_failing_backend (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_eight (f, 1);
  ms_test_backend_set_hook (f->backend, nested_calls_hook, f);
  ms_test_backend_fail_nth_call (f->backend, 3);

  g_assert_false (ms_memory_set_unmap (f->set, 0x800, 0x8000, G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_cmpuint (f->n_hooks, ==, 3);
  ms_test_assert_set_matches_table (f->set, f->table);
  /* [0x800, 0x1000) and [0x2000, 0x3000) went, [0x4000, 0x5000) failed. */
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 7);
  g_assert_cmphex (ms_memory_area_get_end (ms_memory_set_find (f->set, 0)), ==, 0x800);
  g_assert_null (ms_memory_set_find (f->set, 0x2000));
  g_assert_cmphex (ms_memory_area_get_size (ms_memory_set_find (f->set, 0x4000)), ==, 0x1000);
}

/* Another set is independent: it can change from inside a backend. */
static void
other_set_hook (MsTestCallKind kind,
                guint64        start,
                guint64        size,
                gpointer       data)
{
  Fixture *f = data;
  g_autoptr(MsTestBackend) other_backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, 1,
                                                     MS_MAPPING_BACKEND (other_backend));
  g_autoptr(GError) error = NULL;

  /* The other set has no page table: its backend only logs. */
  if (kind == MS_TEST_CALL_MAP)
    g_assert_true (ms_memory_set_map (f->other_set, area, NULL, FALSE, &error));
  g_assert_no_error (error);
  f->n_hooks++;
}

static void
test_reentrant_other_set (Fixture       *f,
                          gconstpointer  data)
{
  f->other_set = ms_memory_set_new ();
  ms_test_backend_set_hook (f->backend, other_set_hook, f);

  map_eight (f, 1);
  ms_test_backend_set_hook (f->backend, NULL, NULL);

  g_assert_cmpuint (f->n_hooks, ==, 8);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->other_set), ==, 8);
  ms_test_assert_set_matches_table (f->set, f->table);
}

/* A foreach function that changes the set, then looks inside again. */
static gboolean
mutating_area_func (MsMemoryArea *area,
                    gpointer      user_data)
{
  Fixture *f = user_data;
  guint n = 0;

  try_nested_calls (f);
  ms_memory_set_foreach (f->set, count_area, &n);
  g_assert_cmpuint (n, ==, 8);
  return FALSE;
}

static void
test_foreach_mutates (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_eight (f, 1);
  ms_memory_set_foreach (f->set, mutating_area_func, f);
  g_assert_cmpuint (f->n_hooks, ==, 8);
  ms_test_assert_set_matches_table (f->set, f->table);

  /* Once foreach is over, the set changes again. */
  g_assert_true (ms_memory_set_unmap (f->set, 0, MS_TEST_MAX_ADDR, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_is_empty (f->set));
}

/* An update function that changes the set. */
static gboolean
mutating_update_func (guint64   old_flags,
                      guint64  *new_flags,
                      gpointer  user_data)
{
  try_nested_calls (user_data);
  *new_flags = old_flags + 1;
  return TRUE;
}

static void
test_update_func_mutates (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;

  map_eight (f, 1);
  g_assert_true (ms_memory_set_protect_with (f->set, 0x800, 0x4000, G_OBJECT (f->table),
                                             mutating_update_func, f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_hooks, ==, 3);
  ms_test_assert_set_matches_table (f->set, f->table);

  areas = ms_memory_set_get_areas (f->set);
  g_assert_cmpuint (areas->len, ==, 10);
  g_assert_cmpuint (ms_memory_area_get_flags (areas->pdata[1]), ==, 2);
}

/* A notify::n-areas handler runs before the change returns, while the
 * set is still busy: it sees the new areas, and a change from it is
 * refused like one from any other callback of the set. */
static void
on_n_areas (GObject    *object,
            GParamSpec *pspec,
            gpointer    user_data)
{
  Fixture *f = user_data;

  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 9);
  g_assert_nonnull (ms_memory_set_find (f->set, 0x1000));
  try_nested_calls (f);
}

static void
test_notify_mutates (Fixture       *f,
                     gconstpointer  data)
{
  map_eight (f, 1);
  g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (on_n_areas), f);

  map_ok (f, 0x1000, 0x1000, 2);
  g_assert_cmpuint (f->n_hooks, ==, 1);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 9);
  ms_test_assert_set_matches_table (f->set, f->table);
}

/* ---- dropping the last reference ---- */

static void
drop_set_hook (MsTestCallKind kind,
               guint64        start,
               guint64        size,
               gpointer       data)
{
  Fixture *f = data;

  f->n_hooks++;
  if (!f->dropped)
    {
      f->dropped = TRUE;
      g_object_unref (f->set);
    }
}

typedef enum {
  DROP_IN_MAP,
  DROP_IN_MAP_OVERLAP,
  DROP_IN_UNMAP,
  DROP_IN_PROTECT,
  DROP_IN_CLEAR,
} DropWhere;

static void
test_drop_set_in_backend (Fixture       *f,
                          gconstpointer  data)
{
  DropWhere where = GPOINTER_TO_INT (data);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x800, 0x2000, 2, backend (f));
  g_autoptr(GError) error = NULL;
  MsMemorySet *set = f->set;
  gboolean done = FALSE;

  map_eight (f, 1);
  g_object_add_weak_pointer (G_OBJECT (f->set), (gpointer *) &f->set);
  ms_test_backend_set_hook (f->backend, drop_set_hook, f);

  /* The caller's reference goes at the first backend call; the call
   * finishes on the set it started with, which then goes. */
  switch (where)
    {
    case DROP_IN_MAP:
      g_clear_pointer (&area, ms_memory_area_unref);
      area = ms_memory_area_new (0x1000, 0x1000, 2, backend (f));
      done = ms_memory_set_map (set, area, G_OBJECT (f->table), FALSE, &error);
      g_assert_cmpuint (f->n_hooks, ==, 1);
      break;
    case DROP_IN_MAP_OVERLAP:
      done = ms_memory_set_map (set, area, G_OBJECT (f->table), TRUE, &error);
      g_assert_cmpuint (f->n_hooks, ==, 3);
      break;
    case DROP_IN_UNMAP:
      done = ms_memory_set_unmap (set, 0x800, 0x8000, G_OBJECT (f->table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 5);
      break;
    case DROP_IN_PROTECT:
      done = ms_memory_set_protect (set, 0x800, 0x8000, 3, G_OBJECT (f->table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 5);
      break;
    case DROP_IN_CLEAR:
      done = ms_memory_set_clear (set, G_OBJECT (f->table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 8);
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_no_error (error);
  g_assert_true (done);
  g_assert_true (f->dropped);
  g_assert_null (f->set);
}

static gboolean
drop_set_update_func (guint64   old_flags,
                      guint64  *new_flags,
                      gpointer  user_data)
{
  drop_set_hook (MS_TEST_CALL_PROTECT, 0, 0, user_data);
  *new_flags = 5;
  return TRUE;
}

static void
test_drop_set_in_update_func (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_eight (f, 1);
  g_object_add_weak_pointer (G_OBJECT (f->set), (gpointer *) &f->set);

  g_assert_true (ms_memory_set_protect_with (f->set, 0, 0x6000, G_OBJECT (f->table),
                                             drop_set_update_func, f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_hooks, ==, 3);
  g_assert_null (f->set);

  /* The backend did its work before the set went. */
  g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x4000], ==, 5);
  g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x6000], ==, 1);
}

static gboolean
drop_set_area_func (MsMemoryArea *area,
                    gpointer      user_data)
{
  Fixture *f = user_data;

  drop_set_hook (MS_TEST_CALL_MAP, 0, 0, f);
  /* The area stays valid until foreach is over. */
  g_assert_cmpuint (ms_memory_area_get_size (area), ==, 0x1000);
  return FALSE;
}

static void
test_drop_set_in_foreach (Fixture       *f,
                          gconstpointer  data)
{
  map_eight (f, 1);
  g_object_add_weak_pointer (G_OBJECT (f->set), (gpointer *) &f->set);

  ms_memory_set_foreach (f->set, drop_set_area_func, f);
  g_assert_cmpuint (f->n_hooks, ==, 8);
  g_assert_null (f->set);
}

static void
drop_set_on_notify (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  drop_set_hook (MS_TEST_CALL_MAP, 0, 0, user_data);
}

static void
test_drop_set_in_notify (Fixture       *f,
                         gconstpointer  data)
{
  map_eight (f, 1);
  g_object_add_weak_pointer (G_OBJECT (f->set), (gpointer *) &f->set);
  g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (drop_set_on_notify), f);

  g_assert_true (ms_memory_set_unmap (f->set, 0, 0x4000, G_OBJECT (f->table), NULL));
  g_assert_cmpuint (f->n_hooks, ==, 1);
  g_assert_null (f->set);
}

/* The caller's only reference to the area being mapped goes in the
 * backend's map: the set's own reference keeps it. */
static void
drop_area_hook (MsTestCallKind kind,
                guint64        start,
                guint64        size,
                gpointer       data)
{
  Fixture *f = data;

  if (kind == MS_TEST_CALL_MAP)
    g_clear_pointer (&f->area, ms_memory_area_unref);
  f->n_hooks++;
}

static void
test_drop_area_in_map (Fixture       *f,
                       gconstpointer  data)
{
  gboolean fail = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;
  MsMemoryArea *found;
  gboolean done;

  map_eight (f, 1);
  ms_test_backend_set_hook (f->backend, drop_area_hook, f);
  /* Over two areas: two unmap calls, then the map call (which fails,
   * with @fail, after dropping the area). */
  if (fail)
    ms_test_backend_fail_nth_call (f->backend, 3);

  f->area = ms_memory_area_new (0x800, 0x2000, 2, backend (f));
  done = ms_memory_set_map (f->set, f->area, G_OBJECT (f->table), TRUE, &error);
  g_assert_null (f->area);
  ms_test_assert_set_matches_table (f->set, f->table);

  found = ms_memory_set_find (f->set, 0x1000);
  if (fail)
    {
      g_assert_false (done);
      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
      g_assert_null (found);
      g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 8);
    }
  else
    {
      g_assert_true (done);
      g_assert_no_error (error);
      g_assert_nonnull (found);
      g_assert_cmphex (ms_memory_area_get_start (found), ==, 0x800);
      g_assert_cmphex (ms_memory_area_get_size (found), ==, 0x2000);
      g_assert_cmphex (ms_memory_area_get_flags (found), ==, 2);
      g_assert_true (ms_memory_area_get_backend (found) == backend (f));
      g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 9);
    }
}

/* An area the caller holds, dropped while the set unmaps it. */
static void
drop_held_area_hook (MsTestCallKind kind,
                     guint64        start,
                     guint64        size,
                     gpointer       data)
{
  Fixture *f = data;

  g_assert_nonnull (f->area);
  g_assert_cmphex (ms_memory_area_get_start (f->area), ==, 0x2000);
  g_assert_cmphex (ms_memory_area_get_size (f->area), ==, 0x1000);
  g_clear_pointer (&f->area, ms_memory_area_unref);
  f->n_hooks++;
}

static void
test_drop_held_area_in_unmap (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  map_eight (f, 1);
  f->area = ms_memory_area_ref (ms_memory_set_find (f->set, 0x2000));
  ms_test_backend_set_hook (f->backend, drop_held_area_hook, f);

  g_assert_true (ms_memory_set_unmap (f->set, 0x2400, 0x400, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->n_hooks, ==, 1);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 9);
  ms_test_assert_set_matches_table (f->set, f->table);
}


/* ---- load_maps: the caller's last reference goes in a backend call or
 * a notify handler ---- */

static void
test_drop_set_in_load_maps (Fixture       *f,
                            gconstpointer  data)
{
  gboolean in_notify = GPOINTER_TO_INT (data);
  const char *text = "1000-2000 r--p\n3000-4000 rw-p\n5000-6000 r-xp\n";
  g_autoptr(GError) error = NULL;
  MsMemorySet *set = f->set;

  g_object_add_weak_pointer (G_OBJECT (f->set), (gpointer *) &f->set);
  if (in_notify)
    g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (drop_set_on_notify), f);
  else
    {
      ms_test_backend_set_hook (f->backend, drop_set_hook, f);
    }

  g_assert_true (ms_memory_set_load_maps (set, text, backend (f), G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  g_assert_true (f->dropped);
  g_assert_null (f->set);

  /* Every line was mapped before the set went. */
  g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x1000], ==, 1);
  g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x3000], ==, 3);
  g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x5000], ==, 5);
}

/* ---- a backend destroyed in the middle of a change ---- */

/* MsProbeBackend: a backend that does what it is asked, and that looks
 * at a set from its dispose: lookups, find_free_area, iteration, all
 * allowed while the set is busy. The set must be consistent then. */
#define MS_TYPE_PROBE_BACKEND (ms_probe_backend_get_type ())
G_DECLARE_FINAL_TYPE (MsProbeBackend, ms_probe_backend, MS, PROBE_BACKEND, GObject)

struct _MsProbeBackend
{
  GObject      parent_instance;
  MsMemorySet *set;        /* weak */
  guint       *n_probes;
};

static void ms_probe_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsProbeBackend, ms_probe_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_probe_backend_iface_init))

static gboolean
probe_map (MsMappingBackend *backend,
           guint64           start,
           guint64           size,
           guint64           flags,
           GObject          *page_table,
           GError          **error)
{
  return TRUE;
}

static gboolean
probe_unmap (MsMappingBackend *backend,
             guint64           start,
             guint64           size,
             GObject          *page_table,
             GError          **error)
{
  return TRUE;
}

static gboolean
probe_protect (MsMappingBackend *backend,
               guint64           start,
               guint64           size,
               guint64           new_flags,
               GObject          *page_table,
               GError          **error)
{
  return TRUE;
}

static void
ms_probe_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = probe_map;
  iface->unmap = probe_unmap;
  iface->protect = probe_protect;
}

/* What a destructor may do with the busy set: look, and be refused
 * any change. */
static void
probe_set (MsMemorySet *set)
{
  g_autoptr(MsTestBackend) other = ms_test_backend_new ();

  ms_test_probe_busy_set (set, MS_MAPPING_BACKEND (other));
}

static void
ms_probe_backend_dispose (GObject *object)
{
  MsProbeBackend *self = MS_PROBE_BACKEND (object);

  if (self->set != NULL)
    {
      probe_set (self->set);
      (*self->n_probes)++;
      g_clear_weak_pointer (&self->set);
    }

  G_OBJECT_CLASS (ms_probe_backend_parent_class)->dispose (object);
}

static void
ms_probe_backend_class_init (MsProbeBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ms_probe_backend_dispose;
}

static void
ms_probe_backend_init (MsProbeBackend *self)
{
}

/* Maps [start, start + size) through a new probe backend whose only
 * reference the area holds. */
static void
map_probed (MsMemorySet *set,
            guint64      start,
            guint64      size,
            guint       *n_probes)
{
  g_autoptr(MsProbeBackend) probe = g_object_new (MS_TYPE_PROBE_BACKEND, NULL);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, 1, MS_MAPPING_BACKEND (probe));

  g_set_weak_pointer (&probe->set, set);
  probe->n_probes = n_probes;
  g_assert_true (ms_memory_set_map (set, area, NULL, FALSE, NULL));
}

/* A weak reference on a backend runs user code too. */
static void
probe_on_weak_notify (gpointer  data,
                      GObject  *where_the_object_was)
{
  probe_set (data);
}

typedef enum {
  DISPOSE_IN_CLEAR,
  DISPOSE_IN_UNMAP,
  DISPOSE_IN_MAP_OVERLAP,
  DISPOSE_IN_PROTECT,
} DisposeWhere;

static void
test_backend_disposed_mid_change (void)
{
  for (DisposeWhere where = DISPOSE_IN_CLEAR; where <= DISPOSE_IN_PROTECT; where++)
    {
      g_autoptr(MsMemorySet) set = ms_memory_set_new ();
      g_autoptr(MsMemoryArea) over = NULL;
      g_autoptr(MsProbeBackend) plain = g_object_new (MS_TYPE_PROBE_BACKEND, NULL);
      guint n_probes = 0;
      guint expected = 0;

      /* 40 areas with gaps between them, over two gap-index buckets
       * or more, each with its own backend held by the area alone. */
      for (guint64 k = 0; k < 40; k++)
        map_probed (set, 0x10000 + k * 0x3000, 0x1000 + (k % 3) * 0x800, &n_probes);
      g_object_weak_ref (G_OBJECT (ms_memory_area_get_backend (ms_memory_set_find (set, 0x10000))),
                         probe_on_weak_notify, set);

      switch (where)
        {
        case DISPOSE_IN_CLEAR:
          g_assert_true (ms_memory_set_clear (set, NULL, NULL));
          expected = 40;
          break;
        case DISPOSE_IN_UNMAP:
          g_assert_true (ms_memory_set_unmap (set, 0x10000, 10 * 0x3000, NULL, NULL));
          expected = 10;
          break;
        case DISPOSE_IN_MAP_OVERLAP:
          over = ms_memory_area_new (0x10000, 5 * 0x3000, 1, MS_MAPPING_BACKEND (plain));
          g_assert_true (ms_memory_set_map (set, over, NULL, TRUE, NULL));
          expected = 5;
          break;
        case DISPOSE_IN_PROTECT:
          /* The area replaced by its new pieces holds the backend... and
           * so do the pieces: nothing is disposed; then unmap them. */
          g_assert_true (ms_memory_set_protect (set, 0x10400, 0x3000, 2, NULL, NULL));
          g_assert_true (ms_memory_set_unmap (set, 0x10000, 0x6000, NULL, NULL));
          expected = 2;
          break;
        }

      g_assert_cmpuint (n_probes, ==, expected);
      ms_test_check_lookups (set);
    }
}

/* ---- the page table stays alive for the whole operation ---- */

static void
drop_table_hook (MsTestCallKind kind,
                 guint64        start,
                 guint64        size,
                 gpointer       data)
{
  Fixture *f = data;

  f->n_hooks++;
  g_clear_object (&f->table);
}

/* The caller's only reference to the page table goes in the first of
 * several backend calls: the later ones get the table the set holds. */
static void
test_drop_page_table (Fixture       *f,
                      gconstpointer  data)
{
  OpKind kind = GPOINTER_TO_INT (data);
  MsTestPageTable *table = f->table;
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x800, 0x4000, 2, backend (f));
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;

  map_eight (f, 1);
  ms_test_backend_set_hook (f->backend, drop_table_hook, f);
  g_object_add_weak_pointer (G_OBJECT (table), (gpointer *) &table);

  /* [0x800, 0x4800) meets three areas. */
  switch (kind)
    {
    case OP_UNMAP:
      done = ms_memory_set_unmap (f->set, 0x800, 0x4000, G_OBJECT (table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 3);
      break;
    case OP_PROTECT:
      done = ms_memory_set_protect (f->set, 0x800, 0x4000, 3, G_OBJECT (table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 3);
      break;
    case OP_MAP_OVERLAP:
      done = ms_memory_set_map (f->set, area, G_OBJECT (table), TRUE, &error);
      g_assert_cmpuint (f->n_hooks, ==, 4);
      break;
    case OP_CLEAR:
      done = ms_memory_set_clear (f->set, G_OBJECT (table), &error);
      g_assert_cmpuint (f->n_hooks, ==, 8);
      break;
    default:
      g_assert_not_reached ();
    }

  g_assert_no_error (error);
  g_assert_true (done);
  /* The set let go of it when the call ended. */
  g_assert_null (table);
}

static void
assert_missing (gboolean     done,
                GError     **error,
                const char  *method)
{
  g_autofree char *expected = g_strdup_printf ("does not implement the %s method", method);

  g_assert_false (done);
  g_assert_error (*error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_nonnull (strstr ((*error)->message, expected));
}

/* A backend that lacks a method fails the calls that need it, naming
 * the method; the set is unchanged. */
static void
test_missing_methods (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsTestBackend) delegate = ms_test_backend_new ();
  /* No method at all; map only (always done: no page table). */
  g_autoptr(MsMappingBackend) empty = ms_test_partial_backend_new (0, NULL);
  g_autoptr(MsMappingBackend) map_only = ms_test_partial_backend_new (MS_TEST_METHOD_MAP, delegate);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, empty);
  g_autoptr(MsMemoryArea) other = ms_memory_area_new (0x3000, 0x1000, 1, map_only);
  g_autoptr(MsMemoryArea) over = ms_memory_area_new (0x3800, 0x1000, 1, map_only);
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;

  assert_missing (ms_memory_set_map (set, area, NULL, FALSE, &e1), &e1, "map");
  g_assert_true (ms_memory_set_is_empty (set));

  g_assert_false (ms_mapping_backend_map (empty, 0, 1, 0, NULL, NULL));
  g_assert_false (ms_mapping_backend_unmap (empty, 0, 1, NULL, NULL));
  g_assert_false (ms_mapping_backend_protect (empty, 0, 1, 0, NULL, NULL));

  g_assert_true (ms_memory_set_map (set, other, NULL, FALSE, NULL));
  assert_missing (ms_memory_set_unmap (set, 0x3400, 0x100, NULL, &e2), &e2, "unmap");
  assert_missing (ms_memory_set_protect (set, 0, 0x10000, 2, NULL, &e3), &e3, "protect");
  assert_missing (ms_memory_set_clear (set, NULL, &e4), &e4, "unmap");
  assert_missing (ms_memory_set_map (set, over, NULL, TRUE, &e5), &e5, "unmap");

  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 1);
  g_assert_true (ms_memory_set_find (set, 0x3000) == other);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);


  g_test_add ("/misbehaving/reentrant/backend", Fixture, NULL,
              fixture_setup, test_reentrant_backend, fixture_teardown);
  g_test_add ("/misbehaving/reentrant/failing-backend", Fixture, NULL,
              fixture_setup, test_reentrant_failing_backend, fixture_teardown);
  g_test_add ("/misbehaving/reentrant/other-set", Fixture, NULL,
              fixture_setup, test_reentrant_other_set, fixture_teardown);
  g_test_add ("/misbehaving/reentrant/foreach-func", Fixture, NULL,
              fixture_setup, test_foreach_mutates, fixture_teardown);
  g_test_add ("/misbehaving/reentrant/update-func", Fixture, NULL,
              fixture_setup, test_update_func_mutates, fixture_teardown);
  g_test_add ("/misbehaving/reentrant/notify", Fixture, NULL,
              fixture_setup, test_notify_mutates, fixture_teardown);

  g_test_add ("/misbehaving/drop-set/map", Fixture, GINT_TO_POINTER (DROP_IN_MAP),
              fixture_setup, test_drop_set_in_backend, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/map-overlap", Fixture, GINT_TO_POINTER (DROP_IN_MAP_OVERLAP),
              fixture_setup, test_drop_set_in_backend, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/unmap", Fixture, GINT_TO_POINTER (DROP_IN_UNMAP),
              fixture_setup, test_drop_set_in_backend, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/protect", Fixture, GINT_TO_POINTER (DROP_IN_PROTECT),
              fixture_setup, test_drop_set_in_backend, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/clear", Fixture, GINT_TO_POINTER (DROP_IN_CLEAR),
              fixture_setup, test_drop_set_in_backend, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/update-func", Fixture, NULL,
              fixture_setup, test_drop_set_in_update_func, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/foreach-func", Fixture, NULL,
              fixture_setup, test_drop_set_in_foreach, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/notify", Fixture, NULL,
              fixture_setup, test_drop_set_in_notify, fixture_teardown);
  g_test_add ("/misbehaving/drop-area/map", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_drop_area_in_map, fixture_teardown);
  g_test_add ("/misbehaving/drop-area/map-failing", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_drop_area_in_map, fixture_teardown);
  g_test_add ("/misbehaving/drop-area/held-in-unmap", Fixture, NULL,
              fixture_setup, test_drop_held_area_in_unmap, fixture_teardown);

  g_test_add ("/misbehaving/drop-set/load-maps/backend", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_drop_set_in_load_maps, fixture_teardown);
  g_test_add ("/misbehaving/drop-set/load-maps/notify", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_drop_set_in_load_maps, fixture_teardown);
  g_test_add_func ("/misbehaving/backend-disposed-mid-change", test_backend_disposed_mid_change);
  g_test_add ("/misbehaving/drop-page-table/unmap", Fixture, GINT_TO_POINTER (OP_UNMAP),
              fixture_setup, test_drop_page_table, fixture_teardown);
  g_test_add ("/misbehaving/drop-page-table/protect", Fixture, GINT_TO_POINTER (OP_PROTECT),
              fixture_setup, test_drop_page_table, fixture_teardown);
  g_test_add ("/misbehaving/drop-page-table/map-overlap", Fixture, GINT_TO_POINTER (OP_MAP_OVERLAP),
              fixture_setup, test_drop_page_table, fixture_teardown);
  g_test_add ("/misbehaving/drop-page-table/clear", Fixture, GINT_TO_POINTER (OP_CLEAR),
              fixture_setup, test_drop_page_table, fixture_teardown);

  g_test_add_func ("/misbehaving/missing-methods", test_missing_methods);

  return g_test_run ();
}
