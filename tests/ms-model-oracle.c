/* ms-model-oracle.c: the reference model of the C tests (ms-test-model.c),
 * driven line by line, for the tests written in other languages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * It reads one command a line on stdin and answers each with one line on
 * stdout (flushed), a line that starts with "= ", or, for a command it
 * cannot take, "! " and a message, after which it exits with status 2.
 * Every number is hexadecimal, without 0x. A name is "-" for none (NULL),
 * or "=" and the hexadecimal of its bytes ("=" alone: the empty name), so
 * that it holds neither spaces nor commas.
 *
 * The model:
 *   new N NO_MOVE NO_PROTECT    N backends, numbered from 0; those in the
 *                               bit masks lack move, or protect: = ok
 *   merge 0|1, limit N          merge-adjacent, max-areas: = ok
 *
 * The changes, each with FAIL: the backend call that fails (1 = the
 * first of this change), 0 for none; "trial" before one runs it on a
 * copy of the model, which is then dropped:
 *   map FAIL START SIZE FLAGS BACKEND OFFSET NAME OVERLAP(0|1)
 *   unmap FAIL START SIZE
 *   protect FAIL START SIZE NEW_FLAGS       (an update function that
 *                                            always answers NEW_FLAGS)
 *   protect_with FAIL START SIZE            the update function is the
 *     client's: for each piece the model asks about, the oracle writes
 *     "? OLD_FLAGS" and reads the answer, "1 NEW_FLAGS" (change to them)
 *     or "0" (leave the piece alone)
 *   clear FAIL
 *   remap FAIL OLD_START OLD_SIZE NEW_START NEW_SIZE
 *   load FAIL BACKEND N, then N lines "START END FLAGS OFFSET NAME": the
 *     areas of maps text, already parsed
 * each answered by
 *   = OUTCOME FAILED N_CALLS CALL... N_ASKED OLD_FLAGS...
 * OUTCOME "ok" or the MsMappingError code; FAILED, for an error of load
 * but the limit, the index (from 0) of the area it is about, else "-";
 * each CALL
 * "KIND,BACKEND,START,SIZE,ARG,SUCCEEDED" with KIND map, unmap, protect
 * or move, ARG the flags of map and protect, 0 for unmap, the destination
 * of move, SUCCEEDED 0 or 1 (a failing call is the last); the old flags
 * the update function was asked about, in order.
 *
 * The queries, AREA being "START,END,FLAGS,BACKEND,OFFSET,NAME":
 *   areas                     = N AREA...
 *   in_range START SIZE       = N AREA...     (the areas meeting it)
 *   gaps START SIZE           = N START,SIZE...
 *   find ADDR                 = AREA, or = -
 *   overlaps START SIZE       = 0|1
 *   ffa HINT SIZE LIMIT_START LIMIT_END ALIGN           = START, or = -
 *   ffa_top SIZE LIMIT_START LIMIT_END ALIGN            = START, or = -
 *   count, mapped, joins      = N: areas, bytes mapped, neighbours
 *                               merging has joined (in all)
 *   points                    = N POINT...    (where each cell starts:
 *                               the places worth looking at)
 *   state                     = COUNT MAPPED JOINS N AREA...
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memoryset.h>

#include "ms-test-model.h"

#define MAX_TOKENS 16

static MsModel *model;
static GString *out;
static char    *line_buf;
static size_t   line_cap;

G_GNUC_NORETURN G_GNUC_PRINTF (1, 2) static void
die (const char *format,
     ...)
{
  va_list args;

  fputs ("! ", stdout);
  va_start (args, format);
  vfprintf (stdout, format, args);
  va_end (args);
  fputc ('\n', stdout);
  fflush (stdout);
  exit (2);
}

static void
reply (void)
{
  g_string_append_c (out, '\n');
  if (fwrite (out->str, 1, out->len, stdout) != out->len || fflush (stdout) != 0)
    exit (2);
  g_string_truncate (out, 0);
}

/* The next line of stdin, without its newline; NULL at the end. */
static char *
read_line (void)
{
  ssize_t n = getline (&line_buf, &line_cap, stdin);

  if (n < 0)
    return NULL;
  while (n > 0 && (line_buf[n - 1] == '\n' || line_buf[n - 1] == '\r'))
    line_buf[--n] = '\0';
  return line_buf;
}

static guint
split (char  *line,
       char **tokens)
{
  guint n = 0;
  char *save = NULL;

  for (char *t = strtok_r (line, " \t", &save); t != NULL; t = strtok_r (NULL, " \t", &save))
    {
      if (n == MAX_TOKENS)
        die ("too many words");
      tokens[n++] = t;
    }
  return n;
}

static guint64
number (const char *token)
{
  char *end = NULL;
  guint64 value;

  errno = 0;
  value = g_ascii_strtoull (token, &end, 16);
  if (errno != 0 || end == token || *end != '\0' || token[0] == '-')
    die ("not a hexadecimal number: “%s”", token);
  return value;
}

static guint
backend_number (const char *token)
{
  guint64 value = number (token);

  if (value >= 32)
    die ("no backend %s", token);
  return (guint) value;
}

static gboolean
flag (const char *token)
{
  if (strcmp (token, "0") != 0 && strcmp (token, "1") != 0)
    die ("not 0 or 1: “%s”", token);
  return token[0] == '1';
}

/* An interned name, from "-" or "=HEX". */
static const char *
name_of (const char *token)
{
  g_autoptr(GString) name = NULL;

  if (strcmp (token, "-") == 0)
    return NULL;
  if (token[0] != '=' || strlen (token + 1) % 2 != 0)
    die ("not a name: “%s”", token);
  name = g_string_new (NULL);
  for (const char *p = token + 1; *p != '\0'; p += 2)
    {
      int high = g_ascii_xdigit_value (p[0]), low = g_ascii_xdigit_value (p[1]);

      if (high < 0 || low < 0 || (high == 0 && low == 0))
        die ("not a name: “%s”", token);
      g_string_append_c (name, (char) (high << 4 | low));
    }
  return g_intern_string (name->str);
}

static void
put_hex (guint64 value)
{
  g_string_append_printf (out, "%" G_GINT64_MODIFIER "x", value);
}

static void
put_name (const char *name)
{
  if (name == NULL)
    {
      g_string_append_c (out, '-');
      return;
    }
  g_string_append_c (out, '=');
  for (const char *p = name; *p != '\0'; p++)
    g_string_append_printf (out, "%02x", (guint) (guchar) *p);
}

static void
put_area (const MsModelArea *area)
{
  put_hex (area->start);
  g_string_append_c (out, ',');
  put_hex (area->end);
  g_string_append_c (out, ',');
  put_hex (area->flags);
  g_string_append_c (out, ',');
  put_hex (area->backend);
  g_string_append_c (out, ',');
  put_hex (area->offset);
  g_string_append_c (out, ',');
  put_name (area->name);
}

static void
put_areas (GArray *areas)
{
  put_hex (areas->len);
  for (guint i = 0; i < areas->len; i++)
    {
      g_string_append_c (out, ' ');
      put_area (&g_array_index (areas, MsModelArea, i));
    }
}

static void
put_outcome (int outcome)
{
  if (outcome == MS_MODEL_OK)
    g_string_append (out, "ok");
  else
    put_hex ((guint64) outcome);
}

static void
need (guint n_tokens,
      guint wanted,
      const char *command)
{
  if (n_tokens != wanted)
    die ("%s takes %u arguments", command, wanted - 1);
}

/* protect_with's update function: the client's answer. */
static gboolean
ask_client (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  char *tokens[MAX_TOKENS];
  char *answer;
  guint n;

  /* Not in @out, which holds the start of the reply. */
  if (printf ("? %" G_GINT64_MODIFIER "x\n", old_flags) < 0 || fflush (stdout) != 0)
    exit (2);
  answer = read_line ();
  if (answer == NULL)
    die ("no answer to “? %" G_GINT64_MODIFIER "x”", old_flags);
  n = split (answer, tokens);
  if (n == 1 && strcmp (tokens[0], "0") == 0)
    return FALSE;
  if (n == 2 && strcmp (tokens[0], "1") == 0)
    {
      *new_flags = number (tokens[1]);
      return TRUE;
    }
  die ("not an answer to “? %" G_GINT64_MODIFIER "x”: “%s”", old_flags, answer);
}

static const char *const call_kinds[] = {
  [MS_MODEL_CALL_MAP] = "map",
  [MS_MODEL_CALL_UNMAP] = "unmap",
  [MS_MODEL_CALL_PROTECT] = "protect",
  [MS_MODEL_CALL_MOVE] = "move",
};

/* Runs the change of @tokens on @m; FALSE if it is not one. */
static gboolean
change (MsModel  *m,
        char    **tokens,
        guint     n)
{
  const char *command = tokens[0];
  gboolean is_load = FALSE;
  guint failed = 0;
  GArray *calls, *asked;
  int outcome;

  if (n < 2)
    return FALSE;

  if (strcmp (command, "map") == 0)
    {
      need (n, 9, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_map (m, number (tokens[2]), number (tokens[3]), number (tokens[4]),
                              backend_number (tokens[5]), number (tokens[6]), name_of (tokens[7]),
                              flag (tokens[8]));
    }
  else if (strcmp (command, "unmap") == 0)
    {
      need (n, 4, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_unmap (m, number (tokens[2]), number (tokens[3]));
    }
  else if (strcmp (command, "protect") == 0)
    {
      need (n, 5, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_protect_with (m, number (tokens[2]), number (tokens[3]),
                                       MS_MODEL_UPDATE_SET, number (tokens[4]));
    }
  else if (strcmp (command, "protect_with") == 0)
    {
      need (n, 4, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_protect_with_func (m, number (tokens[2]), number (tokens[3]),
                                            ask_client, NULL);
    }
  else if (strcmp (command, "clear") == 0)
    {
      need (n, 2, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_clear (m);
    }
  else if (strcmp (command, "remap") == 0)
    {
      need (n, 6, command);
      ms_model_begin (m, (guint) number (tokens[1]));
      outcome = ms_model_remap (m, number (tokens[2]), number (tokens[3]), number (tokens[4]),
                                number (tokens[5]));
    }
  else if (strcmp (command, "load") == 0)
    {
      g_autoptr(GArray) areas = g_array_new (FALSE, FALSE, sizeof (MsModelArea));
      guint fail_at, backend;
      guint64 n_areas;

      need (n, 4, command);
      fail_at = (guint) number (tokens[1]);
      backend = backend_number (tokens[2]);
      n_areas = number (tokens[3]);
      for (guint64 i = 0; i < n_areas; i++)
        {
          char *words[MAX_TOKENS];
          char *text = read_line ();
          MsModelArea area;

          if (text == NULL)
            die ("load: %" G_GINT64_MODIFIER "u areas missing", n_areas - i);
          need (split (text, words), 5, "a load line");
          area = (MsModelArea) { number (words[0]), number (words[1]), number (words[2]),
                                 backend, number (words[3]), name_of (words[4]) };
          if (area.end <= area.start)
            die ("load: an empty area");
          g_array_append_val (areas, area);
        }
      ms_model_begin (m, fail_at);
      outcome = ms_model_load (m, (const MsModelArea *) (void *) areas->data, areas->len, backend,
                               &failed);
      is_load = TRUE;
    }
  else
    return FALSE;

  put_outcome (outcome);
  g_string_append_c (out, ' ');
  if (is_load && outcome != MS_MODEL_OK && outcome != MS_MAPPING_ERROR_TOO_MANY_AREAS)
    put_hex (failed);
  else
    g_string_append_c (out, '-');

  calls = ms_model_get_calls (m);
  g_string_append_c (out, ' ');
  put_hex (calls->len);
  for (guint i = 0; i < calls->len; i++)
    {
      MsModelCall *c = &g_array_index (calls, MsModelCall, i);

      g_string_append_printf (out, " %s,", call_kinds[c->kind]);
      put_hex (c->backend);
      g_string_append_c (out, ',');
      put_hex (c->start);
      g_string_append_c (out, ',');
      put_hex (c->size);
      g_string_append_c (out, ',');
      put_hex (c->arg);
      g_string_append_printf (out, ",%d", c->succeeded ? 1 : 0);
    }

  asked = ms_model_get_asked (m);
  g_string_append_c (out, ' ');
  put_hex (asked->len);
  for (guint i = 0; i < asked->len; i++)
    {
      g_string_append_c (out, ' ');
      put_hex (g_array_index (asked, guint64, i));
    }
  return TRUE;
}

static void
query (char  **tokens,
       guint   n)
{
  const char *command = tokens[0];

  if (strcmp (command, "new") == 0)
    {
      guint64 n_backends;

      need (n, 4, command);
      n_backends = number (tokens[1]);
      if (n_backends > 32)
        die ("at most 32 backends");
      g_clear_pointer (&model, ms_model_free);
      model = ms_model_new ((guint) n_backends, (guint) number (tokens[2]));
      ms_model_set_no_protect (model, (guint) number (tokens[3]));
      g_string_append (out, "ok");
      return;
    }
  if (model == NULL)
    die ("no model yet: “new” first");

  if (strcmp (command, "trial") == 0)
    {
      MsModel *copy = ms_model_copy (model);

      if (!change (copy, tokens + 1, n - 1))
        die ("trial of what?");
      ms_model_free (copy);
    }
  else if (change (model, tokens, n))
    ;
  else if (strcmp (command, "merge") == 0)
    {
      need (n, 2, command);
      ms_model_set_merge (model, flag (tokens[1]));
      g_string_append (out, "ok");
    }
  else if (strcmp (command, "limit") == 0)
    {
      guint64 limit;

      need (n, 2, command);
      limit = number (tokens[1]);
      if (limit > G_MAXUINT)
        die ("a limit past G_MAXUINT");
      ms_model_set_limit (model, (guint) limit);
      g_string_append (out, "ok");
    }
  else if (strcmp (command, "areas") == 0)
    {
      g_autoptr(GArray) areas = ms_model_get_areas (model);

      need (n, 1, command);
      put_areas (areas);
    }
  else if (strcmp (command, "in_range") == 0)
    {
      g_autoptr(GArray) areas = NULL;

      need (n, 3, command);
      areas = ms_model_areas_in_range (model, number (tokens[1]), number (tokens[2]));
      put_areas (areas);
    }
  else if (strcmp (command, "gaps") == 0)
    {
      g_autoptr(GArray) gaps = NULL;

      need (n, 3, command);
      gaps = ms_model_gaps_in_range (model, number (tokens[1]), number (tokens[2]));
      put_hex (gaps->len / 2);
      for (guint i = 0; i < gaps->len; i += 2)
        {
          g_string_append_c (out, ' ');
          put_hex (g_array_index (gaps, guint64, i));
          g_string_append_c (out, ',');
          put_hex (g_array_index (gaps, guint64, i + 1));
        }
    }
  else if (strcmp (command, "find") == 0)
    {
      MsModelArea area;

      need (n, 2, command);
      if (ms_model_find (model, number (tokens[1]), &area))
        put_area (&area);
      else
        g_string_append_c (out, '-');
    }
  else if (strcmp (command, "overlaps") == 0)
    {
      need (n, 3, command);
      g_string_append_c (out, ms_model_overlaps (model, number (tokens[1]), number (tokens[2])) ? '1' : '0');
    }
  else if (strcmp (command, "ffa") == 0 || strcmp (command, "ffa_top") == 0)
    {
      gboolean top_down = strcmp (command, "ffa_top") == 0;
      guint64 start = 0;
      gboolean found;

      if (top_down)
        {
          need (n, 5, command);
          found = ms_model_find_free_area_top_down (model, number (tokens[1]), number (tokens[2]),
                                                    number (tokens[3]), number (tokens[4]), &start);
        }
      else
        {
          need (n, 6, command);
          found = ms_model_find_free_area (model, number (tokens[1]), number (tokens[2]),
                                           number (tokens[3]), number (tokens[4]),
                                           number (tokens[5]), &start);
        }
      if (found)
        put_hex (start);
      else
        g_string_append_c (out, '-');
    }
  else if (strcmp (command, "points") == 0)
    {
      g_autoptr(GArray) points = ms_model_get_points (model);

      need (n, 1, command);
      put_hex (points->len);
      for (guint i = 0; i < points->len; i++)
        {
          g_string_append_c (out, ' ');
          put_hex (g_array_index (points, guint64, i));
        }
    }
  else if (strcmp (command, "count") == 0)
    {
      need (n, 1, command);
      put_hex (ms_model_get_n_areas (model));
    }
  else if (strcmp (command, "mapped") == 0)
    {
      need (n, 1, command);
      put_hex (ms_model_get_mapped_size (model));
    }
  else if (strcmp (command, "joins") == 0)
    {
      need (n, 1, command);
      put_hex (ms_model_get_joins (model));
    }
  else if (strcmp (command, "state") == 0)
    {
      g_autoptr(GArray) areas = ms_model_get_areas (model);

      need (n, 1, command);
      put_hex (ms_model_get_n_areas (model));
      g_string_append_c (out, ' ');
      put_hex (ms_model_get_mapped_size (model));
      g_string_append_c (out, ' ');
      put_hex (ms_model_get_joins (model));
      g_string_append_c (out, ' ');
      put_areas (areas);
    }
  else
    die ("unknown command “%s”", command);
}

int
main (void)
{
  char *line;

  out = g_string_new (NULL);
  while ((line = read_line ()) != NULL)
    {
      /* A copy: load and protect_with read more lines. */
      g_autofree char *command = g_strdup (line);
      char *tokens[MAX_TOKENS];
      guint n = split (command, tokens);

      if (n == 0)
        continue;
      g_string_append (out, "= ");
      query (tokens, n);
      reply ();
    }

  g_clear_pointer (&model, ms_model_free);
  g_string_free (out, TRUE);
  free (line_buf);
  return 0;
}
