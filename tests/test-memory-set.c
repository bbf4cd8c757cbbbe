/* test-memory-set.c: MsMemorySet
 *
 * Every operation of these tests goes through check_op(), which runs it
 * on the set and on a model (a sorted array of areas, changed the plain
 * way) that also simulates the all-or-nothing mock backend, its injected
 * failures included, and then checks that the two agree on the result,
 * the error, the exact list of backend calls, every area, the page
 * table, the "n-areas" property and its notification, and that the areas
 * held from before the operation kept their values. The upstream
 * scenarios add their own exact expectations on top, and run again with
 * the n-th backend call failing, for every n.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#include <string.h>

#define TOP G_MAXUINT64
#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"

/* The "error code" of a success. */
#define OK (-1)
#define INVALID_PARAM MS_MAPPING_ERROR_INVALID_PARAM
#define ALREADY_EXISTS MS_MAPPING_ERROR_ALREADY_EXISTS
#define BAD_STATE MS_MAPPING_ERROR_BAD_STATE

static const char * const call_names[] = { "map", "unmap", "protect" };

/* The model ------------------------------------------------------------ */

typedef struct {
  guint64 start;
  guint64 end;
  guint64 flags;
} ModelArea;

typedef struct {
  GArray   *areas;     /* of ModelArea, sorted and disjoint */
  GArray   *calls;     /* of MsTestCall: the backend calls of the last op */
  guint     fail_in;   /* as the backend's: the call that fails; 0 = none */
  gboolean  failed;    /* an injected failure has happened */
} Model;

static void
model_init (Model *m)
{
  m->areas = g_array_new (FALSE, FALSE, sizeof (ModelArea));
  m->calls = g_array_new (FALSE, FALSE, sizeof (MsTestCall));
  m->fail_in = 0;
  m->failed = FALSE;
}

static void
model_clear (Model *m)
{
  g_clear_pointer (&m->areas, g_array_unref);
  g_clear_pointer (&m->calls, g_array_unref);
}

static inline ModelArea *
model_area (Model *m,
            guint  i)
{
  return &g_array_index (m->areas, ModelArea, i);
}

/* A backend call, failing as the mock backend would. */
static gboolean
model_call (Model          *m,
            MsTestCallKind  kind,
            guint64         start,
            guint64         end,
            guint64         flags)
{
  MsTestCall call = { kind, start, end - start, flags, TRUE };

  if (m->fail_in > 0 && --m->fail_in == 0)
    {
      call.succeeded = FALSE;
      m->failed = TRUE;
    }

  g_array_append_val (m->calls, call);
  return call.succeeded;
}

static void
model_insert (Model   *m,
              guint    i,
              guint64  start,
              guint64  end,
              guint64  flags)
{
  ModelArea area = { start, end, flags };

  g_array_insert_val (m->areas, i, area);
}

static gboolean
model_overlaps (Model   *m,
                guint64  start,
                guint64  end)
{
  for (guint i = 0; i < m->areas->len; i++)
    if (model_area (m, i)->start < end && model_area (m, i)->end > start)
      return TRUE;

  return FALSE;
}

static const ModelArea *
model_find (Model   *m,
            guint64  addr)
{
  for (guint i = 0; i < m->areas->len; i++)
    if (model_area (m, i)->start <= addr && addr < model_area (m, i)->end)
      return model_area (m, i);

  return NULL;
}

static gboolean
model_unmap (Model   *m,
             guint64  start,
             guint64  end)
{
  guint i = 0;

  while (i < m->areas->len)
    {
      ModelArea area = *model_area (m, i);
      guint64 piece_start = MAX (area.start, start);
      guint64 piece_end = MIN (area.end, end);

      if (area.end <= start)
        {
          i++;
          continue;
        }
      if (area.start >= end)
        break;

      if (!model_call (m, MS_TEST_CALL_UNMAP, piece_start, piece_end, 0))
        return FALSE;

      g_array_remove_index (m->areas, i);
      if (area.start < piece_start)
        model_insert (m, i++, area.start, piece_start, area.flags);
      if (piece_end < area.end)
        model_insert (m, i++, piece_end, area.end, area.flags);
    }

  return TRUE;
}

static gboolean
model_protect (Model             *m,
               guint64            start,
               guint64            end,
               MsUpdateFlagsFunc  update_flags,
               gpointer           user_data)
{
  guint i = 0;

  while (i < m->areas->len)
    {
      ModelArea area = *model_area (m, i);
      guint64 piece_start = MAX (area.start, start);
      guint64 piece_end = MIN (area.end, end);
      guint64 flags = area.flags;

      if (area.end <= start)
        {
          i++;
          continue;
        }
      if (area.start >= end)
        break;

      if (!update_flags (area.flags, &flags, user_data) || flags == area.flags)
        {
          i++;
          continue;
        }

      if (!model_call (m, MS_TEST_CALL_PROTECT, piece_start, piece_end, flags))
        return FALSE;

      g_array_remove_index (m->areas, i);
      if (area.start < piece_start)
        model_insert (m, i++, area.start, piece_start, area.flags);
      model_insert (m, i++, piece_start, piece_end, flags);
      if (piece_end < area.end)
        model_insert (m, i++, piece_end, area.end, area.flags);
    }

  return TRUE;
}

static gboolean
model_find_free_area (Model   *m,
                      guint64  hint,
                      guint64  size,
                      guint64  limit_start,
                      guint64  limit_end,
                      guint64  align,
                      guint64 *out_start)
{
  guint64 r = MAX (hint, limit_start);

  if (size == 0 || align == 0 || (align & (align - 1)) != 0 ||
      size % align != 0 || limit_start >= limit_end)
    return FALSE;

  for (;;)
    {
      const ModelArea *in_the_way = NULL;

      /* Round up to @align, without wrapping. */
      if (r % align != 0)
        {
          if (align - r % align > TOP - r)
            return FALSE;
          r += align - r % align;
        }

      if (r > limit_end || limit_end - r < size)
        return FALSE;

      for (guint i = 0; i < m->areas->len && in_the_way == NULL; i++)
        if (model_area (m, i)->start < r + size && model_area (m, i)->end > r)
          in_the_way = model_area (m, i);

      if (in_the_way == NULL)
        {
          *out_start = r;
          return TRUE;
        }

      /* No start below the end of @in_the_way can be free. */
      r = in_the_way->end;
    }
}

/* Operations ------------------------------------------------------------ */

typedef enum {
  OP_MAP,
  OP_UNMAP,
  OP_PROTECT,
  OP_PROTECT_WITH,
  OP_CLEAR,
} OpKind;

typedef struct {
  OpKind             kind;
  guint64            start;
  guint64            size;
  guint64            flags;
  gboolean           unmap_overlap;
  MsUpdateFlagsFunc  update_flags;
  gpointer           user_data;
} Op;

static gboolean
fixed_flags (guint64   old_flags,
             guint64  *new_flags,
             gpointer  user_data)
{
  *new_flags = *(const guint64 *) user_data;
  return TRUE;
}

/* Upstream's update_flags(new): takes the low 3 bits of @new and keeps
 * the rest of the old flags; leaves the area alone if its low 3 bits are
 * those already. */
static gboolean
upstream_update_flags (guint64   old_flags,
                       guint64  *new_flags,
                       gpointer  user_data)
{
  guint64 new = *(const guint64 *) user_data;

  if ((old_flags & 0x7) == (new & 0x7))
    return FALSE;

  *new_flags = (new & 0x7) | (old_flags & ~G_GUINT64_CONSTANT (0x7));
  return TRUE;
}

/* The error code the model gives @op. */
static gint
model_apply (Model    *m,
             const Op *op)
{
  guint64 end;

  if (op->kind == OP_CLEAR)
    {
      for (guint i = 0; i < m->areas->len; i++)
        if (!model_call (m, MS_TEST_CALL_UNMAP, model_area (m, i)->start,
                         model_area (m, i)->end, 0))
          {
            g_array_remove_range (m->areas, 0, i);
            return BAD_STATE;
          }

      g_array_set_size (m->areas, 0);
      return OK;
    }

  if (op->size > TOP - op->start)
    return INVALID_PARAM;
  end = op->start + op->size;

  switch (op->kind)
    {
    case OP_MAP:
      if (op->size == 0)
        return INVALID_PARAM;
      if (model_overlaps (m, op->start, end))
        {
          if (!op->unmap_overlap)
            return ALREADY_EXISTS;
          if (!model_unmap (m, op->start, end))
            return BAD_STATE;
        }
      if (!model_call (m, MS_TEST_CALL_MAP, op->start, end, op->flags))
        return BAD_STATE;
      {
        guint i = 0;

        while (i < m->areas->len && model_area (m, i)->start < op->start)
          i++;
        model_insert (m, i, op->start, end, op->flags);
      }
      return OK;

    case OP_UNMAP:
      if (op->size == 0)
        return OK;
      return model_unmap (m, op->start, end) ? OK : BAD_STATE;

    case OP_PROTECT:
    case OP_PROTECT_WITH:
      if (op->size == 0)
        return OK;
      if (op->kind == OP_PROTECT)
        return model_protect (m, op->start, end, fixed_flags,
                              (gpointer) &op->flags) ? OK : BAD_STATE;
      return model_protect (m, op->start, end, op->update_flags,
                            op->user_data) ? OK : BAD_STATE;

    case OP_CLEAR:
    default:
      g_assert_not_reached ();
    }
}

/* The fixture ------------------------------------------------------------ */

typedef struct {
  MsMemorySet     *set;
  MsTestBackend   *backend;
  MsTestPageTable *table;     /* NULL: backend calls succeed unless failed */
  Model            model;
  guint            n_notify;  /* emissions of notify::n-areas */
} Fixture;

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  Fixture *f = user_data;

  g_assert_cmpstr (pspec->name, ==, "n-areas");
  f->n_notify++;
}

static void
fixture_init (Fixture  *f,
              gboolean  with_table)
{
  f->set = ms_memory_set_new ();
  f->backend = ms_test_backend_new ();
  f->table = with_table ? ms_test_page_table_new (MS_TEST_MAX_ADDR) : NULL;
  model_init (&f->model);
  f->n_notify = 0;
  g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (count_notify), f);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_object (&f->set);
  g_clear_object (&f->backend);
  g_clear_object (&f->table);
  model_clear (&f->model);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  fixture_init (f, TRUE);
}

/* For the top of the address space, which no table covers. */
static void
fixture_setup_no_table (Fixture       *f,
                        gconstpointer  data)
{
  fixture_init (f, FALSE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  fixture_clear (f);
}

/* Makes the @n-th backend call from now fail, in the set's backend and
 * in the model alike. */
static void
fixture_fail_nth_call (Fixture *f,
                       guint    n)
{
  ms_test_backend_fail_nth_call (f->backend, n);
  f->model.fail_in = n;
}

/* TRUE while no injected failure happened: the exact expectations of a
 * scenario hold until then. */
static gboolean
exact (Fixture *f)
{
  return !f->model.failed;
}

/* Checks ---------------------------------------------------------------- */

static void
assert_calls_equal (const GArray *got,
                    const GArray *want)
{
  for (guint i = 0; i < MIN (got->len, want->len); i++)
    {
      const MsTestCall *g = &g_array_index (got, MsTestCall, i);
      const MsTestCall *w = &g_array_index (want, MsTestCall, i);

      if (g->kind != w->kind || g->start != w->start || g->size != w->size ||
          g->flags != w->flags || g->succeeded != w->succeeded)
        g_error ("backend call %u: got %s " ADDR_FORMAT " size " ADDR_FORMAT
                 " flags " ADDR_FORMAT " (%s), wanted %s " ADDR_FORMAT " size "
                 ADDR_FORMAT " flags " ADDR_FORMAT " (%s)", i,
                 call_names[g->kind], g->start, g->size, g->flags,
                 g->succeeded ? "succeeded" : "failed",
                 call_names[w->kind], w->start, w->size, w->flags,
                 w->succeeded ? "succeeded" : "failed");
    }

  g_assert_cmpuint (got->len, ==, want->len);
}

/* Asserts that the backend was called exactly as in @want since the last
 * reset. */
static void
assert_calls (Fixture          *f,
              const MsTestCall *want,
              guint             n_want)
{
  g_autoptr(GArray) want_array = g_array_new (FALSE, FALSE, sizeof (MsTestCall));

  g_array_append_vals (want_array, want, n_want);
  assert_calls_equal (ms_test_backend_get_calls (f->backend), want_array);
}

#define CALL_MAP(s, e, fl)     { MS_TEST_CALL_MAP, (s), (e) - (s), (fl), TRUE }
#define CALL_UNMAP(s, e)       { MS_TEST_CALL_UNMAP, (s), (e) - (s), 0, TRUE }
#define CALL_PROTECT(s, e, fl) { MS_TEST_CALL_PROTECT, (s), (e) - (s), (fl), TRUE }
#define ASSERT_CALLS(f, ...) G_STMT_START { \
    const MsTestCall want_[] = { __VA_ARGS__ }; \
    assert_calls ((f), want_, G_N_ELEMENTS (want_)); \
  } G_STMT_END
#define ASSERT_NO_CALLS(f) \
  g_assert_cmpuint (ms_test_backend_get_calls ((f)->backend)->len, ==, 0)

/* Asserts that @set holds exactly the areas @want, in order, all mapped
 * by @backend (unless NULL). */
static void
assert_areas (MsMemorySet      *set,
              MsMappingBackend *backend,
              const ModelArea  *want,
              guint             n_want)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);

  for (guint i = 0; i < MIN (areas->len, n_want); i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);

      if (ms_memory_area_get_start (area) != want[i].start ||
          ms_memory_area_get_end (area) != want[i].end ||
          ms_memory_area_get_flags (area) != want[i].flags)
        g_error ("area %u: got [" ADDR_FORMAT ", " ADDR_FORMAT ") flags "
                 ADDR_FORMAT ", wanted [" ADDR_FORMAT ", " ADDR_FORMAT
                 ") flags " ADDR_FORMAT, i,
                 ms_memory_area_get_start (area), ms_memory_area_get_end (area),
                 ms_memory_area_get_flags (area),
                 want[i].start, want[i].end, want[i].flags);
      if (backend != NULL)
        g_assert_true (ms_memory_area_get_backend (area) == backend);
    }

  g_assert_cmpuint (areas->len, ==, n_want);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, n_want);
}

#define ASSERT_AREAS(f, ...) G_STMT_START { \
    const ModelArea want_[] = { __VA_ARGS__ }; \
    assert_areas ((f)->set, MS_MAPPING_BACKEND ((f)->backend), want_, G_N_ELEMENTS (want_)); \
  } G_STMT_END
#define ASSERT_AREAS_OF(set, backend, ...) G_STMT_START { \
    const ModelArea want_[] = { __VA_ARGS__ }; \
    assert_areas ((set), (backend), want_, G_N_ELEMENTS (want_)); \
  } G_STMT_END
#define ASSERT_EMPTY(f) \
  assert_areas ((f)->set, NULL, NULL, 0)

/* The same, as long as no injected failure happened. */
#define EXPECT_AREAS(f, ...) G_STMT_START { \
    if (exact (f)) ASSERT_AREAS ((f), __VA_ARGS__); \
  } G_STMT_END

static void
expect_code (Fixture *f,
             gint     got,
             gint     want)
{
  if (exact (f))
    g_assert_cmpint (got, ==, want);
}

static void
expect_n_areas (Fixture *f,
                guint    n)
{
  if (exact (f))
    g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, n);
}

/* The areas of a set and the values they had, to check that they keep
 * them whatever the set does. */
typedef struct {
  MsMemoryArea     *area;   /* owned */
  guint64           start;
  guint64           size;
  guint64           flags;
  MsMappingBackend *backend;
} HeldArea;

static void
held_area_clear (gpointer data)
{
  ms_memory_area_unref (((HeldArea *) data)->area);
}

static GArray *
hold_areas (MsMemorySet *set)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  GArray *held = g_array_sized_new (FALSE, FALSE, sizeof (HeldArea), areas->len);

  g_array_set_clear_func (held, held_area_clear);
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      HeldArea h = {
        ms_memory_area_ref (area),
        ms_memory_area_get_start (area),
        ms_memory_area_get_size (area),
        ms_memory_area_get_flags (area),
        ms_memory_area_get_backend (area),
      };

      g_array_append_val (held, h);
    }

  return held;
}

static void
assert_held_areas_unchanged (GArray *held)
{
  for (guint i = 0; i < held->len; i++)
    {
      const HeldArea *h = &g_array_index (held, HeldArea, i);

      g_assert_cmphex (ms_memory_area_get_start (h->area), ==, h->start);
      g_assert_cmphex (ms_memory_area_get_size (h->area), ==, h->size);
      g_assert_cmphex (ms_memory_area_get_end (h->area), ==, h->start + h->size);
      g_assert_cmphex (ms_memory_area_get_flags (h->area), ==, h->flags);
      g_assert_true (ms_memory_area_get_backend (h->area) == h->backend);
    }
}

static void
assert_set_matches_model (Fixture *f)
{
  guint n_areas = G_MAXUINT;

  assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                (const ModelArea *) (gpointer) f->model.areas->data,
                f->model.areas->len);
  ms_test_assert_set_matches_table (f->set, f->table);

  g_object_get (f->set, "n-areas", &n_areas, NULL);
  g_assert_cmpuint (n_areas, ==, f->model.areas->len);
}

/* Asserts that @message names the operation and the range of @call. */
static void
assert_message_names_call (const char       *message,
                           const MsTestCall *call)
{
  g_autofree char *start = g_strdup_printf (ADDR_FORMAT, call->start);
  g_autofree char *end = g_strdup_printf (ADDR_FORMAT, call->start + call->size);

  if (strstr (message, call_names[call->kind]) == NULL ||
      strstr (message, start) == NULL || strstr (message, end) == NULL)
    g_error ("the message \"%s\" does not name %s [%s, %s)",
             message, call_names[call->kind], start, end);
}

static gboolean
real_apply (Fixture   *f,
            const Op  *op,
            GError   **error)
{
  GObject *page_table = (GObject *) f->table;

  switch (op->kind)
    {
    case OP_MAP:
      {
        g_autoptr(MsMemoryArea) area = ms_memory_area_new (op->start, op->size, op->flags,
                                                           MS_MAPPING_BACKEND (f->backend));
        gboolean done = ms_memory_set_map (f->set, area, page_table, op->unmap_overlap, error);

        /* The set holds the very area it was given. */
        if (done)
          g_assert_true (ms_memory_set_find (f->set, op->start) == area);
        return done;
      }

    case OP_UNMAP:
      return ms_memory_set_unmap (f->set, op->start, op->size, page_table, error);

    case OP_PROTECT:
      return ms_memory_set_protect (f->set, op->start, op->size, op->flags, page_table, error);

    case OP_PROTECT_WITH:
      return ms_memory_set_protect_with (f->set, op->start, op->size, page_table,
                                         op->update_flags, op->user_data, error);

    case OP_CLEAR:
      return ms_memory_set_clear (f->set, page_table, error);

    default:
      g_assert_not_reached ();
    }
}

/* Runs @op on the set and the model, checks that they agree in every
 * way, and returns the error code (OK on success). The backend's call
 * log holds the op's calls afterwards. */
static gint
check_op (Fixture  *f,
          const Op *op)
{
  g_autoptr(GArray) held = hold_areas (f->set);
  g_autoptr(GError) error = NULL;
  guint n_before = ms_memory_set_get_n_areas (f->set);
  guint n_notify_before = f->n_notify;
  gboolean done;
  gint want;
  gint got;

  g_array_set_size (f->model.calls, 0);
  want = model_apply (&f->model, op);

  ms_test_backend_reset_calls (f->backend);
  done = real_apply (f, op, &error);

  g_assert_cmpint (done, ==, error == NULL);
  if (error != NULL)
    {
      g_assert_true (error->domain == MS_MAPPING_ERROR);
      g_assert_nonnull (error->message);
    }
  got = done ? OK : error->code;
  if (got != want)
    g_error ("%s " ADDR_FORMAT " size " ADDR_FORMAT ": got %d (%s), wanted %d",
             op->kind == OP_CLEAR ? "clear" : call_names[MIN (op->kind, OP_PROTECT)],
             op->start, op->size, got, error != NULL ? error->message : "success", want);

  if (ms_test_backend_get_calls (f->backend)->len != f->model.calls->len)
    g_error ("%s " ADDR_FORMAT " size " ADDR_FORMAT ": %u backend calls, wanted %u",
             op->kind == OP_CLEAR ? "clear" : call_names[MIN (op->kind, OP_PROTECT)],
             op->start, op->size, ms_test_backend_get_calls (f->backend)->len,
             f->model.calls->len);
  assert_calls_equal (ms_test_backend_get_calls (f->backend), f->model.calls);
  if (got == BAD_STATE)
    {
      const MsTestCall *failed = &g_array_index (f->model.calls, MsTestCall,
                                                 f->model.calls->len - 1);

      g_assert_false (failed->succeeded);
      assert_message_names_call (error->message, failed);
    }

  assert_set_matches_model (f);
  assert_held_areas_unchanged (held);

  if (ms_memory_set_get_n_areas (f->set) != n_before)
    g_assert_cmpuint (f->n_notify, ==, n_notify_before + 1);
  else
    g_assert_cmpuint (f->n_notify, ==, n_notify_before);

  return got;
}

static gint
do_map (Fixture  *f,
        guint64   start,
        guint64   size,
        guint64   flags,
        gboolean  unmap_overlap)
{
  Op op = { OP_MAP, start, size, flags, unmap_overlap, NULL, NULL };

  return check_op (f, &op);
}

static gint
do_unmap (Fixture *f,
          guint64  start,
          guint64  size)
{
  Op op = { OP_UNMAP, start, size, 0, FALSE, NULL, NULL };

  return check_op (f, &op);
}

static gint
do_protect (Fixture *f,
            guint64  start,
            guint64  size,
            guint64  flags)
{
  Op op = { OP_PROTECT, start, size, flags, FALSE, NULL, NULL };

  return check_op (f, &op);
}

static gint
do_protect_with (Fixture           *f,
                 guint64            start,
                 guint64            size,
                 MsUpdateFlagsFunc  update_flags,
                 gpointer           user_data)
{
  Op op = { OP_PROTECT_WITH, start, size, 0, FALSE, update_flags, user_data };

  return check_op (f, &op);
}

static gint
do_clear (Fixture *f)
{
  Op op = { OP_CLEAR, 0, 0, 0, FALSE, NULL, NULL };

  return check_op (f, &op);
}

/* Finds @addr in the set, checks the answer against the model, and
 * returns it. */
static MsMemoryArea *
check_find (Fixture *f,
            guint64  addr)
{
  MsMemoryArea *area = ms_memory_set_find (f->set, addr);
  const ModelArea *want = model_find (&f->model, addr);

  if (want == NULL)
    {
      g_assert_null (area);
      return NULL;
    }

  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, want->start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, want->end);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, want->flags);
  g_assert_true (ms_memory_area_contains (area, addr));
  return area;
}

static gboolean
check_overlaps (Fixture *f,
                guint64  start,
                guint64  size)
{
  gboolean got = ms_memory_set_overlaps (f->set, start, size);
  /* A range past the top is the range up to the top: no area can hold
   * more. */
  guint64 end = size > TOP - start ? TOP : start + size;
  gboolean want = size > 0 && model_overlaps (&f->model, start, end);

  g_assert_cmpint (got, ==, want);
  return got;
}

/* Returns the answer of find_free_area, or TOP for "none" (never a valid
 * answer for a non-empty size). */
static guint64
check_find_free_area (Fixture *f,
                      guint64  hint,
                      guint64  size,
                      guint64  limit_start,
                      guint64  limit_end,
                      guint64  align)
{
  guint64 got = 0x1234, want = 0x5678;
  gboolean found = ms_memory_set_find_free_area (f->set, hint, size, limit_start,
                                                 limit_end, align, &got);
  gboolean want_found = model_find_free_area (&f->model, hint, size, limit_start,
                                              limit_end, align, &want);

  if (found != want_found || (found && got != want))
    g_error ("find_free_area (hint " ADDR_FORMAT ", size " ADDR_FORMAT ", limit ["
             ADDR_FORMAT ", " ADDR_FORMAT "), align " ADDR_FORMAT "): got %s "
             ADDR_FORMAT ", wanted %s " ADDR_FORMAT, hint, size, limit_start,
             limit_end, align, found ? "" : "none", got, want_found ? "" : "none",
             want);

  /* out_start is optional. */
  g_assert_cmpint (ms_memory_set_find_free_area (f->set, hint, size, limit_start,
                                                 limit_end, align, NULL), ==, found);

  if (!found)
    return TOP;

  g_assert_cmpuint (got % align, ==, 0);
  g_assert_cmpuint (got, >=, MAX (hint, limit_start));
  g_assert_cmpuint (got, <=, limit_end);
  g_assert_cmpuint (size, <=, limit_end - got);
  g_assert_false (ms_memory_set_overlaps (f->set, got, size));
  return got;
}

/* The upstream scenarios ------------------------------------------------ */

typedef void (*ScenarioFunc) (Fixture *f);

static void
scenario_readme_example (Fixture *f)
{
  expect_code (f, do_map (f, 0x1000, 0x4000, 1, FALSE), OK);
  expect_code (f, do_unmap (f, 0x2000, 0x2000), OK);
  EXPECT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x4000, 0x5000, 1 });
}

static void
scenario_map_unmap (Fixture *f)
{
  MsMemoryArea *area;

  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_map (f, start, 0x1000, 1, FALSE), OK);
  for (guint64 start = 0x1000; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_map (f, start, 0x1000, 2, FALSE), OK);
  expect_n_areas (f, 16);
  if (exact (f))
    {
      const guint8 *entries = ms_test_page_table_get_entries (f->table);

      for (guint64 addr = 0; addr < MS_TEST_MAX_ADDR; addr++)
        g_assert_true (entries[addr] == 1 || entries[addr] == 2);
    }

  area = check_find (f, 0x4100);
  if (exact (f))
    {
      g_assert_nonnull (area);
      g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x4000);
      g_assert_cmphex (ms_memory_area_get_end (area), ==, 0x5000);
      g_assert_cmphex (ms_memory_area_get_flags (area), ==, 1);
      g_assert_cmpuint (ms_test_page_table_get_entries (f->table)[0x4200], ==, 1);
    }

  expect_code (f, do_map (f, 0x4000, 0x4000, 3, FALSE), ALREADY_EXISTS);
  expect_n_areas (f, 16);
  expect_code (f, do_map (f, 0x4000, 0x4000, 3, TRUE), OK);
  expect_n_areas (f, 13);

  area = check_find (f, 0x4100);
  if (exact (f))
    {
      const guint8 *entries = ms_test_page_table_get_entries (f->table);

      g_assert_nonnull (area);
      g_assert_cmphex (ms_memory_area_get_start (area), ==, 0x4000);
      g_assert_cmphex (ms_memory_area_get_end (area), ==, 0x8000);
      g_assert_cmphex (ms_memory_area_get_flags (area), ==, 3);
      for (guint64 addr = 0x4000; addr < 0x8000; addr++)
        g_assert_cmpuint (entries[addr], ==, 3);
    }

  expect_code (f, do_unmap (f, 0x4000, 0x8000), OK);
  expect_n_areas (f, 8);

  /* Past the end of the table, through holes. */
  expect_code (f, do_unmap (f, 0, MS_TEST_MAX_ADDR * 2), OK);
  expect_n_areas (f, 0);
  if (exact (f))
    {
      const guint8 *entries = ms_test_page_table_get_entries (f->table);

      for (guint64 addr = 0; addr < MS_TEST_MAX_ADDR; addr++)
        g_assert_cmpuint (entries[addr], ==, 0);
    }
}

static void
scenario_unmap_split (Fixture *f)
{
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (ModelArea));

  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_map (f, start, 0x1000, 1, FALSE), OK);

  /* Unmap [0xc00, 0x2400), [0x2c00, 0x4400)...: the areas shrink at
   * both ends. */
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_unmap (f, start + 0xc00, 0x1800), OK);
  expect_n_areas (f, 8);
  if (exact (f))
    {
      g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (f->set);

      for (guint i = 0; i < areas->len; i++)
        {
          MsMemoryArea *area = g_ptr_array_index (areas, i);
          guint64 start = ms_memory_area_get_start (area);

          if (start == 0)
            {
              g_assert_cmphex (ms_memory_area_get_size (area), ==, 0xc00);
            }
          else
            {
              g_assert_cmphex (start % 0x1000, ==, 0x400);
              g_assert_cmphex (ms_memory_area_get_end (area) % 0x1000, ==, 0xc00);
              g_assert_cmphex (ms_memory_area_get_size (area), ==, 0x800);
            }
          g_assert_cmphex (ms_memory_area_get_flags (area), ==, 1);
        }

      for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
        {
          ModelArea area = { start == 0 ? 0 : start + 0x400, start + 0xc00, 1 };

          g_array_append_val (want, area);
        }
      assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                    (const ModelArea *) (gpointer) want->data, want->len);
    }

  /* Unmap [0x800, 0x900), [0x2800, 0x2900)...: each area splits in two. */
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_unmap (f, start + 0x800, 0x100), OK);
  expect_n_areas (f, 16);
  if (exact (f))
    {
      g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (f->set);
      const guint8 *entries = ms_test_page_table_get_entries (f->table);

      for (guint i = 0; i < areas->len; i++)
        {
          MsMemoryArea *area = g_ptr_array_index (areas, i);
          guint64 offset = ms_memory_area_get_start (area) % 0x1000;

          if (offset == 0)
            g_assert_cmphex (ms_memory_area_get_size (area), ==, 0x800);
          else if (offset == 0x400)
            g_assert_cmphex (ms_memory_area_get_size (area), ==, 0x400);
          else if (offset == 0x900)
            g_assert_cmphex (ms_memory_area_get_size (area), ==, 0x300);
          else
            g_assert_not_reached ();

          for (guint64 a = ms_memory_area_get_start (area); a < ms_memory_area_get_end (area); a++)
            g_assert_cmpuint (entries[a], ==, 1);
          if (i + 1 < areas->len)
            for (guint64 a = ms_memory_area_get_end (area);
                 a < ms_memory_area_get_start (g_ptr_array_index (areas, i + 1)); a++)
              g_assert_cmpuint (entries[a], ==, 0);
        }

      g_array_set_size (want, 0);
      for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
        {
          ModelArea left = { start == 0 ? 0 : start + 0x400, start + 0x800, 1 };
          ModelArea right = { start + 0x900, start + 0xc00, 1 };

          g_array_append_val (want, left);
          g_array_append_val (want, right);
        }
      assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                    (const ModelArea *) (gpointer) want->data, want->len);
    }

  expect_code (f, do_unmap (f, 0, MS_TEST_MAX_ADDR), OK);
  expect_n_areas (f, 0);
}

static void
scenario_protect (Fixture *f)
{
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (ModelArea));
  guint64 new_flags;

  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_map (f, start, 0x1000, 0x7, FALSE), OK);

  /* Protect [0xc00, 0x2400), [0x2c00, 0x4400)... with 0x1. */
  new_flags = 0x1;
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_protect_with (f, start + 0xc00, 0x1800,
                                     upstream_update_flags, &new_flags), OK);
  expect_n_areas (f, 23);
  if (exact (f))
    {
      for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
        {
          ModelArea pieces[] = {
            { start, start + 0x400, 0x1 },
            { start + 0x400, start + 0xc00, 0x7 },
            { start + 0xc00, start + 0x1000, 0x1 },
          };

          if (start == 0)
            {
              ModelArea first = { 0, 0xc00, 0x7 };

              g_array_append_val (want, first);
              g_array_append_val (want, pieces[2]);
            }
          else
            {
              g_array_append_vals (want, pieces, G_N_ELEMENTS (pieces));
            }
        }
      assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                    (const ModelArea *) (gpointer) want->data, want->len);
    }

  /* Protect [0x800, 0x900), [0x2800, 0x2900)... with 0x13: the low bits
   * 0x3 replace the 0x7 in the middle of every page. */
  new_flags = 0x13;
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_protect_with (f, start + 0x800, 0x100,
                                     upstream_update_flags, &new_flags), OK);
  expect_n_areas (f, 39);
  if (exact (f))
    {
      g_array_set_size (want, 0);
      for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
        {
          ModelArea pieces[] = {
            { start, start + 0x400, 0x1 },
            { start + 0x400, start + 0x800, 0x7 },
            { start + 0x800, start + 0x900, 0x3 },
            { start + 0x900, start + 0xc00, 0x7 },
            { start + 0xc00, start + 0x1000, 0x1 },
          };

          if (start == 0)
            {
              ModelArea first = { 0, 0x800, 0x7 };

              g_array_append_val (want, first);
              g_array_append_vals (want, pieces + 2, 3);
            }
          else
            {
              g_array_append_vals (want, pieces, G_N_ELEMENTS (pieces));
            }
        }
      assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                    (const ModelArea *) (gpointer) want->data, want->len);
    }

  /* Protect [0x880, 0x900), ... with 0x3: nothing to change. */
  new_flags = 0x3;
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    {
      expect_code (f, do_protect_with (f, start + 0x880, 0x80,
                                       upstream_update_flags, &new_flags), OK);
      if (exact (f))
        ASSERT_NO_CALLS (f);
    }
  expect_n_areas (f, 39);
  if (exact (f))
    assert_areas (f->set, MS_MAPPING_BACKEND (f->backend),
                  (const ModelArea *) (gpointer) want->data, want->len);

  expect_code (f, do_unmap (f, 0, MS_TEST_MAX_ADDR), OK);
  expect_n_areas (f, 0);
}

static void
expect_free_area (Fixture *f,
                  guint64  hint,
                  guint64  size,
                  guint64  align,
                  guint64  want)
{
  guint64 got = check_find_free_area (f, hint, size, 0, MS_TEST_MAX_ADDR, align);

  if (exact (f))
    g_assert_cmphex (got, ==, want);
}

static void
scenario_find_free_area (Fixture *f)
{
  for (guint64 start = 0; start < MS_TEST_MAX_ADDR; start += 0x2000)
    expect_code (f, do_map (f, start, 0x1000, 1, FALSE), OK);

  expect_free_area (f, 0, 0x1000, 1, 0x1000);
  expect_free_area (f, 0x800, 0x800, 0x800, 0x1000);
  expect_free_area (f, 0x1800, 0x800, 0x800, 0x1800);
  expect_free_area (f, 0x1800, 0x1000, 0x1000, 0x3000);
  expect_free_area (f, 0x2000, 0x1000, 0x1000, 0x3000);
  expect_free_area (f, 0xf000, 0x1000, 0x1000, 0xf000);
  expect_free_area (f, 0xf001, 0x1000, 0x1000, TOP);
}

/* More scenarios, through holes, for the failure runs --------------------- */

static void
scenario_holes (Fixture *f)
{
  guint64 new_flags = 0x5;

  /* [0x1000, 0x2000) 1, [0x3000, 0x4000) 2, [0x4000, 0x5000) 3,
   * [0x7000, 0x9000) 4, [0xa000, 0xb000) 5. */
  expect_code (f, do_map (f, 0x1000, 0x1000, 1, FALSE), OK);
  expect_code (f, do_map (f, 0x3000, 0x1000, 2, FALSE), OK);
  expect_code (f, do_map (f, 0x4000, 0x1000, 3, FALSE), OK);
  expect_code (f, do_map (f, 0x7000, 0x2000, 4, FALSE), OK);
  expect_code (f, do_map (f, 0xa000, 0x1000, 5, FALSE), OK);

  expect_code (f, do_protect (f, 0x1800, 0x6000, 2), OK);
  EXPECT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 2 }, { 0x3000, 0x4000, 2 },
                { 0x4000, 0x5000, 2 }, { 0x7000, 0x7800, 2 }, { 0x7800, 0x9000, 4 },
                { 0xa000, 0xb000, 5 });

  expect_code (f, do_protect_with (f, 0, 0x10000, upstream_update_flags, &new_flags), OK);
  expect_code (f, do_unmap (f, 0x1c00, 0x6000), OK);
  EXPECT_AREAS (f, { 0x1000, 0x1800, 5 }, { 0x1800, 0x1c00, 5 }, { 0x7c00, 0x9000, 5 },
                { 0xa000, 0xb000, 5 });

  expect_code (f, do_map (f, 0x1400, 0x9000, 6, TRUE), OK);
  EXPECT_AREAS (f, { 0x1000, 0x1400, 5 }, { 0x1400, 0xa400, 6 }, { 0xa400, 0xb000, 5 });

  expect_code (f, do_map (f, 0xc000, 0x1000, 7, FALSE), OK);
  expect_code (f, do_clear (f), OK);
  expect_n_areas (f, 0);
}

/* Runs @scenario once for every n, the n-th backend call failing, until
 * a run makes fewer than n calls. check_op() checks every step against
 * the model, which knows which call fails. */
static void
run_with_failures (ScenarioFunc scenario)
{
  guint n;

  for (n = 1; ; n++)
    {
      Fixture f;
      gboolean failed;

      fixture_init (&f, TRUE);
      fixture_fail_nth_call (&f, n);
      scenario (&f);
      failed = f.model.failed;
      fixture_fail_nth_call (&f, 0);

      /* Whatever failed, the set can still be emptied. */
      g_assert_cmpint (do_clear (&f), ==, OK);
      ASSERT_EMPTY (&f);
      fixture_clear (&f);

      if (!failed)
        break;
    }

  g_test_message ("%u runs", n);
  g_assert_cmpuint (n, >, 1);
}

static void
test_scenario (Fixture       *f,
               gconstpointer  data)
{
  ((ScenarioFunc) data) (f);
}

static void
test_scenario_failures (gconstpointer data)
{
  run_with_failures ((ScenarioFunc) data);
}

/* map ------------------------------------------------------------------- */

static void
test_map_invalid (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0, 1, FALSE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, 0, 0, 1, TRUE), ==, INVALID_PARAM);
  ASSERT_NO_CALLS (f);

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  /* Empty, even where it would overlap. */
  g_assert_cmpint (do_map (f, 0x1800, 0, 2, TRUE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, 0x1800, 0, 2, FALSE), ==, INVALID_PARAM);
  ASSERT_NO_CALLS (f);

  /* Past 2^64 - 1: refused before any backend call or unmapping. */
  g_assert_cmpint (do_map (f, TOP, 1, 1, FALSE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, 1, TOP, 1, FALSE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, 0x1000, TOP, 1, TRUE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, TOP, TOP, 1, TRUE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, TOP - 0xfff, 0x1000, 1, FALSE), ==, INVALID_PARAM);
  ASSERT_NO_CALLS (f);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 });
}

static void
test_map_top (Fixture       *f,
              gconstpointer  data)
{
  /* An area may end at 2^64 - 1 exactly. */
  g_assert_cmpint (do_map (f, TOP - 0x1000, 0x1000, 1, FALSE), ==, OK);
  ASSERT_CALLS (f, CALL_MAP (TOP - 0x1000, TOP, 1));
  g_assert_cmpint (do_map (f, TOP - 0x1000, 0x1001, 2, TRUE), ==, INVALID_PARAM);
  g_assert_cmpint (do_map (f, TOP - 0x800, 0x800, 2, FALSE), ==, ALREADY_EXISTS);
  g_assert_cmpint (do_map (f, TOP - 0x800, 0x800, 2, TRUE), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (TOP - 0x800, TOP), CALL_MAP (TOP - 0x800, TOP, 2));
  ASSERT_AREAS (f, { TOP - 0x1000, TOP - 0x800, 1 }, { TOP - 0x800, TOP, 2 });

  g_assert_cmpint (do_map (f, TOP - 1, 1, 3, TRUE), ==, OK);
  g_assert_null (check_find (f, TOP));
  g_assert_nonnull (check_find (f, TOP - 1));

  /* The whole address space but its last address. */
  g_assert_cmpint (do_map (f, 0, TOP, 4, TRUE), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (TOP - 0x1000, TOP - 0x800), CALL_UNMAP (TOP - 0x800, TOP - 1),
                CALL_UNMAP (TOP - 1, TOP), CALL_MAP (0, TOP, 4));
  ASSERT_AREAS (f, { 0, TOP, 4 });
  g_assert_nonnull (check_find (f, 0));
  g_assert_nonnull (check_find (f, TOP - 1));
  g_assert_null (check_find (f, TOP));

  g_assert_cmpint (do_unmap (f, 0x1000, TOP - 0x2000), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x1000, TOP - 0x1000));
  ASSERT_AREAS (f, { 0, 0x1000, 4 }, { TOP - 0x1000, TOP, 4 });
  g_assert_cmpint (do_clear (f), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0, 0x1000), CALL_UNMAP (TOP - 0x1000, TOP));
}

static void
test_map_already_exists (Fixture       *f,
                         gconstpointer  data)
{
  static const struct { guint64 start, size; } overlapping[] = {
    { 0x2000, 0x2000 },   /* the same range */
    { 0x1000, 0x1001 },   /* its first address */
    { 0x3fff, 0x1000 },   /* its last address */
    { 0x2800, 0x100 },    /* inside */
    { 0x1000, 0x4000 },   /* around */
    { 0x0, 0x8000 },      /* around both */
  };
  g_autofree guint8 *before = NULL;
  MsMemoryArea *first, *second;

  g_assert_cmpint (do_map (f, 0x2000, 0x2000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x5000, 0x1000, 2, FALSE), ==, OK);
  first = ms_memory_set_find (f->set, 0x2000);
  second = ms_memory_set_find (f->set, 0x5000);
  before = g_memdup2 (ms_test_page_table_get_entries (f->table), MS_TEST_MAX_ADDR);

  for (guint i = 0; i < G_N_ELEMENTS (overlapping); i++)
    {
      g_assert_cmpint (do_map (f, overlapping[i].start, overlapping[i].size, 3, FALSE),
                       ==, ALREADY_EXISTS);
      ASSERT_NO_CALLS (f);
      ASSERT_AREAS (f, { 0x2000, 0x4000, 1 }, { 0x5000, 0x6000, 2 });
      g_assert_true (ms_memory_set_find (f->set, 0x2000) == first);
      g_assert_true (ms_memory_set_find (f->set, 0x5000) == second);
      g_assert_cmpmem (ms_test_page_table_get_entries (f->table), MS_TEST_MAX_ADDR,
                       before, MS_TEST_MAX_ADDR);
    }

  /* Touching is not overlapping. */
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 3, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x4000, 0x1000, 4, FALSE), ==, OK);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 3 }, { 0x2000, 0x4000, 1 }, { 0x4000, 0x5000, 4 },
                { 0x5000, 0x6000, 2 });
}

static void
test_map_unmap_overlap (Fixture       *f,
                        gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x4000, 0x1000, 3, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x6000, 0x1000, 4, FALSE), ==, OK);

  /* Through several areas and holes: the backend unmaps the mapped
   * pieces only, then maps the whole area once. */
  g_assert_cmpint (do_map (f, 0x1800, 0x5000, 5, TRUE), ==, OK);
  ASSERT_CALLS (f,
                CALL_UNMAP (0x1800, 0x2000),
                CALL_UNMAP (0x3000, 0x4000),
                CALL_UNMAP (0x4000, 0x5000),
                CALL_UNMAP (0x6000, 0x6800),
                CALL_MAP (0x1800, 0x6800, 5));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x6800, 5 }, { 0x6800, 0x7000, 4 });

  /* Inside one area: it splits around the new one. */
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 6, TRUE), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x2000, 0x3000), CALL_MAP (0x2000, 0x3000, 6));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 5 }, { 0x2000, 0x3000, 6 },
                { 0x3000, 0x6800, 5 }, { 0x6800, 0x7000, 4 });

  /* Exactly over an area. */
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 7, TRUE), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x2000, 0x3000), CALL_MAP (0x2000, 0x3000, 7));

  /* Nothing in the way: just the map. */
  g_assert_cmpint (do_map (f, 0x8000, 0x1000, 8, TRUE), ==, OK);
  ASSERT_CALLS (f, CALL_MAP (0x8000, 0x9000, 8));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 5 }, { 0x2000, 0x3000, 7 },
                { 0x3000, 0x6800, 5 }, { 0x6800, 0x7000, 4 }, { 0x8000, 0x9000, 8 });
}

static void
test_map_keeps_reference (Fixture       *f,
                          gconstpointer  data)
{
  MsMemoryArea *area = ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  MsMemoryArea *refused = ms_memory_area_new (0x1000, 0x1000, 2, MS_MAPPING_BACKEND (f->backend));
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
  g_assert_no_error (error);
  ms_memory_area_unref (area);

  /* The set's own reference keeps the area alive: valgrind and ASan
   * see to it. */
  g_assert_true (ms_memory_set_find (f->set, 0x1800) == area);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, 1);

  /* A refused area is not kept. */
  g_assert_false (ms_memory_set_map (f->set, refused, G_OBJECT (f->table), FALSE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_memory_set_map (f->set, refused, G_OBJECT (f->table), TRUE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  ms_memory_area_unref (refused);
  g_assert_true (ms_memory_set_find (f->set, 0x1800) == area);
  ms_test_assert_set_matches_table (f->set, f->table);

  g_assert_true (ms_memory_set_clear (f->set, G_OBJECT (f->table), NULL));
}

/* unmap ------------------------------------------------------------------ */

static void
test_unmap_empty (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);

  g_assert_cmpint (do_unmap (f, 0x1800, 0), ==, OK);
  ASSERT_NO_CALLS (f);
  g_assert_cmpint (do_unmap (f, 0x1000, 0), ==, OK);
  g_assert_cmpint (do_unmap (f, 0, 0), ==, OK);
  g_assert_cmpint (do_unmap (f, TOP, 0), ==, OK);
  ASSERT_NO_CALLS (f);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 });
}

static void
test_unmap_overflow (Fixture       *f,
                     gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);

  g_assert_cmpint (do_unmap (f, TOP, 1), ==, INVALID_PARAM);
  g_assert_cmpint (do_unmap (f, 1, TOP), ==, INVALID_PARAM);
  g_assert_cmpint (do_unmap (f, 0x1800, TOP), ==, INVALID_PARAM);
  g_assert_cmpint (do_unmap (f, TOP - 0xff, 0x100), ==, INVALID_PARAM);
  ASSERT_NO_CALLS (f);

  /* Up to 2^64 - 1 exactly is fine. */
  g_assert_cmpint (do_unmap (f, TOP - 0x100, 0x100), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x1800, TOP - 0x1800), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x1800, 0x2000));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 });
}

static void
test_unmap_holes (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x4000, 0x1000, 3, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x7000, 0x1000, 4, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x9000, 0x1000, 5, FALSE), ==, OK);

  g_assert_cmpint (do_unmap (f, 0x1800, 0x6000), ==, OK);
  ASSERT_CALLS (f,
                CALL_UNMAP (0x1800, 0x2000),
                CALL_UNMAP (0x3000, 0x4000),
                CALL_UNMAP (0x4000, 0x5000),
                CALL_UNMAP (0x7000, 0x7800));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x7800, 0x8000, 4 }, { 0x9000, 0xa000, 5 });

  /* Only holes. */
  g_assert_cmpint (do_unmap (f, 0x1800, 0x6000), ==, OK);
  g_assert_cmpint (do_unmap (f, 0xa000, 0x6000), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x8000, 0x1000), ==, OK);
  ASSERT_NO_CALLS (f);

  g_assert_cmpint (do_unmap (f, 0, 0x20000), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x1000, 0x1800), CALL_UNMAP (0x7800, 0x8000),
                CALL_UNMAP (0x9000, 0xa000));
  ASSERT_EMPTY (f);
}

static void
test_unmap_shapes (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x4000, 1, FALSE), ==, OK);

  /* Inside: split in two. */
  g_assert_cmpint (do_unmap (f, 0x2000, 0x1000), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x2000, 0x3000));
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x3000, 0x5000, 1 });

  /* Across the start: shrunk from the left. */
  g_assert_cmpint (do_unmap (f, 0x2800, 0x1000), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x3000, 0x3800));
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x3800, 0x5000, 1 });

  /* Across the end: shrunk from the right. */
  g_assert_cmpint (do_unmap (f, 0x1c00, 0x1000), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x1c00, 0x2000));
  ASSERT_AREAS (f, { 0x1000, 0x1c00, 1 }, { 0x3800, 0x5000, 1 });

  /* From the first address / to the last one. */
  g_assert_cmpint (do_unmap (f, 0x1000, 0x100), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x4f00, 0x100), ==, OK);
  ASSERT_AREAS (f, { 0x1100, 0x1c00, 1 }, { 0x3800, 0x4f00, 1 });

  /* Exactly: removed. */
  g_assert_cmpint (do_unmap (f, 0x3800, 0x1700), ==, OK);
  ASSERT_CALLS (f, CALL_UNMAP (0x3800, 0x4f00));
  ASSERT_AREAS (f, { 0x1100, 0x1c00, 1 });

  /* One address at a time. */
  g_assert_cmpint (do_unmap (f, 0x1100, 1), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x1bff, 1), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x1500, 1), ==, OK);
  ASSERT_AREAS (f, { 0x1101, 0x1500, 1 }, { 0x1501, 0x1bff, 1 });
}

/* Areas of different backends: each backend gets the calls for its own
 * areas. */
static void
test_unmap_backends (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MsTestBackend) other = ms_test_backend_new ();
  g_autoptr(GError) error = NULL;
  static const ModelArea areas[] = {
    { 0x1000, 0x2000, 1 }, { 0x2000, 0x3000, 2 }, { 0x4000, 0x5000, 3 },
  };
  MsTestBackend *backends[] = { f->backend, other, f->backend };
  const GArray *calls;

  for (guint i = 0; i < G_N_ELEMENTS (areas); i++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new (areas[i].start,
                                                         areas[i].end - areas[i].start,
                                                         areas[i].flags,
                                                         MS_MAPPING_BACKEND (backends[i]));

      g_assert_true (ms_memory_set_map (f->set, area, G_OBJECT (f->table), FALSE, &error));
      g_assert_no_error (error);
    }
  ms_test_backend_reset_calls (f->backend);

  g_assert_true (ms_memory_set_protect (f->set, 0x1800, 0x3000, 5, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, CALL_PROTECT (0x1800, 0x2000, 5), CALL_PROTECT (0x4000, 0x4800, 5));
  calls = ms_test_backend_get_calls (other);
  g_assert_cmpuint (calls->len, ==, 2);
  g_assert_cmpint (g_array_index (calls, MsTestCall, 1).kind, ==, MS_TEST_CALL_PROTECT);
  g_assert_cmphex (g_array_index (calls, MsTestCall, 1).start, ==, 0x2000);
  g_assert_cmphex (g_array_index (calls, MsTestCall, 1).size, ==, 0x1000);

  g_assert_true (ms_memory_set_find (f->set, 0x2800) != NULL);
  g_assert_true (ms_memory_area_get_backend (ms_memory_set_find (f->set, 0x2800)) ==
                 MS_MAPPING_BACKEND (other));
  g_assert_true (ms_memory_area_get_backend (ms_memory_set_find (f->set, 0x1800)) ==
                 MS_MAPPING_BACKEND (f->backend));

  ms_test_backend_reset_calls (f->backend);
  ms_test_backend_reset_calls (other);
  g_assert_true (ms_memory_set_unmap (f->set, 0x1c00, 0x1000, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  ASSERT_CALLS (f, CALL_UNMAP (0x1c00, 0x2000));
  calls = ms_test_backend_get_calls (other);
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmphex (g_array_index (calls, MsTestCall, 0).start, ==, 0x2000);
  g_assert_cmphex (g_array_index (calls, MsTestCall, 0).size, ==, 0xc00);
  ms_test_assert_set_matches_table (f->set, f->table);

  /* What is left of a shrunk area keeps its backend. */
  g_assert_true (ms_memory_area_get_backend (ms_memory_set_find (f->set, 0x2c00)) ==
                 MS_MAPPING_BACKEND (other));

  g_assert_true (ms_memory_set_clear (f->set, G_OBJECT (f->table), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ms_test_backend_get_calls (other)->len, ==, 2);
}

/* protect ------------------------------------------------------------------ */

static void
test_protect_empty (Fixture       *f,
                    gconstpointer  data)
{
  guint64 new_flags = 2;

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);

  g_assert_cmpint (do_protect (f, 0x1800, 0, 2), ==, OK);
  g_assert_cmpint (do_protect (f, 0x1000, 0, 2), ==, OK);
  g_assert_cmpint (do_protect (f, TOP, 0, 2), ==, OK);
  g_assert_cmpint (do_protect_with (f, 0x1800, 0, fixed_flags, &new_flags), ==, OK);
  ASSERT_NO_CALLS (f);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 });
}

static void
test_protect_overflow (Fixture       *f,
                       gconstpointer  data)
{
  guint64 new_flags = 2;

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);

  g_assert_cmpint (do_protect (f, TOP, 1, 2), ==, INVALID_PARAM);
  g_assert_cmpint (do_protect (f, 1, TOP, 2), ==, INVALID_PARAM);
  g_assert_cmpint (do_protect (f, 0x1800, TOP, 2), ==, INVALID_PARAM);
  g_assert_cmpint (do_protect_with (f, 0x1800, TOP, fixed_flags, &new_flags), ==, INVALID_PARAM);
  ASSERT_NO_CALLS (f);

  g_assert_cmpint (do_protect (f, 0x1800, TOP - 0x1800, 2), ==, OK);
  ASSERT_CALLS (f, CALL_PROTECT (0x1800, 0x2000, 2));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 2 });
}

static void
test_protect_holes (Fixture       *f,
                    gconstpointer  data)
{
  /* Adjacent areas with the same flags stay apart: no merging. */
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x4000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x7000, 0x1000, 3, FALSE), ==, OK);

  g_assert_cmpint (do_protect (f, 0x1800, 0x6000, 2), ==, OK);
  ASSERT_CALLS (f,
                CALL_PROTECT (0x1800, 0x2000, 2),
                CALL_PROTECT (0x4000, 0x5000, 2),
                CALL_PROTECT (0x7000, 0x7800, 2));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 2 }, { 0x2000, 0x3000, 2 },
                { 0x4000, 0x5000, 2 }, { 0x7000, 0x7800, 2 }, { 0x7800, 0x8000, 3 });

  /* Only holes. */
  g_assert_cmpint (do_protect (f, 0x3000, 0x1000, 4), ==, OK);
  g_assert_cmpint (do_protect (f, 0x8000, 0x10000, 4), ==, OK);
  ASSERT_NO_CALLS (f);
}

static void
test_protect_equal_flags (Fixture       *f,
                          gconstpointer  data)
{
  MsMemoryArea *area;

  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 1, FALSE), ==, OK);
  area = ms_memory_set_find (f->set, 0x1000);

  g_assert_cmpint (do_protect (f, 0x1800, 0x100, 1), ==, OK);
  g_assert_cmpint (do_protect (f, 0, 0x10000, 1), ==, OK);
  ASSERT_NO_CALLS (f);
  ASSERT_AREAS (f, { 0x1000, 0x4000, 1 });
  /* Not even replaced by an equal area. */
  g_assert_true (ms_memory_set_find (f->set, 0x1000) == area);
}

static gboolean
leave_alone (guint64   old_flags,
             guint64  *new_flags,
             gpointer  user_data)
{
  guint *n_calls = user_data;

  (*n_calls)++;
  /* A FALSE answer means the value here is not used. */
  *new_flags = old_flags + 1;
  return FALSE;
}

typedef struct {
  GArray  *old_flags;   /* of guint64: what the function was given */
  guint64  leave;       /* areas with these flags are left alone */
} RecordingData;

static gboolean
record_and_double (guint64   old_flags,
                   guint64  *new_flags,
                   gpointer  user_data)
{
  RecordingData *rec = user_data;

  g_array_append_val (rec->old_flags, old_flags);
  if (old_flags == rec->leave)
    return FALSE;

  *new_flags = old_flags * 2;
  return TRUE;
}

static void
test_protect_with (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GArray) old_flags = g_array_new (FALSE, FALSE, sizeof (guint64));
  RecordingData rec = { old_flags, 2 };
  MsMemoryArea *area;
  guint n_calls = 0;

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x4000, 0x1000, 3, FALSE), ==, OK);
  area = ms_memory_set_find (f->set, 0x2000);

  /* FALSE: no split, no call, whatever the function wrote. */
  g_assert_cmpint (do_protect_with (f, 0x1800, 0x3000, leave_alone, &n_calls), ==, OK);
  ASSERT_NO_CALLS (f);
  /* check_op called it on the model too. */
  g_assert_cmpuint (n_calls, ==, 6);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x2000, 0x3000, 2 }, { 0x4000, 0x5000, 3 });

  /* Called once per area in the range, in address order, with its
   * flags; holes are skipped. */
  g_assert_true (ms_memory_set_protect_with (f->set, 0x1800, 0x3000, G_OBJECT (f->table),
                                             record_and_double, &rec, NULL));
  g_assert_cmpuint (old_flags->len, ==, 3);
  g_assert_cmphex (g_array_index (old_flags, guint64, 0), ==, 1);
  g_assert_cmphex (g_array_index (old_flags, guint64, 1), ==, 2);
  g_assert_cmphex (g_array_index (old_flags, guint64, 2), ==, 3);
  ASSERT_CALLS (f, CALL_PROTECT (0x1800, 0x2000, 2), CALL_PROTECT (0x4000, 0x4800, 6));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 2 }, { 0x2000, 0x3000, 2 },
                { 0x4000, 0x4800, 6 }, { 0x4800, 0x5000, 3 });
  g_assert_true (ms_memory_set_find (f->set, 0x2000) == area);
  ms_test_assert_set_matches_table (f->set, f->table);
}

static void
test_protect_inside (Fixture       *f,
                     gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 1, FALSE), ==, OK);

  g_assert_cmpint (do_protect (f, 0x2000, 0x1000, 2), ==, OK);
  ASSERT_CALLS (f, CALL_PROTECT (0x2000, 0x3000, 2));
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x2000, 0x3000, 2 }, { 0x3000, 0x4000, 1 });

  /* From the start / to the end of an area: two pieces. */
  g_assert_cmpint (do_protect (f, 0x1000, 0x800, 3), ==, OK);
  g_assert_cmpint (do_protect (f, 0x3800, 0x800, 4), ==, OK);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 3 }, { 0x1800, 0x2000, 1 }, { 0x2000, 0x3000, 2 },
                { 0x3000, 0x3800, 1 }, { 0x3800, 0x4000, 4 });

  /* Exactly an area: re-flagged whole. */
  g_assert_cmpint (do_protect (f, 0x2000, 0x1000, 5), ==, OK);
  ASSERT_CALLS (f, CALL_PROTECT (0x2000, 0x3000, 5));
  ASSERT_AREAS (f, { 0x1000, 0x1800, 3 }, { 0x1800, 0x2000, 1 }, { 0x2000, 0x3000, 5 },
                { 0x3000, 0x3800, 1 }, { 0x3800, 0x4000, 4 });

  /* One address. */
  g_assert_cmpint (do_protect (f, 0x2800, 1, 6), ==, OK);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 3 }, { 0x1800, 0x2000, 1 }, { 0x2000, 0x2800, 5 },
                { 0x2800, 0x2801, 6 }, { 0x2801, 0x3000, 5 }, { 0x3000, 0x3800, 1 },
                { 0x3800, 0x4000, 4 });

  /* Flags beyond the table's byte are the set's business. */
  g_assert_cmpint (do_protect (f, 0x1000, 0x3000, 0x100000005), ==, OK);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 0x100000005 }, { 0x1800, 0x2000, 0x100000005 },
                { 0x2000, 0x2800, 0x100000005 }, { 0x2800, 0x2801, 0x100000005 },
                { 0x2801, 0x3000, 0x100000005 }, { 0x3000, 0x3800, 0x100000005 },
                { 0x3800, 0x4000, 0x100000005 });
}

/* clear -------------------------------------------------------------------- */

static void
test_clear (Fixture       *f,
            gconstpointer  data)
{
  g_assert_cmpint (do_clear (f), ==, OK);
  ASSERT_NO_CALLS (f);

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x8000, 0x3000, 3, FALSE), ==, OK);
  g_assert_cmpint (do_protect (f, 0x8800, 0x100, 4), ==, OK);

  g_assert_cmpint (do_clear (f), ==, OK);
  ASSERT_CALLS (f,
                CALL_UNMAP (0x1000, 0x2000),
                CALL_UNMAP (0x2000, 0x3000),
                CALL_UNMAP (0x8000, 0x8800),
                CALL_UNMAP (0x8800, 0x8900),
                CALL_UNMAP (0x8900, 0xb000));
  ASSERT_EMPTY (f);
  g_assert_true (ms_memory_set_is_empty (f->set));

  /* A cleared set is as good as new. */
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_clear (f), ==, OK);
  g_assert_cmpint (do_clear (f), ==, OK);
  ASSERT_NO_CALLS (f);
}

/* Areas a caller holds ----------------------------------------------------- */

static void
assert_area_is (MsMemoryArea *area,
                guint64       start,
                guint64       end,
                guint64       flags)
{
  g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
  g_assert_cmphex (ms_memory_area_get_size (area), ==, end - start);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
}

static void
test_held_areas (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(MsMemoryArea) a = NULL;
  g_autoptr(MsMemoryArea) b = NULL;
  g_autoptr(MsMemoryArea) c = NULL;

  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x5000, 0x1000, 2, FALSE), ==, OK);
  a = ms_memory_area_ref (ms_memory_set_find (f->set, 0x1000));
  c = ms_memory_area_ref (ms_memory_set_find (f->set, 0x5000));

  /* Split. */
  g_assert_cmpint (do_unmap (f, 0x2000, 0x1000), ==, OK);
  assert_area_is (a, 0x1000, 0x4000, 1);
  g_assert_true (ms_memory_set_find (f->set, 0x1000) != a);
  g_assert_true (ms_memory_set_find (f->set, 0x3000) != a);
  g_assert_false (ms_memory_area_contains (ms_memory_set_find (f->set, 0x1000), 0x2000));
  g_assert_true (ms_memory_area_contains (a, 0x2000));

  /* Shrunk. */
  b = ms_memory_area_ref (ms_memory_set_find (f->set, 0x3000));
  g_assert_cmpint (do_unmap (f, 0x3800, 0x2000), ==, OK);
  assert_area_is (b, 0x3000, 0x4000, 1);
  assert_area_is (c, 0x5000, 0x6000, 2);
  g_clear_pointer (&b, ms_memory_area_unref);

  /* Re-flagged. */
  b = ms_memory_area_ref (ms_memory_set_find (f->set, 0x1000));
  g_assert_cmpint (do_protect (f, 0x1000, 0x1000, 3), ==, OK);
  assert_area_is (b, 0x1000, 0x2000, 1);
  assert_area_is (ms_memory_set_find (f->set, 0x1000), 0x1000, 0x2000, 3);

  /* Removed: still the caller's. */
  g_assert_cmpint (do_clear (f), ==, OK);
  assert_area_is (a, 0x1000, 0x4000, 1);
  assert_area_is (b, 0x1000, 0x2000, 1);
  assert_area_is (c, 0x5000, 0x6000, 2);

  /* And after the set is gone. */
  g_clear_object (&f->set);
  assert_area_is (c, 0x5000, 0x6000, 2);
  g_assert_true (ms_memory_area_get_backend (c) == MS_MAPPING_BACKEND (f->backend));
}

/* Lookups ------------------------------------------------------------------- */

static void
test_find (Fixture       *f,
           gconstpointer  data)
{
  MsMemoryArea *a, *b;

  g_assert_null (check_find (f, 0));
  g_assert_null (check_find (f, TOP));

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x5000, 0x1, 3, FALSE), ==, OK);
  a = ms_memory_set_find (f->set, 0x1000);
  b = ms_memory_set_find (f->set, 0x2000);

  g_assert_null (check_find (f, 0));
  g_assert_null (check_find (f, 0xfff));
  g_assert_true (check_find (f, 0x1000) == a);
  g_assert_true (check_find (f, 0x1fff) == a);
  g_assert_true (check_find (f, 0x2000) == b);
  g_assert_true (check_find (f, 0x2fff) == b);
  g_assert_null (check_find (f, 0x3000));
  g_assert_null (check_find (f, 0x4fff));
  g_assert_nonnull (check_find (f, 0x5000));
  g_assert_null (check_find (f, 0x5001));
  g_assert_null (check_find (f, TOP));

  for (guint64 addr = 0; addr < 0x6000; addr += 0x80)
    check_find (f, addr);
}

static void
test_find_top (Fixture       *f,
               gconstpointer  data)
{
  g_assert_cmpint (do_map (f, TOP - 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_null (check_find (f, TOP - 0x1001));
  g_assert_nonnull (check_find (f, TOP - 0x1000));
  g_assert_nonnull (check_find (f, TOP - 1));
  g_assert_null (check_find (f, TOP));
  g_assert_null (check_find (f, 0));
}

static void
test_overlaps (Fixture       *f,
               gconstpointer  data)
{
  g_assert_false (check_overlaps (f, 0, TOP));

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x1000, 2, FALSE), ==, OK);

  /* An empty range overlaps nothing, even inside an area. */
  g_assert_false (check_overlaps (f, 0x1800, 0));
  g_assert_false (check_overlaps (f, 0x1000, 0));

  /* Touching is not overlapping. */
  g_assert_false (check_overlaps (f, 0, 0x1000));
  g_assert_false (check_overlaps (f, 0x2000, 0x1000));
  g_assert_false (check_overlaps (f, 0x4000, 0x1000));

  g_assert_true (check_overlaps (f, 0xfff, 2));
  g_assert_true (check_overlaps (f, 0x1fff, 1));
  g_assert_true (check_overlaps (f, 0x1800, 0x10));
  g_assert_true (check_overlaps (f, 0, 0x10000));
  g_assert_true (check_overlaps (f, 0x2fff, 2));
  g_assert_true (check_overlaps (f, 0x2000, 0x1001));

  /* Ranges running past the top overlap what they cover up to it. */
  g_assert_true (check_overlaps (f, 0x1800, TOP));
  g_assert_true (check_overlaps (f, 0x3fff, TOP));
  g_assert_false (check_overlaps (f, 0x4000, TOP));
  g_assert_false (check_overlaps (f, TOP, TOP));
  g_assert_false (check_overlaps (f, TOP, 1));

  for (guint64 start = 0; start < 0x5000; start += 0x100)
    for (guint64 size = 0; size < 0x3000; size += 0x300)
      check_overlaps (f, start, size);
}

static void
test_overlaps_top (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmpint (do_map (f, TOP - 0x1000, 0x1000, 1, FALSE), ==, OK);

  g_assert_true (check_overlaps (f, TOP - 0x10, 0x100));
  g_assert_true (check_overlaps (f, TOP - 1, 1));
  g_assert_true (check_overlaps (f, 0, TOP));
  g_assert_true (check_overlaps (f, 1, TOP));
  g_assert_false (check_overlaps (f, TOP, 1));
  g_assert_false (check_overlaps (f, TOP, TOP));
  g_assert_false (check_overlaps (f, 0, TOP - 0x1000));
}

/* find_free_area ---------------------------------------------------------- */

static void
test_find_free_area_limit (Fixture       *f,
                           gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x8000, 0x1000, 1, FALSE), ==, OK);

  /* The gap [0x1000, 0x8000) is big enough, but the limit ends inside
   * the answer: the Rust crate answers 0x1000 here. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, 0x1800, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, 0x1fff, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, 0x2000, 0x1000), ==, 0x1000);
  /* Past the last area too. */
  g_assert_cmphex (check_find_free_area (f, 0x8800, 0x1000, 0, 0x9800, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0x8800, 0x1000, 0, 0xa000, 1), ==, 0x9000);
  g_assert_cmphex (check_find_free_area (f, 0x8800, 0x1000, 0, 0x9fff, 1), ==, TOP);
  /* A gap that ends past the limit. */
  g_assert_cmphex (check_find_free_area (f, 0x6000, 0x3000, 0, 0x8000, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0x5000, 0x3000, 0, 0x8000, 0x1000), ==, 0x5000);

  /* Every answer stays inside the limit. */
  for (guint64 le = 0x1000; le <= 0xc000; le += 0x400)
    for (guint64 hint = 0; hint < 0xc000; hint += 0x700)
      check_find_free_area (f, hint, 0x800, 0x400, le, 0x400);
}

static void
test_find_free_area_params (Fixture       *f,
                            gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 1, FALSE), ==, OK);

  /* Size 0. */
  g_assert_cmphex (check_find_free_area (f, 0, 0, 0, 0x10000, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0, 0, 0x10000, 0x1000), ==, TOP);
  /* Size not a multiple of align. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x800, 0, 0x10000, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1001, 0, 0x10000, 0x1000), ==, TOP);
  /* Align not a power of two. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, 0x10000, 0), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x3000, 0, 0x10000, 3), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x3000, 0, 0x10000, 0x3000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x3000, 0, 0x10000, 0x1800), ==, TOP);
  /* Empty limit. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0x5000, 0x5000, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0x6000, 0x5000, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 1, TOP, TOP, 1), ==, TOP);
  /* Limit too small. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0x5000, 0x5fff, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0x5000, 0x6000, 1), ==, 0x5000);

  /* The hint below limit_start: the limit wins. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0x1800, 0x10000, 1), ==, 0x3000);
  g_assert_cmphex (check_find_free_area (f, 0, 0x800, 0x1800, 0x10000, 0x800), ==, 0x1800);
  g_assert_cmphex (check_find_free_area (f, 0x100, 0x100, 0x1f01, 0x10000, 0x100), ==, 0x3000);
  /* The hint above the limit. */
  g_assert_cmphex (check_find_free_area (f, 0x9000, 0x1000, 0, 0x8000, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0x8000, 0x1000, 0, 0x8000, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0x7000, 0x1000, 0, 0x8000, 1), ==, 0x7000);
  /* The hint inside an area. */
  g_assert_cmphex (check_find_free_area (f, 0x2800, 0x10, 0, 0x10000, 0x10), ==, 0x3000);
  /* The hint unaligned, rounded up. */
  g_assert_cmphex (check_find_free_area (f, 0x3001, 0x1000, 0, 0x10000, 0x1000), ==, 0x4000);
  g_assert_cmphex (check_find_free_area (f, 0x1001, 0x1000, 0, 0x10000, 0x1000), ==, 0x3000);
  /* Big alignments. */
  g_assert_cmphex (check_find_free_area (f, 1, 0x8000, 0, 0x10000, 0x8000), ==, 0x8000);
  g_assert_cmphex (check_find_free_area (f, 0, 0x10000, 0, 0x20000, 0x10000), ==, 0x10000);
  {
    const guint64 q = G_GUINT64_CONSTANT (1) << 62;

    g_assert_cmphex (check_find_free_area (f, 0, q, 0, TOP, q), ==, q);
    g_assert_cmphex (check_find_free_area (f, q + 1, q, 0, TOP, q), ==, 2 * q);
    /* [3q, 4q) would end one past the top. */
    g_assert_cmphex (check_find_free_area (f, 2 * q + 1, q, 0, TOP, q), ==, TOP);
    g_assert_cmphex (check_find_free_area (f, 0, 2 * q, 0, TOP, 2 * q), ==, TOP);
  }
}

static void
test_find_free_area_holes (Fixture       *f,
                           gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x2000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3800, 0x800, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x5000, 0x100, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x6000, 0x1000, 1, FALSE), ==, OK);

  /* A hole just big enough. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, 0x10000, 1), ==, 0x1000);
  g_assert_cmphex (check_find_free_area (f, 0, 0x800, 0, 0x10000, 0x800), ==, 0x1000);
  g_assert_cmphex (check_find_free_area (f, 0x1800, 0x800, 0, 0x10000, 0x800), ==, 0x1800);
  g_assert_cmphex (check_find_free_area (f, 0x2000, 0x800, 0, 0x10000, 0x800), ==, 0x3000);
  /* One byte too big for the holes in turn: [0x1000, 0x2000),
   * [0x3000, 0x3800), [0x4000, 0x5000), [0x5100, 0x6000). */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1001, 0, 0x10000, 1), ==, 0x7000);
  g_assert_cmphex (check_find_free_area (f, 0, 0xf01, 0, 0x10000, 1), ==, 0x1000);
  g_assert_cmphex (check_find_free_area (f, 0x1001, 0xfff, 0, 0x10000, 1), ==, 0x1001);
  g_assert_cmphex (check_find_free_area (f, 0x1001, 0x1000, 0, 0x10000, 1), ==, 0x4000);
  g_assert_cmphex (check_find_free_area (f, 0x2000, 0x801, 0, 0x10000, 1), ==, 0x4000);
  g_assert_cmphex (check_find_free_area (f, 0x2000, 0x800, 0, 0x10000, 1), ==, 0x3000);
  g_assert_cmphex (check_find_free_area (f, 0x5000, 0xf01, 0, 0x10000, 1), ==, 0x7000);
  g_assert_cmphex (check_find_free_area (f, 0x5000, 0xf00, 0, 0x10000, 1), ==, 0x5100);
  /* Ending exactly at the limit. */
  g_assert_cmphex (check_find_free_area (f, 0x7000, 0x9000, 0, 0x10000, 0x1000), ==, 0x7000);
  g_assert_cmphex (check_find_free_area (f, 0x7001, 0x9000, 0, 0x10000, 0x1000), ==, TOP);

  for (guint64 hint = 0; hint < 0x8000; hint += 0x80)
    for (guint64 align = 1; align <= 0x1000; align <<= 3)
      for (guint64 size = align; size <= 0x2000; size += align * 5)
        check_find_free_area (f, hint, size, 0, 0x10000, align);
}

static void
test_find_free_area_top (Fixture       *f,
                         gconstpointer  data)
{
  /* An empty set, up to the top. */
  g_assert_cmphex (check_find_free_area (f, TOP - 0x10, 0x10, 0, TOP, 1), ==, TOP - 0x10);
  g_assert_cmphex (check_find_free_area (f, TOP - 0xf, 0x10, 0, TOP, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x10, 0x10, 0, TOP - 1, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP, 1, 0, TOP, 1), ==, TOP);
  /* Rounding the hint up would wrap. */
  g_assert_cmphex (check_find_free_area (f, TOP - 0x10, 0x1000, 0, TOP, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP, 0x1000, 0, TOP, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, TOP - 0x10, TOP, 0x1000), ==, TOP);

  g_assert_cmpint (do_map (f, TOP - 0x2000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, TOP - 0x800, 0x800, 1, FALSE), ==, OK);

  /* Past the last area, rounding up would wrap: no answer, and no
   * answer from the bottom of the address space either. */
  g_assert_cmphex (check_find_free_area (f, TOP - 0x2000, 0x1000, 0, TOP, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x2000, 0x800, 0, TOP, 0x800), ==, TOP);
  /* The hole [TOP - 0x1000, TOP - 0x800). */
  g_assert_cmphex (check_find_free_area (f, TOP - 0x2000, 0x7ff, 0, TOP, 1), ==, TOP - 0x1000);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x1000, 0x800, 0, TOP, 1), ==, TOP - 0x1000);
  g_assert_cmphex (check_find_free_area (f, TOP - 0xfff, 0x800, 0, TOP, 1), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP - 0xfff, 0x7ff, 0, TOP, 1), ==, TOP - 0xfff);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x700, 1, 0, TOP, 1), ==, TOP);
  /* Below the areas. */
  g_assert_cmphex (check_find_free_area (f, TOP - 0x3000, 0x1000, 0, TOP, 0x1000), ==, TOP);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x3000, 0x1000, 0, TOP, 1), ==, TOP - 0x3000);
  g_assert_cmphex (check_find_free_area (f, TOP - 0x4000, 0x1000, 0, TOP, 0x1000), ==, TOP - 0x3fff);
  /* But the bottom is there for who starts there. */
  g_assert_cmphex (check_find_free_area (f, 0, 0x1000, 0, TOP, 0x1000), ==, 0);
}

/* n-areas, get_areas, foreach --------------------------------------------- */

static void
test_n_areas (Fixture       *f,
              gconstpointer  data)
{
  guint n = G_MAXUINT;

  g_object_get (f->set, "n-areas", &n, NULL);
  g_assert_cmpuint (n, ==, 0);
  g_assert_true (ms_memory_set_is_empty (f->set));

  /* check_op() checks the notifications: one for each change of the
   * count, none otherwise. */
  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 1, FALSE), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 1);
  g_assert_false (ms_memory_set_is_empty (f->set));
  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 1, FALSE), ==, ALREADY_EXISTS);
  g_assert_cmpint (do_protect (f, 0x1000, 0x3000, 1), ==, OK);
  g_assert_cmpint (do_protect (f, 0x1000, 0x3000, 2), ==, OK);
  g_assert_cmpint (do_unmap (f, 0x1000, 0x100), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 1);
  g_assert_cmpint (do_protect (f, 0x2000, 0x100, 3), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 2);
  g_assert_cmpint (do_unmap (f, 0x1800, 0x100), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 3);
  g_assert_cmpint (do_map (f, 0x1800, 0x100, 4, TRUE), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 4);
  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 5, TRUE), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 5);
  g_object_get (f->set, "n-areas", &n, NULL);
  g_assert_cmpuint (n, ==, 1);

  /* A failure that changes the count notifies too. */
  g_assert_cmpint (do_map (f, 0x5000, 0x1000, 6, FALSE), ==, OK);
  fixture_fail_nth_call (f, 2);
  g_assert_cmpint (do_clear (f), ==, BAD_STATE);
  g_assert_cmpuint (f->n_notify, ==, 7);
  g_assert_cmpint (do_clear (f), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 8);
  g_assert_cmpint (do_clear (f), ==, OK);
  g_assert_cmpuint (f->n_notify, ==, 8);
  g_object_get (f->set, "n-areas", &n, NULL);
  g_assert_cmpuint (n, ==, 0);
}

static void
test_n_areas_pspec (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (set), "n-areas");

  g_assert_nonnull (pspec);
  g_assert_true (G_IS_PARAM_SPEC_UINT (pspec));
  g_assert_true (pspec->flags & G_PARAM_READABLE);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);
}

static void
test_get_areas (Fixture       *f,
                gconstpointer  data)
{
  static const guint64 starts[] = { 0x5000, 0x1000, 0x9000, 0x3000, 0x0, 0x7000 };
  g_autoptr(GPtrArray) empty = ms_memory_set_get_areas (f->set);
  g_autoptr(GPtrArray) areas = NULL;

  g_assert_nonnull (empty);
  g_assert_cmpuint (empty->len, ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    g_assert_cmpint (do_map (f, starts[i], 0x800, i + 1, FALSE), ==, OK);

  areas = ms_memory_set_get_areas (f->set);
  g_assert_cmpuint (areas->len, ==, G_N_ELEMENTS (starts));
  for (guint i = 0; i < areas->len; i++)
    {
      guint64 start = ms_memory_area_get_start (areas->pdata[i]);

      if (i > 0)
        g_assert_cmphex (start, >, ms_memory_area_get_start (areas->pdata[i - 1]));
      g_assert_true (ms_memory_set_find (f->set, start) == areas->pdata[i]);
    }

  /* The array is the caller's; the areas stay the set's. */
  g_clear_pointer (&areas, g_ptr_array_unref);
  ASSERT_AREAS (f, { 0x0, 0x800, 5 }, { 0x1000, 0x1800, 2 }, { 0x3000, 0x3800, 4 },
                { 0x5000, 0x5800, 1 }, { 0x7000, 0x7800, 6 }, { 0x9000, 0x9800, 3 });
}

typedef struct {
  GPtrArray *seen;
  guint      stop_after;
} ForeachData;

static gboolean
collect_until (MsMemoryArea *area,
               gpointer      user_data)
{
  ForeachData *data = user_data;

  g_ptr_array_add (data->seen, area);
  return data->seen->len == data->stop_after;
}

static void
test_foreach (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  g_autoptr(GPtrArray) areas = NULL;
  ForeachData fd = { seen, 0 };

  ms_memory_set_foreach (f->set, collect_until, &fd);
  g_assert_cmpuint (seen->len, ==, 0);

  for (guint64 start = 0x8000; start > 0; start -= 0x1000)
    g_assert_cmpint (do_map (f, start, 0x800, 1, FALSE), ==, OK);
  areas = ms_memory_set_get_areas (f->set);

  /* In address order, all of them. */
  ms_memory_set_foreach (f->set, collect_until, &fd);
  g_assert_cmpuint (seen->len, ==, 8);
  for (guint i = 0; i < 8; i++)
    g_assert_true (seen->pdata[i] == areas->pdata[i]);

  /* TRUE stops. */
  for (guint stop = 1; stop <= 8; stop++)
    {
      g_ptr_array_set_size (seen, 0);
      fd.stop_after = stop;
      ms_memory_set_foreach (f->set, collect_until, &fd);
      g_assert_cmpuint (seen->len, ==, stop);
      for (guint i = 0; i < stop; i++)
        g_assert_true (seen->pdata[i] == areas->pdata[i]);
    }
}

/* Backends without some methods ----------------------------------------------- */

static void
assert_bad_state_names (GError     *error,
                        const char *method)
{
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  if (strstr (error->message, method) == NULL)
    g_error ("the message \"%s\" does not name the method %s", error->message, method);
}

static void
test_missing_methods (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(MsMappingBackend) no_map = ms_test_partial_backend_new (MS_TEST_METHOD_UNMAP |
                                                                    MS_TEST_METHOD_PROTECT,
                                                                    f->backend);
  g_autoptr(MsMappingBackend) no_unmap = ms_test_partial_backend_new (MS_TEST_METHOD_MAP |
                                                                      MS_TEST_METHOD_PROTECT,
                                                                      f->backend);
  g_autoptr(MsMappingBackend) no_protect = ms_test_partial_backend_new (MS_TEST_METHOD_MAP |
                                                                        MS_TEST_METHOD_UNMAP,
                                                                        f->backend);
  g_autoptr(MsMappingBackend) none = ms_test_partial_backend_new (0, NULL);
  g_autoptr(MsMemoryArea) a = ms_memory_area_new (0x1000, 0x1000, 1, no_map);
  g_autoptr(MsMemoryArea) b = ms_memory_area_new (0x2000, 0x1000, 2, no_unmap);
  g_autoptr(MsMemoryArea) c = ms_memory_area_new (0x3000, 0x1000, 3, no_protect);
  g_autoptr(MsMemoryArea) d = ms_memory_area_new (0x4000, 0x1000, 4, none);
  g_autoptr(MsMemoryArea) e = ms_memory_area_new (0x2800, 0x1000, 5, MS_MAPPING_BACKEND (f->backend));
  g_autoptr(GError) error = NULL;
  GObject *table = G_OBJECT (f->table);

  /* No map: refused, not inserted. */
  g_assert_false (ms_memory_set_map (f->set, a, table, FALSE, &error));
  assert_bad_state_names (error, "map");
  g_assert_null (strstr (error->message, "unmap"));
  g_assert_null (strstr (error->message, "protect"));
  g_clear_error (&error);
  g_assert_false (ms_memory_set_map (f->set, d, table, FALSE, &error));
  assert_bad_state_names (error, "map");
  g_clear_error (&error);
  g_assert_true (ms_memory_set_is_empty (f->set));
  ASSERT_NO_CALLS (f);

  g_assert_true (ms_memory_set_map (f->set, b, table, FALSE, &error));
  g_assert_true (ms_memory_set_map (f->set, c, table, FALSE, &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  /* No unmap: unmap, clear and map over it fail, nothing changes. */
  g_assert_false (ms_memory_set_unmap (f->set, 0x2800, 0x100, table, &error));
  assert_bad_state_names (error, "unmap");
  g_clear_error (&error);
  g_assert_false (ms_memory_set_map (f->set, e, table, TRUE, &error));
  assert_bad_state_names (error, "unmap");
  g_clear_error (&error);
  g_assert_false (ms_memory_set_clear (f->set, table, &error));
  assert_bad_state_names (error, "unmap");
  g_clear_error (&error);
  ASSERT_AREAS_OF (f->set, NULL, { 0x2000, 0x3000, 2 }, { 0x3000, 0x4000, 3 });
  ms_test_assert_set_matches_table (f->set, f->table);

  /* No protect: protect fails unless there is nothing to change. */
  g_assert_false (ms_memory_set_protect (f->set, 0x3000, 0x100, 4, table, &error));
  assert_bad_state_names (error, "protect");
  g_clear_error (&error);
  g_assert_true (ms_memory_set_protect (f->set, 0x3000, 0x100, 3, table, &error));
  g_assert_no_error (error);
  /* The area before it still changes. */
  g_assert_false (ms_memory_set_protect (f->set, 0x2800, 0x1000, 6, table, &error));
  assert_bad_state_names (error, "protect");
  g_clear_error (&error);
  ASSERT_AREAS_OF (f->set, NULL, { 0x2000, 0x2800, 2 }, { 0x2800, 0x3000, 6 }, { 0x3000, 0x4000, 3 });
  ms_test_assert_set_matches_table (f->set, f->table);

  /* The no-protect backend unmaps. */
  g_assert_true (ms_memory_set_unmap (f->set, 0x3000, 0x1000, table, &error));
  g_assert_no_error (error);
  ms_test_assert_set_matches_table (f->set, f->table);

  /* A clear stops at the first area it cannot unmap. */
  g_assert_true (ms_memory_set_map (f->set, c, table, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (ms_memory_set_clear (f->set, table, &error));
  assert_bad_state_names (error, "unmap");
  g_clear_error (&error);
  ASSERT_AREAS_OF (f->set, NULL, { 0x2000, 0x2800, 2 }, { 0x2800, 0x3000, 6 }, { 0x3000, 0x4000, 3 });
  ms_test_assert_set_matches_table (f->set, f->table);
  g_assert_true (ms_memory_area_get_backend (ms_memory_set_find (f->set, 0x2000)) == no_unmap);
  g_assert_true (ms_memory_area_get_backend (ms_memory_set_find (f->set, 0x3000)) == no_protect);
}

/* Preconditions ------------------------------------------------------------ */

#define EXPECT_CRITICAL(expr) G_STMT_START { \
    g_test_expect_message ("Ms", G_LOG_LEVEL_CRITICAL, "*assertion*failed*"); \
    expr; \
    g_test_assert_expected_messages (); \
  } G_STMT_END

static gboolean
stop_at_once (MsMemoryArea *area,
              gpointer      user_data)
{
  return TRUE;
}

static void
test_preconditions (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x1000, 1, MS_MAPPING_BACKEND (f->backend));
  g_autoptr(GParamSpec) not_an_object = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL, 0, 1, 0, 0));
  GError *error = NULL;
  guint64 out = 0x1234;

  EXPECT_CRITICAL (g_assert_cmpuint (ms_memory_set_get_n_areas (NULL), ==, 0));
  EXPECT_CRITICAL (ms_memory_set_is_empty (NULL));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_overlaps (NULL, 0, 1)));
  EXPECT_CRITICAL (g_assert_null (ms_memory_set_find (NULL, 0)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_find_free_area (NULL, 0, 1, 0, 10, 1, &out)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_map (NULL, area, NULL, FALSE, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_map (f->set, NULL, NULL, FALSE, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_map (f->set, area, (GObject *) not_an_object,
                                                      FALSE, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_unmap (NULL, 0, 1, NULL, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_unmap (f->set, 0, 1, (GObject *) not_an_object,
                                                        &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_protect (NULL, 0, 1, 1, NULL, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_protect_with (NULL, 0, 1, NULL,
                                                               fixed_flags, &out, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_protect_with (f->set, 0, 1, NULL,
                                                               NULL, NULL, &error)));
  EXPECT_CRITICAL (g_assert_false (ms_memory_set_clear (NULL, NULL, &error)));
  EXPECT_CRITICAL (ms_memory_set_foreach (NULL, stop_at_once, NULL));
  EXPECT_CRITICAL (ms_memory_set_foreach (f->set, NULL, NULL));
  EXPECT_CRITICAL (g_assert_null (ms_memory_set_get_areas (NULL)));

  g_assert_null (error);
  g_assert_cmphex (out, ==, 0x1234);
  ASSERT_NO_CALLS (f);
  g_assert_true (ms_memory_set_is_empty (f->set));
}

/* Failures injected into single operations --------------------------------- */

static void
test_failure_unmap (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x3000, 2, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x7000, 0x1000, 3, FALSE), ==, OK);

  /* The second piece fails: the first is gone, the second area is whole,
   * the third untouched. */
  fixture_fail_nth_call (f, 2);
  g_assert_cmpint (do_unmap (f, 0x1800, 0x6000), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x3000, 0x6000, 2 }, { 0x7000, 0x8000, 3 });

  /* A split that fails leaves the area whole. */
  fixture_fail_nth_call (f, 1);
  g_assert_cmpint (do_unmap (f, 0x4000, 0x1000), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x3000, 0x6000, 2 }, { 0x7000, 0x8000, 3 });

  /* The message names the operation and the piece. */
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_memory_set_unmap (f->set, 0x4000, 0x1000, G_OBJECT (f->table), &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_nonnull (strstr (error->message, "unmap"));
  g_assert_nonnull (strstr (error->message, "0x4000"));
  g_assert_nonnull (strstr (error->message, "0x5000"));
  ms_test_assert_set_matches_table (f->set, f->table);
}

static void
test_failure_protect (Fixture       *f,
                      gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x3000, 2, FALSE), ==, OK);

  fixture_fail_nth_call (f, 2);
  g_assert_cmpint (do_protect (f, 0x1800, 0x3000, 4), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 4 }, { 0x3000, 0x6000, 2 });

  fixture_fail_nth_call (f, 1);
  g_assert_cmpint (do_protect (f, 0x4000, 0x1000, 4), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 4 }, { 0x3000, 0x6000, 2 });
  g_assert_cmpint (do_protect (f, 0x4000, 0x1000, 4), ==, OK);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x1800, 0x2000, 4 }, { 0x3000, 0x4000, 2 },
                { 0x4000, 0x5000, 4 }, { 0x5000, 0x6000, 2 });
}

static void
test_failure_map (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_cmpint (do_map (f, 0x1000, 0x1000, 1, FALSE), ==, OK);
  g_assert_cmpint (do_map (f, 0x3000, 0x1000, 2, FALSE), ==, OK);

  fixture_fail_nth_call (f, 1);
  g_assert_cmpint (do_map (f, 0x5000, 0x1000, 3, FALSE), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x2000, 1 }, { 0x3000, 0x4000, 2 });

  /* The unmapping before it stays done. */
  fixture_fail_nth_call (f, 3);
  g_assert_cmpint (do_map (f, 0x1800, 0x2000, 3, TRUE), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x3800, 0x4000, 2 });

  fixture_fail_nth_call (f, 1);
  g_assert_cmpint (do_map (f, 0x1000, 0x3000, 3, TRUE), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x1000, 0x1800, 1 }, { 0x3800, 0x4000, 2 });
}

static void
test_failure_clear (Fixture       *f,
                    gconstpointer  data)
{
  for (guint64 start = 0; start < 0x8000; start += 0x1000)
    g_assert_cmpint (do_map (f, start, 0x800, 1, FALSE), ==, OK);

  fixture_fail_nth_call (f, 3);
  g_assert_cmpint (do_clear (f), ==, BAD_STATE);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 6);
  g_assert_cmphex (ms_memory_area_get_start (ms_memory_set_find (f->set, 0x2000)), ==, 0x2000);

  fixture_fail_nth_call (f, 6);
  g_assert_cmpint (do_clear (f), ==, BAD_STATE);
  ASSERT_AREAS (f, { 0x7000, 0x7800, 1 });
  g_assert_cmpint (do_clear (f), ==, OK);
}

/* Randomised operations ----------------------------------------------------- */

static gboolean
toggle_high_bit_of_odd (guint64   old_flags,
                        guint64  *new_flags,
                        gpointer  user_data)
{
  if ((old_flags & 1) == 0)
    return FALSE;

  *new_flags = old_flags ^ (G_GUINT64_CONSTANT (1) << 40);
  return TRUE;
}

static gboolean
keep_flags (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  *new_flags = old_flags;
  return TRUE;
}

static guint64
rand_addr (GRand *rand)
{
  if (g_rand_int_range (rand, 0, 4) == 0)
    return g_rand_int_range (rand, 0, MS_TEST_MAX_ADDR + 1);

  return (guint64) g_rand_int_range (rand, 0, MS_TEST_MAX_ADDR / 0x100 + 1) * 0x100;
}

static guint64
rand_size (GRand *rand)
{
  switch (g_rand_int_range (rand, 0, 10))
    {
    case 0:
      return 0;
    case 1:
      return g_rand_int_range (rand, 1, 0x100);
    case 2:
      return g_rand_int_range (rand, 1, 0x100) * 0x100;
    default:
      return g_rand_int_range (rand, 1, 0x30) * 0x100;
    }
}

/* Non-zero in its low byte, which the table stores; sometimes more. */
static guint64
rand_flags (GRand *rand)
{
  guint64 flags = g_rand_int_range (rand, 1, 256);

  if (g_rand_boolean (rand))
    flags |= (guint64) g_rand_int (rand) << 32;
  return flags;
}

/* Sometimes a range that runs past the top. */
static gboolean
rand_overflow (GRand   *rand,
               guint64 *start,
               guint64 *size)
{
  if (g_rand_int_range (rand, 0, 40) != 0)
    return FALSE;

  *start = TOP - g_rand_int_range (rand, 0, 0x1000);
  *size = TOP - *start + g_rand_int_range (rand, 1, 0x1000);
  return TRUE;
}

static void
random_operations (guint32  seed,
                   guint    n_ops,
                   gboolean with_failures)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint counts[OP_CLEAR + 1] = { 0 };
  guint codes[4] = { 0 };
  guint n_injected = 0;
  guint max_areas = 0;
  Fixture f;

  fixture_init (&f, TRUE);

  for (guint i = 0; i < n_ops; i++)
    {
      guint choice = g_rand_int_range (rand, 0, 1000);
      guint64 start = rand_addr (rand);
      guint64 size = rand_size (rand);
      gint code = OK;

      if (with_failures && f.model.fail_in == 0 && g_rand_int_range (rand, 0, 3) == 0)
        {
          fixture_fail_nth_call (&f, g_rand_int_range (rand, 1, 8));
          n_injected++;
        }

      if (choice < 300)
        {
          /* Inside the table, unless running past the top. */
          if (!rand_overflow (rand, &start, &size))
            size = MIN (size, MS_TEST_MAX_ADDR - start);
          code = do_map (&f, start, size, rand_flags (rand), g_rand_boolean (rand));
          counts[OP_MAP]++;
        }
      else if (choice < 480)
        {
          rand_overflow (rand, &start, &size);
          if (g_rand_int_range (rand, 0, 10) == 0)
            size *= 8;
          code = do_unmap (&f, start, size);
          counts[OP_UNMAP]++;
        }
      else if (choice < 600)
        {
          rand_overflow (rand, &start, &size);
          code = do_protect (&f, start, size, rand_flags (rand));
          counts[OP_PROTECT]++;
        }
      else if (choice < 700)
        {
          guint64 new_flags = g_rand_int_range (rand, 1, 8);

          rand_overflow (rand, &start, &size);
          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              code = do_protect_with (&f, start, size, upstream_update_flags, &new_flags);
              break;
            case 1:
              code = do_protect_with (&f, start, size, toggle_high_bit_of_odd, NULL);
              break;
            default:
              code = do_protect_with (&f, start, size, keep_flags, NULL);
              g_assert_cmpuint (ms_test_backend_get_calls (f.backend)->len, ==, 0);
              break;
            }
          counts[OP_PROTECT_WITH]++;
        }
      else if (choice < 703)
        {
          code = do_clear (&f);
          counts[OP_CLEAR]++;
        }
      else if (choice < 800)
        {
          check_find (&f, g_rand_boolean (rand) ? start : (guint64) g_rand_int_range (rand, 0, MS_TEST_MAX_ADDR));
        }
      else if (choice < 880)
        {
          rand_overflow (rand, &start, &size);
          check_overlaps (&f, start, size);
        }
      else
        {
          /* Now and then an alignment that is not a power of two. */
          static const guint64 aligns[] = { 1, 0x10, 0x100, 0x1000, 0x4000, 3, 0x300, 0 };
          guint n_aligns = g_rand_int_range (rand, 0, 10) == 0 ? G_N_ELEMENTS (aligns) : 5;
          guint64 align = aligns[g_rand_int_range (rand, 0, n_aligns)];
          guint64 find_size = align * g_rand_int_range (rand, 0, 5);
          guint64 limit_start = g_rand_boolean (rand) ? 0 : rand_addr (rand);
          guint64 limit_end;

          switch (g_rand_int_range (rand, 0, 4))
            {
            case 0: limit_end = MS_TEST_MAX_ADDR; break;
            case 1: limit_end = TOP; break;
            default: limit_end = rand_addr (rand); break;
            }
          if (g_rand_int_range (rand, 0, 10) == 0)
            find_size += g_rand_int_range (rand, 1, 0x10);

          check_find_free_area (&f, start, find_size, limit_start, limit_end, align);
        }

      if (code >= 0)
        codes[code]++;
      max_areas = MAX (max_areas, ms_memory_set_get_n_areas (f.set));
    }

  g_test_message ("seed %u: %u maps, %u unmaps, %u protects, %u protect_withs, "
                  "%u clears; %u invalid, %u already existing, %u bad state; "
                  "%u failures injected; up to %u areas",
                  seed, counts[OP_MAP], counts[OP_UNMAP], counts[OP_PROTECT],
                  counts[OP_PROTECT_WITH], counts[OP_CLEAR], codes[INVALID_PARAM],
                  codes[ALREADY_EXISTS], codes[BAD_STATE], n_injected, max_areas);

  /* The run exercised what it is meant to. */
  g_assert_cmpuint (codes[INVALID_PARAM], >, 0);
  g_assert_cmpuint (codes[ALREADY_EXISTS], >, 0);
  g_assert_cmpuint (max_areas, >, 20);
  if (with_failures)
    g_assert_cmpuint (codes[BAD_STATE], >, n_injected / 2);
  else
    g_assert_cmpuint (codes[BAD_STATE], ==, 0);

  fixture_fail_nth_call (&f, 0);
  g_assert_cmpint (do_clear (&f), ==, OK);
  fixture_clear (&f);
}

static void
test_random (void)
{
  random_operations (0x5eed, 3000, FALSE);
  random_operations (20240601, 3000, FALSE);
}

static void
test_random_failures (void)
{
  random_operations (0xfa11, 3000, TRUE);
  random_operations (77, 3000, TRUE);
}

/* Many areas ----------------------------------------------------------------- */

/* N_LARGE areas, each split in two: the set holds 200,000 areas. */
#define N_LARGE 100000
#define LARGE_STRIDE 0x10
/* The areas of k from PROTECT_K0 to PROTECT_K1 are protected, those of
 * k from UNMAP_K0 to UNMAP_K1 unmapped, both ranges starting and ending
 * inside areas. */
#define PROTECT_K0 1000
#define PROTECT_K1 30000
#define UNMAP_K0 40000
#define UNMAP_K1 70000

static void
test_large (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (N_LARGE * LARGE_STRIDE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(MsMemoryArea) first_kept = NULL;
  g_autoptr(MsMemoryArea) last_cleared = NULL;
  GObject *pt = G_OBJECT (table);
  const guint64 protect_from = PROTECT_K0 * LARGE_STRIDE + 1;
  const guint64 protect_to = PROTECT_K1 * LARGE_STRIDE + 5;
  /* Both areas of every k in [PROTECT_K0, PROTECT_K1]. */
  const guint n_protected = 2 * (PROTECT_K1 - PROTECT_K0 + 1);
  /* The right area of UNMAP_K0 and both of the k between. */
  const guint n_after_unmap = 2 * N_LARGE + 2 - (1 + 2 * (UNMAP_K1 - UNMAP_K0 - 1));
  const guint n_cleared = 50000;
  guint64 out = 0;

  /* [k * 0x10, + 8) flags 1. */
  for (guint64 k = 0; k < N_LARGE; k++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new (k * LARGE_STRIDE, 8, 1,
                                                         MS_MAPPING_BACKEND (backend));

      if (!ms_memory_set_map (set, area, pt, FALSE, &error))
        g_error ("map %" G_GUINT64_FORMAT ": %s", k, error->message);
    }
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, N_LARGE);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, N_LARGE);
  ms_test_backend_reset_calls (backend);

  g_assert_true (ms_memory_set_find_free_area (set, 0, 8, 0, N_LARGE * LARGE_STRIDE, 8, &out));
  g_assert_cmphex (out, ==, 8);
  g_assert_false (ms_memory_set_find_free_area (set, 0, 9, 0, N_LARGE * LARGE_STRIDE, 1, &out));
  g_assert_true (ms_memory_set_find_free_area (set, 0, 9, 0, TOP, 1, &out));
  g_assert_cmphex (out, ==, N_LARGE * LARGE_STRIDE - 8);

  /* Split every area: [k * 0x10, + 2) and [k * 0x10 + 4, + 4). */
  for (guint64 k = 0; k < N_LARGE; k++)
    if (!ms_memory_set_unmap (set, k * LARGE_STRIDE + 2, 2, pt, &error))
      g_error ("unmap %" G_GUINT64_FORMAT ": %s", k, error->message);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 200000);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, N_LARGE);
  ms_test_assert_set_matches_table (set, table);
  ms_test_backend_reset_calls (backend);

  for (guint64 k = 0; k < N_LARGE; k += 997)
    {
      MsMemoryArea *left = ms_memory_set_find (set, k * LARGE_STRIDE + 1);
      MsMemoryArea *right = ms_memory_set_find (set, k * LARGE_STRIDE + 7);

      assert_area_is (left, k * LARGE_STRIDE, k * LARGE_STRIDE + 2, 1);
      assert_area_is (right, k * LARGE_STRIDE + 4, k * LARGE_STRIDE + 8, 1);
      g_assert_null (ms_memory_set_find (set, k * LARGE_STRIDE + 2));
      g_assert_null (ms_memory_set_find (set, k * LARGE_STRIDE + 9));
    }

  /* Protect a range that starts and ends inside areas: the two areas at
   * its ends split, the others change whole. */
  if (!ms_memory_set_protect (set, protect_from, protect_to - protect_from, 2, pt, &error))
    g_error ("protect: %s", error->message);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 2 * N_LARGE + 2);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, n_protected);
  ms_test_backend_reset_calls (backend);

  assert_area_is (ms_memory_set_find (set, protect_from - 1), protect_from - 1, protect_from, 1);
  assert_area_is (ms_memory_set_find (set, protect_from), protect_from, protect_from + 1, 2);
  assert_area_is (ms_memory_set_find (set, protect_to - 1), protect_to - 1, protect_to, 2);
  assert_area_is (ms_memory_set_find (set, protect_to), protect_to, protect_to + 3, 1);
  for (guint64 k = PROTECT_K0 + 1; k < PROTECT_K1; k += 1009)
    {
      assert_area_is (ms_memory_set_find (set, k * LARGE_STRIDE), k * LARGE_STRIDE,
                      k * LARGE_STRIDE + 2, 2);
      assert_area_is (ms_memory_set_find (set, k * LARGE_STRIDE + 4), k * LARGE_STRIDE + 4,
                      k * LARGE_STRIDE + 8, 2);
    }

  /* Everything back to 1: only the protected areas change. */
  if (!ms_memory_set_protect (set, 0, N_LARGE * LARGE_STRIDE, 1, pt, &error))
    g_error ("protect: %s", error->message);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 2 * N_LARGE + 2);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, n_protected);
  ms_test_assert_set_matches_table (set, table);
  ms_test_backend_reset_calls (backend);

  /* Unmap a big range in the middle. */
  if (!ms_memory_set_unmap (set, UNMAP_K0 * LARGE_STRIDE + 1,
                            (UNMAP_K1 - UNMAP_K0) * LARGE_STRIDE, pt, &error))
    g_error ("unmap: %s", error->message);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, n_after_unmap);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 1 + 2 * (UNMAP_K1 - UNMAP_K0));
  assert_area_is (ms_memory_set_find (set, UNMAP_K0 * LARGE_STRIDE),
                  UNMAP_K0 * LARGE_STRIDE, UNMAP_K0 * LARGE_STRIDE + 1, 1);
  g_assert_null (ms_memory_set_find (set, UNMAP_K0 * LARGE_STRIDE + 1));
  g_assert_null (ms_memory_set_find (set, UNMAP_K1 * LARGE_STRIDE));
  assert_area_is (ms_memory_set_find (set, UNMAP_K1 * LARGE_STRIDE + 1),
                  UNMAP_K1 * LARGE_STRIDE + 1, UNMAP_K1 * LARGE_STRIDE + 2, 1);
  ms_test_backend_reset_calls (backend);

  /* A clear that fails half-way, then one that ends it. */
  areas = ms_memory_set_get_areas (set);
  g_assert_cmpuint (areas->len, ==, n_after_unmap);
  last_cleared = ms_memory_area_ref (areas->pdata[n_cleared - 1]);
  first_kept = ms_memory_area_ref (areas->pdata[n_cleared]);
  g_clear_pointer (&areas, g_ptr_array_unref);
  ms_test_backend_fail_nth_call (backend, n_cleared + 1);
  g_assert_false (ms_memory_set_clear (set, pt, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, n_after_unmap - n_cleared);
  g_assert_null (ms_memory_set_find (set, ms_memory_area_get_start (last_cleared)));
  g_assert_true (ms_memory_set_find (set, ms_memory_area_get_start (first_kept)) == first_kept);
  ms_test_assert_set_matches_table (set, table);
  ms_test_backend_reset_calls (backend);

  if (!ms_memory_set_clear (set, pt, &error))
    g_error ("clear: %s", error->message);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, n_after_unmap - n_cleared);
  g_assert_true (ms_memory_set_is_empty (set));
  ms_test_assert_set_matches_table (set, table);
}

/* The error domain ------------------------------------------------------- */

static void
test_error_domain (void)
{
  GEnumClass *klass;

  g_assert_cmpstr (g_quark_to_string (MS_MAPPING_ERROR), ==, "ms-mapping-error-quark");
  g_assert_true (ms_mapping_error_quark () == MS_MAPPING_ERROR);

  g_assert_true (G_TYPE_IS_ENUM (MS_TYPE_MAPPING_ERROR));
  klass = g_type_class_ref (MS_TYPE_MAPPING_ERROR);
  g_assert_cmpint (g_enum_get_value (klass, MS_MAPPING_ERROR_INVALID_PARAM)->value, ==, 0);
  g_assert_cmpint (g_enum_get_value (klass, MS_MAPPING_ERROR_ALREADY_EXISTS)->value, ==, 1);
  g_assert_cmpint (g_enum_get_value (klass, MS_MAPPING_ERROR_BAD_STATE)->value, ==, 2);
  g_assert_cmpstr (g_enum_get_value (klass, MS_MAPPING_ERROR_BAD_STATE)->value_nick, ==, "bad-state");
  g_type_class_unref (klass);
}

int
main (int   argc,
      char *argv[])
{
  static const struct {
    const char   *name;
    ScenarioFunc  func;
  } scenarios[] = {
    { "readme-example", scenario_readme_example },
    { "map-unmap", scenario_map_unmap },
    { "unmap-split", scenario_unmap_split },
    { "protect", scenario_protect },
    { "find-free-area", scenario_find_free_area },
    { "holes", scenario_holes },
  };

  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scenarios); i++)
    {
      g_autofree char *path = g_strdup_printf ("/memory-set/upstream/%s", scenarios[i].name);
      g_autofree char *failures = g_strdup_printf ("/memory-set/failures/every-call/%s", scenarios[i].name);

      if (scenarios[i].func == scenario_holes)
        {
          g_free (path);
          path = g_strdup ("/memory-set/holes");
        }
      g_test_add (path, Fixture, scenarios[i].func,
                  fixture_setup, test_scenario, fixture_teardown);
      g_test_add_data_func (failures, scenarios[i].func, test_scenario_failures);
    }

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_NO_TABLE(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup_no_table, func, fixture_teardown)

  ADD ("/memory-set/map/invalid", test_map_invalid);
  ADD_NO_TABLE ("/memory-set/map/top", test_map_top);
  ADD ("/memory-set/map/already-exists", test_map_already_exists);
  ADD ("/memory-set/map/unmap-overlap", test_map_unmap_overlap);
  ADD ("/memory-set/map/keeps-reference", test_map_keeps_reference);
  ADD ("/memory-set/unmap/empty", test_unmap_empty);
  ADD ("/memory-set/unmap/overflow", test_unmap_overflow);
  ADD ("/memory-set/unmap/holes", test_unmap_holes);
  ADD ("/memory-set/unmap/shapes", test_unmap_shapes);
  ADD ("/memory-set/unmap/backends", test_unmap_backends);
  ADD ("/memory-set/protect/empty", test_protect_empty);
  ADD ("/memory-set/protect/overflow", test_protect_overflow);
  ADD ("/memory-set/protect/holes", test_protect_holes);
  ADD ("/memory-set/protect/equal-flags", test_protect_equal_flags);
  ADD ("/memory-set/protect/with", test_protect_with);
  ADD ("/memory-set/protect/inside", test_protect_inside);
  ADD ("/memory-set/clear", test_clear);
  ADD ("/memory-set/held-areas", test_held_areas);
  ADD ("/memory-set/find", test_find);
  ADD_NO_TABLE ("/memory-set/find/top", test_find_top);
  ADD ("/memory-set/overlaps", test_overlaps);
  ADD_NO_TABLE ("/memory-set/overlaps/top", test_overlaps_top);
  ADD ("/memory-set/find-free-area/limit", test_find_free_area_limit);
  ADD ("/memory-set/find-free-area/params", test_find_free_area_params);
  ADD ("/memory-set/find-free-area/holes", test_find_free_area_holes);
  ADD_NO_TABLE ("/memory-set/find-free-area/top", test_find_free_area_top);
  ADD ("/memory-set/n-areas", test_n_areas);
  g_test_add_func ("/memory-set/n-areas/pspec", test_n_areas_pspec);
  ADD ("/memory-set/get-areas", test_get_areas);
  ADD ("/memory-set/foreach", test_foreach);
  ADD ("/memory-set/missing-methods", test_missing_methods);
  ADD ("/memory-set/preconditions", test_preconditions);
  ADD ("/memory-set/failures/unmap", test_failure_unmap);
  ADD ("/memory-set/failures/protect", test_failure_protect);
  ADD ("/memory-set/failures/map", test_failure_map);
  ADD ("/memory-set/failures/clear", test_failure_clear);
  g_test_add_func ("/memory-set/random", test_random);
  g_test_add_func ("/memory-set/random/failures", test_random_failures);
  g_test_add_func ("/memory-set/large", test_large);
  g_test_add_func ("/memory-set/error-domain", test_error_domain);

  return g_test_run ();
}
