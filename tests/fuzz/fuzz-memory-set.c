/* fuzz-memory-set.c: MsMemorySet against the model, one input at a time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An input is a sequence of operations, each an opcode byte and its
 * argument bytes (missing bytes read as 0):
 *
 *   0 map           range, flags, options, failure
 *   1 unmap         range, failure
 *   2 protect       range, flags, failure
 *   3 protect_with  range, update function, parameter flags, failure
 *   4 clear         failure
 *   5 find          address, slot
 *   6 overlaps      address, size
 *   7 find_free_area  hint, size, limit start, limit end, align
 *
 * A range is two bytes: a start point and an end point (mostly one
 * after the start), or a special size (overflowing, empty, up to the top
 * of the address space). A failure byte from 0xe0 up makes backend call
 * 1 + (byte & 0xf) of the operation fail; lower values inject none. Areas are mapped through one of two backends
 * that share one page table; both are all-or-nothing and refuse any
 * call that does not fit what the table holds.
 *
 * After every operation: the result and the error code are the model's;
 * the backend calls, and the flags given to the update function, are
 * the model's, in order; the areas are ordered, disjoint and non-empty,
 * and get_n_areas, the n-areas property, is_empty, foreach and get_areas
 * agree; the page table holds exactly the set's areas; the set equals
 * the model area by area; find and overlaps agree with the model on
 * every cell boundary; and areas held by the caller have not changed.
 */

#include <memoryset.h>

#include "fuzz-memory-set.h"
#include "ms-fuzz-model.h"

#define N MS_FUZZ_N_POINTS
#define P ms_fuzz_points

/* The page table: one entry per cell of the model. */
typedef struct {
  gboolean mapped;
  guint    owner;      /* the backend's index */
  guint64  flags;
} TableEntry;

#define MS_FUZZ_TYPE_TABLE (ms_fuzz_table_get_type ())
G_DECLARE_FINAL_TYPE (MsFuzzTable, ms_fuzz_table, MS_FUZZ, TABLE, GObject)

struct _MsFuzzTable
{
  GObject     parent_instance;
  TableEntry  entries[N];
  GArray     *calls;     /* of MsFuzzCall, for the operation running */
  guint       fail_at;   /* which call of the operation fails; 0 = none */
};

G_DEFINE_FINAL_TYPE (MsFuzzTable, ms_fuzz_table, G_TYPE_OBJECT)

static void
ms_fuzz_table_finalize (GObject *object)
{
  MsFuzzTable *self = MS_FUZZ_TABLE (object);

  g_array_unref (self->calls);

  G_OBJECT_CLASS (ms_fuzz_table_parent_class)->finalize (object);
}

static void
ms_fuzz_table_class_init (MsFuzzTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_fuzz_table_finalize;
}

static void
ms_fuzz_table_init (MsFuzzTable *self)
{
  self->calls = g_array_new (FALSE, FALSE, sizeof (MsFuzzCall));
}

#define MS_FUZZ_TYPE_BACKEND (ms_fuzz_backend_get_type ())
G_DECLARE_FINAL_TYPE (MsFuzzBackend, ms_fuzz_backend, MS_FUZZ, BACKEND, GObject)

struct _MsFuzzBackend
{
  GObject      parent_instance;
  MsFuzzTable *table;    /* not owned: the run outlives the backends' use */
  guint        index;
};

static void ms_fuzz_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsFuzzBackend, ms_fuzz_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_fuzz_backend_iface_init))

/* One backend call: logged, failed if chosen, else done all or nothing. */
static gboolean
backend_call (MsMappingBackend *backend,
              MsFuzzCallKind    kind,
              guint64           start,
              guint64           size,
              guint64           flags,
              GObject          *page_table,
              GError          **error)
{
  MsFuzzBackend *self = MS_FUZZ_BACKEND (backend);
  MsFuzzTable *table = self->table;
  MsFuzzCall call = { kind, self->index, start, start + size, flags, FALSE };
  int first, last;

  if (page_table != G_OBJECT (table))
    g_error ("backend %s: the page table is not the one given to the set",
             ms_fuzz_call_names[kind]);
  if (size == 0 || size > G_MAXUINT64 - start)
    g_error ("backend %s called on %#" G_GINT64_MODIFIER "x bytes at %#"
             G_GINT64_MODIFIER "x: empty or past the end of the address space",
             ms_fuzz_call_names[kind], size, start);

  first = ms_fuzz_point_index (start);
  last = ms_fuzz_point_index (start + size);
  if (first < 0 || last < 0)
    g_error ("backend %s called on [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
             "x), which no mapped range starts or ends at",
             ms_fuzz_call_names[kind], start, start + size);

  call.succeeded = table->calls->len + 1 != table->fail_at;
  /* An injected failure says why; a call that does not fit refuses
   * without a reason. Either way the set reports BAD_STATE. */
  if (!call.succeeded)
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE, "injected failure");

  /* All or nothing: refuse unless the whole range fits. */
  for (int i = first; i < last && call.succeeded; i++)
    {
      const TableEntry *entry = &table->entries[i];

      if (kind == MS_FUZZ_CALL_MAP)
        call.succeeded = !entry->mapped;
      else
        call.succeeded = entry->mapped && entry->owner == self->index;
    }

  g_array_append_val (table->calls, call);
  if (!call.succeeded)
    return FALSE;

  for (int i = first; i < last; i++)
    {
      TableEntry *entry = &table->entries[i];

      switch (kind)
        {
        case MS_FUZZ_CALL_MAP:
          *entry = (TableEntry) { TRUE, self->index, flags };
          break;
        case MS_FUZZ_CALL_UNMAP:
          *entry = (TableEntry) { FALSE, 0, 0 };
          break;
        case MS_FUZZ_CALL_PROTECT:
          entry->flags = flags;
          break;
        default:
          g_assert_not_reached ();
        }
    }

  return TRUE;
}

static gboolean
ms_fuzz_backend_map (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     guint64           flags,
                     GObject          *page_table,
                     GError          **error)
{
  return backend_call (backend, MS_FUZZ_CALL_MAP, start, size, flags, page_table, error);
}

static gboolean
ms_fuzz_backend_unmap (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       GObject          *page_table,
                       GError          **error)
{
  return backend_call (backend, MS_FUZZ_CALL_UNMAP, start, size, 0, page_table, error);
}

static gboolean
ms_fuzz_backend_protect (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         guint64           new_flags,
                         GObject          *page_table,
                         GError          **error)
{
  return backend_call (backend, MS_FUZZ_CALL_PROTECT, start, size, new_flags, page_table, error);
}

static void
ms_fuzz_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_fuzz_backend_map;
  iface->unmap = ms_fuzz_backend_unmap;
  iface->protect = ms_fuzz_backend_protect;
}

static void
ms_fuzz_backend_class_init (MsFuzzBackendClass *klass)
{
}

static void
ms_fuzz_backend_init (MsFuzzBackend *self)
{
}

/* An area the caller keeps a reference to, and what it held then. */
typedef struct {
  MsMemoryArea     *area;
  guint64           start;
  guint64           size;
  guint64           flags;
  MsMappingBackend *backend;
} Held;

static MsFuzzStats stats;

const MsFuzzStats *
ms_fuzz_get_stats (void)
{
  return &stats;
}

#define N_HELD 4
#define N_BACKENDS 2

typedef struct {
  const guint8  *data;
  gsize          size;
  gsize          pos;

  MsMemorySet   *set;
  MsFuzzTable   *table;
  MsFuzzBackend *backends[N_BACKENDS];
  MsFuzzModel    model;
  Held           held[N_HELD];
  GArray        *updates;   /* the old flags given to the update function */
  guint          n_op;
} Run;

static guint8
take (Run *run)
{
  return run->pos < run->size ? run->data[run->pos++] : 0;
}

static guint64
take_u64 (Run *run)
{
  guint64 value = 0;

  for (guint i = 0; i < 8; i++)
    value |= (guint64) take (run) << (8 * i);
  return value;
}

/* A range for map, unmap and protect: it starts on a point, and ends on
 * one or runs past the top of the address space (or is empty). */
static void
take_range (Run     *run,
            guint64 *start,
            guint64 *size)
{
  guint8 a = take (run);
  guint8 b = take (run);
  guint first = a % N;

  *start = P[first];
  if (b < 0xc0 && first + 1 < N)
    {
      /* Mostly a point after the start, */
      *size = P[first + 1 + b % (N - 1 - first)] - *start;
      return;
    }
  if (b < 0xf0)
    {
      /* or any point: wraps around, so overflows, when it is below. */
      *size = P[(b >= 0xc0 ? b - 0xc0 : b) % N] - *start;
      return;
    }

  switch (b & 3)
    {
    case 0:
      *size = G_MAXUINT64;
      break;
    case 1:
      *size = -*start;                 /* ends at 2^64 */
      break;
    case 2:
      *size = G_MAXUINT64 - *start;    /* ends at the last address */
      break;
    default:
      *size = 0;
      break;
    }
}

/* Any address: usually a point or next to one, sometimes raw. */
static guint64
take_addr (Run *run)
{
  guint8 a = take (run);

  if (a == 0xff)
    return take_u64 (run);

  switch ((a / N) % 3)
    {
    case 0:
      return P[a % N];
    case 1:
      return P[a % N] - 1;
    default:
      return P[a % N] + 1;
    }
}

static guint64
take_size (Run *run)
{
  static const guint64 sizes[] = {
    0, 1, 2, 3, 0x7ff, 0x800, 0x1000, 0x2000, 0x3000,
    G_GUINT64_CONSTANT (0x100000000), G_GUINT64_CONSTANT (0x8000000000000000),
    G_MAXUINT64, G_MAXUINT64 - 0xfff,
  };
  guint8 s = take (run);

  if (s == 0xff)
    return take_u64 (run);
  return sizes[s % G_N_ELEMENTS (sizes)];
}

static guint64
take_align (Run *run)
{
  guint8 a = take (run);

  if (a < 0x80)
    return G_GUINT64_CONSTANT (1) << (a % 14);
  if (a < 0xf8)
    return G_GUINT64_CONSTANT (1) << (a % 64);

  switch (a & 3)
    {
    case 0:
      return 0;
    case 1:
      return 3;
    case 2:
      return 0x1800;
    default:
      return G_GUINT64_CONSTANT (1) << 63;
    }
}

static guint64
take_flags (Run *run)
{
  static const guint64 flags[] = {
    0, 1, 2, 3, 7, 0x13, G_GUINT64_CONSTANT (1) << 63, G_MAXUINT64,
  };

  return flags[take (run) % G_N_ELEMENTS (flags)];
}

static guint
take_failure (Run *run)
{
  guint8 f = take (run);

  return f >= 0xe0 ? 1 + (f & 0xf) : 0;
}

static MsMappingBackend *
backend_of (Run   *run,
            guint  index)
{
  return MS_MAPPING_BACKEND (run->backends[index]);
}

/* Starts an operation on both sides. */
static void
begin (Run   *run,
       guint  fail_at)
{
  ms_fuzz_model_begin (&run->model, fail_at);
  g_array_set_size (run->table->calls, 0);
  run->table->fail_at = fail_at;
  g_array_set_size (run->updates, 0);
  run->n_op++;
}

static char *
describe_call (const MsFuzzCall *call)
{
  return g_strdup_printf ("backend %u %s [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
                          "x) flags %#" G_GINT64_MODIFIER "x: %s",
                          call->backend, ms_fuzz_call_names[call->kind],
                          call->start, call->end, call->flags,
                          call->succeeded ? "done" : "failed");
}

static void
check_calls (Run        *run,
             const char *operation)
{
  GArray *want = run->model.calls;
  GArray *got = run->table->calls;

  for (guint i = 0; i < MAX (want->len, got->len); i++)
    {
      const MsFuzzCall *w = i < want->len ? &g_array_index (want, MsFuzzCall, i) : NULL;
      const MsFuzzCall *g = i < got->len ? &g_array_index (got, MsFuzzCall, i) : NULL;
      g_autofree char *ws = w != NULL ? describe_call (w) : g_strdup ("none");
      g_autofree char *gs = g != NULL ? describe_call (g) : g_strdup ("none");

      if (w == NULL || g == NULL || w->kind != g->kind || w->backend != g->backend ||
          w->start != g->start || w->end != g->end || w->flags != g->flags ||
          w->succeeded != g->succeeded)
        g_error ("operation %u (%s): backend call %u is \"%s\", the model makes \"%s\"",
                 run->n_op, operation, i + 1, gs, ws);
    }
}

static void
check_updates (Run        *run,
               const char *operation)
{
  GArray *want = run->model.updates;
  GArray *got = run->updates;

  gboolean same = want->len == got->len;

  for (guint i = 0; same && i < want->len; i++)
    same = g_array_index (want, guint64, i) == g_array_index (got, guint64, i);

  if (!same)
    g_error ("operation %u (%s): the update function was called %u times, "
             "the model calls it %u times (or with other flags)",
             run->n_op, operation, got->len, want->len);
}

/* The result and error are the model's; a failed backend call is named
 * in the message. */
static void
check_result (Run        *run,
              const char *operation,
              int         want,
              gboolean    done,
              GError     *error)
{
  stats.changes++;
  stats.backend_calls += run->table->calls->len;
  for (guint i = 0; i < run->table->calls->len; i++)
    stats.injected_failures += i + 1 == run->table->fail_at;
  if (want >= 0 && want < (int) G_N_ELEMENTS (stats.errors))
    stats.errors[want]++;

  if (want == MS_FUZZ_OK)
    {
      if (!done || error != NULL)
        g_error ("operation %u (%s) failed (%s), the model succeeds",
                 run->n_op, operation, error != NULL ? error->message : "no error set");
      return;
    }

  if (done || error == NULL)
    g_error ("operation %u (%s) succeeded, the model fails with code %d",
             run->n_op, operation, want);
  if (error->domain != MS_MAPPING_ERROR || error->code != want)
    g_error ("operation %u (%s) failed with %s code %d (%s), the model fails with code %d",
             run->n_op, operation, g_quark_to_string (error->domain),
             error->code, error->message, want);

  if (want == MS_MAPPING_ERROR_BAD_STATE)
    {
      const MsFuzzCall *failed = &g_array_index (run->model.calls, MsFuzzCall,
                                                 run->model.calls->len - 1);
      g_autofree char *start = g_strdup_printf ("%" G_GINT64_MODIFIER "x", failed->start);

      g_assert_false (failed->succeeded);
      if (strstr (error->message, ms_fuzz_call_names[failed->kind]) == NULL ||
          strstr (error->message, start) == NULL)
        g_error ("operation %u (%s): the message \"%s\" does not name the failed %s at %s",
                 run->n_op, operation, error->message,
                 ms_fuzz_call_names[failed->kind], start);
    }
}

static gboolean
collect_area (MsMemoryArea *area,
              gpointer      user_data)
{
  g_ptr_array_add (user_data, area);
  return FALSE;
}

static guint
backend_index (Run              *run,
               MsMappingBackend *backend)
{
  for (guint i = 0; i < N_BACKENDS; i++)
    if (backend == backend_of (run, i))
      return i;

  g_error ("an area has a backend that was never given to the set");
}

static void
check_find (Run    *run,
            GArray *model_areas,
            guint64 addr)
{
  MsMemoryArea *area = ms_memory_set_find (run->set, addr);
  const MsFuzzArea *want = NULL;

  for (guint i = 0; i < model_areas->len && want == NULL; i++)
    {
      const MsFuzzArea *a = &g_array_index (model_areas, MsFuzzArea, i);

      if (a->start <= addr && addr < a->end)
        want = a;
    }

  if (want == NULL && area == NULL)
    return;
  if (want == NULL || area == NULL ||
      ms_memory_area_get_start (area) != want->start ||
      ms_memory_area_get_end (area) != want->end)
    g_error ("operation %u: find (%#" G_GINT64_MODIFIER "x) disagrees with the model",
             run->n_op, addr);
}

static void
check_all (Run *run)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (run->set);
  g_autoptr(GPtrArray) visited = g_ptr_array_new ();
  g_autoptr(GArray) model_areas = ms_fuzz_model_get_areas (&run->model);
  gboolean mapped[N] = { FALSE, };
  guint64 covered_to = 0;
  guint n_areas;

  ms_memory_set_foreach (run->set, collect_area, visited);
  g_object_get (run->set, "n-areas", &n_areas, NULL);

  g_assert_cmpuint (areas->len, ==, ms_memory_set_get_n_areas (run->set));
  g_assert_cmpuint (areas->len, ==, n_areas);
  g_assert_cmpuint (areas->len, ==, visited->len);
  g_assert_cmpint (ms_memory_set_is_empty (run->set), ==, areas->len == 0);

  if (areas->len != model_areas->len)
    g_error ("operation %u: the set has %u areas, the model %u",
             run->n_op, areas->len, model_areas->len);

  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      const MsFuzzArea *want = &g_array_index (model_areas, MsFuzzArea, i);
      guint64 start = ms_memory_area_get_start (area);
      guint64 size = ms_memory_area_get_size (area);
      guint64 end = ms_memory_area_get_end (area);
      guint backend = backend_index (run, ms_memory_area_get_backend (area));
      guint64 flags = ms_memory_area_get_flags (area);
      int first, last;

      /* Ordered, disjoint, non-empty, and the same in every listing. */
      g_assert_true (g_ptr_array_index (visited, i) == area);
      g_assert_cmpuint (size, >, 0);
      g_assert_cmpuint (size, <=, G_MAXUINT64 - start);
      g_assert_cmpuint (end, ==, start + size);
      g_assert_cmpuint (start, >=, covered_to);
      g_assert_true (ms_memory_area_contains (area, start));
      g_assert_true (ms_memory_area_contains (area, end - 1));
      g_assert_false (ms_memory_area_contains (area, end));
      g_assert_true (ms_memory_set_find (run->set, start) == area);
      g_assert_true (ms_memory_set_find (run->set, end - 1) == area);
      covered_to = end;

      /* Area by area, the model's. */
      if (start != want->start || end != want->end || flags != want->flags ||
          backend != want->backend)
        g_error ("operation %u: area %u is [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
                 "x) flags %#" G_GINT64_MODIFIER "x backend %u, the model has [%#"
                 G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x) flags %#"
                 G_GINT64_MODIFIER "x backend %u",
                 run->n_op, i, start, end, flags, backend,
                 want->start, want->end, want->flags, want->backend);

      /* What the backends hold. */
      first = ms_fuzz_point_index (start);
      last = ms_fuzz_point_index (end);
      g_assert_cmpint (first, >=, 0);
      g_assert_cmpint (last, >=, 0);
      for (int c = first; c < last; c++)
        {
          const TableEntry *entry = &run->table->entries[c];

          if (!entry->mapped || entry->owner != backend || entry->flags != flags)
            g_error ("operation %u: cell %#" G_GINT64_MODIFIER "x of area %u is not "
                     "what the page table holds", run->n_op, P[c], i);
          mapped[c] = TRUE;
        }
    }

  for (guint c = 0; c < N; c++)
    if (!mapped[c] && run->table->entries[c].mapped)
      g_error ("operation %u: cell %#" G_GINT64_MODIFIER "x is mapped in the page "
               "table but in no area", run->n_op, P[c]);

  /* Lookups on and next to every boundary. */
  for (guint c = 0; c < N; c++)
    {
      check_find (run, model_areas, P[c]);
      check_find (run, model_areas, P[c] - 1);
      g_assert_cmpint (ms_memory_set_overlaps (run->set, P[c], G_MAXUINT64), ==,
                       ms_fuzz_model_overlaps (&run->model, P[c], G_MAXUINT64));
      if (c + 1 < N)
        g_assert_cmpint (ms_memory_set_overlaps (run->set, P[c], P[c + 1] - P[c]), ==,
                         ms_fuzz_model_overlaps (&run->model, P[c], P[c + 1] - P[c]));
    }

  /* Areas never change once created. */
  for (guint i = 0; i < N_HELD; i++)
    {
      const Held *held = &run->held[i];

      if (held->area == NULL)
        continue;
      if (ms_memory_area_get_start (held->area) != held->start ||
          ms_memory_area_get_size (held->area) != held->size ||
          ms_memory_area_get_flags (held->area) != held->flags ||
          ms_memory_area_get_backend (held->area) != held->backend)
        g_error ("operation %u: an area held by the caller changed", run->n_op);
    }
}

static void
hold (Run          *run,
      guint         slot,
      MsMemoryArea *area)
{
  Held *held = &run->held[slot % N_HELD];

  g_clear_pointer (&held->area, ms_memory_area_unref);
  held->area = ms_memory_area_ref (area);
  held->start = ms_memory_area_get_start (area);
  held->size = ms_memory_area_get_size (area);
  held->flags = ms_memory_area_get_flags (area);
  held->backend = ms_memory_area_get_backend (area);
}

typedef struct {
  Run          *run;
  MsFuzzUpdate  update;
  guint64       param;
} UpdateData;

static gboolean
update_flags (guint64   old_flags,
              guint64  *new_flags,
              gpointer  user_data)
{
  UpdateData *data = user_data;

  g_array_append_val (data->run->updates, old_flags);
  return ms_fuzz_update_flags (data->update, data->param, old_flags, new_flags);
}

static void
op_map (Run *run)
{
  g_autoptr(MsMemoryArea) area = NULL;
  g_autoptr(GError) error = NULL;
  guint64 start, size, flags;
  guint options, backend, fail_at;
  gboolean unmap_overlap, done;
  int want;

  take_range (run, &start, &size);
  flags = take_flags (run);
  options = take (run);
  fail_at = take_failure (run);
  backend = options & 1;
  unmap_overlap = (options & 2) != 0;

  begin (run, fail_at);
  area = ms_memory_area_new (start, size, flags, backend_of (run, backend));
  want = ms_fuzz_model_map (&run->model, start, size, flags, backend, unmap_overlap);
  done = ms_memory_set_map (run->set, area, G_OBJECT (run->table), unmap_overlap, &error);

  check_result (run, "map", want, done, error);
  check_calls (run, "map");

  /* The set keeps the caller's area itself, unchanged. */
  g_assert_cmpuint (ms_memory_area_get_start (area), ==, start);
  g_assert_cmpuint (ms_memory_area_get_size (area), ==, size);
  g_assert_cmpuint (ms_memory_area_get_flags (area), ==, flags);
  if (done)
    g_assert_true (ms_memory_set_find (run->set, start) == area);

  if (options & 4)
    hold (run, options >> 3, area);
}

static void
op_unmap (Run *run)
{
  g_autoptr(GError) error = NULL;
  guint64 start, size;
  guint fail_at;
  gboolean done;
  int want;

  take_range (run, &start, &size);
  fail_at = take_failure (run);

  begin (run, fail_at);
  want = ms_fuzz_model_unmap (&run->model, start, size);
  done = ms_memory_set_unmap (run->set, start, size, G_OBJECT (run->table), &error);

  check_result (run, "unmap", want, done, error);
  check_calls (run, "unmap");
}

static void
op_protect (Run *run)
{
  g_autoptr(GError) error = NULL;
  guint64 start, size, flags;
  guint fail_at;
  gboolean done;
  int want;

  take_range (run, &start, &size);
  flags = take_flags (run);
  fail_at = take_failure (run);

  begin (run, fail_at);
  want = ms_fuzz_model_protect_with (&run->model, start, size, MS_FUZZ_UPDATE_SET, flags);
  done = ms_memory_set_protect (run->set, start, size, flags, G_OBJECT (run->table), &error);

  check_result (run, "protect", want, done, error);
  check_calls (run, "protect");
}

static void
op_protect_with (Run *run)
{
  g_autoptr(GError) error = NULL;
  UpdateData data = { run, 0, 0 };
  guint64 start, size;
  guint fail_at;
  gboolean done;
  int want;

  take_range (run, &start, &size);
  data.update = take (run) % MS_FUZZ_N_UPDATES;
  data.param = take_flags (run);
  fail_at = take_failure (run);

  begin (run, fail_at);
  want = ms_fuzz_model_protect_with (&run->model, start, size, data.update, data.param);
  done = ms_memory_set_protect_with (run->set, start, size, G_OBJECT (run->table),
                                     update_flags, &data, &error);

  check_result (run, "protect_with", want, done, error);
  check_calls (run, "protect_with");
  check_updates (run, "protect_with");
}

static void
op_clear (Run *run)
{
  g_autoptr(GError) error = NULL;
  guint fail_at = take_failure (run);
  gboolean done;
  int want;

  begin (run, fail_at);
  want = ms_fuzz_model_clear_all (&run->model);
  done = ms_memory_set_clear (run->set, G_OBJECT (run->table), &error);

  check_result (run, "clear", want, done, error);
  check_calls (run, "clear");
}

static void
op_find (Run *run)
{
  guint64 addr = take_addr (run);
  guint slot = take (run);
  MsMemoryArea *area;
  MsFuzzArea want;
  gboolean found;

  begin (run, 0);
  area = ms_memory_set_find (run->set, addr);
  found = ms_fuzz_model_find (&run->model, addr, &want);

  if (found != (area != NULL) ||
      (found && (ms_memory_area_get_start (area) != want.start ||
                 ms_memory_area_get_end (area) != want.end ||
                 ms_memory_area_get_flags (area) != want.flags ||
                 ms_memory_area_get_backend (area) != backend_of (run, want.backend))))
    g_error ("operation %u: find (%#" G_GINT64_MODIFIER "x) disagrees with the model",
             run->n_op, addr);

  if (area != NULL && slot < N_HELD)
    hold (run, slot, area);
}

static void
op_overlaps (Run *run)
{
  guint64 start = take_addr (run);
  guint64 size = take_size (run);

  begin (run, 0);
  if (ms_memory_set_overlaps (run->set, start, size) !=
      ms_fuzz_model_overlaps (&run->model, start, size))
    g_error ("operation %u: overlaps (%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
             "x) disagrees with the model", run->n_op, start, size);
}

static void
op_find_free_area (Run *run)
{
  guint64 hint = take_addr (run);
  guint64 size = take_size (run);
  guint64 limit_start = take_addr (run);
  guint64 limit_end = take_addr (run);
  guint64 align = take_align (run);
  guint64 got = 0x5a5a5a5a, want = 0xa5a5a5a5;
  gboolean found, want_found;

  begin (run, 0);
  found = ms_memory_set_find_free_area (run->set, hint, size, limit_start, limit_end,
                                        align, &got);
  want_found = ms_fuzz_model_find_free_area (&run->model, hint, size, limit_start,
                                             limit_end, align, &want);

  if (found != want_found || (found && got != want))
    g_error ("operation %u: find_free_area (hint %#" G_GINT64_MODIFIER "x, size %#"
             G_GINT64_MODIFIER "x, limit [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
             "x), align %#" G_GINT64_MODIFIER "x) gives %s %#" G_GINT64_MODIFIER "x, "
             "the model %s %#" G_GINT64_MODIFIER "x",
             run->n_op, hint, size, limit_start, limit_end, align,
             found ? "TRUE" : "FALSE", got, want_found ? "TRUE" : "FALSE", want);

  /* The answer without out_start is the same. */
  g_assert_cmpint (ms_memory_set_find_free_area (run->set, hint, size, limit_start,
                                                 limit_end, align, NULL), ==, found);
}

void
ms_fuzz_run_input (const guint8 *data,
                   gsize         size)
{
  Run run = { data, size, 0, };

  run.set = ms_memory_set_new ();
  run.table = g_object_new (MS_FUZZ_TYPE_TABLE, NULL);
  for (guint i = 0; i < N_BACKENDS; i++)
    {
      run.backends[i] = g_object_new (MS_FUZZ_TYPE_BACKEND, NULL);
      run.backends[i]->table = run.table;
      run.backends[i]->index = i;
    }
  ms_fuzz_model_init (&run.model);
  run.updates = g_array_new (FALSE, FALSE, sizeof (guint64));

  check_all (&run);

  while (run.pos < run.size)
    {
      switch (take (&run) % 8)
        {
        case 0: op_map (&run); break;
        case 1: op_unmap (&run); break;
        case 2: op_protect (&run); break;
        case 3: op_protect_with (&run); break;
        case 4: op_clear (&run); break;
        case 5: op_find (&run); break;
        case 6: op_overlaps (&run); break;
        default: op_find_free_area (&run); break;
        }
      check_all (&run);
    }

  stats.operations += run.n_op;
  stats.lookups = stats.operations - stats.changes;

  for (guint i = 0; i < N_HELD; i++)
    g_clear_pointer (&run.held[i].area, ms_memory_area_unref);
  g_array_unref (run.updates);
  ms_fuzz_model_clear (&run.model);
  g_object_unref (run.set);
  for (guint i = 0; i < N_BACKENDS; i++)
    g_object_unref (run.backends[i]);
  g_object_unref (run.table);
}

void
ms_fuzz_init (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
}

#ifdef MS_FUZZ_LIBFUZZER
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ms_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  ms_fuzz_run_input (data, size);
  return 0;
}
#endif
