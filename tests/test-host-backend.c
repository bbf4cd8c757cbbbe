/* test-host-backend.c: MsHostBackend against the kernel's own view
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_PAGES 64

#define RW  (MS_PROT_READ | MS_PROT_WRITE)
#define RX  (MS_PROT_READ | MS_PROT_EXEC)
#define R   MS_PROT_READ

/* A page the kernel's view does not mention. */
#define NOT_SEEN 0xff

typedef struct {
  MsHostBackend *host;
  MsMemorySet   *set;
  gsize          page;
  guint8        *base;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->page = (gsize) sysconf (_SC_PAGESIZE);
  f->host = ms_host_backend_new (N_PAGES * f->page, &error);
  g_assert_no_error (error);
  g_assert_nonnull (f->host);
  f->base = ms_host_backend_get_base (f->host);
  f->set = ms_memory_set_new ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_object (&f->set);
  g_clear_object (&f->host);
}

/* The protection of each page of [base, base + n_pages pages) in
 * /proc/self/maps, as MsProt bits; fails the test if a page appears
 * twice. Pages the kernel does not list are NOT_SEEN. */
static guint8 *
kernel_view (const guint8 *base,
             gsize         n_pages,
             gsize         page)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;
  guint64 lo = (guint64) (guintptr) base;
  guint64 hi = lo + n_pages * page;
  guint8 *view = g_malloc (n_pages);

  memset (view, NOT_SEEN, n_pages);

  g_file_get_contents ("/proc/self/maps", &maps, NULL, &error);
  g_assert_no_error (error);

  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      guint64 start, end;
      char perms[5];
      guint8 prot;

      if (lines[i][0] == '\0')
        continue;
      g_assert_cmpint (sscanf (lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %4s",
                               &start, &end, perms), ==, 3);
      if (end <= lo || start >= hi)
        continue;

      prot = (perms[0] == 'r' ? MS_PROT_READ : 0) |
             (perms[1] == 'w' ? MS_PROT_WRITE : 0) |
             (perms[2] == 'x' ? MS_PROT_EXEC : 0) |
             (perms[3] == 's' ? MS_PROT_SHARED : 0);

      for (guint64 a = MAX (start, lo); a < MIN (end, hi); a += page)
        {
          gsize index = (a - lo) / page;

          g_assert_cmpuint (view[index], ==, NOT_SEEN);
          view[index] = prot;
        }
    }

  return view;
}

/* Fails the test unless the kernel, the backend and the set agree on
 * every page of the reservation: a page in an area has the area's flags
 * in the kernel's view and in the backend's, a page in no area is
 * inaccessible to the kernel and unmapped for the backend. */
static void
assert_kernel_agrees (Fixture *f)
{
  g_autofree guint8 *view = kernel_view (f->base, N_PAGES, f->page);

  for (gsize i = 0; i < N_PAGES; i++)
    {
      guint64 addr = i * f->page;
      MsMemoryArea *area = ms_memory_set_find (f->set, addr);
      guint64 expected = area != NULL ? ms_memory_area_get_flags (area) : 0;
      MsProt prot = 0xff;
      gboolean mapped = ms_host_backend_get_prot (f->host, addr, &prot);

      if (view[i] == NOT_SEEN)
        g_error ("page %" G_GSIZE_FORMAT " of the reservation is not in /proc/self/maps", i);
      if (view[i] != expected)
        g_error ("page %" G_GSIZE_FORMAT ": the kernel has protection %u, the set %"
                 G_GUINT64_FORMAT, i, view[i], expected);
      g_assert_cmpint (mapped, ==, area != NULL);
      if (mapped)
        g_assert_cmpuint (prot, ==, expected);
    }
}

static void
map_ok (Fixture *f,
        gsize    first_page,
        gsize    n_pages,
        guint64  flags,
        gboolean unmap_overlap)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (first_page * f->page, n_pages * f->page,
                                                     flags, MS_MAPPING_BACKEND (f->host));
  g_autoptr(GError) error = NULL;

  ms_memory_set_map (f->set, area, NULL, unmap_overlap, &error);
  g_assert_no_error (error);
}

static void
test_new (void)
{
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  const guint64 bad_sizes[] = { 0, 1, page - 1, page + 1, G_MAXUINT64 & ~(guint64) (page - 1) };
  g_autoptr(MsHostBackend) host = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *view = NULL;
  guint64 size = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (bad_sizes); i++)
    {
      g_autoptr(MsHostBackend) bad = ms_host_backend_new (bad_sizes[i], &error);

      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
      g_assert_null (bad);
      g_clear_error (&error);
    }

  host = ms_host_backend_new (4 * page, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ms_host_backend_get_base (host));
  g_assert_cmpuint (ms_host_backend_get_size (host), ==, 4 * page);
  g_assert_cmpuint (ms_host_backend_get_page_size (host), ==, page);
  g_object_get (host, "size", &size, NULL);
  g_assert_cmpuint (size, ==, 4 * page);
  g_assert_true (MS_IS_MAPPING_BACKEND (host));

  /* Reserved, nothing accessible, nothing mapped. */
  view = kernel_view (ms_host_backend_get_base (host), 4, page);
  for (gsize i = 0; i < 4; i++)
    {
      g_assert_cmpuint (view[i], ==, MS_PROT_NONE);
      g_assert_false (ms_host_backend_get_prot (host, i * page, NULL));
    }
  g_assert_false (ms_host_backend_get_prot (host, 4 * page, NULL));
}

/* A large reservation costs no memory until used, its far end works. */
static void
test_large (void)
{
  g_autoptr(MsHostBackend) host = NULL;
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) area = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint64 size = G_GUINT64_CONSTANT (1) << 36;
  gsize page;
  guint8 *top;

  if (GLIB_SIZEOF_VOID_P < 8)
    {
      g_test_skip ("needs a 64-bit address space");
      return;
    }

  host = ms_host_backend_new (size, &error);
  /* Limits (ulimit -v, or valgrind's own) may forbid it. */
  if (error != NULL && error->domain == G_FILE_ERROR)
    {
      g_autofree char *message = g_strdup_printf ("cannot reserve 64 GiB here: %s",
                                                  error->message);
      g_test_skip (message);
      return;
    }
  g_assert_no_error (error);

  page = ms_host_backend_get_page_size (host);
  area = ms_memory_area_new (size - page, page, RW, MS_MAPPING_BACKEND (host));
  ms_memory_set_map (set, area, NULL, FALSE, &error);
  g_assert_no_error (error);

  top = (guint8 *) ms_host_backend_get_base (host) + size - page;
  top[page - 1] = 0x5a;
  bytes = ms_host_backend_read (host, size - 1, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (((const guint8 *) g_bytes_get_data (bytes, NULL))[0], ==, 0x5a);
}

/* Resident memory of this process, in bytes. */
static guint64
resident_bytes (void)
{
  g_autofree char *text = NULL;
  guint64 pages = 0;

  g_assert_true (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL));
  g_assert_cmpint (sscanf (text, "%*u %" G_GUINT64_FORMAT, &pages), ==, 1);
  return pages * (guint64) sysconf (_SC_PAGESIZE);
}

/* The backend's own state grows with its runs, not with their pages:
 * mapping 2^46 bytes costs what mapping a page does. */
static void
test_huge (void)
{
  guint64 size = G_GUINT64_CONSTANT (1) << 46;
  g_autoptr(MsHostBackend) host = NULL;
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) none = NULL;
  g_autoptr(MsMemoryArea) rw = NULL;
  g_autoptr(GError) error = NULL;
  guint64 before;
  MsProt prot = 0xff;

  if (GLIB_SIZEOF_VOID_P < 8)
    {
      g_test_skip ("needs a 64-bit address space");
      return;
    }

  host = ms_host_backend_new (size, &error);
  if (error != NULL && error->domain == G_FILE_ERROR)
    {
      g_autofree char *message = g_strdup_printf ("cannot reserve 64 TiB here: %s", error->message);

      g_test_skip (message);
      return;
    }
  g_assert_no_error (error);

  before = resident_bytes ();
  none = ms_memory_area_new (0, size, MS_PROT_NONE, MS_MAPPING_BACKEND (host));
  g_assert_true (ms_memory_set_map (set, none, NULL, FALSE, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (resident_bytes (), <, before + (4 << 20));
  g_assert_true (ms_host_backend_get_prot (host, size - 1, &prot));
  g_assert_cmpint (prot, ==, MS_PROT_NONE);

  /* Split it in three and put it back: still a few runs. */
  g_assert_true (ms_memory_set_protect (set, size / 4, size / 2, MS_PROT_READ, NULL, &error));
  g_assert_true (ms_host_backend_get_prot (host, size / 2, &prot));
  g_assert_cmpint (prot, ==, MS_PROT_READ);
  g_assert_true (ms_memory_set_protect (set, 0, size, MS_PROT_NONE, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (resident_bytes (), <, before + (4 << 20));
  g_assert_true (ms_memory_set_clear (set, NULL, &error));
  g_assert_false (ms_host_backend_get_prot (host, size / 2, NULL));

  /* 64 TiB of writable private memory: the kernel refuses at once
   * (overcommit), and the message says so. */
  rw = ms_memory_area_new (0, size, MS_PROT_READ | MS_PROT_WRITE, MS_MAPPING_BACKEND (host));
  if (ms_memory_set_map (set, rw, NULL, FALSE, &error))
    {
      g_test_message ("this kernel lets a process map 64 TiB of writable memory");
      g_assert_true (ms_memory_set_clear (set, NULL, &error));
    }
  else
    {
      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
      g_assert_nonnull (strstr (error->message, "mmap failed: "));
      g_assert_nonnull (strstr (error->message, "vm.max_map_count"));
      g_assert_true (ms_memory_set_is_empty (set));
      g_assert_false (ms_host_backend_get_prot (host, 0, NULL));
    }
  g_assert_cmpuint (resident_bytes (), <, before + (4 << 20));
}

/* The sanitizers' runtimes map memory of their own as the program runs,
 * and abort when the kernel refuses them one at the limit of mappings. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

/* At the kernel's limit of mappings (vm.max_map_count), the refusal
 * names it, and the set and the backend stay in agreement. */
static void
test_map_count (void)
{
  g_autoptr(MsHostBackend) host = NULL;
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  guint64 limit, page, i;

  if (g_getenv ("LD_PRELOAD") != NULL && strstr (g_getenv ("LD_PRELOAD"), "vgpreload") != NULL)
    {
      g_test_skip ("valgrind keeps its own mappings");
      return;
    }
#ifdef SANITIZED
  g_test_skip ("the sanitizer's runtime needs mappings of its own at the limit");
  return;
#endif
  if (!g_file_get_contents ("/proc/sys/vm/max_map_count", &text, NULL, NULL) ||
      (limit = g_ascii_strtoull (text, NULL, 10)) == 0 || limit > 1 << 20)
    {
      g_test_skip ("no usable /proc/sys/vm/max_map_count");
      return;
    }

  page = (guint64) sysconf (_SC_PAGESIZE);
  host = ms_host_backend_new ((limit + 16) * 2 * page, &error);
  g_assert_no_error (error);

  /* Pages of alternating protection, a gap between them: each one a
   * kernel mapping, twice over with the reservation around it. */
  for (i = 0; i < limit + 16; i++)
    {
      g_autoptr(MsMemoryArea) area = ms_memory_area_new (2 * i * page, page,
                                                         i % 2 ? MS_PROT_READ : MS_PROT_READ | MS_PROT_WRITE,
                                                         MS_MAPPING_BACKEND (host));

      if (!ms_memory_set_map (set, area, NULL, FALSE, &error))
        break;
    }

  g_assert_cmpuint (i, <, limit + 16);
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Cannot allocate memory"));
  g_assert_nonnull (strstr (error->message, "vm.max_map_count"));
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, i);
  g_assert_false (ms_host_backend_get_prot (host, 2 * i * page, NULL));
  g_assert_true (ms_host_backend_get_prot (host, 2 * (i - 1) * page, NULL));
  g_test_message ("%" G_GUINT64_FORMAT " areas mapped before the limit", i);

  g_clear_error (&error);

  /* Unmapping still works there. (The process is at its limit: large
   * allocations fail until the reservation goes, with the backend.) */
  g_assert_true (ms_memory_set_unmap (set, 2 * (i - 1) * page, page, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (ms_host_backend_get_prot (host, 2 * (i - 1) * page, NULL));
}

static gboolean
drop_write (guint64   old_flags,
            guint64  *new_flags,
            gpointer  user_data)
{
  *new_flags = old_flags & ~(guint64) MS_PROT_WRITE;
  return TRUE;
}

/* A sequence of set operations; after each one the kernel's view of
 * the reservation is exactly what the set says. */
static void
test_maps_agree (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize P = f->page;

  assert_kernel_agrees (f);

  map_ok (f, 0, 4, RX, FALSE);            /* code */
  map_ok (f, 4, 4, RW, FALSE);            /* data, next to the code */
  map_ok (f, 16, 4, R, FALSE);
  map_ok (f, N_PAGES - 4, 4, RW, FALSE);  /* stack, at the very top */
  assert_kernel_agrees (f);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 4);

  /* Split the code area in three. */
  ms_memory_set_protect (f->set, 1 * P, 1 * P, RW, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 6);

  /* A hole in the data area. */
  ms_memory_set_unmap (f->set, 5 * P, 1 * P, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);

  /* Over the code, data and the read-only area. */
  map_ok (f, 2, 16, MS_PROT_WRITE, TRUE);
  assert_kernel_agrees (f);

  /* Protecting the same flags again changes nothing. */
  ms_memory_set_protect (f->set, 2 * P, 16 * P, MS_PROT_WRITE, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);

  ms_memory_set_protect_with (f->set, 0, N_PAGES * P, NULL, drop_write, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);

  /* Mapped but inaccessible. */
  ms_memory_set_protect (f->set, 0, N_PAGES * P, MS_PROT_NONE, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  g_assert_true (ms_host_backend_get_prot (f->host, 0, NULL));

  ms_memory_set_unmap (f->set, 19 * P, 30 * P, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);

  ms_memory_set_clear (f->set, NULL, &error);
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  g_assert_false (ms_host_backend_get_prot (f->host, 0, NULL));
}

static void
test_write_read (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize P = f->page;
  const guint8 *got;
  gsize len;

  map_ok (f, 2, 2, RW, FALSE);

  /* Fresh memory is zero-filled. */
  for (gsize i = 0; i < 2 * P; i++)
    g_assert_cmpuint (f->base[2 * P + i], ==, 0);

  for (gsize i = 0; i < 2 * P; i++)
    f->base[2 * P + i] = (guint8) (i * 7 + 1);
  for (gsize i = 0; i < 2 * P; i++)
    g_assert_cmpuint (f->base[2 * P + i], ==, (guint8) (i * 7 + 1));

  /* The helper sees the same bytes, across the page boundary. */
  bytes = ms_host_backend_read (f->host, 3 * P - 3, 6, &error);
  g_assert_no_error (error);
  got = g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, ==, 6);
  for (gsize i = 0; i < 6; i++)
    g_assert_cmpuint (got[i], ==, (guint8) ((P - 3 + i) * 7 + 1));

  /* Protection changes keep the contents. */
  ms_memory_set_protect (f->set, 2 * P, 2 * P, R, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (f->base[2 * P + 10], ==, (guint8) (10 * 7 + 1));

  /* Unmapping discards them: mapped again, the pages are zero. */
  ms_memory_set_unmap (f->set, 2 * P, 2 * P, NULL, &error);
  g_assert_no_error (error);
  map_ok (f, 2, 2, R, FALSE);
  for (gsize i = 0; i < 2 * P; i++)
    g_assert_cmpuint (f->base[2 * P + i], ==, 0);
  assert_kernel_agrees (f);
}

/* Touches @addr in a forked child and checks how the child ends: killed
 * by SIGSEGV, or exiting normally after the access. */
static void
assert_access (volatile guint8 *addr,
               gboolean         write,
               gboolean         expect_segv)
{
  int status = 0;
  pid_t pid;

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);

  if (pid == 0)
    {
      struct rlimit no_core = { 0, 0 };

      /* No core file, and the kernel's default action even when a
       * sanitizer has installed its own handler. */
      setrlimit (RLIMIT_CORE, &no_core);
      signal (SIGSEGV, SIG_DFL);
      signal (SIGBUS, SIG_DFL);

      if (write)
        *addr = 0x42;
      else
        (void) *addr;
      _exit (0);
    }

  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);

  if (expect_segv)
    {
      g_assert_true (WIFSIGNALED (status));
      g_assert_cmpint (WTERMSIG (status), ==, SIGSEGV);
    }
  else
    {
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 0);
    }
}

static void
test_segv (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize P = f->page;

  map_ok (f, 0, 1, RW, FALSE);
  map_ok (f, 1, 1, R, FALSE);
  map_ok (f, 2, 1, MS_PROT_NONE, FALSE);
  map_ok (f, 4, 1, RW, FALSE);

  /* The harness itself: allowed accesses do not kill the child. */
  assert_access (f->base, TRUE, FALSE);
  assert_access (f->base + P, FALSE, FALSE);

  /* Read-only, mapped without access, never mapped, past the set. */
  assert_access (f->base + P + 8, TRUE, TRUE);
  assert_access (f->base + 2 * P, FALSE, TRUE);
  assert_access (f->base + 2 * P, TRUE, TRUE);
  assert_access (f->base + 3 * P, FALSE, TRUE);
  assert_access (f->base + 3 * P + P - 1, TRUE, TRUE);
  assert_access (f->base + (N_PAGES - 1) * P, TRUE, TRUE);

  /* Made read-only after being writable; unmapped after being mapped. */
  ms_memory_set_protect (f->set, 0, P, R, NULL, &error);
  g_assert_no_error (error);
  assert_access (f->base + 16, FALSE, FALSE);
  assert_access (f->base + 16, TRUE, TRUE);

  ms_memory_set_unmap (f->set, 4 * P, P, NULL, &error);
  g_assert_no_error (error);
  assert_access (f->base + 4 * P, TRUE, TRUE);
  assert_access (f->base + 4 * P, FALSE, TRUE);
}

/* Fails the test unless @done is FALSE and *@error a BAD_STATE error
 * whose message holds @why; clears *@error. */
static void
assert_refused (gboolean     done,
                GError     **error,
                const char  *why)
{
  g_assert_false (done);
  g_assert_error (*error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  if (strstr ((*error)->message, why) == NULL)
    g_error ("“%s” does not say “%s”", (*error)->message, why);
  g_clear_error (error);
}

#define REFUSED(call, why) assert_refused ((call), &error, (why))

/* Shared memory: MAP_SHARED anonymous memory, which protect keeps
 * shared; the kernel agrees. */
static void
test_shared (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize P = f->page;

  map_ok (f, 2, 4, RW | MS_PROT_SHARED, FALSE);
  map_ok (f, 6, 2, RW, FALSE);
  f->base[2 * P] = 7;
  assert_kernel_agrees (f);

  g_assert_true (ms_memory_set_protect (f->set, 3 * P, P, MS_PROT_READ | MS_PROT_SHARED, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->base[2 * P], ==, 7);
  assert_kernel_agrees (f);

  /* Shared memory cannot become private, nor private memory shared. */
  REFUSED (ms_memory_set_protect (f->set, 2 * P, P, RW, NULL, &error), "cannot become private");
  REFUSED (ms_memory_set_protect (f->set, 6 * P, P, RW | MS_PROT_SHARED, NULL, &error),
           "cannot become shared");
  assert_kernel_agrees (f);
}

/* remap moves real bytes: read back at the new address, larger and
 * smaller; the old address is gone; the kernel agrees with the set. */
static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gsize P = f->page;

  map_ok (f, 1, 3, RW, FALSE);
  for (gsize i = 0; i < 3 * P; i++)
    f->base[P + i] = (guint8) (i * 7 + 1);

  /* Larger: the bytes move, the extension is zeros. */
  g_assert_true (ms_memory_set_remap (f->set, P, 3 * P, 8 * P, 5 * P, NULL, &error));
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  for (gsize i = 0; i < 3 * P; i++)
    g_assert_cmpuint (f->base[8 * P + i], ==, (guint8) (i * 7 + 1));
  for (gsize i = 3 * P; i < 5 * P; i++)
    g_assert_cmpuint (f->base[8 * P + i], ==, 0);
  g_assert_false (ms_host_backend_get_prot (f->host, P, NULL));
  assert_access (f->base + P, FALSE, TRUE);

  /* Smaller, read-only: the first page moves with its protection. */
  g_assert_true (ms_memory_set_protect (f->set, 8 * P, 5 * P, MS_PROT_READ, NULL, &error));
  g_assert_true (ms_memory_set_remap (f->set, 8 * P, 5 * P, 2 * P, P, NULL, &error));
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  for (gsize i = 0; i < P; i++)
    g_assert_cmpuint (f->base[2 * P + i], ==, (guint8) (i * 7 + 1));
  assert_access (f->base + 2 * P, FALSE, FALSE);
  assert_access (f->base + 2 * P, TRUE, TRUE);
  assert_access (f->base + 8 * P, FALSE, TRUE);

  /* In place, grown and shrunk. */
  g_assert_true (ms_memory_set_remap (f->set, 2 * P, P, 2 * P, 4 * P, NULL, &error));
  assert_kernel_agrees (f);
  g_assert_cmpuint (f->base[2 * P + 1], ==, 8);
  g_assert_true (ms_memory_set_remap (f->set, 2 * P, 4 * P, 2 * P, 2 * P, NULL, &error));
  g_assert_no_error (error);
  assert_kernel_agrees (f);

  /* Shared memory moves too. */
  map_ok (f, 10, 2, RW | MS_PROT_SHARED, FALSE);
  f->base[10 * P] = 0x42;
  g_assert_true (ms_memory_set_remap (f->set, 10 * P, 2 * P, 12 * P, 2 * P, NULL, &error));
  g_assert_no_error (error);
  assert_kernel_agrees (f);
  g_assert_cmpuint (f->base[12 * P], ==, 0x42);
}

/* Direct backend calls that must be refused without changing anything. */
static void
test_refuse (Fixture       *f,
             gconstpointer  data)
{
  MsMappingBackend *b = MS_MAPPING_BACKEND (f->host);
  g_autoptr(GError) error = NULL;
  g_autoptr(MsMemoryArea) unaligned = NULL;
  gsize P = f->page;
  guint64 top = N_PAGES * P;

  map_ok (f, 8, 4, RW, FALSE);
  f->base[8 * P] = 0x11;

  /* map: bad ranges, bad flags, over a mapped page. */
  REFUSED (ms_mapping_backend_map (b, P / 2, P, R, NULL, &error), "start is not page-aligned");
  REFUSED (ms_mapping_backend_map (b, 0, P / 2, R, NULL, &error), "not a multiple of the page size");
  REFUSED (ms_mapping_backend_map (b, 0, P + 1, R, NULL, &error), "not a multiple of the page size");
  REFUSED (ms_mapping_backend_map (b, 0, 0, R, NULL, &error), "the range is empty");
  REFUSED (ms_mapping_backend_map (b, top, P, R, NULL, &error), "not inside the reservation");
  REFUSED (ms_mapping_backend_map (b, top - P, 2 * P, R, NULL, &error), "not inside the reservation");
  REFUSED (ms_mapping_backend_map (b, G_MAXUINT64 - P + 1, 2 * P, R, NULL, &error),
           "not inside the reservation");
  REFUSED (ms_mapping_backend_map (b, 0, G_MAXUINT64 - P + 1, R, NULL, &error),
           "not inside the reservation");
  REFUSED (ms_mapping_backend_map (b, 0, P, 0x18, NULL, &error), "bits 0x10 are not MsProt flags");
  REFUSED (ms_mapping_backend_map (b, 0, P, G_GUINT64_CONSTANT (1) << 40 | R, NULL, &error),
           "bits 0x10000000000 are not MsProt flags");
  REFUSED (ms_mapping_backend_map (b, 6 * P, 3 * P, R, NULL, &error), "already mapped");
  REFUSED (ms_mapping_backend_map (b, 11 * P, P, R, NULL, &error), "already mapped");

  /* unmap and protect: bad ranges, pages not mapped. */
  REFUSED (ms_mapping_backend_unmap (b, 8 * P + 1, P, NULL, &error), "start is not page-aligned");
  REFUSED (ms_mapping_backend_unmap (b, 0, P, NULL, &error), "is not mapped");
  REFUSED (ms_mapping_backend_unmap (b, 7 * P, 2 * P, NULL, &error), "is not mapped");
  REFUSED (ms_mapping_backend_unmap (b, 11 * P, 2 * P, NULL, &error), "is not mapped");
  REFUSED (ms_mapping_backend_unmap (b, top, P, NULL, &error), "not inside the reservation");
  REFUSED (ms_mapping_backend_protect (b, 8 * P, P / 2, R, NULL, &error), "not a multiple of the page size");
  REFUSED (ms_mapping_backend_protect (b, 0, P, R, NULL, &error), "is not mapped");
  REFUSED (ms_mapping_backend_protect (b, 7 * P, 2 * P, R, NULL, &error), "is not mapped");
  REFUSED (ms_mapping_backend_protect (b, 8 * P, P, 0x10, NULL, &error), "bits 0x10 are not MsProt flags");

  assert_kernel_agrees (f);
  g_assert_cmpuint (f->base[8 * P], ==, 0x11);

  /* Through a set: the backend's reason, after the operation and range,
   * and the set stays as it was. */
  unaligned = ms_memory_area_new (P / 2, P, R, b);
  REFUSED (ms_memory_set_map (f->set, unaligned, NULL, FALSE, &error), "start is not page-aligned");
  REFUSED (ms_memory_set_map (f->set, unaligned, NULL, FALSE, &error), "Failed to map [");
  REFUSED (ms_memory_set_protect (f->set, 8 * P, P / 2, R, NULL, &error),
           "not a multiple of the page size");
  g_assert_cmpuint (ms_memory_set_get_n_areas (f->set), ==, 1);
  assert_kernel_agrees (f);
}

static void
test_read_write (Fixture       *f,
                 gconstpointer  data)
{
  static const guint8 pattern[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gsize P = f->page;
  guint64 top = N_PAGES * P;
  gsize len;

  map_ok (f, 0, 2, RW, FALSE);
  map_ok (f, 2, 1, R, FALSE);
  map_ok (f, 3, 1, MS_PROT_WRITE, FALSE);
  map_ok (f, 4, 1, MS_PROT_NONE, FALSE);

  /* Across the boundary of two writable pages, unaligned. */
  g_assert_true (ms_host_backend_write (f->host, P - 4, pattern, sizeof pattern, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (f->base + P - 4, sizeof pattern, pattern, sizeof pattern);
  bytes = ms_host_backend_read (f->host, P - 4, sizeof pattern, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                   pattern, sizeof pattern);
  g_clear_pointer (&bytes, g_bytes_unref);

  /* Into a read-only page: nothing written, not even the part before. */
  g_assert_false (ms_host_backend_write (f->host, 2 * P - 4, pattern, sizeof pattern, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
  g_assert_nonnull (strstr (error->message, "not writable"));
  g_clear_error (&error);
  g_assert_cmpuint (f->base[2 * P - 4], ==, 0);

  /* Reading needs MS_PROT_READ, writing MS_PROT_WRITE. */
  bytes = ms_host_backend_read (f->host, 2 * P, 16, &error);
  g_assert_no_error (error);
  g_clear_pointer (&bytes, g_bytes_unref);
  g_assert_true (ms_host_backend_write (f->host, 3 * P, pattern, sizeof pattern, &error));
  g_assert_no_error (error);
  g_assert_null (ms_host_backend_read (f->host, 3 * P, 1, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
  g_assert_nonnull (strstr (error->message, "not readable"));
  g_clear_error (&error);

  /* Mapped without access, and not mapped at all. */
  g_assert_null (ms_host_backend_read (f->host, 4 * P + 1, 1, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
  g_clear_error (&error);
  g_assert_null (ms_host_backend_read (f->host, 5 * P, 1, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
  g_assert_nonnull (strstr (error->message, "not mapped"));
  g_clear_error (&error);
  g_assert_false (ms_host_backend_write (f->host, 10 * P, pattern, 1, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT);
  g_clear_error (&error);

  /* Outside the reservation. */
  g_assert_null (ms_host_backend_read (f->host, top - 1, 2, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
  g_clear_error (&error);
  g_assert_null (ms_host_backend_read (f->host, G_MAXUINT64, 2, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
  g_clear_error (&error);
  g_assert_false (ms_host_backend_write (f->host, top + 1, pattern, 0, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
  g_clear_error (&error);

  /* Empty accesses inside the reservation always work. */
  bytes = ms_host_backend_read (f->host, top, 0, &error);
  g_assert_no_error (error);
  g_bytes_get_data (bytes, &len);
  g_assert_cmpuint (len, ==, 0);
  g_assert_true (ms_host_backend_write (f->host, 10 * P, NULL, 0, &error));
  g_assert_no_error (error);
}

static void
test_finalize (void)
{
  g_autoptr(GError) error = NULL;
  MsHostBackend *host;
  MsMemorySet *set = ms_memory_set_new ();
  MsMemoryArea *area;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  unsigned char vec[4];
  guint8 *base;

  host = ms_host_backend_new (4 * page, &error);
  g_assert_no_error (error);
  base = ms_host_backend_get_base (host);

  area = ms_memory_area_new (page, page, RW, MS_MAPPING_BACKEND (host));
  ms_memory_set_map (set, area, NULL, FALSE, &error);
  g_assert_no_error (error);
  ms_memory_area_unref (area);

  /* The set's area keeps the backend and its reservation alive. */
  g_object_unref (host);
  g_assert_cmpint (mincore (base, 4 * page, vec), ==, 0);
  base[page] = 1;

  g_object_unref (set);
  g_assert_cmpint (mincore (base, 4 * page, vec), ==, -1);
  g_assert_cmpint (errno, ==, ENOMEM);
}

/* g_object_new() alone makes an empty backend that refuses everything. */
static void
test_empty (void)
{
  g_autoptr(MsHostBackend) host = g_object_new (MS_TYPE_HOST_BACKEND, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_null (ms_host_backend_get_base (host));
  g_assert_cmpuint (ms_host_backend_get_size (host), ==, 0);
  REFUSED (ms_mapping_backend_map (MS_MAPPING_BACKEND (host), 0,
                                   ms_host_backend_get_page_size (host), R, NULL, &error),
           "no reservation");
  g_assert_false (ms_host_backend_get_prot (host, 0, NULL));
  g_assert_null (ms_host_backend_read (host, 0, 0, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* First: no earlier test has had GLib make its ENOMEM message, which
   * the backend must have ready before the limit (see its init). */
  g_test_add_func ("/host-backend/map-count", test_map_count);
  g_test_add_func ("/host-backend/new", test_new);
  g_test_add_func ("/host-backend/large", test_large);
  g_test_add_func ("/host-backend/huge", test_huge);
  g_test_add_func ("/host-backend/finalize", test_finalize);
  g_test_add_func ("/host-backend/empty", test_empty);
  g_test_add ("/host-backend/move", Fixture, NULL,
              fixture_setup, test_move, fixture_teardown);
  g_test_add ("/host-backend/shared", Fixture, NULL,
              fixture_setup, test_shared, fixture_teardown);
  g_test_add ("/host-backend/maps-agree", Fixture, NULL,
              fixture_setup, test_maps_agree, fixture_teardown);
  g_test_add ("/host-backend/write-read", Fixture, NULL,
              fixture_setup, test_write_read, fixture_teardown);
  g_test_add ("/host-backend/segv", Fixture, NULL,
              fixture_setup, test_segv, fixture_teardown);
  g_test_add ("/host-backend/refuse", Fixture, NULL,
              fixture_setup, test_refuse, fixture_teardown);
  g_test_add ("/host-backend/read-write", Fixture, NULL,
              fixture_setup, test_read_write, fixture_teardown);

  return g_test_run ();
}
