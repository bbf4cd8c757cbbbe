/* fuzz-memory-set.c: MsMemorySet against the model, one input at a time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An input is a sequence of operations, each an opcode byte and its
 * argument bytes (missing bytes read as 0). Most run through the test
 * harness (tests/ms-test-harness.h), which checks every one against the
 * reference model of the C tests: the outcome and error code, the exact
 * backend calls, the flags the update function is asked about, the
 * areas with their offsets and names, the n-areas notifications, the
 * mapped size and the areas held from before.
 *
 *   0 map           range, flags, options, failure
 *   1 unmap         range, failure
 *   2 protect       range, flags, failure
 *   3 protect_with  range, update function, parameter flags, failure
 *   4 clear         failure
 *   5 remap         range, new start, new size, failure
 *   6 load_maps     count, then per line range, flags, options; backend, failure
 *   7 merge-adjacent  on or off
 *   8 max-areas     the limit, near the number of areas or none
 *   9 hold          address: the area there must never change
 *  10 queries       hint, size, limit start, limit end, align: find_free_area,
 *                   its top-down twin, overlaps and find against the model
 *  11 check         every lookup and query at every boundary (once)
 *  12 re-entry      on or off: every backend call, update function and
 *                   notification then tries every change (BUSY) and looks
 *                   at the set
 *  13 maps text     tokens of maps text, loaded into a scratch set: PARSE
 *                   and its kin change nothing, and what loads reads back
 *  14 dispose       a change of a scratch copy of the set whose areas hold
 *                   the only references to their backends: each backend
 *                   dropped is disposed, probes the busy set from its
 *                   dispose, and no other is
 *  15 host          an operation on a second harness whose one backend is
 *                   an MsHostBackend: its protections and bytes follow
 *  16 burst         count, start, shape, failure: up to 255 areas in one
 *                   load_maps, for sets that split the gap index's buckets
 *
 * A range is two bytes: a start point and an end point (mostly one
 * after the start), or a special size (overflowing, empty, up to the top
 * of the address space). A failure byte from 0xe0 up makes backend call
 * 1 + (byte & 0xf) of the operation fail; lower values inject none.
 */

#include <string.h>
#include <unistd.h>

#include "fuzz-memory-set.h"
#include "ms-test-harness.h"

static const guint64 points[] = {
  0, 1, 2, 3, 4, 5, 6, 7, 8,
  0x7ff, 0x800, 0x801, 0xfff, 0x1000, 0x1001, 0x1800, 0x2000, 0x3000,
  0x4000, 0x8000, 0x10000,
  G_GUINT64_CONSTANT (0xffffffff),
  G_GUINT64_CONSTANT (0x100000000),
  G_GUINT64_CONSTANT (0x100001000),
  G_GUINT64_CONSTANT (0x7fffffffffffffff),
  G_GUINT64_CONSTANT (0x8000000000000000),
  G_GUINT64_CONSTANT (0x8000000000001000),
  G_GUINT64_CONSTANT (0xffffffffffffd000),
  G_GUINT64_CONSTANT (0xffffffffffffe000),
  G_GUINT64_CONSTANT (0xffffffffffffefff),
  G_GUINT64_CONSTANT (0xfffffffffffff000),
  G_GUINT64_CONSTANT (0xfffffffffffff001),
  G_GUINT64_CONSTANT (0xfffffffffffffffe),
  G_GUINT64_CONSTANT (0xffffffffffffffff),
};
#define N_POINTS G_N_ELEMENTS (points)

#define N_BACKENDS 4
#define NO_MOVE (1u << 3)          /* backend 3 has no move method */

/* The host run: a reservation of this many pages. */
#define HOST_PAGES 16

static const char * const names[] = { NULL, "/lib/a.so", "[heap]", "/dev/shm/b (deleted)" };

static const char * const op_names[MS_FUZZ_N_OPS] = {
  "map", "unmap", "protect", "protect_with", "clear", "remap", "load_maps", "merge-adjacent",
  "max-areas", "hold", "queries", "check", "re-entry", "maps text", "dispose", "host", "burst",
};

static MsFuzzStats stats;

const MsFuzzStats *
ms_fuzz_get_stats (void)
{
  return &stats;
}

const char *
ms_fuzz_op_name (guint op)
{
  return op < MS_FUZZ_N_OPS ? op_names[op] : NULL;
}

typedef struct {
  guint8 bytes[HOST_PAGES];  /* the first byte of each page */
} HostContents;

typedef struct {
  const guint8  *data;
  gsize          size;
  gsize          pos;
  guint          n_op;

  MsTestHarness *h;
  /* The host run, made when first used. */
  MsTestHarness *host_h;
  MsHostBackend *host;
  HostContents   contents;
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

/* A range: it starts on a point, and ends on one or runs past the top
 * of the address space (or is empty). */
static void
take_range (Run     *run,
            guint64 *start,
            guint64 *size)
{
  guint8 a = take (run);
  guint8 b = take (run);
  guint first = a % N_POINTS;

  *start = points[first];
  if (b < 0xc0 && first + 1 < N_POINTS)
    {
      /* Mostly a point after the start, */
      *size = points[first + 1 + b % (N_POINTS - 1 - first)] - *start;
      return;
    }
  if (b < 0xf0)
    {
      /* or any point: wraps around, so overflows, when it is below. */
      *size = points[(b >= 0xc0 ? b - 0xc0 : b) % N_POINTS] - *start;
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

  switch ((a / N_POINTS) % 3)
    {
    case 0:
      return points[a % N_POINTS];
    case 1:
      return points[a % N_POINTS] - 1;
    default:
      return points[a % N_POINTS] + 1;
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

static void
take_failure (Run           *run,
              MsTestHarness *h)
{
  guint8 f = take (run);

  if (f >= 0xe0)
    ms_test_harness_fail_call (h, 1 + (f & 0xf));
}

/* An offset for an area at @start: anonymous (its start), 0, a point,
 * or one whose pieces run past 2^64 - 1. */
static guint64
offset_for (guint    choice,
            guint64  start,
            Run     *run)
{
  switch (choice & 3)
    {
    case 0:
      return start;
    case 1:
      return 0;
    case 2:
      return points[take (run) % N_POINTS];
    default:
      return G_MAXUINT64 - 0xfff;
    }
}

static void
op_map (Run *run)
{
  guint64 start, size, flags;
  guint8 options;

  take_range (run, &start, &size);
  flags = take_flags (run);
  options = take (run);
  take_failure (run, run->h);
  ms_test_harness_map (run->h, start, size, flags, options % N_BACKENDS,
                       offset_for (options >> 5, start, run), names[(options >> 3) & 3],
                       (options & 4) != 0);
}

static void
op_remap (Run *run)
{
  guint64 start, size, new_start, new_size;
  guint8 where;

  take_range (run, &start, &size);
  where = take (run);
  /* In place, right after the old range, or anywhere. */
  new_start = where < 0x60 ? start : where < 0x80 ? start + size : take_addr (run);
  new_size = take_size (run);
  take_failure (run, run->h);
  ms_test_harness_remap (run->h, start, size, new_start, new_size);
}

static void
op_load (Run *run)
{
  MsModelArea areas[4];
  guint n = 1 + take (run) % G_N_ELEMENTS (areas);
  guint backend;

  for (guint i = 0; i < n; i++)
    {
      guint64 start, size;
      guint8 options;

      take_range (run, &start, &size);
      /* Maps text cannot say an empty or overflowing range. */
      if (size == 0 || size > G_MAXUINT64 - start)
        {
          start -= start == G_MAXUINT64;
          size = MIN (0x1000, G_MAXUINT64 - start);
        }
      areas[i].start = start;
      areas[i].end = start + size;
      areas[i].flags = take_flags (run);
      options = take (run);
      areas[i].backend = 0;
      areas[i].offset = offset_for (options, start, run);
      areas[i].name = g_intern_string (names[(options >> 2) & 3]);
    }
  backend = take (run) % N_BACKENDS;
  take_failure (run, run->h);
  ms_test_harness_load (run->h, areas, n, backend);
}

static void
op_limit (Run *run)
{
  guint8 b = take (run);
  guint n = ms_memory_set_get_n_areas (ms_test_harness_get_set (run->h));

  if (b >= 0xf0)
    ms_test_harness_set_limit (run->h, G_MAXUINT);
  else
    ms_test_harness_set_limit (run->h, MAX ((int) n + b % 5 - 2, 0));
}

static void
op_queries (Run *run)
{
  MsMemorySet *set = ms_test_harness_get_set (run->h);
  MsModel *model = ms_test_harness_get_model (run->h);
  guint64 hint = take_addr (run);
  guint64 size = take_size (run);
  guint64 limit_start = take_addr (run);
  guint64 limit_end = take_addr (run);
  guint64 align = take_align (run);
  guint64 got = 0x5a5a5a5a, want = 0xa5a5a5a5;
  gboolean found, want_found;
  MsMemoryArea *area;
  MsModelArea model_area;

  found = ms_memory_set_find_free_area (set, hint, size, limit_start, limit_end, align, &got);
  want_found = ms_model_find_free_area (model, hint, size, limit_start, limit_end, align, &want);
  if (found != want_found || (found && got != want))
    g_error ("operation %u: find_free_area (hint %#" G_GINT64_MODIFIER "x, size %#"
             G_GINT64_MODIFIER "x, limit [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
             "x), align %#" G_GINT64_MODIFIER "x) gives %d %#" G_GINT64_MODIFIER "x, "
             "the model %d %#" G_GINT64_MODIFIER "x",
             run->n_op, hint, size, limit_start, limit_end, align, found, got, want_found, want);
  /* The answer without out_start is the same. */
  g_assert_cmpint (ms_memory_set_find_free_area (set, hint, size, limit_start, limit_end,
                                                 align, NULL), ==, found);

  found = ms_memory_set_find_free_area_top_down (set, size, limit_start, limit_end, align, &got);
  want_found = ms_model_find_free_area_top_down (model, size, limit_start, limit_end, align, &want);
  if (found != want_found || (found && got != want))
    g_error ("operation %u: find_free_area_top_down (size %#" G_GINT64_MODIFIER "x, limit [%#"
             G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x), align %#" G_GINT64_MODIFIER
             "x) gives %d %#" G_GINT64_MODIFIER "x, the model %d %#" G_GINT64_MODIFIER "x",
             run->n_op, size, limit_start, limit_end, align, found, got, want_found, want);

  g_assert_cmpint (ms_memory_set_overlaps (set, hint, size), ==,
                   ms_model_overlaps (model, hint, size));

  area = ms_memory_set_find (set, hint);
  if (ms_model_find (model, hint, &model_area) != (area != NULL) ||
      (area != NULL && (ms_memory_area_get_start (area) != model_area.start ||
                        ms_memory_area_get_end (area) != model_area.end)))
    g_error ("operation %u: find (%#" G_GINT64_MODIFIER "x) disagrees with the model",
             run->n_op, hint);
}

/* ---- maps text ---- */

/* Pieces of maps lines, good and bad, that the fuzzer strings together. */
static const char * const tokens[] = {
  "0-1000", "1000-2000", "2000-1000", "ffffffffffff0000-ffffffffffffffff",
  "0-0", "10000000000000000-1", "fffffffffffff000-10000000000000000",
  "-", " ", "  ", "\t", "\n", "\r\n", "\\012",
  "rw-p", "r-xp", "---p", "rwxs", "rwx", "rw-q", "0x7", "0x", "0xffffffffffffffff", "0xg",
  "00000000", "00001000", "fffffffffffff000", "ffffffffffffffff0",
  "00:00", "08:01", "0", "123456", "/lib/libc.so.6", "[heap]", "[stack]", "(deleted)",
  "x", "0000000000000000000", "1000-",
};

static const char * const perms[] = { "rw-p", "r-xp", "---p", "rwxs", "r--s", "0x13", "0xffffffffffffffff" };

/* Maps text: lines in the kernel's layout from ranges, permissions,
 * offsets and names, or strings of tokens, good and bad. */
static char *
take_maps_text (Run *run)
{
  GString *text = g_string_new (NULL);
  guint n_lines = take (run) % 6;

  for (guint line = 0; line < n_lines; line++)
    {
      guint8 b = take (run);

      if (b >= 0xc0)
        {
          for (guint i = 0; i < b % 8; i++)
            {
              guint8 t = take (run);

              if (t < 0xf0)
                g_string_append (text, tokens[t % G_N_ELEMENTS (tokens)]);
              else
                g_string_append_c (text, (char) (take (run) | 1));  /* any byte but NUL */
            }
        }
      else
        {
          guint64 start, size;

          take_range (run, &start, &size);
          g_string_append_printf (text, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %s",
                                  start, start + size, perms[b % G_N_ELEMENTS (perms)]);
          if (b & 0x08)
            g_string_append_printf (text, " %08" G_GINT64_MODIFIER "x 00:00 0",
                                    points[take (run) % N_POINTS]);
          if ((b & 0x18) == 0x18)
            g_string_append_printf (text, "%s%s", (b & 0x20) ? "\t" : "      ",
                                    ((const char *[]) { "/lib/a.so", "[heap]", "a\\012b", "x (deleted)" })[(b >> 6) & 3]);
        }
      g_string_append (text, (b & 0x04) ? "\r\n" : "\n");
    }
  return g_string_free (text, FALSE);
}

static void
op_maps_text (Run *run)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemorySet) again = ms_memory_set_new ();
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) there = ms_memory_area_new (0x5000, 0x1000, 1, MS_MAPPING_BACKEND (backend));
  g_autofree char *text = take_maps_text (run);
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  guint n_calls;

  /* An area already there, for lines that overlap it. */
  g_assert_true (ms_memory_set_map (set, there, NULL, FALSE, NULL));
  ms_test_backend_reset_calls (backend);

  if (!ms_memory_set_load_maps (set, text, MS_MAPPING_BACKEND (backend), NULL, &error))
    {
      /* The text is checked before anything is mapped. */
      g_assert_true (error->domain == MS_MAPPING_ERROR);
      g_assert_true (error->code == MS_MAPPING_ERROR_PARSE ||
                     error->code == MS_MAPPING_ERROR_ALREADY_EXISTS ||
                     error->code == MS_MAPPING_ERROR_INVALID_PARAM);
      g_assert_true (g_str_has_prefix (error->message, "Line "));
      g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 0);
      g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 1);
      g_assert_true (ms_memory_set_find (set, 0x5000) == there);
      stats.text_refused++;
      return;
    }

  /* One map call for each new area, the range of the area. */
  n_calls = ms_test_backend_get_calls (backend)->len;
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 1 + n_calls);
  for (guint i = 0; i < n_calls; i++)
    {
      const MsTestCall *call = &g_array_index (ms_test_backend_get_calls (backend), MsTestCall, i);
      MsMemoryArea *area = ms_memory_set_find (set, call->start);

      g_assert_true (call->kind == MS_TEST_CALL_MAP && call->succeeded);
      g_assert_nonnull (area);
      g_assert_cmphex (ms_memory_area_get_start (area), ==, call->start);
      g_assert_cmphex (ms_memory_area_get_size (area), ==, call->size);
      g_assert_cmphex (ms_memory_area_get_flags (area), ==, call->flags);
    }

  /* What loaded reads back, every start, end, flags, offset and name. */
  written = ms_memory_set_to_string (set);
  g_assert_true (ms_memory_set_load_maps (again, written, MS_MAPPING_BACKEND (backend), NULL, NULL));
  {
    g_autoptr(GPtrArray) a = ms_memory_set_get_areas (set);
    g_autoptr(GPtrArray) b = ms_memory_set_get_areas (again);

    g_assert_cmpuint (a->len, ==, b->len);
    for (guint i = 0; i < a->len; i++)
      g_assert_true (ms_memory_area_equal (a->pdata[i], b->pdata[i]));
  }
  stats.text_loaded++;
}

/* ---- backends that go with their last area ---- */

typedef struct {
  MsMemorySet *set;
  gboolean     in_call;      /* the set is working: a change must be BUSY */
  guint        n_disposed;
} Scratch;

typedef struct {
  Scratch       *scratch;
  MsTestBackend *backend;    /* weak */
} Disposable;

static void
on_backend_disposed (gpointer  data,
                     GObject  *where_the_object_was)
{
  Disposable *d = data;
  g_autoptr(MsTestBackend) other = ms_test_backend_new ();

  d->backend = NULL;
  d->scratch->n_disposed++;
  /* User code in a destructor: while the set works it is busy, and
   * always consistent. (A probe looks at every area: the first few
   * destructors of a change probe.) */
  if (d->scratch->in_call && d->scratch->n_disposed <= 8)
    ms_test_probe_busy_set (d->scratch->set, MS_MAPPING_BACKEND (other));
}

static gboolean
uses_backend (MsMemorySet   *set,
              MsTestBackend *backend)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);

  for (guint i = 0; i < areas->len; i++)
    if (ms_memory_area_get_backend (areas->pdata[i]) == MS_MAPPING_BACKEND (backend))
      return TRUE;
  return FALSE;
}

static void
op_dispose (Run *run)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (ms_test_harness_get_set (run->h));
  g_autofree Disposable *disposable = g_new0 (Disposable, areas->len + 1);
  g_autoptr(MsTestBackend) plain = ms_test_backend_new ();
  g_autoptr(GError) error = NULL;
  Scratch scratch = { ms_memory_set_new (), FALSE, 0 };
  guint64 start, size, new_start;
  guint8 what = take (run);
  guint n_alive = 0;

  /* A copy of the set's areas, each with a backend of its own that only
   * the area holds. */
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *like = areas->pdata[i];
      MsTestBackend *backend = ms_test_backend_new ();
      g_autoptr(MsMemoryArea) area = ms_memory_area_new_full (ms_memory_area_get_start (like),
                                                              ms_memory_area_get_size (like),
                                                              ms_memory_area_get_flags (like),
                                                              MS_MAPPING_BACKEND (backend),
                                                              ms_memory_area_get_offset (like),
                                                              ms_memory_area_get_name (like));

      disposable[i] = (Disposable) { &scratch, backend };
      g_object_weak_ref (G_OBJECT (backend), on_backend_disposed, &disposable[i]);
      g_assert_true (ms_memory_set_map (scratch.set, area, NULL, FALSE, NULL));
      g_object_unref (backend);
    }
  g_assert_cmpuint (scratch.n_disposed, ==, 0);

  take_range (run, &start, &size);
  scratch.in_call = TRUE;
  switch (what % 5)
    {
    case 0:
      ms_memory_set_unmap (scratch.set, start, size, NULL, &error);
      break;
    case 1:
      ms_memory_set_clear (scratch.set, NULL, &error);
      break;
    case 2:
      {
        g_autoptr(MsMemoryArea) over = ms_memory_area_new (start, size, 1, MS_MAPPING_BACKEND (plain));

        ms_memory_set_map (scratch.set, over, NULL, TRUE, &error);
      }
      break;
    case 3:
      ms_memory_set_protect (scratch.set, start, size, take_flags (run), NULL, &error);
      break;
    default:
      new_start = take_addr (run);
      ms_memory_set_remap (scratch.set, start, size, new_start, take_size (run), NULL, &error);
      break;
    }
  scratch.in_call = FALSE;

  /* Exactly the backends no area uses any more are gone. */
  for (guint i = 0; i < areas->len; i++)
    if (disposable[i].backend != NULL)
      {
        g_assert_true (uses_backend (scratch.set, disposable[i].backend));
        n_alive++;
      }
  g_assert_cmpuint (n_alive + scratch.n_disposed, ==, areas->len);
  stats.disposed += scratch.n_disposed;

  g_object_unref (scratch.set);
  g_assert_cmpuint (scratch.n_disposed, ==, areas->len);
}

/* ---- the host backend ---- */

static void
host_begin (Run *run)
{
  g_autoptr(GError) error = NULL;
  gsize page;

  if (run->host_h != NULL)
    return;
  page = sysconf (_SC_PAGESIZE);
  run->host = ms_host_backend_new (HOST_PAGES * page, &error);
  g_assert_no_error (error);
  run->host_h = ms_test_harness_new_for_backend (MS_MAPPING_BACKEND (run->host));
  memset (&run->contents, 0, sizeof run->contents);
}

/* protect_with's function for the host: new protection bits, the
 * sharing kept (the host cannot change it). */
static gboolean
host_update (guint64   old_flags,
             guint64  *new_flags,
             gpointer  user_data)
{
  *new_flags = (old_flags & MS_PROT_SHARED) | (GPOINTER_TO_UINT (user_data) & 7);
  return TRUE;
}

/* Every page's protection is its area's, and its first byte what was
 * last written there (zero when it was mapped fresh), readable and
 * writable as the protection says. */
static void
host_check (Run *run)
{
  MsMemorySet *set = ms_test_harness_get_set (run->host_h);
  gsize page = ms_host_backend_get_page_size (run->host);

  for (guint i = 0; i < HOST_PAGES; i++)
    {
      MsMemoryArea *area = ms_memory_set_find (set, i * page);
      guint64 flags = area != NULL ? ms_memory_area_get_flags (area) : 0;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      MsProt prot = 0;
      guint8 byte = i * 7 + run->n_op;

      g_assert_cmpint (ms_host_backend_get_prot (run->host, i * page, &prot), ==, area != NULL);
      if (area == NULL)
        continue;
      g_assert_cmphex (prot, ==, flags);

      bytes = ms_host_backend_read (run->host, i * page, 1, &error);
      if (flags & MS_PROT_READ)
        {
          g_assert_no_error (error);
          g_assert_cmphex (((const guint8 *) g_bytes_get_data (bytes, NULL))[0], ==, run->contents.bytes[i]);
        }
      else
        g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
      g_clear_error (&error);

      if (ms_host_backend_write (run->host, i * page, &byte, 1, &error))
        {
          g_assert_true (flags & MS_PROT_WRITE);
          run->contents.bytes[i] = byte;
        }
      else
        {
          g_assert_false (flags & MS_PROT_WRITE);
          g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
        }
    }
}

static void
op_host (Run *run)
{
  guint8 what = take (run);
  guint8 a = take (run), b = take (run), c = take (run);
  guint first = a % HOST_PAGES, n = 1 + b % (HOST_PAGES - first);
  gsize page;
  guint64 start, size;
  int outcome = MS_MODEL_OK;
  HostContents before;

  host_begin (run);
  page = ms_host_backend_get_page_size (run->host);
  start = first * page;
  size = n * page;
  before = run->contents;

  switch (what % 6)
    {
    case 0:
      outcome = ms_test_harness_map (run->host_h, start, size, c & 0xf, 0, start, NULL, (c & 0x10) != 0);
      if (outcome == MS_MODEL_OK)
        memset (run->contents.bytes + first, 0, n);
      break;
    case 1:
      ms_test_harness_unmap (run->host_h, start, size);
      break;
    case 2:
      ms_test_harness_protect_with_func (run->host_h, start, size, host_update, GUINT_TO_POINTER (c));
      break;
    case 3:
      {
        /* Moves and resizes: what moves keeps its bytes, what grows is
         * zero. */
        guint new_first = (what & 0x40) ? first : c % HOST_PAGES;
        guint new_n = 1 + (c >> 4) % (HOST_PAGES - new_first);
        outcome = ms_test_harness_remap (run->host_h, start, size, new_first * page, new_n * page);
        if (outcome == MS_MODEL_OK)
          {
            memset (run->contents.bytes + new_first, 0, new_n);
            memcpy (run->contents.bytes + new_first, before.bytes + first, MIN (n, new_n));
          }
      }
      break;
    case 4:
      ms_test_harness_set_merge (run->host_h, c & 1);
      break;
    default:
      ms_test_harness_clear (run->host_h);
      break;
    }
  host_check (run);
}

/* Many small areas in one load_maps: every other flags alike, so that
 * merging has work, with gaps of the stride's size between them or
 * none; enough for several buckets of the gap index. */
static void
op_burst (Run *run)
{
  MsModelArea areas[255];
  guint n = take (run) % (G_N_ELEMENTS (areas) + 1);
  guint64 start = points[take (run) % N_POINTS];
  guint8 shape = take (run);
  guint64 size = G_GUINT64_CONSTANT (0x10) << (shape & 7);
  guint64 stride = size << ((shape >> 3) & 3);
  guint backend = (shape >> 5) % N_BACKENDS;
  guint i;

  for (i = 0; i < n && start <= G_MAXUINT64 - size && G_MAXUINT64 - start >= stride; i++)
    {
      areas[i] = (MsModelArea) { start, start + size, i & 1, 0, start, NULL };
      start += stride;
    }
  if (i > 0)
    {
      take_failure (run, run->h);
      ms_test_harness_load (run->h, areas, i, backend);
    }
}

/* Every lookup and query at every boundary against the model, whose
 * searches take time in the square of its cut points: once in an input
 * and at its end, while the model has few (else the set's lookups are
 * checked against each other). */
static void
full_check (Run *run)
{
  g_autoptr(GArray) cuts = ms_model_get_points (ms_test_harness_get_model (run->h));

  if (cuts->len <= 64)
    ms_test_harness_check (run->h);
  else
    ms_test_check_lookups (ms_test_harness_get_set (run->h));
}

void
ms_fuzz_run_input (const guint8 *data,
                   gsize         size)
{
  Run run = { data, size, 0, };
  gboolean checked = FALSE;

  run.h = ms_test_harness_new (N_BACKENDS, NO_MOVE);

  while (run.pos < run.size)
    {
      guint op = take (&run) % MS_FUZZ_N_OPS;
      g_autofree char *context = g_strdup_printf ("operation %u (%s)", run.n_op, op_names[op]);

      ms_test_harness_set_context (run.h, context);
      if (run.host_h != NULL)
        ms_test_harness_set_context (run.host_h, context);
      stats.ops[op]++;

      switch (op)
        {
        case 0:
          op_map (&run);
          break;
        case 1:
          {
            guint64 start, range_size;

            take_range (&run, &start, &range_size);
            take_failure (&run, run.h);
            ms_test_harness_unmap (run.h, start, range_size);
          }
          break;
        case 2:
          {
            guint64 start, range_size, flags;

            take_range (&run, &start, &range_size);
            flags = take_flags (&run);
            take_failure (&run, run.h);
            ms_test_harness_protect (run.h, start, range_size, flags);
          }
          break;
        case 3:
          {
            guint64 start, range_size, param;
            MsModelUpdate update;

            take_range (&run, &start, &range_size);
            update = take (&run) % MS_MODEL_N_UPDATES;
            param = take_flags (&run);
            take_failure (&run, run.h);
            ms_test_harness_protect_with (run.h, start, range_size, update, param);
          }
          break;
        case 4:
          take_failure (&run, run.h);
          ms_test_harness_clear (run.h);
          break;
        case 5:
          op_remap (&run);
          break;
        case 6:
          op_load (&run);
          break;
        case 7:
          ms_test_harness_set_merge (run.h, take (&run) & 1);
          break;
        case 8:
          op_limit (&run);
          break;
        case 9:
          ms_test_harness_hold (run.h, take_addr (&run));
          break;
        case 10:
          op_queries (&run);
          break;
        case 11:
          if (!checked)
            full_check (&run);
          checked = TRUE;
          break;
        case 12:
          ms_test_harness_set_reenter (run.h, take (&run) & 1);
          break;
        case 13:
          op_maps_text (&run);
          break;
        case 14:
          op_dispose (&run);
          break;
        case 15:
          op_host (&run);
          break;
        default:
          op_burst (&run);
          break;
        }
      run.n_op++;
    }

  full_check (&run);
  stats.operations += run.n_op;
  stats.inputs++;

  g_clear_pointer (&run.host_h, ms_test_harness_free);
  g_clear_object (&run.host);
  ms_test_harness_free (run.h);
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
