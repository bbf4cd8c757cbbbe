/* ms-linux-mm-maps.c: an MsLinuxMm from a process's maps, and its maps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The set-up from /proc/<pid>/maps and the VmFlags of smaps, and the
 * maps and VmFlags text the mm writes.
 */

#include "ms-linux-mm-private.h"

#include <string.h>

/* The VmFlags mnemonics of smaps, each with its vm_flags bit: read from
 * a process's smaps, and written by ms_linux_mm_flags_to_string(). */
static const struct {
  const char *name;
  guint64     bit;
} mnemonics[] = {
  { "rd", MS_LINUX_VM_READ }, { "wr", MS_LINUX_VM_WRITE }, { "ex", MS_LINUX_VM_EXEC },
  { "sh", MS_LINUX_VM_SHARED }, { "mr", MS_LINUX_VM_MAYREAD }, { "mw", MS_LINUX_VM_MAYWRITE },
  { "me", MS_LINUX_VM_MAYEXEC }, { "ms", MS_LINUX_VM_MAYSHARE }, { "gd", MS_LINUX_VM_GROWSDOWN },
  { "pf", MS_LINUX_VM_PFNMAP }, { "lo", MS_LINUX_VM_LOCKED }, { "io", MS_LINUX_VM_IO },
  { "sr", MS_LINUX_VM_SEQ_READ }, { "rr", MS_LINUX_VM_RAND_READ }, { "dc", MS_LINUX_VM_DONTCOPY },
  { "de", MS_LINUX_VM_DONTEXPAND }, { "lf", MS_LINUX_VM_LOCKONFAULT }, { "ac", MS_LINUX_VM_ACCOUNT },
  { "nr", MS_LINUX_VM_NORESERVE }, { "ht", MS_LINUX_VM_HUGETLB }, { "sf", MS_LINUX_VM_SYNC },
  { "ar", VM_ARCH_1 }, { "wf", MS_LINUX_VM_WIPEONFORK }, { "dd", MS_LINUX_VM_DONTDUMP },
  { "sd", MS_LINUX_VM_SOFTDIRTY }, { "mm", MS_LINUX_VM_MIXEDMAP }, { "hg", MS_LINUX_VM_HUGEPAGE },
  { "nh", MS_LINUX_VM_NOHUGEPAGE }, { "mg", MS_LINUX_VM_MERGEABLE }, { "um", VM_UFFD_MISSING },
  { "uw", VM_UFFD_WP }, { "ss", VM_SHADOW_STACK }, { "dp", VM_DROPPABLE },
  { "sl", MS_LINUX_VM_SEALED }, { "ui", VM_UFFD_MINOR }, { "gu", MS_LINUX_VM_MAYBE_GUARD },
};

/* ------------------------------------------------------------------ */
/* Set-up from the maps of a process. */

static guint64
flags_of_mnemonics (char **words)
{
  guint64 flags = 0;

  for (guint i = 0; words[i] != NULL; i++)
    for (guint j = 0; j < G_N_ELEMENTS (mnemonics); j++)
      if (strcmp (words[i], mnemonics[j].name) == 0)
        flags |= mnemonics[j].bit;
  return flags;
}

/* Whether @word is "START-END" in hexadecimal; then *@range holds it. */
static gboolean
parse_range (const char *word,
             Range      *range)
{
  char *end;

  range->start = g_ascii_strtoull (word, &end, 16);
  if (end == word || *end != '-')
    return FALSE;
  word = end + 1;
  range->end = g_ascii_strtoull (word, &end, 16);
  return end != word && *end == '\0' && range->start < range->end;
}

/* The VmFlags of @text, by range: either "START-END MNEMONIC..." lines
 * (a recording's .vmflags files, docs/linux-mm.md, "The trace format")
 * or /proc/<pid>/smaps itself, whose "VmFlags:" lines belong to the
 * range above them. */
static GHashTable *
parse_vmflags (const char *text)
{
  GHashTable *table = g_hash_table_new_full (ms_linux_mm_range_hash, ms_linux_mm_range_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  Range current = { 0, 0 };
  gboolean have_current = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      g_autoptr(GPtrArray) kept = g_ptr_array_new ();
      char **rest;
      Range range;
      gboolean all_mnemonics = TRUE;

      for (guint j = 0; words[j] != NULL; j++)
        if (words[j][0] != '\0')
          g_ptr_array_add (kept, words[j]);
      g_ptr_array_add (kept, NULL);
      rest = (char **) kept->pdata;
      if (rest[0] == NULL)
        continue;

      if (strcmp (rest[0], "VmFlags:") == 0)
        {
          if (have_current)
            {
              Range *key = g_memdup2 (&current, sizeof current);
              guint64 *value = g_new (guint64, 1);

              *value = flags_of_mnemonics (rest + 1);
              g_hash_table_replace (table, key, value);
            }
          continue;
        }
      if (!parse_range (rest[0], &range))
        continue;
      for (guint j = 1; rest[j] != NULL; j++)
        if (strlen (rest[j]) != 2 || !g_ascii_islower (rest[j][0]) || !g_ascii_islower (rest[j][1]))
          all_mnemonics = FALSE;
      if (all_mnemonics)
        {
          Range *key = g_memdup2 (&range, sizeof range);
          guint64 *value = g_new (guint64, 1);

          *value = flags_of_mnemonics (rest + 1);
          g_hash_table_replace (table, key, value);
          have_current = FALSE;
        }
      else
        {
          /* The header line of an smaps entry. */
          current = range;
          have_current = TRUE;
        }
    }
  return table;
}

/* One line of /proc/<pid>/maps. */
typedef struct {
  guint64  start;
  guint64  end;
  char     perms[5];
  guint64  offset;
  char    *device;    /* "fe:00" */
  guint64  inode;
  char    *path;      /* "" when none */
} MapsLine;

static void
maps_line_clear (MapsLine *line)
{
  g_clear_pointer (&line->device, g_free);
  g_clear_pointer (&line->path, g_free);
}

static gboolean
parse_maps_line (const char  *text,
                 guint        number,
                 MapsLine    *line,
                 GError     **error)
{
  const char *p = text;
  Range range;
  char *end;
  g_auto(GStrv) words = NULL;
  guint n_words = 0;

  /* range perms offset dev inode [path, spaces and all] */
  words = g_new0 (char *, 6);
  while (n_words < 5)
    {
      const char *start;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
      if (p == start)
        break;
      words[n_words++] = g_strndup (start, p - start);
    }
  while (*p == ' ' || *p == '\t')
    p++;

  if (n_words < 5 || !parse_range (words[0], &range) || strlen (words[1]) != 4)
    {
      g_set_error (error, MS_LINUX_MM_ERROR, MS_LINUX_MM_ERROR_INVAL,
                   "Line %u of the maps is not “start-end perms offset dev inode [path]”: “%s”",
                   number, text);
      return FALSE;
    }
  line->start = range.start;
  line->end = range.end;
  memcpy (line->perms, words[1], 5);
  line->offset = g_ascii_strtoull (words[2], &end, 16);
  line->device = g_strdup (words[3]);
  line->inode = g_ascii_strtoull (words[4], NULL, 10);
  line->path = g_strdup (p);
  return TRUE;
}

static MsLinuxFile *
special_file (MsLinuxMm  *self,
              const char *name)
{
  MsLinuxFile *file = g_hash_table_lookup (self->special_files, name);

  if (file == NULL)
    {
      file = ms_linux_file_new_internal (MS_LINUX_FILE_KIND_SPECIAL, name, FS_TMPFS, self->anonymous_backend);
      g_hash_table_insert (self->special_files, g_strdup (name), file);
    }
  return file;
}

static MsLinuxFile *
initial_file (MsLinuxMm      *self,
              const MapsLine *line)
{
  g_autofree char *key = g_strdup_printf ("%s %" G_GUINT64_FORMAT, line->device, line->inode);
  MsLinuxFile *file = g_hash_table_lookup (self->initial_files, key);

  if (file == NULL)
    {
      /* The file system is not in the maps: taken to be ext4, as the
       * recordings' are (it matters to mremap's placement only). */
      file = ms_linux_file_new_internal (MS_LINUX_FILE_KIND_INITIAL, line->path, FS_EXT4,
                                         self->anonymous_backend);
      g_hash_table_insert (self->initial_files, g_steal_pointer (&key), file);
    }
  return file;
}

/* The flags of a line without VmFlags, as the kernel would have them. */
static guint64
flags_of_perms (const MapsLine *line)
{
  guint64 flags = MS_LINUX_VM_MAYREAD | MS_LINUX_VM_MAYWRITE | MS_LINUX_VM_MAYEXEC;

  if (line->perms[0] == 'r')
    flags |= MS_LINUX_VM_READ;
  if (line->perms[1] == 'w')
    flags |= MS_LINUX_VM_WRITE;
  if (line->perms[2] == 'x')
    flags |= MS_LINUX_VM_EXEC;
  if (line->perms[3] == 's')
    flags |= MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYSHARE;
  else if (flags & MS_LINUX_VM_WRITE)
    flags |= MS_LINUX_VM_ACCOUNT;
  if (strcmp (line->path, "[stack]") == 0)
    flags |= MS_LINUX_VM_GROWSDOWN;
  return flags;
}

static gboolean
load_maps (MsLinuxMm   *self,
           const char  *maps,
           const char  *vmflags,
           GError     **error)
{
  g_autoptr(GHashTable) flags_by_range = vmflags != NULL ? parse_vmflags (vmflags) : NULL;
  g_auto(GStrv) lines = g_strsplit (maps, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      MapsLine line = { 0 };
      Range range;
      const guint64 *known;
      guint64 flags, offset;
      MsLinuxFile *file;
      const char *name;
      char *text = g_strstrip (lines[i]);
      gboolean done;

      if (*text == '\0')
        continue;
      if (!parse_maps_line (text, i + 1, &line, error))
        return FALSE;

      range = (Range) { line.start, line.end };
      known = flags_by_range != NULL ? g_hash_table_lookup (flags_by_range, &range) : NULL;
      flags = known != NULL ? *known : flags_of_perms (&line);

      if (line.start >= TASK_SIZE)
        {
          /* [vsyscall]: the gate VMA, not in the mm's tree. */
          g_free (self->vsyscall_line);
          self->vsyscall_line = g_strdup (text);
          maps_line_clear (&line);
          continue;
        }
      if (line.path[0] == '[' && strcmp (line.path, "[heap]") != 0 && strcmp (line.path, "[stack]") != 0)
        {
          file = special_file (self, line.path);              /* R18 */
          name = line.path;
          offset = 0;
        }
      else if (line.inode != 0)
        {
          file = initial_file (self, &line);
          name = line.path;
          offset = line.offset;
        }
      else
        {
          /* Anonymous memory (bss, brk, stack): page offset start >> 12,
           * as vm_brk_flags() and setup_arg_pages() made it (R9); [heap]
           * and [stack] are not names the set keeps (R15, R18). */
          file = self->anon;
          name = NULL;
          offset = line.start;
        }
      done = ms_linux_mm_map_area (self, line.start, line.end, flags, file, offset, name, error);
      maps_line_clear (&line);
      if (!done)
        return FALSE;
    }
  return TRUE;
}

/**
 * ms_linux_mm_load_maps:
 * @self: an mm
 * @maps: text in the layout of `/proc/<pid>/maps`
 * @vmflags: (nullable): the VmFlags of those lines: `/proc/<pid>/smaps`
 *   itself, or lines of `start-end` and the mnemonics (`rd wr mr mw me
 *   ac`), as a recording's `.vmflags` files hold them; or %NULL
 * @error: return location for a #GError
 *
 * Maps one VMA for each line of @maps, as they are, with no merging:
 * the files of the initial maps (one per device and inode), the special
 * mappings `[vdso]`, `[vvar]` and the like (which refuse to be split),
 * and anonymous memory (page offset its start; `[heap]` and `[stack]`
 * are named as the mm names them). `[vsyscall]`, above the user address
 * space, is kept apart and only shown by [method@Ms.LinuxMm.to_string].
 * A line with VmFlags takes them; one without gets the flags the kernel
 * would have given its permissions (with `gd` for `[stack]`).
 *
 * A malformed line fails with %MS_LINUX_MM_ERROR_INVAL, naming it; a
 * line that overlaps another, or that a backend refuses, fails with the
 * set's error, the lines before it staying mapped.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_linux_mm_load_maps (MsLinuxMm   *self,
                       const char  *maps,
                       const char  *vmflags,
                       GError     **error)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), FALSE);
  g_return_val_if_fail (maps != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return load_maps (self, maps, vmflags, error);
}

/* ------------------------------------------------------------------ */
/* The maps, as the kernel shows them. */

static const char *
display_name (MsLinuxMm    *self,
              MsMemoryArea *area)
{
  if (area_kind (area) != MS_LINUX_FILE_KIND_ANONYMOUS)
    return area_name (area);
  /* R15: [heap] is the anonymous VMA over [start_brk, brk). */
  if (area_start (area) < self->brk && area_end (area) > self->start_brk)
    return "[heap]";
  /* R18: [stack] is the VMA that holds start_stack. */
  if (area_start (area) <= self->start_stack && self->start_stack <= area_end (area))
    return "[stack]";
  return area_name (area);
}

/* The maps line of @area, written by the set's own: an area with the
 * permissions as MsProt flags (the kernel's p/s is VM_MAYSHARE), the page
 * offset the kernel shows and the name it computes. */
static gboolean
append_maps_line (MsMemoryArea *area,
                  gpointer      user_data)
{
  gpointer *data = user_data;
  MsLinuxMm *self = data[0];
  GString *text = data[1];
  guint64 flags = area_flags (area);
  MsLinuxFileKind kind = area_kind (area);
  guint64 offset = kind == MS_LINUX_FILE_KIND_ANONYMOUS || kind == MS_LINUX_FILE_KIND_SPECIAL
                   ? 0 : area_offset (area);
  guint64 prot = (flags & (MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_EXEC)) |
                 ((flags & MS_LINUX_VM_MAYSHARE) != 0 ? MS_PROT_SHARED : 0);
  g_autoptr(MsMemoryArea) shown = ms_memory_area_new_full (area_start (area), area_end (area) - area_start (area),
                                                           prot, ms_memory_area_get_backend (area),
                                                           offset, display_name (self, area));
  g_autofree char *line = ms_memory_area_to_string (shown);

  g_string_append (text, line);
  g_string_append_c (text, '\n');
  return FALSE;
}

/**
 * ms_linux_mm_get_area_name:
 * @self: an mm
 * @area: an area of the mm's set
 *
 * Gets the name `/proc/<pid>/maps` shows for @area: its file's path, a
 * special name, `[heap]` for anonymous memory over the break's range,
 * `[stack]` for the anonymous VMA that holds the start of the stack, or
 * %NULL for other anonymous memory.
 *
 * Returns: (nullable): the name
 *
 * Since: 1.0
 */
const char *
ms_linux_mm_get_area_name (MsLinuxMm    *self,
                           MsMemoryArea *area)
{
  g_return_val_if_fail (MS_IS_LINUX_MM (self), NULL);
  g_return_val_if_fail (area != NULL, NULL);
  g_return_val_if_fail (MS_IS_LINUX_FILE (ms_memory_area_get_backend (area)), NULL);

  return display_name (self, area);
}

/**
 * ms_linux_mm_to_string:
 * @self: an mm
 *
 * Describes the mm as `/proc/<pid>/maps` does: one line per VMA, in
 * address order, then `[vsyscall]` if the initial maps had it. The
 * permissions show `s` for `MAP_SHARED`; the offset is 0 for anonymous
 * and special mappings; the names are those of
 * [method@Ms.LinuxMm.get_area_name]. The device and inode columns are
 * `00:00 0`: the mm does not keep them.
 *
 * Returns: (transfer full): the text
 *
 * Since: 1.0
 */
char *
ms_linux_mm_to_string (MsLinuxMm *self)
{
  GString *text;
  gpointer data[2];

  g_return_val_if_fail (MS_IS_LINUX_MM (self), NULL);

  text = g_string_new (NULL);
  data[0] = self;
  data[1] = text;
  ms_memory_set_foreach (self->set, append_maps_line, data);
  if (self->vsyscall_line != NULL)
    g_string_append_printf (text, "%s\n", self->vsyscall_line);
  return g_string_free (text, FALSE);
}

/**
 * ms_linux_mm_flags_to_string:
 * @flags: the flags of an area of an mm's set
 *
 * Writes the VMA flags of @flags as the `VmFlags:` line of
 * `/proc/<pid>/smaps` writes them: the two-letter mnemonics, in the
 * kernel's order, separated by spaces (`rd wr mr mw me ac`). The
 * anon_vma identity is left out.
 *
 * Returns: (transfer full): the mnemonics
 *
 * Since: 1.0
 */
char *
ms_linux_mm_flags_to_string (guint64 flags)
{
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (mnemonics); i++)
    if (flags & mnemonics[i].bit)
      g_string_append_printf (text, "%s%s", text->len > 0 ? " " : "", mnemonics[i].name);
  return g_string_free (text, FALSE);
}
