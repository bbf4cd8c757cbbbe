/* test-maps.c: sets and areas in the layout of /proc/<pid>/maps, and back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RW  (MS_PROT_READ | MS_PROT_WRITE)
#define RX  (MS_PROT_READ | MS_PROT_EXEC)

/* The kernel's prefix of a line without a name, for anonymous memory
 * (offset = start). */
#define ANON(range, perms, offset) range " " perms " " offset " 00:00 0 "

static void
assert_area_string (guint64     start,
                    guint64     size,
                    guint64     flags,
                    const char *expected)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, flags,
                                                     MS_MAPPING_BACKEND (backend));
  g_autofree char *text = ms_memory_area_to_string (area);

  g_assert_cmpstr (text, ==, expected);
}

static void
assert_named_string (guint64     start,
                     guint64     size,
                     guint64     flags,
                     guint64     offset,
                     const char *name,
                     const char *expected)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new_full (start, size, flags,
                                                          MS_MAPPING_BACKEND (backend),
                                                          offset, name);
  g_autofree char *text = ms_memory_area_to_string (area);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_area_to_string (void)
{
  assert_area_string (0x1000, 0x4000, RW, ANON ("00001000-00005000", "rw-p", "00001000"));
  assert_area_string (0x1000, 0x1000, MS_PROT_NONE, ANON ("00001000-00002000", "---p", "00001000"));
  assert_area_string (0x400000, 0x1000, RX, ANON ("00400000-00401000", "r-xp", "00400000"));
  assert_area_string (0, 0x1000, RW | MS_PROT_EXEC, ANON ("00000000-00001000", "rwxp", "00000000"));
  assert_area_string (0x1000, 0x1000, MS_PROT_WRITE, ANON ("00001000-00002000", "-w-p", "00001000"));
  assert_area_string (0xabc, 1, MS_PROT_EXEC, ANON ("00000abc-00000abd", "--xp", "00000abc"));
  assert_area_string (0x1000, 0x1000, RW | MS_PROT_SHARED, ANON ("00001000-00002000", "rw-s", "00001000"));
  assert_area_string (G_GUINT64_CONSTANT (0x7ffd2a3c1000), 0x21000, RW,
                      ANON ("7ffd2a3c1000-7ffd2a3e2000", "rw-p", "7ffd2a3c1000"));
  assert_area_string (G_GUINT64_CONSTANT (0xfffffffffffff000), 0xfff, MS_PROT_READ,
                      ANON ("fffffffffffff000-ffffffffffffffff", "r--p", "fffffffffffff000"));

  /* Other flags: a hexadecimal number instead of letters. */
  assert_area_string (0x1000, 0x4000, 0x10, ANON ("00001000-00005000", "0x10", "00001000"));
  assert_area_string (0x1000, 0x4000, 0x13, ANON ("00001000-00005000", "0x13", "00001000"));
  assert_area_string (0x1000, 0x4000, G_MAXUINT64,
                      ANON ("00001000-00005000", "0xffffffffffffffff", "00001000"));

  /* Names start at column 73, as the kernel pads them. */
  assert_named_string (0x555555554000, 0x1e000, MS_PROT_READ, 0, "/usr/bin/git",
                       "555555554000-555555572000 r--p 00000000 00:00 0                          /usr/bin/git");
  assert_named_string (0x7ffff7fcb000, 0x26000, RX, 0x1000, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
                       "7ffff7fcb000-7ffff7ff1000 r-xp 00001000 00:00 0                          "
                       "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  assert_named_string (G_GUINT64_CONSTANT (0xffffffffff600000), 0x1000, MS_PROT_EXEC, 0, "[vsyscall]",
                       "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");
  assert_named_string (0x1000, 0x1000, MS_PROT_READ, 0x123456789, "a name with spaces (deleted)",
                       "00001000-00002000 r--p 123456789 00:00 0                                 "
                       "a name with spaces (deleted)");
  /* A line break in a name is written as the kernel writes it. */
  assert_named_string (0x1000, 0x1000, MS_PROT_READ, 0, "two\nlines",
                       "00001000-00002000 r--p 00000000 00:00 0                                  two\\012lines");
  /* An empty name is a name: padded, then nothing. */
  assert_named_string (0x1000, 0x1000, MS_PROT_READ, 0, "",
                       "00001000-00002000 r--p 00000000 00:00 0                                  ");
}

static void
map_area (MsMemorySet   *set,
          MsTestBackend *backend,
          guint64        start,
          guint64        size,
          guint64        flags)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, flags,
                                                     MS_MAPPING_BACKEND (backend));
  g_autoptr(GError) error = NULL;

  ms_memory_set_map (set, area, NULL, FALSE, &error);
  g_assert_no_error (error);
}

static void
test_set_to_string (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemoryArea) named = ms_memory_area_new_full (0x800000, 0x1000, MS_PROT_READ,
                                                           MS_MAPPING_BACKEND (backend),
                                                           0x3000, "[vdso]");
  g_autofree char *empty = ms_memory_set_to_string (set);
  g_autofree char *text = NULL;

  g_assert_cmpstr (empty, ==, "");

  map_area (set, backend, 0x600000, 0x2000, RW);
  map_area (set, backend, 0x400000, 0x1000, RX);
  map_area (set, backend, 0x7ffff000, 0x1000, 0x1ff);
  g_assert_true (ms_memory_set_map (set, named, NULL, FALSE, NULL));
  text = ms_memory_set_to_string (set);
  g_assert_cmpstr (text, ==,
                   ANON ("00400000-00401000", "r-xp", "00400000") "\n"
                   ANON ("00600000-00602000", "rw-p", "00600000") "\n"
                   "00800000-00801000 r--p 00003000 00:00 0                                  [vdso]\n"
                   ANON ("7ffff000-80000000", "0x1ff", "7ffff000") "\n");
}

/* Fails the test unless the two sets have the same areas: start, size,
 * flags and backend. */
static void
assert_sets_equal (MsMemorySet *a,
                   MsMemorySet *b)
{
  g_autoptr(GPtrArray) areas_a = ms_memory_set_get_areas (a);
  g_autoptr(GPtrArray) areas_b = ms_memory_set_get_areas (b);

  g_assert_cmpuint (areas_a->len, ==, areas_b->len);
  for (guint i = 0; i < areas_a->len; i++)
    g_assert_true (ms_memory_area_equal (areas_a->pdata[i], areas_b->pdata[i]));
}

/* Loads @text into a new set, prints it, loads the print into another
 * set: both sets must be equal and print the same. Returns the first. */
static MsMemorySet *
load_and_round_trip (const char    *text,
                     MsTestBackend *backend)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemorySet) again = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *printed_again = NULL;

  ms_memory_set_load_maps (set, text, MS_MAPPING_BACKEND (backend), NULL, &error);
  g_assert_no_error (error);
  printed = ms_memory_set_to_string (set);

  ms_memory_set_load_maps (again, printed, MS_MAPPING_BACKEND (backend), NULL, &error);
  g_assert_no_error (error);
  printed_again = ms_memory_set_to_string (again);

  g_assert_cmpstr (printed_again, ==, printed);
  assert_sets_equal (set, again);
  ms_test_assert_set_matches_table (set, NULL);

  return g_steal_pointer (&set);
}

/* Checks @set against @text line by line with sscanf, a parser that
 * owes nothing to the library's: start, end, permissions (p/s included),
 * offset and name. */
static void
assert_set_matches_text (MsMemorySet *set,
                         const char  *text)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autofree char *unescaped = NULL;
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end, offset, inode;
      char perms[5];
      unsigned major, minor;
      int name_at = -1;
      MsMemoryArea *area;
      guint64 flags;
      const char *name;

      if (lines[i][0] == '\0')
        continue;

      g_assert_cmpint (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s %"
                               G_GINT64_MODIFIER "x %x:%x %" G_GINT64_MODIFIER "u %n",
                               &start, &end, perms, &offset, &major, &minor, &inode, &name_at),
                       ==, 7);
      g_assert_cmpuint (n, <, areas->len);
      area = areas->pdata[n++];
      flags = (perms[0] == 'r' ? MS_PROT_READ : 0) |
              (perms[1] == 'w' ? MS_PROT_WRITE : 0) |
              (perms[2] == 'x' ? MS_PROT_EXEC : 0) |
              (perms[3] == 's' ? MS_PROT_SHARED : 0);
      if (name_at >= 0 && lines[i][name_at] != '\0')
        {
          /* The kernel writes a line break in a name as \012. */
          g_auto(GStrv) parts = g_strsplit (lines[i] + name_at, "\\012", -1);

          g_free (unescaped);
          unescaped = g_strjoinv ("\n", parts);
        }
      name = name_at >= 0 && lines[i][name_at] != '\0' ? unescaped : NULL;

      g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
      g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
      g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
      g_assert_cmphex (ms_memory_area_get_offset (area), ==, offset);
      g_assert_cmpstr (ms_memory_area_get_name (area), ==, name);
    }

  g_assert_cmpuint (n, ==, areas->len);
}

/* The lines of @text again, without their device and inode columns
 * (which a set has not): start, end, permissions, offset and name. */
static char *
without_device (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) columns = NULL;
      g_autofree char *name = NULL;
      int name_at = -1;

      if (lines[i][0] == '\0')
        continue;
      columns = g_strsplit_set (lines[i], " ", 6);
      sscanf (lines[i], "%*s %*s %*s %*s %*s %n", &name_at);
      name = name_at >= 0 ? g_strdup (lines[i] + name_at) : g_strdup ("");
      g_string_append_printf (out, "%s %s %s %s\n", columns[0], columns[1], columns[2], name);
    }
  return g_string_free (out, FALSE);
}

/* A real /proc/<pid>/maps: names with spaces, a shared mapping, a
 * deleted file, the kernel's padding. */
static const char kernel_sample[] =
  "55d0c6a00000-55d0c6a28000 r--p 00000000 fd:01 1315070                    /usr/bin/bash\n"
  "55d0c6a28000-55d0c6af5000 r-xp 00028000 fd:01 1315070                    /usr/bin/bash\n"
  "55d0c7e4e000-55d0c7fd1000 rw-p 00000000 00:00 0                          [heap]\n"
  "7f1e2c000000-7f1e2c021000 rw-s 00000000 00:05 32778                      /dev/shm/a file with  spaces (deleted)\n"
  "7f1e2c021000-7f1e2c022000 ---p 00000000 00:00 0 \n"
  "7ffd2a3c1000-7ffd2a3e2000 rw-p 00000000 00:00 0                          [stack]\n"
  "7ffd2a3f4000-7ffd2a3f8000 r--p 00000000 00:00 0                          [vvar]\n"
  "7ffd2a3f8000-7ffd2a3fa000 r-xp 00000000 00:00 0                          [vdso]\n"
  "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void
test_kernel_sample (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = load_and_round_trip (kernel_sample, backend);
  g_autofree char *printed = ms_memory_set_to_string (set);

  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 9);
  assert_set_matches_text (set, kernel_sample);

  /* Printed back: the kernel's text, devices and inodes aside. */
  g_assert_cmpstr (printed, ==,
    "55d0c6a00000-55d0c6a28000 r--p 00000000 00:00 0                          /usr/bin/bash\n"
    "55d0c6a28000-55d0c6af5000 r-xp 00028000 00:00 0                          /usr/bin/bash\n"
    "55d0c7e4e000-55d0c7fd1000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f1e2c000000-7f1e2c021000 rw-s 00000000 00:00 0                          /dev/shm/a file with  spaces (deleted)\n"
    "7f1e2c021000-7f1e2c022000 ---p 00000000 00:00 0 \n"
    "7ffd2a3c1000-7ffd2a3e2000 rw-p 00000000 00:00 0                          [stack]\n"
    "7ffd2a3f4000-7ffd2a3f8000 r--p 00000000 00:00 0                          [vvar]\n"
    "7ffd2a3f8000-7ffd2a3fa000 r-xp 00000000 00:00 0                          [vdso]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
}

/* Loads a real process's maps and prints them: every line comes back
 * with its start, end, permissions, offset and name. */
static void
check_proc_maps (const char *path)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *got = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      g_autofree char *message = g_strdup_printf ("%s is not readable here: %s",
                                                  path, error->message);
      g_test_skip (message);
      return;
    }
  if (text[0] == '\0')
    {
      g_autofree char *message = g_strdup_printf ("%s is empty here", path);
      g_test_skip (message);
      return;
    }

  set = load_and_round_trip (text, backend);
  g_assert_false (ms_memory_set_is_empty (set));
  assert_set_matches_text (set, text);

  printed = ms_memory_set_to_string (set);
  expected = without_device (text);
  got = without_device (printed);
  g_assert_cmpstr (got, ==, expected);
}

static void
test_proc_maps (gconstpointer data)
{
  check_proc_maps (data);
}

/* The maps of a few other programs, started for the test and stopped
 * before they exit. */
static void
test_other_processes (void)
{
  const char * const programs[][4] = {
    { "/bin/sleep", "30", NULL },
    { "/bin/cat", NULL, NULL },
    { "/usr/bin/python3", "-c", "import time; time.sleep(30)" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (programs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      GPid pid;
      int stdin_fd;

      if (!g_file_test (programs[i][0], G_FILE_TEST_IS_EXECUTABLE))
        continue;
      g_assert_true (g_spawn_async_with_pipes (NULL, (char **) programs[i], NULL,
                                               G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                               &stdin_fd, NULL, NULL, &error));
      g_assert_no_error (error);
      /* Let it start and map its libraries. */
      g_usleep (200 * 1000);
      path = g_strdup_printf ("/proc/%d/maps", (int) pid);
      g_test_message ("%s: %s", programs[i][0], path);
      check_proc_maps (path);
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      g_spawn_close_pid (pid);
      close (stdin_fd);
    }
}

/* Names with spaces, " (deleted)", line breaks, shared memory and
 * offsets all read back. */
static void
test_load_names (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = NULL;
  static const char text[] =
    "00400000-00401000 r-xs 00002000 fe:00 247417                     /tmp/a file (deleted)\n"
    "00600000-00602000 rw-p 00000000 00:00 0 \n"
    "00700000-00701000 r--p 00000000 00:00 0                          two\\012lines\n"
    "7ffff7fc2000-7ffff7fc6000 r--p 00000000 00:00 0                          [vvar]\n";
  MsMemoryArea *area;

  set = load_and_round_trip (text, backend);
  assert_set_matches_text (set, text);
  area = ms_memory_set_find (set, 0x400000);
  g_assert_cmpstr (ms_memory_area_get_name (area), ==, "/tmp/a file (deleted)");
  g_assert_cmphex (ms_memory_area_get_offset (area), ==, 0x2000);
  g_assert_cmphex (ms_memory_area_get_flags (area), ==, RX | MS_PROT_SHARED);
  area = ms_memory_set_find (set, 0x600000);
  g_assert_null (ms_memory_area_get_name (area));
  g_assert_cmphex (ms_memory_area_get_offset (area), ==, 0);
  g_assert_cmpstr (ms_memory_area_get_name (ms_memory_set_find (set, 0x700000)), ==, "two\nlines");
}

static void
test_tolerant (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = NULL;
  g_autofree char *printed = NULL;

  /* CRLF, blank lines, tabs, leading blanks, capitals, one digit,
   * a shared mapping, hexadecimal flags, no final line break. */
  set = load_and_round_trip ("\n"
                             "1000-2000 rw-p\r\n"
                             "   \t\r\n"
                             "  3000-4000\tr-xs 00000000 00:00 0\n"
                             "ABCD000-abce000 0X13\n"
                             "a-b 0xFFFFFFFFFFFFFFFF\n"
                             "\n"
                             "fffffffffffff000-ffffffffffffffff ---p",
                             backend);
  printed = ms_memory_set_to_string (set);
  g_assert_cmpstr (printed, ==,
                   ANON ("0000000a-0000000b", "0xffffffffffffffff", "0000000a") "\n"
                   ANON ("00001000-00002000", "rw-p", "00001000") "\n"
                   ANON ("00003000-00004000", "r-xs", "00000000") "\n"
                   ANON ("0abcd000-0abce000", "0x13", "0abcd000") "\n"
                   ANON ("fffffffffffff000-ffffffffffffffff", "---p", "fffffffffffff000") "\n");
}

static void
test_empty_text (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (ms_memory_set_load_maps (set, "", MS_MAPPING_BACKEND (backend), NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_load_maps (set, "\n\n  \n", MS_MAPPING_BACKEND (backend),
                                          NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ms_memory_set_is_empty (set));
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 0);
}

typedef struct {
  const char *text;
  guint       line;
  const char *message;   /* a part of the error message */
} Malformed;

static const Malformed malformed[] = {
  { "garbage", 1, "address range" },
  { "00001000-00002000 rw-p\n\nxyz 1000", 3, "address range" },
  { "1000-2000", 1, "address range" },
  { "1000-2000 ", 1, "invalid permissions “”" },
  { "1000 2000 rw-p", 1, "address range" },
  { "1000-2000rw-p", 1, "address range" },
  { "-2000 rw-p", 1, "address range" },
  { "1000- rw-p", 1, "address range" },
  { "0x1000-0x2000 rw-p", 1, "address range" },
  { "10000000000000000-20000000000000000 rw-p", 1, "address range" },
  { "1000-2000 rwxq", 1, "invalid permissions “rwxq”" },
  { "1000-2000 rw-", 1, "invalid permissions “rw-”" },
  { "1000-2000 rw-pp", 1, "invalid permissions" },
  { "1000-2000 RW-P", 1, "invalid permissions" },
  { "1000-2000 0x", 1, "invalid permissions “0x”" },
  { "1000-2000 0xzz", 1, "invalid permissions" },
  { "1000-2000 0x10000000000000000", 1, "invalid permissions" },
  { "1000-2000 0x10g", 1, "invalid permissions" },
  { "1000-2000 rw-p junk", 1, "unexpected text “junk”" },
  { "1000-2000 rw-p 00000000 fd:01", 1, "unexpected text" },
  { "1000-2000 rw-p 00000000 fd01 12", 1, "unexpected text" },
  { "1000-2000 rw-p 00000000 fd:01 12x /bin/sh", 1, "unexpected text" },
  { "1000-2000 0x3 00000000", 1, "unexpected text" },
  { "1000-2000 rw-p 00000000 fd:01 12 name\n3000-4000 r--p 0000000000000000001 00:00 0", 2,
    "unexpected text" },
  { "2000-1000 rw-p", 1, "00002000-00001000 is empty or reversed" },
  { "1000-1000 rw-p", 1, "empty or reversed" },
  { "1000-2000 rw-p\r\n3000-4000 r--p\n5000-6000 r-p", 3, "invalid permissions “r-p”" },
};

static void
test_malformed (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
      g_autoptr(MsMemorySet) set = ms_memory_set_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *prefix = g_strdup_printf ("Line %u: ", malformed[i].line);

      g_autofree char *escaped = g_strescape (malformed[i].text, NULL);

      g_assert_false (ms_memory_set_load_maps (set, malformed[i].text,
                                               MS_MAPPING_BACKEND (backend), NULL, &error));
      g_test_message ("“%s”: %s", escaped, error != NULL ? error->message : "no error");
      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_PARSE);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_nonnull (strstr (error->message, malformed[i].message));
      g_assert_true (g_utf8_validate (error->message, -1, NULL));

      /* Nothing is mapped, not even the good lines before. */
      g_assert_true (ms_memory_set_is_empty (set));
      g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 0);
    }
}

/* Bytes that are not UTF-8 still give a UTF-8 message. */
static void
test_malformed_bytes (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;

  g_assert_false (ms_memory_set_load_maps (set, "1000-2000 \xff\xfe\xfd\xfc",
                                           MS_MAPPING_BACKEND (backend), NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_PARSE);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_map_failure (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *printed = NULL;

  /* An overlap: the set's own error, naming the line. */
  g_assert_false (ms_memory_set_load_maps (set,
                                           "1000-3000 rw-p\n"
                                           "\n"
                                           "2000-4000 r--p\n"
                                           "5000-6000 r--p\n",
                                           MS_MAPPING_BACKEND (backend), NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, "Line 3: "));
  g_clear_error (&error);

  /* Overlaps are found before anything is mapped: nothing changed. */
  g_assert_true (ms_memory_set_is_empty (set));
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 0);

  /* So are overlaps with the set. */
  g_assert_true (ms_memory_set_load_maps (set, "1000-3000 rw-p\n", MS_MAPPING_BACKEND (backend),
                                          NULL, &error));
  g_assert_false (ms_memory_set_load_maps (set, "5000-6000 r--p\n2000-2001 r--p\n",
                                           MS_MAPPING_BACKEND (backend), NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_assert_true (g_str_has_prefix (error->message, "Line 2: "));
  g_clear_error (&error);
  printed = ms_memory_set_to_string (set);
  g_assert_cmpstr (printed, ==, ANON ("00001000-00003000", "rw-p", "00001000") "\n");
  g_clear_pointer (&printed, g_free);

  /* A backend that refuses. */
  ms_test_backend_fail_nth_call (backend, 2);
  g_assert_false (ms_memory_set_load_maps (set,
                                           "7000-8000 rw-p\n"
                                           "9000-a000 rw-p\n",
                                           MS_MAPPING_BACKEND (backend), NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_true (g_str_has_prefix (error->message, "Line 2: "));
  printed = ms_memory_set_to_string (set);
  g_assert_cmpstr (printed, ==,
                   ANON ("00001000-00003000", "rw-p", "00001000") "\n"
                   ANON ("00007000-00008000", "rw-p", "00007000") "\n");
}

/* The page table reaches the backend. */
static void
test_page_table (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (MS_TEST_MAX_ADDR);
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;

  ms_memory_set_load_maps (set, "1000-2000 r--p\n4000-6000 rwxp\n8000-9000 0x21\n",
                           MS_MAPPING_BACKEND (backend), G_OBJECT (table), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 3);
  ms_test_assert_set_matches_table (set, table);
  g_assert_cmpuint (ms_test_page_table_get_entries (table)[0x8000], ==, 0x21);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/maps/area-to-string", test_area_to_string);
  g_test_add_func ("/maps/set-to-string", test_set_to_string);
  g_test_add_func ("/maps/load/kernel-sample", test_kernel_sample);
  g_test_add_data_func ("/maps/load/proc-self", "/proc/self/maps", test_proc_maps);
  g_test_add_data_func ("/maps/load/proc-1", "/proc/1/maps", test_proc_maps);
  g_test_add_func ("/maps/load/other-processes", test_other_processes);
  g_test_add_func ("/maps/load/names", test_load_names);
  g_test_add_func ("/maps/load/tolerant", test_tolerant);
  g_test_add_func ("/maps/load/empty", test_empty_text);
  g_test_add_func ("/maps/load/malformed", test_malformed);
  g_test_add_func ("/maps/load/malformed-bytes", test_malformed_bytes);
  g_test_add_func ("/maps/load/map-failure", test_map_failure);
  g_test_add_func ("/maps/load/page-table", test_page_table);

  return g_test_run ();
}
