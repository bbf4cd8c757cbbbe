/* ms-bench.c: the standard workload of libmemoryset
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs every operation of the standard workload (see docs/performance.md)
 * on sets of N areas, through the public API only, with a backend that
 * does nothing and a NULL page table, and prints the median ns per
 * operation of three runs. Figures of other implementations, taken
 * elsewhere, are in the docs with their date and conditions, not here.
 *
 *   ms-bench [--n 1000,10000,100000,1000000] [--ops find,map,...]
 *            [--runs 3] [--json FILE]
 */

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <memoryset.h>

/* A backend that does nothing and always succeeds. */

#define BENCH_TYPE_BACKEND (bench_backend_get_type ())
G_DECLARE_FINAL_TYPE (BenchBackend, bench_backend, BENCH, BACKEND, GObject)

struct _BenchBackend
{
  GObject parent_instance;
};

static void bench_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (BenchBackend, bench_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      bench_backend_iface_init))

static gboolean
bench_backend_map (MsMappingBackend *backend,
                   guint64           start,
                   guint64           size,
                   guint64           flags,
                   GObject          *page_table,
                   GError          **error)
{
  return TRUE;
}

static gboolean
bench_backend_unmap (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     GObject          *page_table,
                     GError          **error)
{
  return TRUE;
}

static gboolean
bench_backend_protect (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       guint64           new_flags,
                       GObject          *page_table,
                       GError          **error)
{
  return TRUE;
}

static gboolean
bench_backend_move (MsMappingBackend *backend,
                    guint64           old_start,
                    guint64           size,
                    guint64           new_start,
                    GObject          *page_table,
                    GError          **error)
{
  return TRUE;
}

static void
bench_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = bench_backend_map;
  iface->unmap = bench_backend_unmap;
  iface->protect = bench_backend_protect;
  iface->move = bench_backend_move;
}

static void
bench_backend_class_init (BenchBackendClass *klass)
{
}

static void
bench_backend_init (BenchBackend *self)
{
}

/* The workload */

#define STRIDE      0x2000
#define AREA_SIZE   0x1000
#define MAX_OPS     100000
#define MAX_FFA     1000
#define FFA_LIMIT   (G_GUINT64_CONSTANT (1) << 47)

typedef enum {
  OP_FIND,
  OP_OVERLAPS,
  OP_MAP,
  OP_MAP_OVERLAP,
  OP_UNMAP_SPLIT,
  OP_PROTECT_SPLIT,
  OP_FIND_FREE_AREA,
  OP_ITERATE,
  OP_FIND_FREE_AREA_MISALIGNED,
  OP_FIND_FREE_AREA_2M,
  OP_REMAP_GROW,
  OP_REMAP_MOVE,
  OP_FIND_FREE_AREA_TOP_DOWN,
  N_OPS
} Op;

static const char * const op_names[N_OPS] = {
  "find", "overlaps", "map", "map_overlap", "unmap_split",
  "protect_split", "find_free_area", "iterate",
  "find_free_area_misaligned", "find_free_area_2m",
  "remap_grow", "remap_move", "find_free_area_top_down",
};

static const guint standard_sizes[] = { 1000, 10000, 100000, 1000000 };
#define N_STANDARD_SIZES G_N_ELEMENTS (standard_sizes)

/* A fixed-seed generator (splitmix64), the same on every machine. */
static guint64
next_random (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A uniform integer in [0, bound). */
static guint64
random_below (guint64 *state,
              guint64  bound)
{
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % bound;
  guint64 r;

  do
    r = next_random (state);
  while (r >= limit);

  return r % bound;
}

typedef struct {
  guint    n;
  guint    m;          /* min (n, 100000) */
  guint64 *indices;    /* m distinct indices, from a fixed-seed shuffle */
  guint64 *addrs;      /* m addresses in [0, n * STRIDE) */
} Inputs;

static void
inputs_init (Inputs *in,
             guint   n)
{
  guint64 *all = g_new (guint64, n);
  guint64 state = G_GUINT64_CONSTANT (0x5eed);
  guint i;

  in->n = n;
  in->m = MIN (n, MAX_OPS);

  for (i = 0; i < n; i++)
    all[i] = i;
  for (i = n - 1; i > 0; i--)
    {
      guint j = random_below (&state, (guint64) i + 1);
      guint64 t = all[i];

      all[i] = all[j];
      all[j] = t;
    }
  in->indices = g_memdup2 (all, sizeof (guint64) * in->m);
  g_free (all);

  in->addrs = g_new (guint64, in->m);
  for (i = 0; i < in->m; i++)
    in->addrs[i] = random_below (&state, (guint64) n * STRIDE);
}

static void
inputs_clear (Inputs *in)
{
  g_clear_pointer (&in->indices, g_free);
  g_clear_pointer (&in->addrs, g_free);
}

static MsMappingBackend *backend;

static void
die (const char *format,
     ...) G_GNUC_PRINTF (1, 2) G_GNUC_NORETURN;

static void
die (const char *format,
     ...)
{
  va_list args;

  va_start (args, format);
  fputs ("ms-bench: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  exit (2);
}

/* The layouts an operation runs on. */
typedef enum {
  /* Setup(N): A_i = [i * 0x2000, i * 0x2000 + 0x1000), flags 1. */
  LAYOUT_STANDARD,
  /* Gaps large enough for 2 pages but never at a 2-page boundary:
   * A_i = [(4i + 1) * 0x1000, (4i + 3) * 0x1000). */
  LAYOUT_MISALIGNED,
  /* Gaps of 2 MiB + 4 KiB that start 8 KiB past a 2 MiB boundary, so
   * that none holds a 2 MiB-aligned 2 MiB block: for each j < N / 2,
   * [4 MiB j, + 8 KiB) and [4 MiB j + 2 MiB + 12 KiB, 4 MiB (j + 1)). */
  LAYOUT_2M_AMONG_4K,
} Layout;

#define MIB (G_GUINT64_CONSTANT (1) << 20)

static void
setup_map (MsMemorySet *set,
           guint64      start,
           guint64      size)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, 1, backend);
  g_autoptr(GError) error = NULL;

  if (!ms_memory_set_map (set, area, NULL, FALSE, &error))
    die ("Setup failed at %#" G_GINT64_MODIFIER "x: %s", start, error->message);
}

static MsMemorySet *
setup (Layout layout,
       guint  n)
{
  MsMemorySet *set = ms_memory_set_new ();
  guint i;

  for (i = 0; i < n; i++)
    switch (layout)
      {
      case LAYOUT_STANDARD:
        setup_map (set, (guint64) i * STRIDE, AREA_SIZE);
        break;
      case LAYOUT_MISALIGNED:
        setup_map (set, (4 * (guint64) i + 1) * 0x1000, 0x2000);
        break;
      case LAYOUT_2M_AMONG_4K:
        if (i % 2 == 0)
          setup_map (set, 4 * MIB * (i / 2), 0x2000);
        else
          setup_map (set, 4 * MIB * (i / 2) + 2 * MIB + 0x3000, 2 * MIB - 0x3000);
        break;
      }

  return set;
}

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

static gboolean
count_area (MsMemoryArea *area,
            gpointer      user_data)
{
  (*(guint64 *) user_data)++;
  return FALSE;
}

static gboolean checks_ok = TRUE;

static void
check_failed (Op          op,
              guint       n,
              const char *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
check_failed (Op          op,
              guint       n,
              const char *format,
              ...)
{
  va_list args;

  va_start (args, format);
  fprintf (stderr, "ms-bench: CHECK FAILED: %s at N=%u: ", op_names[op], n);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  checks_ok = FALSE;
}

/* Maps [i*STRIDE + offset, +size) for each of the M indices, with flags
 * 2, timing the maps alone; returns how many succeeded. */
static guint64
time_maps (MsMemorySet  *set,
           const Inputs *in,
           guint64       offset,
           guint64       size,
           gboolean      unmap_overlap,
           gint64       *t0,
           gint64       *t1)
{
  MsMemoryArea **areas = g_new (MsMemoryArea *, in->m);
  guint64 count = 0;
  guint i;

  /* Creating the areas is the caller's business, not the set's. */
  for (i = 0; i < in->m; i++)
    areas[i] = ms_memory_area_new (in->indices[i] * STRIDE + offset, size, 2, backend);

  *t0 = now_ns ();
  for (i = 0; i < in->m; i++)
    count += ms_memory_set_map (set, areas[i], NULL, unmap_overlap, NULL);
  *t1 = now_ns ();

  for (i = 0; i < in->m; i++)
    ms_memory_area_unref (areas[i]);
  g_free (areas);

  return count;
}

/* Times one run of @op on a fresh Setup(N) and checks its results;
 * returns ns per operation (per area for iterate). */
static double
run_op (Op            op,
        const Inputs *in)
{
  g_autoptr(MsMemorySet) set = setup (op == OP_FIND_FREE_AREA_MISALIGNED ? LAYOUT_MISALIGNED :
                                      op == OP_FIND_FREE_AREA_2M ? LAYOUT_2M_AMONG_4K :
                                      LAYOUT_STANDARD, in->n);
  guint64 count = 0, answer = 0;
  guint n_calls = in->m;
  gint64 t0, t1;
  guint i;

  switch (op)
    {
    case OP_FIND:
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_find (set, in->addrs[i]) != NULL;
      t1 = now_ns ();
      {
        guint64 hits = 0;

        for (i = 0; i < in->m; i++)
          hits += in->addrs[i] % STRIDE < AREA_SIZE;
        if (count != hits)
          check_failed (op, in->n, "%" G_GUINT64_FORMAT " hits, expected %" G_GUINT64_FORMAT,
                        count, hits);
      }
      break;

    case OP_OVERLAPS:
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_overlaps (set, in->addrs[i], 0x800);
      t1 = now_ns ();
      {
        guint64 hits = 0;

        /* [a, a + 0x800) meets the area it starts in, or the next one
         * when it starts in the last 0x800 bytes of a gap. */
        for (i = 0; i < in->m; i++)
          {
            guint64 offset = in->addrs[i] % STRIDE;

            hits += offset < AREA_SIZE ||
                    (offset > STRIDE - 0x800 && in->addrs[i] / STRIDE + 1 < in->n);
          }
        if (count != hits)
          check_failed (op, in->n, "%" G_GUINT64_FORMAT " overlaps, expected %" G_GUINT64_FORMAT,
                        count, hits);
      }
      break;

    case OP_MAP:
    case OP_MAP_OVERLAP:
      /* Into the gap after A_i, or over the second half of A_i. */
      if (op == OP_MAP)
        count = time_maps (set, in, AREA_SIZE, 0x800, FALSE, &t0, &t1);
      else
        count = time_maps (set, in, 0x800, 0x1000, TRUE, &t0, &t1);
      if (count != in->m || ms_memory_set_get_n_areas (set) != in->n + in->m)
        check_failed (op, in->n, "%u areas after %" G_GUINT64_FORMAT " maps, expected %u",
                      ms_memory_set_get_n_areas (set), count, in->n + in->m);
      break;

    case OP_UNMAP_SPLIT:
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_unmap (set, in->indices[i] * STRIDE + 0x400, 0x400, NULL, NULL);
      t1 = now_ns ();
      if (count != in->m || ms_memory_set_get_n_areas (set) != in->n + in->m)
        check_failed (op, in->n, "%u areas, expected N + M = %u",
                      ms_memory_set_get_n_areas (set), in->n + in->m);
      break;

    case OP_PROTECT_SPLIT:
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_protect (set, in->indices[i] * STRIDE + 0x400, 0x400, 2, NULL, NULL);
      t1 = now_ns ();
      if (count != in->m || ms_memory_set_get_n_areas (set) != in->n + 2 * in->m)
        check_failed (op, in->n, "%u areas, expected N + 2M = %u",
                      ms_memory_set_get_n_areas (set), in->n + 2 * in->m);
      break;

    case OP_FIND_FREE_AREA:
      {
        guint64 expected = (guint64) (in->n - 1) * STRIDE + AREA_SIZE;
        gboolean all_found = TRUE;

        n_calls = MIN (in->m, MAX_FFA);
        t0 = now_ns ();
        for (i = 0; i < n_calls; i++)
          {
            guint64 r = 0;

            all_found &= ms_memory_set_find_free_area (set, 0, 0x2000, 0, FFA_LIMIT, 0x1000, &r);
            answer |= r ^ expected;
          }
        t1 = now_ns ();
        if (!all_found || answer != 0)
          check_failed (op, in->n, "an answer is not %#" G_GINT64_MODIFIER "x", expected);
      }
      break;

    case OP_FIND_FREE_AREA_MISALIGNED:
    case OP_FIND_FREE_AREA_2M:
      {
        /* Only the free range after the last area fits. */
        guint64 size = op == OP_FIND_FREE_AREA_2M ? 2 * MIB : 0x2000;
        guint64 expected = op == OP_FIND_FREE_AREA_2M ? 4 * MIB * ((in->n + 1) / 2)
                                                      : 4 * (guint64) in->n * 0x1000;
        gboolean all_found = TRUE;

        n_calls = MIN (in->m, MAX_FFA);
        t0 = now_ns ();
        for (i = 0; i < n_calls; i++)
          {
            guint64 r = 0;

            all_found &= ms_memory_set_find_free_area (set, 0, size, 0, FFA_LIMIT, size, &r);
            answer |= r ^ expected;
          }
        t1 = now_ns ();
        if (!all_found || answer != 0)
          check_failed (op, in->n, "an answer is not %#" G_GINT64_MODIFIER "x", expected);
      }
      break;

    case OP_REMAP_GROW:
      /* A_i grows in place into the gap after it. */
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_remap (set, in->indices[i] * STRIDE, AREA_SIZE,
                                      in->indices[i] * STRIDE, STRIDE, NULL, NULL);
      t1 = now_ns ();
      if (count != in->m || ms_memory_set_get_n_areas (set) != in->n ||
          ms_memory_set_get_mapped_size (set) != (guint64) (in->n + in->m) * AREA_SIZE)
        check_failed (op, in->n, "%u areas of %" G_GUINT64_FORMAT " bytes after %" G_GUINT64_FORMAT
                      " remaps", ms_memory_set_get_n_areas (set),
                      ms_memory_set_get_mapped_size (set), count);
      break;

    case OP_REMAP_MOVE:
      /* A_i moves to a free range above the set. */
      t0 = now_ns ();
      for (i = 0; i < in->m; i++)
        count += ms_memory_set_remap (set, in->indices[i] * STRIDE, AREA_SIZE,
                                      (guint64) (in->n + i) * STRIDE, AREA_SIZE, NULL, NULL);
      t1 = now_ns ();
      if (count != in->m || ms_memory_set_get_n_areas (set) != in->n ||
          ms_memory_set_find (set, (guint64) (in->n + in->m - 1) * STRIDE) == NULL)
        check_failed (op, in->n, "%u areas after %" G_GUINT64_FORMAT " moves",
                      ms_memory_set_get_n_areas (set), count);
      break;

    case OP_FIND_FREE_AREA_TOP_DOWN:
      {
        /* Below the set's top every gap is too small: no answer. */
        guint64 top = (guint64) in->n * STRIDE;
        gboolean any_found = FALSE;

        n_calls = MIN (in->m, MAX_FFA);
        t0 = now_ns ();
        for (i = 0; i < n_calls; i++)
          any_found |= ms_memory_set_find_free_area_top_down (set, 0x2000, 0, top, 0x1000, NULL);
        t1 = now_ns ();
        if (any_found)
          check_failed (op, in->n, "a free range was found below the top");
      }
      break;

    case OP_ITERATE:
      t0 = now_ns ();
      ms_memory_set_foreach (set, count_area, &count);
      t1 = now_ns ();
      n_calls = in->n;
      if (count != in->n)
        check_failed (op, in->n, "%" G_GUINT64_FORMAT " areas visited, expected %u",
                      count, in->n);
      break;

    default:
      g_assert_not_reached ();
    }

  return (double) (t1 - t0) / n_calls;
}

/* Heap bytes that Setup(N) takes, measured in a child process so that
 * what earlier runs freed into the allocators' caches does not hide it.
 * Call it before any run: a child inherits its parent's heap, caches and
 * all. */
static gint64
measure_memory (guint n)
{
  int fds[2];
  pid_t pid;
  gint64 bytes = -1;
  int status;

  if (pipe (fds) != 0)
    die ("pipe: %s", g_strerror (errno));

  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    die ("fork: %s", g_strerror (errno));

  if (pid == 0)
    {
      struct mallinfo2 before, after;
      MsMemorySet *set;
      gint64 used;

      close (fds[0]);
      before = mallinfo2 ();
      set = setup (LAYOUT_STANDARD, n);
      after = mallinfo2 ();
      used = (gint64) (after.uordblks + after.hblkhd) - (gint64) (before.uordblks + before.hblkhd);
      if (write (fds[1], &used, sizeof used) != sizeof used)
        _exit (1);
      (void) set;
      _exit (0);
    }

  close (fds[1]);
  if (read (fds[0], &bytes, sizeof bytes) != sizeof bytes)
    bytes = -1;
  close (fds[0]);
  waitpid (pid, &status, 0);

  return bytes;
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static gboolean
parse_count (const char *text,
             guint      *out)
{
  char *end = NULL;
  guint64 value;

  errno = 0;
  value = g_ascii_strtoull (text, &end, 10);
  if (errno != 0 || end == text)
    return FALSE;
  if (g_ascii_strcasecmp (end, "k") == 0)
    value *= 1000, end++;
  else if (g_ascii_strcasecmp (end, "m") == 0)
    value *= 1000000, end++;
  if (*end != '\0' || value == 0 || value > 16000000)
    return FALSE;

  *out = value;
  return TRUE;
}

static void
format_ns (char   *buf,
           gsize   len,
           double  ns)
{
  if (ns < 0)
    g_snprintf (buf, len, "-");
  else if (ns < 100)
    g_snprintf (buf, len, "%.1f", ns);
  else
    g_snprintf (buf, len, "%.0f", ns);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *n_list = NULL;
  g_autofree char *op_list = NULL;
  g_autofree char *json_path = NULL;
  int runs = 3;
  GOptionEntry entries[] = {
    { "n", 0, 0, G_OPTION_ARG_STRING, &n_list, "Set sizes, comma-separated (default 1000,10000,100000,1000000; 1k and 1M forms accepted)", "N,..." },
    { "ops", 0, 0, G_OPTION_ARG_STRING, &op_list, "Operations, comma-separated (default all)", "OP,..." },
    { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs of each operation; the median is reported (default 3)", "RUNS" },
    { "json", 0, 0, G_OPTION_ARG_FILENAME, &json_path, "Also write the figures as JSON to FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- time libmemoryset on the standard workload");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (guint));
  gboolean selected[N_OPS];
  double *medians;
  double **all_runs;
  gint64 *memory;
  guint s, op;
  int r;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Operations: find, overlaps, map, map_overlap, unmap_split, protect_split,\n"
    "find_free_area, iterate, find_free_area_misaligned, find_free_area_2m,\n"
    "remap_grow, remap_move, find_free_area_top_down.\n"
    "Progress goes to stderr, the table to stdout.\n");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    die ("%s", error->message);
  if (runs < 1)
    die ("--runs must be at least 1");

  if (n_list == NULL)
    g_array_append_vals (sizes, standard_sizes, N_STANDARD_SIZES);
  else
    {
      g_auto(GStrv) parts = g_strsplit (n_list, ",", -1);

      for (s = 0; parts[s] != NULL; s++)
        {
          guint n;

          if (!parse_count (g_strstrip (parts[s]), &n))
            die ("invalid set size “%s”", parts[s]);
          g_array_append_val (sizes, n);
        }
    }

  for (op = 0; op < N_OPS; op++)
    selected[op] = op_list == NULL;
  if (op_list != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (op_list, ",", -1);

      for (s = 0; parts[s] != NULL; s++)
        {
          for (op = 0; op < N_OPS; op++)
            if (g_strcmp0 (g_strstrip (parts[s]), op_names[op]) == 0)
              break;
          if (op == N_OPS)
            die ("unknown operation “%s”", parts[s]);
          selected[op] = TRUE;
        }
    }

  backend = g_object_new (BENCH_TYPE_BACKEND, NULL);
  medians = g_new (double, sizes->len * N_OPS);
  all_runs = g_new0 (double *, sizes->len * N_OPS);
  memory = g_new (gint64, sizes->len);

  /* Every size's memory first, from a heap no set has used yet. */
  for (s = 0; s < sizes->len; s++)
    {
      guint n = g_array_index (sizes, guint, s);

      memory[s] = measure_memory (n);
      fprintf (stderr, "N=%u: %.1f heap bytes per area after Setup(N)\n",
               n, (double) memory[s] / n);
    }

  for (s = 0; s < sizes->len; s++)
    {
      guint n = g_array_index (sizes, guint, s);
      Inputs in;

      inputs_init (&in, n);
      for (op = 0; op < N_OPS; op++)
        {
          double *times;

          medians[s * N_OPS + op] = -1;
          if (!selected[op])
            continue;

          times = all_runs[s * N_OPS + op] = g_new (double, runs);
          for (r = 0; r < runs; r++)
            {
              times[r] = run_op (op, &in);
              fprintf (stderr, "N=%u %s run %d/%d: %.1f ns/op\n",
                       n, op_names[op], r + 1, runs, times[r]);
            }

          {
            double *sorted = g_memdup2 (times, sizeof (double) * runs);

            qsort (sorted, runs, sizeof (double), compare_doubles);
            medians[s * N_OPS + op] = runs % 2 ? sorted[runs / 2]
                                               : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
            g_free (sorted);
          }
        }
      inputs_clear (&in);
    }

  /* The table. */
  printf ("libmemoryset: median of %d runs, ns per operation (per area for iterate)\n\n", runs);
  printf ("%-26s", "op");
  for (s = 0; s < sizes->len; s++)
    {
      char head[32];

      g_snprintf (head, sizeof head, "N=%u", g_array_index (sizes, guint, s));
      printf (" %11s", head);
    }
  printf ("\n");
  for (op = 0; op < N_OPS; op++)
    {
      if (!selected[op])
        continue;
      printf ("%-26s", op_names[op]);
      for (s = 0; s < sizes->len; s++)
        {
          char cell[32];

          format_ns (cell, sizeof cell, medians[s * N_OPS + op]);
          printf (" %11s", cell);
        }
      printf ("\n");
    }
  printf ("%-26s", "bytes/area");
  for (s = 0; s < sizes->len; s++)
    {
      char cell[32];

      g_snprintf (cell, sizeof cell, "%.1f", (double) memory[s] / g_array_index (sizes, guint, s));
      printf (" %11s", cell);
    }
  printf ("\n\nchecks: %s\n", checks_ok ? "all passed" : "FAILED");

  if (json_path != NULL)
    {
      GString *json = g_string_new ("{\n  \"workload\": \"standard\",\n");

      g_string_append_printf (json, "  \"runs\": %d,\n  \"checks_passed\": %s,\n  \"sizes\": [\n",
                              runs, checks_ok ? "true" : "false");
      for (s = 0; s < sizes->len; s++)
        {
          guint n = g_array_index (sizes, guint, s);
          gboolean first = TRUE;

          g_string_append_printf (json, "    {\n      \"n\": %u,\n      \"heap_bytes\": %" G_GINT64_FORMAT ",\n"
                                  "      \"bytes_per_area\": %.2f,\n      \"ops\": {",
                                  n, memory[s], (double) memory[s] / n);
          for (op = 0; op < N_OPS; op++)
            {
              if (!selected[op])
                continue;
              g_string_append_printf (json, "%s\n        \"%s\": { \"median_ns\": %.2f, \"runs_ns\": [",
                                      first ? "" : ",", op_names[op], medians[s * N_OPS + op]);
              for (r = 0; r < runs; r++)
                g_string_append_printf (json, "%s%.2f", r ? ", " : "", all_runs[s * N_OPS + op][r]);
              g_string_append (json, "]");
              g_string_append (json, " }");
              first = FALSE;
            }
          g_string_append_printf (json, "\n      }\n    }%s\n", s + 1 < sizes->len ? "," : "");
        }
      g_string_append (json, "  ]\n}\n");

      if (!g_file_set_contents (json_path, json->str, json->len, &error))
        die ("%s", error->message);
      g_string_free (json, TRUE);
    }

  for (s = 0; s < sizes->len * N_OPS; s++)
    g_free (all_runs[s]);
  g_free (all_runs);
  g_free (medians);
  g_free (memory);
  g_object_unref (backend);

  return checks_ok ? 0 : 1;
}
