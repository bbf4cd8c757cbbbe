/* ms-replay.c: replays a recorded trace through MsLinuxMm and compares
 * it with the kernel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ms-replay [-v] [-V] [-S] [-H] PREFIX...
 *
 * PREFIX names a recording (docs/linux-mm.md, "The trace format" and
 * "Recording a new program"):
 * PREFIX.initial (the maps at the first instruction), PREFIX.initial.vmflags,
 * PREFIX.trace (its memory system calls in the kernel's order, with "A"
 * lines of VMAs newly seen with anonymous pages), PREFIX.final (the maps
 * at exit) and, for -V and -S, PREFIX.final.vmflags and PREFIX.steps. For
 * each, it prints
 *
 *   NAME: placements a/b, results c/d, final lines e/f
 *
 * placements: the non-fixed mmaps, and the mremaps whose destination the
 * kernel chooses (MREMAP_MAYMOVE without MREMAP_FIXED) and that moved, in
 * the kernel or in the mm; a = those whose address is the kernel's.
 * results: every call; c = those that return what the kernel returned,
 * -errno included. final lines: the final maps as a multiset of (start,
 * end, permissions, offset, path) against the kernel's; the start of
 * [stack] and a " (deleted)" suffix are not compared, and f is the
 * larger of the two counts, so that lines the mm has and the kernel not
 * count too. The mm makes its own choices throughout: it is never given
 * a recorded result.
 *
 * -v lists every mismatch, -V also compares the VmFlags of each VMA,
 * -S the maps after every call with PREFIX.steps (optional in a
 * recording: docs/linux-mm.md, "The trace format"), and -H
 * turns the fault guess off. The exit status is 0 when every trace
 * matches in full (and, with -V and -S, their flags and steps), 1
 * otherwise, 2 for bad usage or unreadable files.
 *
 * Only the public API of libmemoryset is used.
 */

#include <memoryset.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAP_FIXED_           0x10
#define MAP_FIXED_NOREPLACE_ 0x100000
#define MREMAP_MAYMOVE_      1
#define MREMAP_FIXED_        2

typedef struct {
  gboolean verbose;
  gboolean vmflags;
  gboolean steps;
  gboolean guess;
} Options;

/* One maps line, as compared: the start (0 for [stack]), end,
 * permissions, offset and path (without " (deleted)"). */
typedef struct {
  guint64  start;
  guint64  end;
  char     perms[5];
  guint64  offset;
  char    *path;
} Line;

static void
line_clear (gpointer data)
{
  g_free (((Line *) data)->path);
}

/* Parses "start-end perms offset dev inode [path]". */
static gboolean
parse_line (const char *text,
            Line       *line)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t", -1);
  const char *fields[5] = { NULL };
  guint n = 0, i;
  const char *p = text;
  char *dash;

  for (i = 0; words[i] != NULL && n < 5; i++)
    if (words[i][0] != '\0')
      fields[n++] = words[i];
  if (n < 5 || strlen (fields[1]) != 4 || (dash = strchr (fields[0], '-')) == NULL)
    return FALSE;

  line->start = g_ascii_strtoull (fields[0], NULL, 16);
  line->end = g_ascii_strtoull (dash + 1, NULL, 16);
  memcpy (line->perms, fields[1], 5);
  line->offset = g_ascii_strtoull (fields[2], NULL, 16);

  /* The path is the rest of the line after the fifth field. */
  for (n = 0; n < 5; n++)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
    }
  while (*p == ' ' || *p == '\t')
    p++;
  line->path = g_strdup (p);
  g_strchomp (line->path);
  if (g_str_has_suffix (line->path, " (deleted)"))
    line->path[strlen (line->path) - strlen (" (deleted)")] = '\0';
  /* C2: the start of [stack] moves by faults no call shows. */
  if (strcmp (line->path, "[stack]") == 0)
    line->start = 0;
  return TRUE;
}

static GArray *
parse_lines (const char *text)
{
  GArray *lines = g_array_new (FALSE, FALSE, sizeof (Line));
  g_auto(GStrv) rows = g_strsplit (text, "\n", -1);

  g_array_set_clear_func (lines, line_clear);
  for (guint i = 0; rows[i] != NULL; i++)
    {
      Line line;

      if (g_strstrip (rows[i])[0] != '\0' && parse_line (rows[i], &line))
        g_array_append_val (lines, line);
    }
  return lines;
}

static char *
line_key (const Line *line)
{
  return g_strdup_printf ("%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %s %" G_GINT64_MODIFIER "x %s",
                          line->start, line->end, line->perms, line->offset, line->path);
}

/* Compares two maps as multisets of lines: how many of the kernel's the
 * mm has, out of the larger count; the differences go to @messages. */
static guint
compare_maps (const char  *kernel_text,
              const char  *mm_text,
              guint       *total,
              GPtrArray   *messages)
{
  g_autoptr(GArray) kernel = parse_lines (kernel_text);
  g_autoptr(GArray) mm = parse_lines (mm_text);
  g_autoptr(GHashTable) counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint matched = 0;

  for (guint i = 0; i < mm->len; i++)
    {
      char *k = line_key (&g_array_index (mm, Line, i));

      value = g_hash_table_lookup (counts, k);
      g_hash_table_replace (counts, k, GUINT_TO_POINTER (GPOINTER_TO_UINT (value) + 1));
    }
  for (guint i = 0; i < kernel->len; i++)
    {
      g_autofree char *k = line_key (&g_array_index (kernel, Line, i));
      guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, k));

      if (n > 0)
        {
          g_hash_table_replace (counts, g_strdup (k), GUINT_TO_POINTER (n - 1));
          matched++;
        }
      else if (messages != NULL)
        g_ptr_array_add (messages, g_strdup_printf ("final: kernel line not in the mm: %s", k));
    }
  g_hash_table_iter_init (&iter, counts);
  while (messages != NULL && g_hash_table_iter_next (&iter, &key, &value))
    for (guint n = GPOINTER_TO_UINT (value); n > 0; n--)
      g_ptr_array_add (messages, g_strdup_printf ("final: mm line not in the kernel: %s", (char *) key));

  *total = MAX (kernel->len, mm->len);
  return matched;
}

/* \ooo escapes of path= (docs/linux-mm.md, "The trace format"). */
static char *
unescape (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (p[0] == '\\' && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) && g_ascii_isdigit (p[3]))
        {
          g_string_append_c (out, (char) (((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0')));
          p += 3;
        }
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* The value a call returns, as the kernel returns it: -errno for the
 * mm's errors, and FALSE (with a message) for any other failure. */
static gboolean
kernel_result (gboolean   done,
               guint64    value,
               GError    *error,
               gint64    *result,
               GPtrArray *messages)
{
  if (done)
    {
      *result = (gint64) value;
      return TRUE;
    }
  if (error->domain == MS_LINUX_MM_ERROR)
    {
      *result = -error->code;
      return TRUE;
    }
  g_ptr_array_add (messages, g_strdup_printf ("a call failed outside the kernel's errors: %s", error->message));
  *result = G_MININT64;
  return FALSE;
}

static char *
format_result (gint64 value)
{
  return value < 0 && value > -4096 ? g_strdup_printf ("-%" G_GINT64_FORMAT, -value)
                                    : g_strdup_printf ("%" G_GINT64_MODIFIER "x", (guint64) value);
}

typedef struct {
  guint placements_ok, placements;
  guint results_ok, results;
  guint final_ok, final;
  guint vmflags_bad;
  guint steps, steps_bad;
} Score;

static char *
read_file (const char *path,
           gboolean    required)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error) && required)
    {
      g_printerr ("ms-replay: %s\n", error->message);
      return NULL;
    }
  return text;
}

/* The maps after each call: "## SEQ" then the lines. A re-exec restarts
 * the trace but not the file: the last block of a number counts. */
static GHashTable *
load_steps (const char *text)
{
  GHashTable *steps = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  g_auto(GStrv) rows = g_strsplit (text, "\n", -1);
  GString *current = NULL;
  guint seq = 0;

  for (guint i = 0; ; i++)
    {
      if (rows[i] == NULL || g_str_has_prefix (rows[i], "## "))
        {
          if (current != NULL)
            g_hash_table_replace (steps, GUINT_TO_POINTER (seq), g_string_free (current, FALSE));
          current = NULL;
          if (rows[i] == NULL)
            break;
          seq = (guint) g_ascii_strtoull (rows[i] + 3, NULL, 10);
          current = g_string_new (NULL);
        }
      else if (current != NULL)
        g_string_append_printf (current, "%s\n", rows[i]);
    }
  return steps;
}

static gboolean
gather_vmflags (MsMemoryArea *area,
                gpointer      user_data)
{
  GString *text = user_data;
  g_autofree char *flags = ms_linux_mm_flags_to_string (ms_memory_area_get_flags (area) &
                                                        ~MS_LINUX_VM_SOFTDIRTY);

  g_string_append_printf (text, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %s\n",
                          ms_memory_area_get_start (area), ms_memory_area_get_end (area), flags);
  return FALSE;
}

/* The VmFlags of each VMA of the mm that the kernel has at the same
 * range, compared as sets of mnemonics. Returns the mismatches. */
static guint
compare_vmflags (MsLinuxMm  *mm,
                 const char *kernel_text,
                 GPtrArray  *messages)
{
  g_autoptr(GHashTable) kernel = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GString) mine = g_string_new (NULL);
  g_auto(GStrv) kernel_rows = g_strsplit (kernel_text, "\n", -1);
  g_auto(GStrv) mine_rows = NULL;
  guint bad = 0;

  for (guint i = 0; kernel_rows[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (g_strstrip (kernel_rows[i]), " ", 2);

      if (words[0] != NULL && words[0][0] != '\0')
        g_hash_table_replace (kernel, g_strdup (words[0]), g_strdup (words[1] != NULL ? words[1] : ""));
    }
  ms_memory_set_foreach (ms_linux_mm_get_set (mm), gather_vmflags, mine);
  mine_rows = g_strsplit (mine->str, "\n", -1);
  for (guint i = 0; mine_rows[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit (mine_rows[i], " ", 2);
      const char *want;
      g_auto(GStrv) want_words = NULL;
      g_auto(GStrv) got_words = NULL;
      gboolean same;

      if (words[0] == NULL || words[0][0] == '\0' ||
          (want = g_hash_table_lookup (kernel, words[0])) == NULL)
        continue;
      want_words = g_strsplit_set (want, " ", -1);
      got_words = g_strsplit_set (words[1] != NULL ? words[1] : "", " ", -1);
      same = TRUE;
      for (guint j = 0; want_words[j] != NULL; j++)
        if (want_words[j][0] != '\0' && !g_strv_contains ((const char * const *) got_words, want_words[j]))
          same = FALSE;
      for (guint j = 0; got_words[j] != NULL; j++)
        if (got_words[j][0] != '\0' && !g_strv_contains ((const char * const *) want_words, got_words[j]))
          same = FALSE;
      if (!same)
        {
          bad++;
          g_ptr_array_add (messages, g_strdup_printf ("vmflags %s: mm [%s] kernel [%s]", words[0],
                                                      words[1] != NULL ? words[1] : "", want));
        }
    }
  return bad;
}

/* Replays one call; returns FALSE for a line it cannot read. */
static gboolean
replay_call (MsLinuxMm    *mm,
             GHashTable   *files,
             const char   *row,
             Score        *score,
             GHashTable   *steps,
             GPtrArray    *messages)
{
  g_auto(GStrv) halves = g_strsplit (row, " = ", 2);
  g_auto(GStrv) head = NULL;
  g_auto(GStrv) tail = NULL;
  g_autoptr(GHashTable) kv = NULL;
  g_autoptr(GError) error = NULL;
  guint64 a[6], seq, value = 0;
  gint64 kernel_ret, ret = 0;
  const char *name;
  gboolean done = TRUE, placement = FALSE;

  if (halves[0] == NULL || halves[1] == NULL)
    return FALSE;
  head = g_strsplit (halves[0], " ", -1);
  tail = g_strsplit (halves[1], " ", -1);
  if (g_strv_length (head) < 9)
    return FALSE;
  seq = g_ascii_strtoull (head[0], NULL, 10);
  ms_linux_mm_set_thread_id (mm, g_ascii_strtoull (head[1], NULL, 10));
  name = head[2];
  for (guint i = 0; i < 6; i++)
    a[i] = g_ascii_strtoull (head[3 + i], NULL, 16);
  kernel_ret = (gint64) g_ascii_strtoull (tail[0], NULL, 16);
  kv = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 1; tail[i] != NULL; i++)
    {
      char *eq = strchr (tail[i], '=');

      if (eq != NULL)
        {
          *eq = '\0';
          g_hash_table_insert (kv, tail[i], eq + 1);
        }
    }

  if (strcmp (name, "mmap") == 0)
    {
      MsLinuxFile *file = NULL;
      const char *fid = g_hash_table_lookup (kv, "fid");

      if (fid != NULL)
        {
          file = g_hash_table_lookup (files, fid);
          if (file == NULL)
            {
              g_autofree char *path = unescape (g_hash_table_lookup (kv, "path") ?: "?");
              const char *fstype = g_hash_table_lookup (kv, "fstype");
              const char *oflags = g_hash_table_lookup (kv, "oflags");
              const char *mode = g_hash_table_lookup (kv, "mode");

              /* One object per open file description: the trace's fid. */
              file = ms_linux_file_new (path, fstype != NULL ? (guint32) g_ascii_strtoull (fstype, NULL, 16) : 0,
                                        oflags != NULL ? (guint) g_ascii_strtoull (oflags, NULL, 8) : 0,
                                        mode != NULL ? (guint32) g_ascii_strtoull (mode, NULL, 8) : 0, NULL);
              g_hash_table_insert (files, g_strdup (fid), file);
            }
        }
      placement = !(a[3] & (MAP_FIXED_ | MAP_FIXED_NOREPLACE_));
      done = ms_linux_mm_mmap (mm, a[0], a[1], a[2], a[3], file, a[5], &value, &error);
    }
  else if (strcmp (name, "munmap") == 0)
    done = ms_linux_mm_munmap (mm, a[0], a[1], &error);
  else if (strcmp (name, "mprotect") == 0)
    done = ms_linux_mm_mprotect (mm, a[0], a[1], a[2], &error);
  else if (strcmp (name, "pkey_mprotect") == 0)
    done = ms_linux_mm_pkey_mprotect (mm, a[0], a[1], a[2], (gint) a[3], &error);
  else if (strcmp (name, "brk") == 0)
    done = ms_linux_mm_brk (mm, a[0], &value, &error);
  else if (strcmp (name, "mremap") == 0)
    done = ms_linux_mm_mremap (mm, a[0], a[1], a[2], a[3], a[4], &value, &error);
  else if (strcmp (name, "madvise") == 0)
    done = ms_linux_mm_madvise (mm, a[0], a[1], (gint) a[2], &error);
  else if (strcmp (name, "mlock") == 0)
    done = ms_linux_mm_mlock (mm, a[0], a[1], &error);
  else if (strcmp (name, "mlock2") == 0)
    done = ms_linux_mm_mlock2 (mm, a[0], a[1], (guint) a[2], &error);
  else if (strcmp (name, "munlock") == 0)
    done = ms_linux_mm_munlock (mm, a[0], a[1], &error);
  else if (strcmp (name, "mlockall") == 0)
    done = ms_linux_mm_mlockall (mm, (guint) a[0], &error);
  else if (strcmp (name, "munlockall") == 0)
    done = ms_linux_mm_munlockall (mm, &error);
  else if (strcmp (name, "mseal") == 0)
    done = ms_linux_mm_mseal (mm, a[0], a[1], a[2], &error);
  else
    /* Not modelled (prctl(PR_SET_VMA), shmat, io_setup, ...): counted as
     * returning 0. */
    value = 0;

  kernel_result (done, value, error, &ret, messages);

  if (strcmp (name, "mremap") == 0 && (a[3] & MREMAP_MAYMOVE_) && !(a[3] & MREMAP_FIXED_))
    {
      /* A move whose destination the kernel chooses, in the kernel or in
       * the mm. */
      gboolean kernel_moved = !(kernel_ret < 0 && kernel_ret > -4096) && (guint64) kernel_ret != a[0];
      gboolean mm_moved = !(ret < 0 && ret > -4096) && ret != G_MININT64 && (guint64) ret != a[0];

      placement = kernel_moved || mm_moved;
    }

  score->results++;
  if (ret == kernel_ret)
    score->results_ok++;
  else
    {
      g_autofree char *got = format_result (ret);
      g_autofree char *want = format_result (kernel_ret);

      g_ptr_array_add (messages, g_strdup_printf ("seq %" G_GUINT64_FORMAT " %s %" G_GINT64_MODIFIER "x %"
                                                  G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x %"
                                                  G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x: mm %s kernel %s",
                                                  seq, name, a[0], a[1], a[2], a[3], a[4], got, want));
    }
  if (placement)
    {
      score->placements++;
      if (ret == kernel_ret)
        score->placements_ok++;
    }

  if (steps != NULL)
    {
      const char *kernel_maps = g_hash_table_lookup (steps, GUINT_TO_POINTER ((guint) seq));

      if (kernel_maps != NULL)
        {
          g_autofree char *mm_maps = ms_linux_mm_to_string (mm);
          guint total, matched = compare_maps (kernel_maps, mm_maps, &total, NULL);

          score->steps++;
          if (matched != total && score->steps_bad++ < 3)
            {
              g_ptr_array_add (messages, g_strdup_printf ("step %" G_GUINT64_FORMAT " (%s) diverges", seq, name));
              compare_maps (kernel_maps, mm_maps, &total, messages);
            }
          else if (matched != total)
            score->steps_bad++;
        }
    }
  return TRUE;
}

static gboolean
replay (const char    *prefix,
        const Options *options)
{
  g_autofree char *name = g_path_get_basename (prefix);
  g_autofree char *trace_path = g_strconcat (prefix, ".trace", NULL);
  g_autofree char *initial_path = g_strconcat (prefix, ".initial", NULL);
  g_autofree char *initial_vmflags_path = g_strconcat (prefix, ".initial.vmflags", NULL);
  g_autofree char *final_path = g_strconcat (prefix, ".final", NULL);
  g_autofree char *final_vmflags_path = g_strconcat (prefix, ".final.vmflags", NULL);
  g_autofree char *steps_path = g_strconcat (prefix, ".steps", NULL);
  g_autofree char *trace = read_file (trace_path, TRUE);
  g_autofree char *initial = read_file (initial_path, TRUE);
  g_autofree char *initial_vmflags = read_file (initial_vmflags_path, FALSE);
  g_autofree char *final = read_file (final_path, TRUE);
  g_autofree char *final_vmflags = options->vmflags ? read_file (final_vmflags_path, FALSE) : NULL;
  g_autofree char *steps_text = options->steps ? read_file (steps_path, FALSE) : NULL;
  g_autoptr(GHashTable) steps = NULL;
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(MsLinuxMm) mm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mm_maps = NULL;
  g_auto(GStrv) rows = NULL;
  guint64 start_brk = 0, start_stack = 0, rlimit = G_GUINT64_CONSTANT (8) << 20;
  guint personality = 0;
  gboolean has_reports = FALSE, matches;
  Score score = { 0 };

  if (trace == NULL || initial == NULL || final == NULL)
    exit (2);
  if (steps_text != NULL)
    steps = load_steps (steps_text);

  rows = g_strsplit (trace, "\n", -1);
  for (guint i = 0; rows[i] != NULL; i++)
    {
      if (g_str_has_prefix (rows[i], "# start_brk "))
        start_brk = g_ascii_strtoull (rows[i] + strlen ("# start_brk "), NULL, 16);
      else if (g_str_has_prefix (rows[i], "# start_stack "))
        start_stack = g_ascii_strtoull (rows[i] + strlen ("# start_stack "), NULL, 16);
      else if (g_str_has_prefix (rows[i], "# rlimit_stack "))
        rlimit = g_ascii_strtoull (rows[i] + strlen ("# rlimit_stack "), NULL, 16);
      else if (g_str_has_prefix (rows[i], "# personality "))
        personality = (guint) g_ascii_strtoull (rows[i] + strlen ("# personality "), NULL, 16);
      else if (rows[i][0] == 'A')
        has_reports = TRUE;
    }

  mm = ms_linux_mm_new_for_process (NULL, initial, initial_vmflags, start_brk, start_stack, rlimit, personality,
                                    &error);
  if (mm == NULL)
    {
      g_printerr ("ms-replay: %s: %s\n", initial_path, error->message);
      exit (2);
    }
  /* Where the recording has no fault bit (no A lines), guess everywhere;
   * where it has, only where the A lines cannot show a fault (C1,
   * docs/linux-mm.md, "The kernel's rules"). */
  if (options->guess)
    ms_linux_mm_set_fault_guess (mm, has_reports ? MS_LINUX_MM_FAULT_GUESS_REPEATS : MS_LINUX_MM_FAULT_GUESS_ALL);

  for (guint i = 0; rows[i] != NULL; i++)
    {
      const char *row = rows[i];

      if (row[0] == '\0' || row[0] == '#')
        continue;
      if (row[0] == 'A')
        {
          g_auto(GStrv) ranges = g_strsplit (row + 1, " ", -1);

          for (guint j = 0; ranges[j] != NULL; j++)
            {
              char *dash = strchr (ranges[j], '-');
              guint64 lo, hi;

              if (dash == NULL)
                continue;
              lo = g_ascii_strtoull (ranges[j], NULL, 16);
              hi = g_ascii_strtoull (dash + 1, NULL, 16);
              if (!ms_linux_mm_report_anonymous (mm, lo, hi - lo, &error))
                {
                  g_ptr_array_add (messages, g_strdup_printf ("A line refused: %s", error->message));
                  g_clear_error (&error);
                }
            }
          continue;
        }
      if (!replay_call (mm, files, row, &score, steps, messages))
        g_ptr_array_add (messages, g_strdup_printf ("unreadable line: %s", row));
    }

  mm_maps = ms_linux_mm_to_string (mm);
  score.final_ok = compare_maps (final, mm_maps, &score.final, messages);
  if (final_vmflags != NULL)
    score.vmflags_bad = compare_vmflags (mm, final_vmflags, messages);
  if (steps != NULL)
    g_ptr_array_add (messages, g_strdup_printf ("steps checked: %u, diverging: %u", score.steps, score.steps_bad));

  g_print ("%s: placements %u/%u, results %u/%u, final lines %u/%u\n", name, score.placements_ok,
           score.placements, score.results_ok, score.results, score.final_ok, score.final);
  if (options->verbose)
    for (guint i = 0; i < messages->len; i++)
      g_print ("   %s\n", (char *) messages->pdata[i]);

  matches = score.placements_ok == score.placements && score.results_ok == score.results &&
            score.final_ok == score.final && score.vmflags_bad == 0 && score.steps_bad == 0;
  return matches;
}

int
main (int   argc,
      char *argv[])
{
  Options options = { FALSE, FALSE, FALSE, TRUE };
  gboolean all = TRUE;
  guint n = 0;

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "-v") == 0)
        options.verbose = TRUE;
      else if (strcmp (argv[i], "-V") == 0)
        options.verbose = options.vmflags = TRUE;
      else if (strcmp (argv[i], "-S") == 0)
        options.verbose = options.steps = TRUE;
      else if (strcmp (argv[i], "-H") == 0)
        options.guess = FALSE;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *prefix = NULL;

      if (argv[i][0] == '-')
        continue;
      prefix = g_str_has_suffix (argv[i], ".trace") ? g_strndup (argv[i], strlen (argv[i]) - strlen (".trace"))
                                                    : g_strdup (argv[i]);
      all = replay (prefix, &options) && all;
      n++;
    }
  if (n == 0)
    {
      g_printerr ("usage: ms-replay [-v] [-V] [-S] [-H] PREFIX...\n");
      return 2;
    }
  return all ? 0 : 1;
}
