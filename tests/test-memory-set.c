/* test-memory-set.c: MsMemorySet, case by case
 *
 * Every operation of these tests goes through the checking harness
 * (ms-test-harness.h), which runs it on the set and on the reference
 * model and checks that they agree on the result, the error, the exact
 * backend calls, every area, the page table, the "n-areas" property and
 * its notification, and that the areas held from before the operation
 * kept their values. The cases add their own exact expectations. (The
 * crate's scenarios, and each of their backend calls failing in turn,
 * are in scenarios.txt and test-scenarios.c; random sequences in
 * test-random.c.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-harness.h"

#include <string.h>

#define TOP G_MAXUINT64
#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"

/* The "error code" of a success. */
#define OK MS_MODEL_OK
#define INVALID_PARAM MS_MAPPING_ERROR_INVALID_PARAM
#define ALREADY_EXISTS MS_MAPPING_ERROR_ALREADY_EXISTS
#define BAD_STATE MS_MAPPING_ERROR_BAD_STATE

/* What a test expects of an area. */
typedef struct {
  guint64 start;
  guint64 end;
  guint64 flags;
} ModelArea;

/* The fixture ------------------------------------------------------------ */

typedef struct {
  MsTestHarness   *harness;
  MsMemorySet     *set;       /* the harness's */
  MsTestBackend   *backend;   /* the harness's backend 0 */
  MsTestPageTable *table;     /* NULL: backend calls succeed unless failed */
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
  f->harness = ms_test_harness_new (1, 0);
  f->set = ms_test_harness_get_set (f->harness);
  f->backend = MS_TEST_BACKEND (ms_test_harness_get_backend (f->harness, 0));
  f->table = with_table ? ms_test_page_table_new (MS_TEST_MAX_ADDR) : NULL;
  ms_test_harness_use_page_table (f->harness, f->table);
  f->n_notify = 0;
  g_signal_connect (f->set, "notify::n-areas", G_CALLBACK (count_notify), f);
}

static void
fixture_clear (Fixture *f)
{
  g_clear_pointer (&f->harness, ms_test_harness_free);
  g_clear_object (&f->table);
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

/* Makes the @n-th backend call of the next operation fail, in the set's
 * backend and in the model alike. */
static void
fixture_fail_nth_call (Fixture *f,
                       guint    n)
{
  ms_test_harness_fail_call (f->harness, n);
}

static gboolean
fixed_flags (guint64   old_flags,
             guint64  *new_flags,
             gpointer  user_data)
{
  *new_flags = *(const guint64 *) user_data;
  return TRUE;
}

/* Checks ---------------------------------------------------------------- */

static const char * const call_names[] = { "map", "unmap", "protect", "move" };

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
 * operation began, or since the last reset. */
static void
assert_calls (Fixture          *f,
              const MsTestCall *want,
              guint             n_want)
{
  g_autoptr(GArray) want_array = g_array_new (FALSE, FALSE, sizeof (MsTestCall));

  g_array_append_vals (want_array, want, n_want);
  assert_calls_equal (ms_test_backend_get_calls (f->backend), want_array);
}

#define CALL_MAP(s, e, fl)     { MS_TEST_CALL_MAP, (s), (e) - (s), (fl), TRUE, 0 }
#define CALL_UNMAP(s, e)       { MS_TEST_CALL_UNMAP, (s), (e) - (s), 0, TRUE, 0 }
#define CALL_PROTECT(s, e, fl) { MS_TEST_CALL_PROTECT, (s), (e) - (s), (fl), TRUE, 0 }
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

/* Every operation: checked by the harness, the page table too. */
static gint
checked (Fixture *f,
         gint     result)
{
  ms_test_assert_set_matches_table (f->set, f->table);
  return result;
}

static gint
do_map (Fixture  *f,
        guint64   start,
        guint64   size,
        guint64   flags,
        gboolean  unmap_overlap)
{
  ms_test_harness_hold (f->harness, start);
  return checked (f, ms_test_harness_map (f->harness, start, size, flags, 0, start, NULL,
                                          unmap_overlap));
}

static gint
do_unmap (Fixture *f,
          guint64  start,
          guint64  size)
{
  ms_test_harness_hold (f->harness, start);
  return checked (f, ms_test_harness_unmap (f->harness, start, size));
}

static gint
do_protect (Fixture *f,
            guint64  start,
            guint64  size,
            guint64  flags)
{
  ms_test_harness_hold (f->harness, start);
  return checked (f, ms_test_harness_protect (f->harness, start, size, flags));
}

static gint
do_protect_with (Fixture           *f,
                 guint64            start,
                 guint64            size,
                 MsUpdateFlagsFunc  update_flags,
                 gpointer           user_data)
{
  return checked (f, ms_test_harness_protect_with_func (f->harness, start, size, update_flags,
                                                        user_data));
}

static gint
do_clear (Fixture *f)
{
  return checked (f, ms_test_harness_clear (f->harness));
}

/* Finds @addr in the set, checks the answer against the model, and
 * returns it. */
static MsMemoryArea *
check_find (Fixture *f,
            guint64  addr)
{
  MsMemoryArea *area = ms_memory_set_find (f->set, addr);
  MsModelArea want;

  if (!ms_model_find (ms_test_harness_get_model (f->harness), addr, &want))
    {
      g_assert_null (area);
      return NULL;
    }

  g_assert_nonnull (area);
  g_assert_cmphex (ms_memory_area_get_start (area), ==, want.start);
  g_assert_cmphex (ms_memory_area_get_end (area), ==, want.end);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, want.flags);
  g_assert_true (ms_memory_area_contains (area, addr));
  return area;
}

static gboolean
check_overlaps (Fixture *f,
                guint64  start,
                guint64  size)
{
  gboolean got = ms_memory_set_overlaps (f->set, start, size);

  g_assert_cmpint (got, ==, ms_model_overlaps (ms_test_harness_get_model (f->harness), start, size));
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
  gboolean want_found = ms_model_find_free_area (ms_test_harness_get_model (f->harness), hint, size,
                                                 limit_start, limit_end, align, &want);

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

  /* And after the set (and the harness's own references) are gone. */
  g_clear_pointer (&f->harness, ms_test_harness_free);
  f->set = NULL;
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

  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_cmpuint (ms_memory_set_get_n_areas (NULL), ==, 0));
  MS_TEST_EXPECT_CRITICAL ("", "", ms_memory_set_is_empty (NULL));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_overlaps (NULL, 0, 1)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_set_find (NULL, 0)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_find_free_area (NULL, 0, 1, 0, 10, 1, &out)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_map (NULL, area, NULL, FALSE, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_map (f->set, NULL, NULL, FALSE, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_map (f->set, area, (GObject *) not_an_object,
                                                      FALSE, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_unmap (NULL, 0, 1, NULL, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_unmap (f->set, 0, 1, (GObject *) not_an_object,
                                                        &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_protect (NULL, 0, 1, 1, NULL, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_protect_with (NULL, 0, 1, NULL,
                                                               fixed_flags, &out, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_protect_with (f->set, 0, 1, NULL,
                                                               NULL, NULL, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_memory_set_clear (NULL, NULL, &error)));
  MS_TEST_EXPECT_CRITICAL ("", "", ms_memory_set_foreach (NULL, stop_at_once, NULL));
  MS_TEST_EXPECT_CRITICAL ("", "", ms_memory_set_foreach (f->set, NULL, NULL));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_null (ms_memory_set_get_areas (NULL)));

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
  g_test_init (&argc, &argv, NULL);

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
  g_test_add_func ("/memory-set/large", test_large);
  g_test_add_func ("/memory-set/error-domain", test_error_domain);

  return g_test_run ();
}
