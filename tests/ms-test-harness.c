/* ms-test-harness.c: a set and its reference model, driven together
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-harness.h"

#include <string.h>

#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"

typedef struct {
  MsMemoryArea *area;      /* owned */
  MsModelArea   was;
} Held;

struct _MsTestHarness
{
  MsMemorySet      *set;
  MsModel          *model;
  MsTestJournal     journal;
  GPtrArray        *test_backends;  /* of MsTestBackend */
  GPtrArray        *backends;       /* what the areas use: the test backends, or
                                     * partial ones without move */
  GArray           *asked;          /* of guint64: the update function's old flags */
  GArray           *held;           /* of Held */
  guint             n_notify;
  gboolean          failed;
  char             *context;
  GObject          *page_table;     /* owned, or NULL */
  gboolean          reenter;
  guint             n_reentries;
  gboolean          unseen_calls;   /* a backend without a journal */
};

#define FAIL(self, ...) \
  g_error ("%s: %s", (self)->context != NULL ? (self)->context : "", g_strdup_printf (__VA_ARGS__))

static const char * const call_names[] = { "map", "unmap", "protect", "move" };

static gboolean
keep_flags (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  *new_flags = old_flags;
  return TRUE;
}

static gboolean
count_area (MsMemoryArea *area,
            gpointer      user_data)
{
  (*(guint *) user_data)++;
  return FALSE;
}

static gboolean
check_gap_is_free (guint64  start,
                   guint64  size,
                   gpointer user_data)
{
  MsMemorySet *set = user_data;

  g_assert_false (ms_memory_set_overlaps (set, start, size));
  return FALSE;
}

void
ms_test_assert_area (MsMemorySet      *set,
                     guint64           start,
                     guint64           end,
                     guint64           flags,
                     guint64           offset,
                     const char       *name,
                     MsMappingBackend *backend)
{
  MsMemoryArea *area = ms_memory_set_find (set, start);

  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
  g_assert_cmphex (ms_memory_area_get_offset (area), ==, offset);
  g_assert_cmpstr (ms_memory_area_get_name (area), ==, name);
  g_assert_true (ms_memory_area_get_backend (area) == backend);
}

void
ms_test_check_lookups (MsMemorySet *set)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  guint64 prev_end = 0, start;
  guint n_seen = 0;

  g_assert_cmpuint (areas->len, ==, ms_memory_set_get_n_areas (set));
  ms_memory_set_foreach (set, count_area, &n_seen);
  g_assert_cmpuint (n_seen, ==, areas->len);
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = areas->pdata[i];

      g_assert_cmphex (ms_memory_area_get_start (area), >=, prev_end);
      g_assert_true (ms_memory_set_find (set, ms_memory_area_get_start (area)) == area);
      g_assert_true (ms_memory_set_find (set, ms_memory_area_get_end (area) - 1) == area);
      g_assert_true (ms_memory_set_overlaps (set, ms_memory_area_get_start (area), 1));
      prev_end = ms_memory_area_get_end (area);
    }
  ms_memory_set_foreach_gap (set, 0, G_MAXUINT64, check_gap_is_free, set);
  for (guint64 size = 0x100; size <= 0x100000; size <<= 4)
    {
      if (ms_memory_set_find_free_area (set, 0, size, 0, G_MAXUINT64, size, &start))
        g_assert_false (ms_memory_set_overlaps (set, start, size));
      if (ms_memory_set_find_free_area (set, 0, size, 0, G_MAXUINT64, 0x100, &start))
        g_assert_false (ms_memory_set_overlaps (set, start, size));
      if (ms_memory_set_find_free_area_top_down (set, size, 0, G_MAXUINT64, size, &start))
        g_assert_false (ms_memory_set_overlaps (set, start, size));
    }
}

void
ms_test_probe_busy_set (MsMemorySet      *set,
                        MsMappingBackend *backend)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0, 0x1000, 1, backend);
  guint n_areas = ms_memory_set_get_n_areas (set);
  /* Looking at every area costs: large sets are only asked for changes. */
  gboolean look = n_areas <= 64;
  g_autoptr(GPtrArray) before = look ? ms_memory_set_get_areas (set) : NULL;
  g_autoptr(GPtrArray) after = NULL;

  for (guint change = 0; change < 11; change++)
    {
      g_autoptr(GError) error = NULL;
      gboolean done = TRUE;

      switch (change)
        {
        case 0: done = ms_memory_set_map (set, area, NULL, FALSE, &error); break;
        case 1: done = ms_memory_set_map (set, area, NULL, TRUE, &error); break;
        case 2: done = ms_memory_set_unmap (set, 0, G_MAXUINT64, NULL, &error); break;
        case 3: done = ms_memory_set_protect (set, 0, G_MAXUINT64, 2, NULL, &error); break;
        case 4: done = ms_memory_set_protect_with (set, 0, G_MAXUINT64, NULL, keep_flags, NULL, &error); break;
        case 5: done = ms_memory_set_remap (set, 0, 0x1000, 0x10000, 0x1000, NULL, &error); break;
        case 6: done = ms_memory_set_clear (set, NULL, &error); break;
        case 7: done = ms_memory_set_split (set, 0x800, &error); break;
        case 8: done = ms_memory_set_join (set, 0x1000, &error); break;
        case 9: done = ms_memory_set_set_offsets (set, 0, G_MAXUINT64 / 2, 1, &error); break;
        default: done = ms_memory_set_load_maps (set, "0-1000 rw-p\n", backend, NULL, &error); break;
        }
      g_assert_false (done);
      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BUSY);
      g_assert_nonnull (strstr (error->message, "another operation"));
    }

  /* Nothing changed, and every way of looking agrees. */
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, n_areas);
  if (!look)
    return;
  after = ms_memory_set_get_areas (set);
  g_assert_cmpuint (after->len, ==, before->len);
  for (guint i = 0; i < before->len; i++)
    g_assert_true (after->pdata[i] == before->pdata[i]);
  ms_test_check_lookups (set);
}

/* Re-enters the set from inside one of its calls: nothing may reach a
 * backend or change. */
static void
reenter (MsTestHarness *self)
{
  guint n_calls = self->journal.calls->len;

  if (!self->reenter)
    return;
  self->n_reentries++;
  ms_test_probe_busy_set (self->set, self->backends->pdata[0]);
  if (self->journal.calls->len != n_calls)
    FAIL (self, "a change refused as BUSY called a backend");
}

static void
reenter_hook (MsTestCallKind kind,
              guint64        start,
              guint64        size,
              gpointer       data)
{
  reenter (data);
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  ((MsTestHarness *) user_data)->n_notify++;
  reenter (user_data);
}

static void
held_clear (gpointer data)
{
  ms_memory_area_unref (((Held *) data)->area);
}

MsTestHarness *
ms_test_harness_new (guint n_backends,
                     guint no_move)
{
  MsTestHarness *self = g_new0 (MsTestHarness, 1);

  self->set = ms_memory_set_new ();
  self->model = ms_model_new (n_backends, no_move);
  self->journal.calls = g_array_new (FALSE, FALSE, sizeof (MsTestCall));
  self->test_backends = g_ptr_array_new_with_free_func (g_object_unref);
  self->backends = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n_backends; i++)
    {
      MsTestBackend *backend = ms_test_backend_new ();

      ms_test_backend_set_journal (backend, &self->journal, i);
      ms_test_backend_set_hook (backend, reenter_hook, self);
      g_ptr_array_add (self->test_backends, backend);
      if (no_move & (1u << i))
        g_ptr_array_add (self->backends,
                         ms_test_partial_backend_new (MS_TEST_METHOD_MAP | MS_TEST_METHOD_UNMAP |
                                                      MS_TEST_METHOD_PROTECT, backend));
      else
        g_ptr_array_add (self->backends, g_object_ref (backend));
    }
  self->asked = g_array_new (FALSE, FALSE, sizeof (guint64));
  self->held = g_array_new (FALSE, FALSE, sizeof (Held));
  g_array_set_clear_func (self->held, held_clear);
  g_signal_connect (self->set, "notify::n-areas", G_CALLBACK (count_notify), self);
  return self;
}

MsTestHarness *
ms_test_harness_new_for_backend (MsMappingBackend *backend)
{
  MsTestHarness *self = ms_test_harness_new (0, 0);

  ms_model_free (self->model);
  self->model = ms_model_new (1, 0);
  g_ptr_array_add (self->backends, g_object_ref (backend));
  self->unseen_calls = TRUE;
  return self;
}

void
ms_test_harness_free (MsTestHarness *self)
{
  g_clear_object (&self->set);
  ms_model_free (self->model);
  g_array_unref (self->journal.calls);
  g_array_unref (self->held);
  g_ptr_array_unref (self->backends);
  g_ptr_array_unref (self->test_backends);
  g_array_unref (self->asked);
  g_free (self->context);
  g_clear_object (&self->page_table);
  g_free (self);
}

void
ms_test_harness_use_page_table (MsTestHarness   *self,
                                MsTestPageTable *table)
{
  g_set_object (&self->page_table, G_OBJECT (table));
}

MsMemorySet *
ms_test_harness_get_set (MsTestHarness *self)
{
  return self->set;
}

MsModel *
ms_test_harness_get_model (MsTestHarness *self)
{
  return self->model;
}

MsMappingBackend *
ms_test_harness_get_backend (MsTestHarness *self,
                             guint          index)
{
  return self->backends->pdata[index];
}

const GArray *
ms_test_harness_get_calls (MsTestHarness *self)
{
  return self->journal.calls;
}

void
ms_test_harness_set_context (MsTestHarness *self,
                             const char    *context)
{
  g_free (self->context);
  self->context = g_strdup (context);
}

void
ms_test_harness_set_reenter (MsTestHarness *self,
                             gboolean       reenter)
{
  self->reenter = reenter;
}

guint
ms_test_harness_get_n_reentries (MsTestHarness *self)
{
  return self->n_reentries;
}

void
ms_test_harness_fail_call (MsTestHarness *self,
                           guint          n)
{
  g_assert_false (self->unseen_calls);
  self->journal.fail_at = n;
}

gboolean
ms_test_harness_failed (MsTestHarness *self)
{
  return self->failed;
}


static guint
backend_index (MsTestHarness    *self,
               MsMappingBackend *backend)
{
  guint index;

  if (!g_ptr_array_find (self->backends, backend, &index))
    FAIL (self, "an area has a backend the harness did not make");
  return index;
}

static MsModelArea
area_of (MsTestHarness *self,
         MsMemoryArea  *area)
{
  return (MsModelArea) {
    ms_memory_area_get_start (area), ms_memory_area_get_end (area), ms_memory_area_get_flags (area),
    backend_index (self, ms_memory_area_get_backend (area)), ms_memory_area_get_offset (area),
    g_intern_string (ms_memory_area_get_name (area)),
  };
}

static gboolean
areas_equal (const MsModelArea *a,
             const MsModelArea *b)
{
  return a->start == b->start && a->end == b->end && a->flags == b->flags &&
         a->backend == b->backend && a->offset == b->offset && a->name == b->name;
}

static char *
describe (const MsModelArea *a)
{
  return g_strdup_printf ("[" ADDR_FORMAT ", " ADDR_FORMAT ") flags " ADDR_FORMAT
                          " backend %u offset " ADDR_FORMAT " name %s",
                          a->start, a->end, a->flags, a->backend, a->offset,
                          a->name != NULL ? a->name : "(none)");
}

/* The set's areas, as the model writes them. */
static GArray *
set_areas (MsTestHarness *self)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (self->set);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (MsModelArea));

  for (guint i = 0; i < areas->len; i++)
    {
      MsModelArea a = area_of (self, areas->pdata[i]);

      g_array_append_val (out, a);
    }
  return out;
}

static void
compare_area_lists (MsTestHarness *self,
                    const char    *what,
                    GArray        *got,
                    GArray        *want)
{
  for (guint i = 0; i < MIN (got->len, want->len); i++)
    {
      MsModelArea *g = &g_array_index (got, MsModelArea, i);
      MsModelArea *w = &g_array_index (want, MsModelArea, i);

      if (!areas_equal (g, w))
        {
          g_autofree char *gs = describe (g), *ws = describe (w);

          FAIL (self, "%s %u: the set has %s, the model %s", what, i, gs, ws);
        }
    }
  if (got->len != want->len)
    FAIL (self, "%s: the set has %u, the model %u", what, got->len, want->len);
}

static void
compare_areas (MsTestHarness *self)
{
  g_autoptr(GArray) got = set_areas (self);
  g_autoptr(GArray) want = ms_model_get_areas (self->model);
  guint n_prop = 0;

  compare_area_lists (self, "areas", got, want);
  g_object_get (self->set, "n-areas", &n_prop, NULL);
  g_assert_cmpuint (n_prop, ==, want->len);
  g_assert_cmpuint (ms_memory_set_get_n_areas (self->set), ==, want->len);
  g_assert_cmpint (ms_memory_set_is_empty (self->set), ==, want->len == 0);
  g_assert_cmphex (ms_memory_set_get_mapped_size (self->set), ==,
                   ms_model_get_mapped_size (self->model));

  for (guint i = 0; i < self->held->len; i++)
    {
      Held *h = &g_array_index (self->held, Held, i);
      MsModelArea now = area_of (self, h->area);

      if (!areas_equal (&now, &h->was))
        {
          g_autofree char *ns = describe (&now), *ws = describe (&h->was);

          FAIL (self, "a held area changed: it was %s, it is %s", ws, ns);
        }
    }
}

static void
compare_calls (MsTestHarness *self)
{
  GArray *want = ms_model_get_calls (self->model);
  GArray *got = self->journal.calls;

  if (self->unseen_calls)
    return;

  for (guint i = 0; i < MAX (got->len, want->len); i++)
    {
      const MsTestCall *g = i < got->len ? &g_array_index (got, MsTestCall, i) : NULL;
      const MsModelCall *w = i < want->len ? &g_array_index (want, MsModelCall, i) : NULL;

      if (g == NULL || w == NULL || (guint) g->kind != (guint) w->kind || g->backend != w->backend ||
          g->start != w->start || g->size != w->size || g->flags != w->arg ||
          g->succeeded != w->succeeded)
        FAIL (self, "backend call %u: the set made %s%s " ADDR_FORMAT " " ADDR_FORMAT " " ADDR_FORMAT
              " (backend %u, %s), the model %s%s " ADDR_FORMAT " " ADDR_FORMAT " " ADDR_FORMAT
              " (backend %u, %s)", i,
              g != NULL ? "" : "none", g != NULL ? call_names[g->kind] : "",
              g != NULL ? g->start : 0, g != NULL ? g->size : 0, g != NULL ? g->flags : 0,
              g != NULL ? g->backend : 0, g != NULL && g->succeeded ? "done" : "refused",
              w != NULL ? "" : "none", w != NULL ? call_names[w->kind] : "",
              w != NULL ? w->start : 0, w != NULL ? w->size : 0, w != NULL ? w->arg : 0,
              w != NULL ? w->backend : 0, w != NULL && w->succeeded ? "done" : "refused");
    }

  for (guint i = 0; i < want->len; i++)
    if (!g_array_index (want, MsModelCall, i).succeeded)
      self->failed = TRUE;
}

static void
begin (MsTestHarness *self)
{
  ms_model_begin (self->model, self->journal.fail_at);
  g_array_set_size (self->journal.calls, 0);
  g_array_set_size (self->asked, 0);
  for (guint i = 0; i < self->test_backends->len; i++)
    ms_test_backend_reset_calls (self->test_backends->pdata[i]);
}

/* Compares what the set did with what the model says, after one
 * operation that gave @done and @error, the model @want. */
static int
finish (MsTestHarness *self,
        const char    *operation,
        gboolean       done,
        GError        *error,
        int            want,
        guint          n_notify_before,
        guint          n_before)
{
  int got = done ? MS_MODEL_OK : error->code;

  self->journal.fail_at = 0;

  g_assert_cmpint (done, ==, error == NULL);
  if (error != NULL && error->domain != MS_MAPPING_ERROR)
    FAIL (self, "%s: an error of another domain: %s", operation, error->message);
  if (got != want)
    FAIL (self, "%s: the set gives %d (%s), the model %d", operation, got,
          error != NULL ? error->message : "success", want);

  compare_calls (self);

  /* A backend's reason reaches the caller, after the operation and the
   * range it was asked for. */
  if (got == MS_MAPPING_ERROR_BAD_STATE && self->journal.calls->len > 0)
    {
      const MsTestCall *last = &g_array_index (self->journal.calls, MsTestCall,
                                               self->journal.calls->len - 1);
      g_autofree char *prefix = g_strdup_printf ("Failed to %s [" ADDR_FORMAT ", " ADDR_FORMAT "): ",
                                                 call_names[last->kind], last->start,
                                                 last->start + last->size);

      /* load_maps names the line first. */
      const char *message = g_str_equal (operation, "load_maps") && g_str_has_prefix (error->message, "Line ")
                            ? strstr (error->message, ": ") + 2 : error->message;

      if (!last->succeeded && (!g_str_has_prefix (message, prefix) ||
                               strstr (message, MS_TEST_INJECTED_FAILURE) == NULL))
        FAIL (self, "%s: the message “%s” does not give the backend's reason after “%s”",
              operation, error->message, prefix);
    }

  if (ms_memory_set_get_n_areas (self->set) != n_before)
    g_assert_cmpuint (self->n_notify, ==, n_notify_before + 1);
  else
    g_assert_cmpuint (self->n_notify, ==, n_notify_before);

  compare_areas (self);
  return got;
}

#define RUN(self, operation, model_call, set_call) G_STMT_START {                       \
    g_autoptr(GError) error_ = NULL;                                                    \
    guint n_notify_ = (self)->n_notify, n_before_ = ms_memory_set_get_n_areas ((self)->set); \
    int want_;                                                                          \
    gboolean done_;                                                                     \
                                                                                        \
    begin (self);                                                                       \
    want_ = (model_call);                                                               \
    done_ = (set_call);                                                                 \
    return finish ((self), (operation), done_, error_, want_, n_notify_, n_before_);    \
  } G_STMT_END

int
ms_test_harness_map (MsTestHarness *self,
                     guint64        start,
                     guint64        size,
                     guint64        flags,
                     guint          backend,
                     guint64        offset,
                     const char    *name,
                     gboolean       unmap_overlap)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new_full (start, size, flags, self->backends->pdata[backend],
                                                          offset, name);

  RUN (self, "map",
       ms_model_map (self->model, start, size, flags, backend, offset, name, unmap_overlap),
       ms_memory_set_map (self->set, area, self->page_table, unmap_overlap, &error_));
}

int
ms_test_harness_unmap (MsTestHarness *self,
                       guint64        start,
                       guint64        size)
{
  RUN (self, "unmap", ms_model_unmap (self->model, start, size),
       ms_memory_set_unmap (self->set, start, size, self->page_table, &error_));
}

typedef struct {
  MsTestHarness     *self;
  MsUpdateFlagsFunc  func;
  gpointer           user_data;
} FuncData;

static gboolean
recorded_func (guint64   old_flags,
               guint64  *new_flags,
               gpointer  user_data)
{
  FuncData *data = user_data;

  g_array_append_val (data->self->asked, old_flags);
  reenter (data->self);
  return data->func (old_flags, new_flags, data->user_data);
}

int
ms_test_harness_protect_with_func (MsTestHarness     *self,
                                   guint64            start,
                                   guint64            size,
                                   MsUpdateFlagsFunc  func,
                                   gpointer           user_data)
{
  FuncData data = { self, func, user_data };
  g_autoptr(GError) error = NULL;
  guint n_notify = self->n_notify, n_before = ms_memory_set_get_n_areas (self->set);
  int want, got;
  gboolean done;
  GArray *asked;

  begin (self);
  want = ms_model_protect_with_func (self->model, start, size, func, user_data);
  done = ms_memory_set_protect_with (self->set, start, size, self->page_table, recorded_func, &data,
                                     &error);
  got = finish (self, "protect_with", done, error, want, n_notify, n_before);

  asked = ms_model_get_asked (self->model);
  if (asked->len != self->asked->len ||
      (asked->len > 0 && memcmp (asked->data, self->asked->data, asked->len * sizeof (guint64)) != 0))
    FAIL (self, "protect_with asked its function %u times, the model %u (or other flags)",
          self->asked->len, asked->len);
  return got;
}

int
ms_test_harness_protect_with (MsTestHarness *self,
                              guint64        start,
                              guint64        size,
                              MsModelUpdate  update,
                              guint64        param)
{
  MsModelNamedUpdate data = { update, param };

  return ms_test_harness_protect_with_func (self, start, size, ms_model_named_update, &data);
}

int
ms_test_harness_protect (MsTestHarness *self,
                         guint64        start,
                         guint64        size,
                         guint64        flags)
{
  g_autoptr(GError) error = NULL;
  guint n_notify = self->n_notify, n_before = ms_memory_set_get_n_areas (self->set);
  gboolean done;
  int want;

  /* protect is protect_with with a function that always answers @flags. */
  begin (self);
  want = ms_model_protect_with (self->model, start, size, MS_MODEL_UPDATE_SET, flags);
  done = ms_memory_set_protect (self->set, start, size, flags, self->page_table, &error);
  return finish (self, "protect", done, error, want, n_notify, n_before);
}

int
ms_test_harness_clear (MsTestHarness *self)
{
  RUN (self, "clear", ms_model_clear (self->model), ms_memory_set_clear (self->set, self->page_table, &error_));
}

int
ms_test_harness_remap (MsTestHarness *self,
                       guint64        old_start,
                       guint64        old_size,
                       guint64        new_start,
                       guint64        new_size)
{
  RUN (self, "remap", ms_model_remap (self->model, old_start, old_size, new_start, new_size),
       ms_memory_set_remap (self->set, old_start, old_size, new_start, new_size, self->page_table, &error_));
}

int
ms_test_harness_split (MsTestHarness *self,
                       guint64        addr)
{
  RUN (self, "split", ms_model_split (self->model, addr),
       ms_memory_set_split (self->set, addr, &error_));
}

int
ms_test_harness_join (MsTestHarness *self,
                      guint64        addr)
{
  RUN (self, "join", ms_model_join (self->model, addr),
       ms_memory_set_join (self->set, addr, &error_));
}

int
ms_test_harness_set_offsets (MsTestHarness *self,
                             guint64        start,
                             guint64        size,
                             guint64        offset)
{
  RUN (self, "set_offsets", ms_model_set_offsets (self->model, start, size, offset),
       ms_memory_set_set_offsets (self->set, start, size, offset, &error_));
}

/* The areas as maps text, in the kernel's layout, offsets and names
 * included. */
static char *
maps_text (const MsModelArea *areas,
           guint              n_areas)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n_areas; i++)
    {
      g_string_append_printf (text, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x 0x%"
                              G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x 00:00 0",
                              areas[i].start, areas[i].end, areas[i].flags, areas[i].offset);
      if (areas[i].name != NULL)
        g_string_append_printf (text, "   %s", areas[i].name);
      g_string_append_c (text, '\n');
    }
  return g_string_free (text, FALSE);
}

int
ms_test_harness_load (MsTestHarness     *self,
                      const MsModelArea *areas,
                      guint              n_areas,
                      guint              backend)
{
  g_autofree char *text = maps_text (areas, n_areas);
  g_autoptr(GError) error = NULL;
  guint n_notify = self->n_notify, n_before = ms_memory_set_get_n_areas (self->set);
  guint failed = 0;
  gboolean done;
  int want, got;

  begin (self);
  want = ms_model_load (self->model, areas, n_areas, backend, &failed);
  done = ms_memory_set_load_maps (self->set, text, self->backends->pdata[backend], self->page_table, &error);
  got = finish (self, "load_maps", done, error, want, n_notify, n_before);

  /* The error names the line it is about. */
  if (error != NULL && want != MS_MAPPING_ERROR_BAD_STATE)
    {
      g_autofree char *prefix = g_strdup_printf ("Line %u: ", failed + 1);

      if (!g_str_has_prefix (error->message, prefix))
        FAIL (self, "load_maps: “%s” does not start with “%s”", error->message, prefix);
    }
  return got;
}

void
ms_test_harness_set_merge (MsTestHarness *self,
                           gboolean       merge)
{
  guint n_notify = self->n_notify, n_before = ms_memory_set_get_n_areas (self->set);

  begin (self);
  ms_model_set_merge (self->model, merge);
  ms_memory_set_set_merge_adjacent (self->set, merge);
  finish (self, "merge-adjacent", TRUE, NULL, MS_MODEL_OK, n_notify, n_before);
}

void
ms_test_harness_set_limit (MsTestHarness *self,
                           guint          max_areas)
{
  ms_model_set_limit (self->model, max_areas);
  ms_memory_set_set_max_areas (self->set, max_areas);
}

void
ms_test_harness_hold (MsTestHarness *self,
                      guint64        addr)
{
  MsMemoryArea *area = ms_memory_set_find (self->set, addr);
  Held held;

  if (area == NULL)
    return;
  held.area = ms_memory_area_ref (area);
  held.was = area_of (self, area);
  g_array_append_val (self->held, held);
  if (self->held->len > 16)
    g_array_remove_index (self->held, 0);
}

static void
check_queries (MsTestHarness *self,
               guint64        start,
               guint64        size)
{
  g_autoptr(GPtrArray) in = ms_memory_set_get_areas_in_range (self->set, start, size);
  g_autoptr(GArray) want_in = ms_model_areas_in_range (self->model, start, size);
  g_autoptr(GArray) got_in = g_array_new (FALSE, FALSE, sizeof (MsModelArea));

  for (guint i = 0; i < in->len; i++)
    {
      MsModelArea a = area_of (self, in->pdata[i]);

      g_array_append_val (got_in, a);
    }
  compare_area_lists (self, "areas in range", got_in, want_in);
  g_assert_cmpint (ms_memory_set_overlaps (self->set, start, size), ==,
                   ms_model_overlaps (self->model, start, size));

  /* The same areas as a table of numbers and a list of names. */
  for (guint columns = 3; columns <= 4; columns++)
    {
      g_autoptr(GBytes) table = ms_memory_set_get_area_table (self->set, start, size, columns == 4);
      g_autoptr(GPtrArray) names = ms_memory_set_get_area_names (self->set, start, size);
      gsize n_bytes;
      const guint64 *values = g_bytes_get_data (table, &n_bytes);

      if (n_bytes != want_in->len * columns * sizeof (guint64) || names->len != want_in->len)
        FAIL (self, "the table of [" ADDR_FORMAT ", +" ADDR_FORMAT ") has %" G_GSIZE_FORMAT
              " bytes and %u names for %u areas", start, size, n_bytes, names->len, want_in->len);
      for (guint i = 0; i < want_in->len; i++)
        {
          const MsModelArea *w = &g_array_index (want_in, MsModelArea, i);
          const guint64 *row = values + i * columns;

          if (row[0] != w->start || row[1] != w->end || row[2] != w->flags ||
              (columns == 4 && row[3] != w->offset) ||
              g_intern_string (names->pdata[i]) != w->name)
            FAIL (self, "row %u of the table of [" ADDR_FORMAT ", +" ADDR_FORMAT ") is not the area's",
                  i, start, size);
        }
    }
}

static gboolean
collect_gap (guint64  start,
             guint64  size,
             gpointer user_data)
{
  guint64 pair[2] = { start, size };

  g_array_append_vals (user_data, pair, 2);
  return FALSE;
}

static void
check_gaps (MsTestHarness *self,
            guint64        start,
            guint64        size)
{
  g_autoptr(GArray) want = ms_model_gaps_in_range (self->model, start, size);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (guint64));

  ms_memory_set_foreach_gap (self->set, start, size, collect_gap, got);
  if (got->len != want->len || (got->len > 0 && memcmp (got->data, want->data, got->len * sizeof (guint64)) != 0))
    FAIL (self, "gaps in [" ADDR_FORMAT ", +" ADDR_FORMAT "): the set gives %u, the model %u (or others)",
          start, size, got->len / 2, want->len / 2);
}

static void
check_searches (MsTestHarness *self,
                guint64        hint,
                guint64        limit_start,
                guint64        limit_end)
{
  static const guint64 aligns[] = { 1, 0x10, 0x1000, 0x200000 };

  for (guint a = 0; a < G_N_ELEMENTS (aligns); a++)
    for (guint64 blocks = 1; blocks <= 3; blocks++)
      {
        guint64 size = aligns[a] * blocks, got = 0, want = 0;
        gboolean found, expected;

        found = ms_memory_set_find_free_area (self->set, hint, size, limit_start, limit_end,
                                              aligns[a], &got);
        expected = ms_model_find_free_area (self->model, hint, size, limit_start, limit_end,
                                            aligns[a], &want);
        if (found != expected || (found && got != want))
          FAIL (self, "find_free_area (" ADDR_FORMAT ", " ADDR_FORMAT ", [" ADDR_FORMAT ", "
                ADDR_FORMAT "), " ADDR_FORMAT "): the set gives %d " ADDR_FORMAT ", the model %d "
                ADDR_FORMAT, hint, size, limit_start, limit_end, aligns[a], found, got, expected, want);

        found = ms_memory_set_find_free_area_top_down (self->set, size, limit_start, limit_end,
                                                       aligns[a], &got);
        expected = ms_model_find_free_area_top_down (self->model, size, limit_start, limit_end,
                                                     aligns[a], &want);
        if (found != expected || (found && got != want))
          FAIL (self, "find_free_area_top_down (" ADDR_FORMAT ", [" ADDR_FORMAT ", " ADDR_FORMAT
                "), " ADDR_FORMAT "): the set gives %d " ADDR_FORMAT ", the model %d " ADDR_FORMAT,
                size, limit_start, limit_end, aligns[a], found, got, expected, want);
      }
}

void
ms_test_harness_check (MsTestHarness *self)
{
  g_autoptr(GArray) points = ms_model_get_points (self->model);

  compare_areas (self);

  for (guint i = 0; i < points->len; i++)
    {
      guint64 p = g_array_index (points, guint64, i);
      guint64 next = i + 1 < points->len ? g_array_index (points, guint64, i + 1) : G_MAXUINT64;
      guint64 probes[] = { p, p - 1, p + 1, p + (next - p) / 2 };

      for (guint k = 0; k < G_N_ELEMENTS (probes); k++)
        {
          MsMemoryArea *found = ms_memory_set_find (self->set, probes[k]);
          MsModelArea want;
          gboolean expected = ms_model_find (self->model, probes[k], &want);

          if ((found != NULL) != expected)
            FAIL (self, "find (" ADDR_FORMAT "): the set %s, the model %s", probes[k],
                  found != NULL ? "finds an area" : "finds none", expected ? "one" : "none");
          if (found != NULL)
            {
              MsModelArea got = area_of (self, found);

              if (!areas_equal (&got, &want))
                FAIL (self, "find (" ADDR_FORMAT ") gives another area than the model", probes[k]);
            }
        }

      /* Ranges from here to a few boundaries on, and past the top. */
      for (guint j = i; j < MIN (points->len, i + 3); j++)
        {
          guint64 q = g_array_index (points, guint64, j);

          check_queries (self, p, q - p + 1);
          check_gaps (self, p, q - p + 1);
        }
      check_gaps (self, p, G_MAXUINT64);
      check_searches (self, p, 0, G_MAXUINT64);
      check_searches (self, 0, p, next);
    }
}

/* ---- scenarios ---- */

typedef struct {
  char   *verb;
  GStrv   args;
  guint   line;
} Step;

struct _MsTestScenario
{
  char   *name;
  GArray *steps;     /* of Step */
};

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_free (step->verb);
  g_strfreev (step->args);
}

static void
scenario_free (gpointer data)
{
  MsTestScenario *scenario = data;

  g_free (scenario->name);
  g_array_unref (scenario->steps);
  g_free (scenario);
}

GPtrArray *
ms_test_scenarios_load (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "scenarios.txt", NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *scenarios = g_ptr_array_new_with_free_func (scenario_free);
  MsTestScenario *current = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = NULL;
      char *hash = strchr (lines[i], '#');
      Step step;

      if (hash != NULL)
        *hash = '\0';
      words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      if (words[0] == NULL || words[0][0] == '\0')
        continue;

      if (g_str_equal (words[0], "scenario"))
        {
          current = g_new0 (MsTestScenario, 1);
          current->name = g_strdup (words[1]);
          current->steps = g_array_new (FALSE, FALSE, sizeof (Step));
          g_array_set_clear_func (current->steps, step_clear);
          g_ptr_array_add (scenarios, current);
          continue;
        }

      if (current == NULL)
        g_error ("scenarios.txt:%u: a step before the first scenario", i + 1);
      step.verb = g_strdup (words[0]);
      step.args = g_strdupv (words + 1);
      step.line = i + 1;
      g_array_append_val (current->steps, step);
    }

  return scenarios;
}

const char *
ms_test_scenario_get_name (MsTestScenario *scenario)
{
  return scenario->name;
}

static guint64
number (const Step *step,
        guint       i)
{
  const char *word = step->args[i];
  char *end = NULL;
  guint64 value;

  if (word == NULL)
    g_error ("scenarios.txt:%u: %s wants more numbers", step->line, step->verb);
  value = g_ascii_strtoull (word, &end, 0);
  if (*end != '\0')
    g_error ("scenarios.txt:%u: “%s” is not a number", step->line, word);
  return value;
}

static guint64
number_or (const Step *step,
           guint       i,
           guint64     fallback)
{
  return g_strv_length (step->args) > i ? number (step, i) : fallback;
}

static int
result_code (const Step *step)
{
  static const char * const names[] = {
    "invalid-param", "already-exists", "bad-state", "busy", "parse", "fault",
    "too-many-areas", "not-mapped",
  };

  if (g_str_equal (step->args[0], "ok"))
    return MS_MODEL_OK;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (step->args[0], names[i]))
      return i;
  g_error ("scenarios.txt:%u: no result “%s”", step->line, step->args[0]);
}

static MsModelUpdate
update_named (const Step *step,
              const char *name)
{
  static const char * const names[] = { "set", "leave", "xor", "same", "odd-leave", "upstream" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_str_equal (name, names[i]))
      return i;
  g_error ("scenarios.txt:%u: no update function “%s”", step->line, name);
}

/* Backends 0 to 3; 3 has no move method. */
#define SCENARIO_BACKENDS 4
#define SCENARIO_NO_MOVE (1u << 3)

guint
ms_test_scenario_run (MsTestScenario *scenario,
                      guint           fail_at)
{
  MsTestHarness *h = ms_test_harness_new (SCENARIO_BACKENDS, SCENARIO_NO_MOVE);
  guint n_calls = 0;
  int last = MS_MODEL_OK;

  for (guint i = 0; i < scenario->steps->len; i++)
    {
      const Step *step = &g_array_index (scenario->steps, Step, i);
      const char *verb = step->verb;
      g_autofree char *context = g_strdup_printf ("scenario %s, line %u (%s), failing call %u",
                                                  scenario->name, step->line, verb, fail_at);
      /* Expectations hold until an injected failure. */
      gboolean exact = !ms_test_harness_failed (h);

      ms_test_harness_set_context (h, context);
      if (fail_at > n_calls && g_strv_contains ((const char *[]) {
            "map", "map!", "unmap", "protect", "protect-with", "clear", "remap", NULL }, verb))
        ms_test_harness_fail_call (h, fail_at - n_calls);

      if (g_str_equal (verb, "map") || g_str_equal (verb, "map!"))
        last = ms_test_harness_map (h, number (step, 0), number (step, 1), number (step, 2),
                                    number_or (step, 3, 0), number_or (step, 4, number (step, 0)),
                                    g_strv_length (step->args) > 5 ? step->args[5] : NULL,
                                    verb[3] == '!');
      else if (g_str_equal (verb, "unmap"))
        last = ms_test_harness_unmap (h, number (step, 0), number (step, 1));
      else if (g_str_equal (verb, "protect"))
        last = ms_test_harness_protect (h, number (step, 0), number (step, 1), number (step, 2));
      else if (g_str_equal (verb, "protect-with"))
        last = ms_test_harness_protect_with (h, number (step, 0), number (step, 1),
                                             update_named (step, step->args[2]), number (step, 3));
      else if (g_str_equal (verb, "clear"))
        last = ms_test_harness_clear (h);
      else if (g_str_equal (verb, "remap"))
        last = ms_test_harness_remap (h, number (step, 0), number (step, 1), number (step, 2),
                                      number (step, 3));
      else if (g_str_equal (verb, "merge"))
        ms_test_harness_set_merge (h, g_str_equal (step->args[0], "on"));
      else if (g_str_equal (verb, "limit"))
        ms_test_harness_set_limit (h, number (step, 0));
      else if (g_str_equal (verb, "hold"))
        ms_test_harness_hold (h, number (step, 0));
      else if (g_str_equal (verb, "check"))
        ms_test_harness_check (h);
      else if (g_str_equal (verb, "expect-result"))
        {
          if (exact && last != result_code (step))
            FAIL (h, "the result is %d", last);
        }
      else if (g_str_equal (verb, "expect-n-areas"))
        {
          if (exact)
            g_assert_cmpuint (ms_memory_set_get_n_areas (ms_test_harness_get_set (h)), ==,
                              number (step, 0));
        }
      else if (g_str_equal (verb, "expect-area"))
        {
          MsMemoryArea *area = ms_memory_set_find (ms_test_harness_get_set (h), number (step, 0));

          if (exact)
            {
              if (area == NULL || ms_memory_area_get_start (area) != number (step, 0) ||
                  ms_memory_area_get_end (area) != number (step, 1) ||
                  ms_memory_area_get_flags (area) != number (step, 2) ||
                  ms_memory_area_get_offset (area) != number_or (step, 3, number (step, 0)))
                FAIL (h, "the area at " ADDR_FORMAT " is not what the scenario says", number (step, 0));
              if (g_strv_length (step->args) > 4)
                g_assert_cmpstr (ms_memory_area_get_name (area), ==, step->args[4]);
            }
        }
      else if (g_str_equal (verb, "expect-free"))
        {
          if (exact)
            g_assert_false (ms_memory_set_overlaps (ms_test_harness_get_set (h),
                                                    number (step, 0), number (step, 1)));
        }
      else if (g_str_equal (verb, "expect-find-free") || g_str_equal (verb, "expect-find-free-top-down"))
        {
          gboolean top_down = g_str_equal (verb, "expect-find-free-top-down");
          guint base = top_down ? 0 : 1;
          guint64 hint = top_down ? 0 : number (step, 0);
          guint64 got = 0;
          gboolean found = top_down
            ? ms_memory_set_find_free_area_top_down (ms_test_harness_get_set (h), number (step, base),
                                                     number (step, base + 1), number (step, base + 2),
                                                     number (step, base + 3), &got)
            : ms_memory_set_find_free_area (ms_test_harness_get_set (h), hint, number (step, base),
                                            number (step, base + 1), number (step, base + 2),
                                            number (step, base + 3), &got);
          const char *answer = step->args[base + 4];

          if (exact)
            {
              if (g_str_equal (answer, "none"))
                g_assert_false (found);
              else
                {
                  g_assert_true (found);
                  g_assert_cmphex (got, ==, number (step, base + 4));
                }
            }
        }
      else
        g_error ("scenarios.txt:%u: no step “%s”", step->line, verb);

      n_calls += ms_test_harness_get_calls (h)->len * (g_strv_contains ((const char *[]) {
          "map", "map!", "unmap", "protect", "protect-with", "clear", "remap", NULL }, verb) ? 1 : 0);
    }

  ms_test_harness_check (h);
  ms_test_harness_free (h);
  return n_calls;
}
