/* test-threads.c: sets driven from several threads at once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The contract (docs/threads.md): one set is used by one thread at a
 * time, like a GTree; distinct sets are independent; areas are
 * immutable and their reference counts atomic, so one area may sit in
 * sets of several threads, and be held by any of them.
 *
 * Each thread drives its own set, with its own MsTestBackend and page
 * table (MsTestBackend is not thread-safe: it logs calls in a GArray),
 * through thousands of random operations, checking the set against its
 * table as it goes. All threads also map, split and drop one shared
 * area, whose backend is shared too: that backend is thread-safe (it
 * only counts, atomically). A last test hands one set from thread to
 * thread, and another gives one area to the sets of several threads,
 * each freeing it last in turn. Run it under ThreadSanitizer
 * (-Db_sanitize=thread) to catch data races; without it, it checks the
 * results.
 */

#include "ms-test-backend.h"

#define N_THREADS 4
#define N_OPERATIONS 4000
#define CHECK_EVERY 250
#define PAGE 0x100
#define SHARED_START 0x8000
#define SHARED_SIZE 0x1000

/* MsCountingBackend: thread-safe; every call succeeds and is counted. */
#define MS_TYPE_COUNTING_BACKEND (ms_counting_backend_get_type ())
G_DECLARE_FINAL_TYPE (MsCountingBackend, ms_counting_backend, MS, COUNTING_BACKEND, GObject)

struct _MsCountingBackend
{
  GObject parent_instance;
  gint    n_calls;   /* atomic */
};

static gboolean
ms_counting_backend_map (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         guint64           flags,
                         GObject          *page_table,
                         GError          **error)
{
  g_atomic_int_inc (&MS_COUNTING_BACKEND (backend)->n_calls);
  return TRUE;
}

static gboolean
ms_counting_backend_unmap (MsMappingBackend *backend,
                           guint64           start,
                           guint64           size,
                           GObject          *page_table,
                           GError          **error)
{
  g_atomic_int_inc (&MS_COUNTING_BACKEND (backend)->n_calls);
  return TRUE;
}

static gboolean
ms_counting_backend_protect (MsMappingBackend *backend,
                             guint64           start,
                             guint64           size,
                             guint64           new_flags,
                             GObject          *page_table,
                             GError          **error)
{
  g_atomic_int_inc (&MS_COUNTING_BACKEND (backend)->n_calls);
  return TRUE;
}

static void
ms_counting_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_counting_backend_map;
  iface->unmap = ms_counting_backend_unmap;
  iface->protect = ms_counting_backend_protect;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (MsCountingBackend, ms_counting_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_counting_backend_iface_init))

static void
ms_counting_backend_class_init (MsCountingBackendClass *klass)
{
}

static void
ms_counting_backend_init (MsCountingBackend *self)
{
}

/* The set agrees with the table for the areas of @own; the areas of
 * the shared backend are in the shared range, which the table never
 * holds. */
static void
check_set (MsMemorySet      *set,
           MsTestBackend    *own,
           MsTestPageTable  *table)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  const guint8 *entries = ms_test_page_table_get_entries (table);
  guint64 covered_to = 0;

  g_assert_cmpuint (areas->len, ==, ms_memory_set_get_n_areas (set));
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      guint64 start = ms_memory_area_get_start (area);
      guint64 end = ms_memory_area_get_end (area);
      guint8 flags = ms_memory_area_get_flags (area);

      g_assert_cmpuint (start, >=, covered_to);
      g_assert_cmpuint (start, <, end);
      for (guint64 a = covered_to; a < start; a++)
        g_assert_cmpuint (entries[a], ==, 0);
      if (ms_memory_area_get_backend (area) == MS_MAPPING_BACKEND (own))
        {
          for (guint64 a = start; a < end; a++)
            g_assert_cmpuint (entries[a], ==, flags);
        }
      else
        {
          g_assert_cmpuint (start, >=, SHARED_START);
          g_assert_cmpuint (end, <=, SHARED_START + SHARED_SIZE);
          for (guint64 a = start; a < end; a++)
            g_assert_cmpuint (entries[a], ==, 0);
        }
      covered_to = end;
    }
  for (guint64 a = covered_to; a < ms_test_page_table_get_size (table); a++)
    g_assert_cmpuint (entries[a], ==, 0);
}

typedef struct {
  guint              index;
  MsMemoryArea      *shared_area;     /* the same object in every thread */
  MsCountingBackend *shared_backend;
  guint              n_done;
} Worker;

/* A random page-aligned range of the table, outside the shared range
 * unless @shared. */
static void
random_range (GRand   *rand,
              guint64 *start,
              guint64 *size)
{
  guint64 first = g_rand_int_range (rand, 0, MS_TEST_MAX_ADDR / PAGE);
  guint64 n = g_rand_int_range (rand, 1, 16);

  *start = first * PAGE;
  *size = MIN (n * PAGE, MS_TEST_MAX_ADDR - *start);
}

static gboolean
bump_flags (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  *new_flags = (old_flags % 7) + 1;
  return TRUE;
}

/* Operations that succeed in any state, on the thread's own set. */
static gpointer
worker_run (gpointer data)
{
  Worker *worker = data;
  g_autoptr(GRand) rand = g_rand_new_with_seed (0x7468 + worker->index);
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func ((GDestroyNotify) ms_memory_area_unref);
  GObject *pt = G_OBJECT (table);

  for (guint i = 0; i < N_OPERATIONS; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(MsMemoryArea) area = NULL;
      guint64 start, size, found;
      MsMemoryArea *at;

      random_range (rand, &start, &size);

      switch (g_rand_int_range (rand, 0, 9))
        {
        case 0:
        case 1:
          /* Keep clear of the shared range: its backend writes no table. */
          if (start < SHARED_START + SHARED_SIZE && SHARED_START < start + size)
            break;
          area = ms_memory_area_new (start, size, g_rand_int_range (rand, 1, 8),
                                     MS_MAPPING_BACKEND (backend));
          g_assert_true (ms_memory_set_map (set, area, pt, TRUE, &error));
          break;
        case 2:
          g_assert_true (ms_memory_set_unmap (set, start, size, pt, &error));
          break;
        case 3:
          g_assert_true (ms_memory_set_protect (set, start, size,
                                                g_rand_int_range (rand, 1, 8), pt, &error));
          break;
        case 4:
          g_assert_true (ms_memory_set_protect_with (set, start, size, pt, bump_flags,
                                                     NULL, &error));
          break;
        case 5:
          /* The shared area, whole: unmaps whatever is there first. */
          g_assert_true (ms_memory_set_map (set, worker->shared_area, pt, TRUE, &error));
          break;
        case 6:
          /* Hold an area for a while: the shared one, or a piece of it. */
          at = ms_memory_set_find (set, start);
          if (at == NULL)
            at = ms_memory_set_find (set, SHARED_START);
          if (at != NULL)
            g_ptr_array_add (held, ms_memory_area_ref (at));
          if (held->len > 8)
            g_ptr_array_remove_range (held, 0, 4);
          break;
        case 7:
          ms_memory_set_overlaps (set, start, size);
          ms_memory_set_find_free_area (set, start, PAGE, 0, MS_TEST_MAX_ADDR, PAGE, &found);
          break;
        default:
          if (g_rand_int_range (rand, 0, 50) == 0)
            g_assert_true (ms_memory_set_clear (set, pt, &error));
          break;
        }
      g_assert_no_error (error);

      if (i % CHECK_EVERY == 0)
        check_set (set, backend, table);
    }

  check_set (set, backend, table);
  for (guint i = 0; i < held->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (held, i);

      /* Held areas never changed. */
      g_assert_cmpuint (ms_memory_area_get_end (area), <=, MS_TEST_MAX_ADDR);
      g_assert_cmpuint (ms_memory_area_get_size (area), >, 0);
    }
  g_assert_true (ms_memory_set_clear (set, pt, NULL));
  check_set (set, backend, table);

  worker->n_done = N_OPERATIONS;
  return NULL;
}

static void
test_threads_own_sets (void)
{
  g_autoptr(MsCountingBackend) shared_backend = g_object_new (MS_TYPE_COUNTING_BACKEND, NULL);
  g_autoptr(MsMemoryArea) shared_area =
    ms_memory_area_new (SHARED_START, SHARED_SIZE, 5, MS_MAPPING_BACKEND (shared_backend));
  Worker workers[N_THREADS];
  GThread *threads[N_THREADS];

  for (guint i = 0; i < N_THREADS; i++)
    {
      workers[i] = (Worker) { i, shared_area, shared_backend, 0 };
      threads[i] = g_thread_new ("memory-set", worker_run, &workers[i]);
    }
  for (guint i = 0; i < N_THREADS; i++)
    {
      g_thread_join (threads[i]);
      g_assert_cmpuint (workers[i].n_done, ==, N_OPERATIONS);
    }

  /* The shared area is what it was, and only the test holds it now. */
  g_assert_cmphex (ms_memory_area_get_start (shared_area), ==, SHARED_START);
  g_assert_cmphex (ms_memory_area_get_size (shared_area), ==, SHARED_SIZE);
  g_assert_cmpint (g_atomic_int_get (&shared_backend->n_calls), >, 0);
  g_test_message ("%d calls of the shared backend", g_atomic_int_get (&shared_backend->n_calls));
}

/* One area in the sets of several threads, each dropping it in its own
 * time: the last one to go frees it, in whichever thread that is. Its
 * reference count is what orders the frees after every use. */
#define N_SHARED_ROUNDS 300

typedef struct {
  MsMemoryArea *area;      /* a reference of this worker's own */
  guint         index;
} SharedWorker;

static gpointer
shared_run (gpointer data)
{
  SharedWorker *worker = data;
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) area = g_steal_pointer (&worker->area);
  guint64 start = ms_memory_area_get_start (area);
  MsMemoryArea *found;

  g_assert_true (ms_memory_set_map (set, area, NULL, FALSE, NULL));
  found = ms_memory_set_find (set, start);
  g_assert_true (found == area);
  g_assert_cmphex (ms_memory_area_get_size (found), ==, SHARED_SIZE);

  /* Drop the thread's own reference first or last, and take the area
   * out of the set by an unmap that splits it, a protect that replaces
   * it, or a clear. */
  if (worker->index % 2 == 0)
    g_clear_pointer (&area, ms_memory_area_unref);
  switch (worker->index % 3)
    {
    case 0:
      g_assert_true (ms_memory_set_unmap (set, start + PAGE, PAGE, NULL, NULL));
      break;
    case 1:
      g_assert_true (ms_memory_set_protect (set, start, PAGE, 3, NULL, NULL));
      break;
    default:
      g_assert_true (ms_memory_set_clear (set, NULL, NULL));
      break;
    }
  g_clear_pointer (&area, ms_memory_area_unref);
  return NULL;
}

static void
test_threads_shared_area_freed_elsewhere (void)
{
  g_autoptr(MsCountingBackend) backend = g_object_new (MS_TYPE_COUNTING_BACKEND, NULL);

  for (guint round = 0; round < N_SHARED_ROUNDS; round++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new (SHARED_START, SHARED_SIZE, 5,
                                                         MS_MAPPING_BACKEND (backend));
      SharedWorker workers[N_THREADS];
      GThread *threads[N_THREADS];

      for (guint i = 0; i < N_THREADS; i++)
        {
          workers[i] = (SharedWorker) { ms_memory_area_ref (area), round + i };
          threads[i] = g_thread_new ("shared-area", shared_run, &workers[i]);
        }
      /* The test's reference goes while the threads run. */
      g_clear_pointer (&area, ms_memory_area_unref);
      for (guint i = 0; i < N_THREADS; i++)
        g_thread_join (threads[i]);
    }

  g_assert_cmpint (g_atomic_int_get (&backend->n_calls), ==, N_SHARED_ROUNDS * N_THREADS * 2);
}

/* One set, handed from thread to thread: used by one at a time. Each
 * thread starts once the one before has been joined (GLib's GMutex and
 * GCond are futexes that ThreadSanitizer cannot see, so no queue). */
typedef struct {
  MsMemorySet     *set;
  MsTestBackend   *backend;
  MsTestPageTable *table;
  guint            round;
} Baton;

#define N_ROUNDS 64

static gpointer
baton_run (gpointer data)
{
  Baton *baton = data;
  g_autoptr(MsMemoryArea) area = NULL;
  guint64 start = (baton->round * 0x300) % (MS_TEST_MAX_ADDR - 0x800);

  area = ms_memory_area_new (start, 0x800, 1 + baton->round % 5,
                             MS_MAPPING_BACKEND (baton->backend));
  g_assert_true (ms_memory_set_map (baton->set, area, G_OBJECT (baton->table), TRUE, NULL));
  g_assert_true (ms_memory_set_protect (baton->set, start + 0x200, 0x200, 9,
                                        G_OBJECT (baton->table), NULL));
  ms_test_assert_set_matches_table (baton->set, baton->table);
  baton->round++;

  return NULL;
}

static void
test_threads_hand_over (void)
{
  Baton baton = { ms_memory_set_new (), ms_test_backend_new (),
                  ms_test_page_table_new (MS_TEST_MAX_ADDR), 0 };

  for (guint i = 0; i < N_ROUNDS; i++)
    g_thread_join (g_thread_new ("hand-over", baton_run, &baton));

  g_assert_cmpuint (baton.round, ==, N_ROUNDS);
  ms_test_assert_set_matches_table (baton.set, baton.table);
  g_assert_true (ms_memory_set_clear (baton.set, G_OBJECT (baton.table), NULL));
  ms_test_assert_set_matches_table (baton.set, baton.table);

  g_object_unref (baton.set);
  g_object_unref (baton.backend);
  g_object_unref (baton.table);
}

/* GObject publishes a class to other threads with atomics inside
 * libgobject, which ThreadSanitizer does not see unless GLib itself is
 * instrumented: create the classes before any thread starts. */
static void
ensure_classes (void)
{
  const GType types[] = {
    MS_TYPE_MEMORY_SET, MS_TYPE_MEMORY_AREA, MS_TEST_TYPE_BACKEND,
    MS_TEST_TYPE_PAGE_TABLE, MS_TYPE_COUNTING_BACKEND,
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (G_TYPE_IS_CLASSED (types[i]))
      g_type_class_unref (g_type_class_ref (types[i]));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  ensure_classes ();

  g_test_add_func ("/threads/own-sets", test_threads_own_sets);
  g_test_add_func ("/threads/hand-over", test_threads_hand_over);
  g_test_add_func ("/threads/shared-area-freed-elsewhere", test_threads_shared_area_freed_elsewhere);

  return g_test_run ();
}
