/* ms-memory-set-maps.c: a set in the layout of /proc/<pid>/maps, and back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-memory-set-private.h"

#include <string.h>

/* Only the public API of the set is used here, and
 * ms_memory_set_map_all(), which maps the lines of a text in one change. */

static gboolean
append_area (MsMemoryArea *area,
             gpointer      user_data)
{
  GString *text = user_data;

  ms_memory_area_append_maps_line (area, text);
  g_string_append_c (text, '\n');
  return FALSE;
}

/**
 * ms_memory_set_to_string:
 * @self: a set
 *
 * Describes the set in the layout of `/proc/<pid>/maps`: one line per
 * area, in address order, as [method@Ms.MemoryArea.to_string] writes it,
 * each ended by a line break.
 *
 * ```
 * 00400000-00401000 r-xp 00000000 00:00 0                          /usr/bin/true
 * 00600000-00602000 rw-p 00600000 00:00 0
 * 7ffff000-80000000 rw-p 7ffff000 00:00 0                          [stack]
 * ```
 *
 * Every column is the kernel's: the range, the permissions (`s` for
 * %MS_PROT_SHARED), the offset, `00:00 0` for the device and inode
 * (which a set does not have), and the name padded to column 73. Flags
 * with bits outside [flags@Ms.Prot] are printed as a hexadecimal number
 * instead of letters. The text reads back into an equal set with
 * [method@Ms.MemorySet.load_maps].
 *
 * Returns: (transfer full): the text; empty for an empty set
 *
 * Since: 1.0
 */
char *
ms_memory_set_to_string (MsMemorySet *self)
{
  GString *text;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), NULL);

  text = g_string_new (NULL);
  ms_memory_set_foreach (self, append_area, text);

  return g_string_free (text, FALSE);
}

typedef struct {
  guint64  start;
  guint64  end;
  guint64  flags;
  guint64  offset;
  char    *name;      /* owned, or NULL */
  guint    line;
} MapsEntry;

static void
maps_entry_clear (gpointer data)
{
  g_free (((MapsEntry *) data)->name);
}

static inline gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

static void
skip_blanks (const char **p)
{
  while (is_blank (**p))
    (*p)++;
}

/* Reads 1 to 16 hexadecimal digits. */
static gboolean
read_hex (const char **p,
          guint64     *value)
{
  guint64 v = 0;
  guint n = 0;
  int digit;

  while ((digit = g_ascii_xdigit_value ((*p)[0])) >= 0)
    {
      if (++n > 16)
        return FALSE;
      v = (v << 4) | (guint64) digit;
      (*p)++;
    }

  *value = v;
  return n > 0;
}

/* Reads one or more decimal digits. */
static gboolean
read_decimal (const char **p)
{
  const char *start = *p;

  while (g_ascii_isdigit (**p))
    (*p)++;

  return *p > start;
}

/* The end of the word at @p: the first blank or the end of the line. */
static const char *
word_end (const char *p)
{
  while (*p != '\0' && !is_blank (*p))
    p++;
  return p;
}

/* Reads the permissions column: `rwxp` letters or a hexadecimal number
 * after `0x`. */
static gboolean
read_flags (const char **p,
            guint64     *flags)
{
  const char *end = word_end (*p);
  const char *s = *p;

  if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
    {
      s += 2;
      if (!read_hex (&s, flags) || s != end)
        return FALSE;
      *p = end;
      return TRUE;
    }

  if (end - s != 4 ||
      (s[0] != 'r' && s[0] != '-') ||
      (s[1] != 'w' && s[1] != '-') ||
      (s[2] != 'x' && s[2] != '-') ||
      (s[3] != 'p' && s[3] != 's'))
    return FALSE;

  *flags = (s[0] == 'r' ? MS_PROT_READ : 0) |
           (s[1] == 'w' ? MS_PROT_WRITE : 0) |
           (s[2] == 'x' ? MS_PROT_EXEC : 0) |
           (s[3] == 's' ? MS_PROT_SHARED : 0);
  *p = end;
  return TRUE;
}

/* Reads the optional columns after the permissions and the blanks
 * after them into @entry: nothing at all (anonymous memory: the offset
 * is the start, no name), or the offset, device and inode, then maybe a
 * name, which is anything up to the end of the line (spaces included,
 * `\012` for a line break, as the kernel writes it). */
static gboolean
read_rest (const char *p,
           MapsEntry  *entry)
{
  guint64 ignored;
  GString *name;

  entry->offset = entry->start;
  entry->name = NULL;
  if (*p == '\0')
    return TRUE;

  if (!read_hex (&p, &entry->offset) || !is_blank (*p))
    return FALSE;
  skip_blanks (&p);
  if (!read_hex (&p, &ignored) || *p++ != ':' || !read_hex (&p, &ignored) || !is_blank (*p))
    return FALSE;
  skip_blanks (&p);
  if (!read_decimal (&p))
    return FALSE;
  if (*p != '\0' && !is_blank (*p))
    return FALSE;

  skip_blanks (&p);
  if (*p == '\0')
    return TRUE;

  name = g_string_new (NULL);
  for (; *p != '\0'; p++)
    {
      if (g_str_has_prefix (p, "\\012"))
        {
          g_string_append_c (name, '\n');
          p += 3;
        }
      else
        g_string_append_c (name, *p);
    }
  entry->name = g_string_free (name, FALSE);
  return TRUE;
}

G_GNUC_PRINTF (3, 4)
static void
set_parse_error (GError     **error,
                 guint        line,
                 const char  *format,
                 ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_PARSE,
               "Line %u: %s", line, message);
}

/* A piece of the input for an error message: valid UTF-8, not too
 * long. */
static char *
quote_text (const char *start,
            const char *end)
{
  gsize len = MIN ((gsize) (end - start), 40);
  g_autofree char *valid = g_utf8_make_valid (start, len);

  return g_strdup_printf ("“%s%s”", valid, (gsize) (end - start) > len ? "…" : "");
}

/* Parses one line (without its line break) into @entry. */
static gboolean
parse_line (const char  *text,
            guint        line,
            MapsEntry   *entry,
            GError     **error)
{
  const char *p = text;

  if (!read_hex (&p, &entry->start) || *p++ != '-')
    {
      set_parse_error (error, line, "expected an address range like "
                       "“00400000-00401000” at the start of the line");
      return FALSE;
    }
  if (!read_hex (&p, &entry->end) || !is_blank (*p))
    {
      set_parse_error (error, line, "expected an address range like "
                       "“00400000-00401000”, then a space, at the start of the line");
      return FALSE;
    }

  skip_blanks (&p);
  if (!read_flags (&p, &entry->flags))
    {
      g_autofree char *word = quote_text (p, word_end (p));

      set_parse_error (error, line, "invalid permissions %s: expected four "
                       "letters like “rw-p” or a hexadecimal number like “0x10”",
                       word);
      return FALSE;
    }

  skip_blanks (&p);
  if (!read_rest (p, entry))
    {
      g_autofree char *rest = quote_text (p, p + strlen (p));

      set_parse_error (error, line, "unexpected text %s after the permissions: "
                       "expected nothing, or the offset, device and inode "
                       "columns and maybe a path", rest);
      return FALSE;
    }

  if (entry->start >= entry->end)
    {
      set_parse_error (error, line, "the range %08" G_GINT64_MODIFIER "x-%08"
                       G_GINT64_MODIFIER "x is empty or reversed",
                       entry->start, entry->end);
      g_clear_pointer (&entry->name, g_free);
      return FALSE;
    }

  entry->line = line;
  return TRUE;
}

/**
 * ms_memory_set_load_maps:
 * @self: a set
 * @text: text in the layout of `/proc/<pid>/maps`
 * @backend: the backend of the new areas
 * @page_table: (nullable): passed unchanged to @backend
 * @error: return location for a #GError
 *
 * Maps one area for each line of @text, with @backend, as
 * [method@Ms.MemorySet.map] does without unmapping overlaps.
 *
 * A line is `start-end perms`, then optionally the kernel's columns
 * `offset dev inode` and a name. The addresses are hexadecimal, 1 to 16
 * digits, and `start` must be below `end`. The permissions are four
 * letters `r` or `-`, `w` or `-`, `x` or `-`, then `p` or `s`, which
 * give the area's [flags@Ms.Prot] (`s` is %MS_PROT_SHARED), or else a
 * hexadecimal number after `0x`, used as the flags as it is. The offset
 * (hexadecimal) is the area's offset, as [ctor@Ms.MemoryArea.new_full]
 * takes it; the device and inode are read and left out. The name is the
 * rest of the line after the blanks that follow the inode, spaces
 * included (a path that ends in ` (deleted)` keeps it), with `\012`
 * read as a line break, as the kernel writes one. A line without the
 * offset column is anonymous memory: its offset is its start, and it
 * has no name. Columns are separated by spaces or tabs; blank lines are
 * skipped, and a line may end in `\r\n`.
 *
 * So both the kernel's own `/proc/<pid>/maps` and the output of
 * [method@Ms.MemorySet.to_string] read back, with every start, end,
 * permission, offset and name as written.
 *
 * The whole text is checked before anything is mapped, and the call is
 * one change of the set: a malformed line fails it with
 * %MS_MAPPING_ERROR_PARSE, a line whose range overlaps an area of the
 * set or of an earlier line with %MS_MAPPING_ERROR_ALREADY_EXISTS, and
 * one whose offsets run past 2^64 - 1 with
 * %MS_MAPPING_ERROR_INVALID_PARAM, all with a message that starts with
 * `Line N:`, and nothing is mapped; so does
 * [property@Ms.MemorySet:max-areas]. If @backend refuses the area of a
 * line, the call stops there with the backend's error, prefixed with
 * `Line N:`, and the areas of the lines before it stay mapped. With
 * [property@Ms.MemorySet:merge-adjacent], the areas mapped are joined to
 * their neighbours where they can be.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_memory_set_load_maps (MsMemorySet       *self,
                         const char        *text,
                         MsMappingBackend  *backend,
                         GObject           *page_table,
                         GError           **error)
{
  g_autoptr(GArray) entries = NULL;
  g_autoptr(GPtrArray) areas = NULL;
  GError *local_error = NULL;
  const char *p;
  guint line = 0;
  guint failed;

  g_return_val_if_fail (MS_IS_MEMORY_SET (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (backend), FALSE);
  g_return_val_if_fail (page_table == NULL || G_IS_OBJECT (page_table), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  entries = g_array_new (FALSE, FALSE, sizeof (MapsEntry));
  g_array_set_clear_func (entries, maps_entry_clear);

  for (p = text; *p != '\0'; )
    {
      const char *eol = strchr (p, '\n');
      const char *next = eol != NULL ? eol + 1 : p + strlen (p);
      const char *stop = eol != NULL ? eol : next;
      g_autofree char *copy = NULL;
      const char *q;
      MapsEntry entry;

      line++;

      if (stop > p && stop[-1] == '\r')
        stop--;
      copy = g_strndup (p, stop - p);
      p = next;

      q = copy;
      skip_blanks (&q);
      if (*q == '\0')
        continue;

      if (!parse_line (q, line, &entry, error))
        return FALSE;
      g_array_append_val (entries, entry);
    }

  areas = g_ptr_array_new_full (entries->len, (GDestroyNotify) ms_memory_area_unref);
  for (guint i = 0; i < entries->len; i++)
    {
      const MapsEntry *entry = &g_array_index (entries, MapsEntry, i);

      g_ptr_array_add (areas, ms_memory_area_new_full (entry->start, entry->end - entry->start,
                                                       entry->flags, backend, entry->offset,
                                                       entry->name));
    }

  if (!ms_memory_set_map_all (self, (MsMemoryArea * const *) areas->pdata, areas->len,
                              page_table, &failed, &local_error))
    {
      g_propagate_prefixed_error (error, local_error, "Line %u: ",
                                  g_array_index (entries, MapsEntry, failed).line);
      return FALSE;
    }

  return TRUE;
}
