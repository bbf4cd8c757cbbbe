/* test-maps.c: sets and areas in the layout of /proc/<pid>/maps, and back
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define RW  (MS_PROT_READ | MS_PROT_WRITE)
#define RX  (MS_PROT_READ | MS_PROT_EXEC)

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
test_area_to_string (void)
{
  assert_area_string (0x1000, 0x4000, RW, "00001000-00005000 rw-p");
  assert_area_string (0x1000, 0x1000, MS_PROT_NONE, "00001000-00002000 ---p");
  assert_area_string (0x400000, 0x1000, RX, "00400000-00401000 r-xp");
  assert_area_string (0, 0x1000, RW | MS_PROT_EXEC, "00000000-00001000 rwxp");
  assert_area_string (0x1000, 0x1000, MS_PROT_WRITE, "00001000-00002000 -w-p");
  assert_area_string (0xabc, 1, MS_PROT_EXEC, "00000abc-00000abd --xp");
  assert_area_string (G_GUINT64_CONSTANT (0x7ffd2a3c1000), 0x21000, RW,
                      "7ffd2a3c1000-7ffd2a3e2000 rw-p");
  assert_area_string (G_GUINT64_CONSTANT (0xffffffffff600000), 0x1000, MS_PROT_EXEC,
                      "ffffffffff600000-ffffffffff601000 --xp");
  /* The last area there can be: it ends at 2^64 - 1. */
  assert_area_string (G_GUINT64_CONSTANT (0xfffffffffffff000), 0xfff, MS_PROT_READ,
                      "fffffffffffff000-ffffffffffffffff r--p");

  /* Flags that are not MsProt bits alone: hexadecimal. */
  assert_area_string (0x1000, 0x4000, 0x10, "00001000-00005000 0x10");
  assert_area_string (0x1000, 0x4000, 0x13, "00001000-00005000 0x13");
  assert_area_string (0x1000, 0x4000, G_MAXUINT64, "00001000-00005000 0xffffffffffffffff");
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
  g_autofree char *empty = ms_memory_set_to_string (set);
  g_autofree char *text = NULL;

  g_assert_cmpstr (empty, ==, "");

  map_area (set, backend, 0x600000, 0x2000, RW);
  map_area (set, backend, 0x400000, 0x1000, RX);
  map_area (set, backend, 0x7ffff000, 0x1000, 0x1ff);
  text = ms_memory_set_to_string (set);
  g_assert_cmpstr (text, ==,
                   "00400000-00401000 r-xp\n"
                   "00600000-00602000 rw-p\n"
                   "7ffff000-80000000 0x1ff\n");
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
 * owes nothing to the library's. */
static void
assert_set_matches_text (MsMemorySet *set,
                         const char  *text)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end;
      char perms[5];
      MsMemoryArea *area;
      guint64 flags;

      if (lines[i][0] == '\0')
        continue;

      g_assert_cmpint (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s",
                               &start, &end, perms), ==, 3);
      g_assert_cmpuint (n, <, areas->len);
      area = areas->pdata[n++];
      flags = (perms[0] == 'r' ? MS_PROT_READ : 0) |
              (perms[1] == 'w' ? MS_PROT_WRITE : 0) |
              (perms[2] == 'x' ? MS_PROT_EXEC : 0);

      g_assert_cmphex (ms_memory_area_get_start (area), ==, start);
      g_assert_cmphex (ms_memory_area_get_end (area), ==, end);
      g_assert_cmphex (ms_memory_area_get_flags (area), ==, flags);
    }

  g_assert_cmpuint (n, ==, areas->len);
}

/* What a real /proc/<pid>/maps holds, with the awkward cases: paths
 * with spaces, deleted files, pseudo-paths, the vsyscall page at the
 * top of the address space, a shared mapping. */
static const char kernel_sample[] =
  "55d0c6a00000-55d0c6a28000 r--p 00000000 fd:01 1315070                    /usr/bin/bash\n"
  "55d0c6a28000-55d0c6af5000 r-xp 00028000 fd:01 1315070                    /usr/bin/bash\n"
  "55d0c7e4e000-55d0c7fd1000 rw-p 00000000 00:00 0                          [heap]\n"
  "7f1e2c000000-7f1e2c021000 rw-s 00000000 00:05 32778                      /dev/shm/a file with  spaces (deleted)\n"
  "7f1e2c021000-7f1e30000000 ---p 00000000 00:00 0 \n"
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

  assert_set_matches_text (set, kernel_sample);
  g_assert_cmpstr (printed, ==,
                   "55d0c6a00000-55d0c6a28000 r--p\n"
                   "55d0c6a28000-55d0c6af5000 r-xp\n"
                   "55d0c7e4e000-55d0c7fd1000 rw-p\n"
                   "7f1e2c000000-7f1e2c021000 rw-p\n"
                   "7f1e2c021000-7f1e30000000 ---p\n"
                   "7ffd2a3c1000-7ffd2a3e2000 rw-p\n"
                   "7ffd2a3f4000-7ffd2a3f8000 r--p\n"
                   "7ffd2a3f8000-7ffd2a3fa000 r-xp\n"
                   "ffffffffff600000-ffffffffff601000 --xp\n");
}

static void
test_proc_maps (gconstpointer data)
{
  const char *path = data;
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsMemorySet) set = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

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
                   "0000000a-0000000b 0xffffffffffffffff\n"
                   "00001000-00002000 rw-p\n"
                   "00003000-00004000 r-xp\n"
                   "0abcd000-0abce000 0x13\n"
                   "fffffffffffff000-ffffffffffffffff ---p\n");
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
  g_assert_cmpstr (printed, ==, "00001000-00003000 rw-p\n");
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
                   "00001000-00003000 rw-p\n"
                   "00007000-00008000 rw-p\n");
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
  g_test_add_func ("/maps/load/tolerant", test_tolerant);
  g_test_add_func ("/maps/load/empty", test_empty_text);
  g_test_add_func ("/maps/load/malformed", test_malformed);
  g_test_add_func ("/maps/load/malformed-bytes", test_malformed_bytes);
  g_test_add_func ("/maps/load/map-failure", test_map_failure);
  g_test_add_func ("/maps/load/page-table", test_page_table);

  return g_test_run ();
}
