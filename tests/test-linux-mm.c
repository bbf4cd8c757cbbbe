/* test-linux-mm.c: MsLinuxMm and MsLinuxFile, call by call, against the
 * kernel's rules
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The expected values come from the rules measured on Linux 6.18
 * (docs/linux-mm.md, "The kernel's rules", R1 to R18), the man pages and
 * the kernel's mm/ where those say nothing: an address, a set of VmFlags
 * or an errno here is what the kernel would give, worked out by hand.
 * Every test also checks that the backends hold exactly what the set
 * describes: a shadow of their pages is rebuilt from the calls they
 * accepted, in order.
 */

#include "ms-test-backend.h"

#include <string.h>

/* x86-64 Linux's values, which the mm's calls take whatever the host. */
#define PAGE                 G_GUINT64_CONSTANT (0x1000)
#define MB                   (G_GUINT64_CONSTANT (1) << 20)
#define TASK_SIZE            ((G_GUINT64_CONSTANT (1) << 47) - PAGE)
/* R1: TASK_SIZE - 128 MiB for an 8 MiB stack. */
#define MMAP_BASE            G_GUINT64_CONSTANT (0x7ffff7fff000)

#define PROT_NONE_           0x0
#define PROT_READ_           0x1
#define PROT_WRITE_          0x2
#define PROT_EXEC_           0x4
#define PROT_GROWSDOWN_      0x01000000
#define PROT_GROWSUP_        0x02000000
#define RW                   (PROT_READ_ | PROT_WRITE_)

#define MAP_SHARED_          0x01
#define MAP_PRIVATE_         0x02
#define MAP_SHARED_VALIDATE_ 0x03
#define MAP_FIXED_           0x10
#define MAP_ANONYMOUS_       0x20
#define MAP_32BIT_           0x40
#define MAP_GROWSDOWN_       0x100
#define MAP_LOCKED_          0x2000
#define MAP_NORESERVE_       0x4000
#define MAP_STACK_           0x20000
#define MAP_HUGETLB_         0x40000
#define MAP_FIXED_NOREPLACE_ 0x100000
#define ANON                 (MAP_PRIVATE_ | MAP_ANONYMOUS_)

#define MREMAP_MAYMOVE_      1
#define MREMAP_FIXED_        2
#define MREMAP_DONTUNMAP_    4

#define MADV_NORMAL_         0
#define MADV_RANDOM_         1
#define MADV_SEQUENTIAL_     2
#define MADV_DONTNEED_       4
#define MADV_DONTFORK_       10
#define MADV_DOFORK_         11
#define MADV_MERGEABLE_      12
#define MADV_HUGEPAGE_       14
#define MADV_NOHUGEPAGE_     15
#define MADV_DONTDUMP_       16
#define MADV_WIPEONFORK_     18
#define MADV_KEEPONFORK_     19
#define MADV_GUARD_INSTALL_  102

#define MLOCK_ONFAULT_       1
#define MCL_CURRENT_         1
#define MCL_FUTURE_          2
#define MCL_ONFAULT_         4

#define O_RDONLY_            0
#define O_WRONLY_            1
#define O_RDWR_              2

#define FS_EXT4              0xef53
#define FS_TMPFS             0x01021994
#define MODE_REGULAR         0100644
#define MODE_CHAR_DEVICE     020666

#define READ_IMPLIES_EXEC_   0x0400000
#define ADDR_COMPAT_LAYOUT_  0x0200000

/* The VmFlags of the commonest VMAs (R8). */
#define ANON_RW              "rd wr mr mw me ac"
#define ANON_R               "rd mr mw me"

/* Where hinted mappings go in these tests: far from everything. */
#define X                    G_GUINT64_CONSTANT (0x10000000)
#define Y                    G_GUINT64_CONSTANT (0x20000000)

/* A process at its first instruction, from a recording of this machine
 * (tests/linux-mm/traces/probe_brk.initial, shortened). */
#define START_BRK            G_GUINT64_CONSTANT (0x555555559000)
#define START_STACK          G_GUINT64_CONSTANT (0x7fffffffe7a0)
#define STACK_START          G_GUINT64_CONSTANT (0x7ffffffde000)
#define STACK_END            G_GUINT64_CONSTANT (0x7ffffffff000)
#define LD_SO                "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
static const char process_maps[] =
  "555555554000-555555555000 r--p 00000000 fe:00 10961074                   /tmp/probe/brk\n"
  "555555555000-555555556000 r-xp 00001000 fe:00 10961074                   /tmp/probe/brk\n"
  "555555557000-555555559000 rw-p 00002000 fe:00 10961074                   /tmp/probe/brk\n"
  "7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0                          [vdso]\n"
  "7ffff7fca000-7ffff7fcb000 r--p 00000000 fe:00 332383                     " LD_SO "\n"
  "7ffff7ffb000-7ffff7fff000 rw-p 00031000 fe:00 332383                     " LD_SO "\n"
  "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
  "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";
/* Its VmFlags as the tracer writes them; ld.so's data carries a flag its
 * permissions do not give (dc), to tell the two sources apart. */
static const char process_vmflags[] =
  "555555554000-555555555000 rd mr mw me \n"
  "555555555000-555555556000 rd ex mr mw me \n"
  "555555557000-555555559000 rd wr mr mw me ac \n"
  "7ffff7fc8000-7ffff7fca000 rd ex mr mw me de \n"
  "7ffff7fca000-7ffff7fcb000 rd mr mw me \n"
  "7ffff7ffb000-7ffff7fff000 rd wr mr mw me dc ac \n"
  "7ffffffde000-7ffffffff000 rd wr mr mw me gd ac \n"
  "ffffffffff600000-ffffffffff601000 ex \n";

typedef struct {
  MsTestJournal  journal;       /* every backend's calls, in order */
  MsTestBackend *backend;       /* anonymous memory's: journal index 0 */
  MsTestBackend *file_backend;  /* the files': index 1 */
  MsLinuxMm     *mm;
  GHashTable    *shadow;        /* page number -> MsProt + 1: what the backends hold */
  guint          synced;        /* journal calls applied to the shadow */
  guint          shown;         /* journal calls shown by take_calls */
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->journal.calls = g_array_new (FALSE, FALSE, sizeof (MsTestCall));
  f->journal.fail_at = 0;
  f->backend = ms_test_backend_new ();
  ms_test_backend_set_journal (f->backend, &f->journal, 0);
  f->file_backend = ms_test_backend_new ();
  ms_test_backend_set_journal (f->file_backend, &f->journal, 1);
  f->mm = ms_linux_mm_new (MS_MAPPING_BACKEND (f->backend));
  f->shadow = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* The protection a backend is given for an area's flags: the PROT bits,
 * and SHARED for a MAP_SHARED mapping (MsLinuxFile's documentation). */
static MsProt
prot_of (guint64 flags)
{
  return (flags & (MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_EXEC)) |
         ((flags & MS_LINUX_VM_MAYSHARE) != 0 ? MS_PROT_SHARED : 0);
}

static void
shadow_set (Fixture *f,
            guint64  page,
            guint    prot)
{
  g_hash_table_insert (f->shadow, g_memdup2 (&page, sizeof page), GUINT_TO_POINTER (prot + 1));
}

/* Replays the calls the backends accepted since the last sync, as an
 * all-or-nothing page table would see them: a map of a mapped page, or
 * an unmap, protect or move of a free one, is a bug of the mm. */
static void
shadow_sync (Fixture *f)
{
  for (; f->synced < f->journal.calls->len; f->synced++)
    {
      const MsTestCall *call = &g_array_index (f->journal.calls, MsTestCall, f->synced);
      guint64 first = call->start / PAGE;
      guint64 n = call->size / PAGE;

      if (!call->succeeded)
        continue;
      g_assert_cmphex (call->start % PAGE, ==, 0);
      g_assert_cmphex (call->size % PAGE, ==, 0);
      g_assert_cmphex (call->size, >, 0);

      switch (call->kind)
        {
        case MS_TEST_CALL_MAP:
          for (guint64 p = first; p < first + n; p++)
            {
              g_assert_false (g_hash_table_contains (f->shadow, &p));
              shadow_set (f, p, call->flags);
            }
          break;
        case MS_TEST_CALL_UNMAP:
          for (guint64 p = first; p < first + n; p++)
            g_assert_true (g_hash_table_remove (f->shadow, &p));
          break;
        case MS_TEST_CALL_PROTECT:
          for (guint64 p = first; p < first + n; p++)
            {
              g_assert_true (g_hash_table_contains (f->shadow, &p));
              shadow_set (f, p, call->flags);
            }
          break;
        case MS_TEST_CALL_MOVE:
          {
            g_autofree guint *prots = g_new (guint, n);
            guint64 to = call->flags / PAGE;

            for (guint64 i = 0; i < n; i++)
              {
                guint64 p = first + i;

                prots[i] = GPOINTER_TO_UINT (g_hash_table_lookup (f->shadow, &p));
                g_assert_cmpuint (prots[i], !=, 0);
                g_hash_table_remove (f->shadow, &p);
              }
            for (guint64 i = 0; i < n; i++)
              {
                guint64 p = to + i;

                g_assert_false (g_hash_table_contains (f->shadow, &p));
                shadow_set (f, p, prots[i] - 1);
              }
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

/* Fails the test unless every area of the mm's set is backed by an
 * MsLinuxFile, and the backends hold exactly the pages of the areas that
 * have one, with their protection. */
static void
assert_consistent (Fixture *f)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (ms_linux_mm_get_set (f->mm));
  guint64 pages = 0;

  shadow_sync (f);
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      MsMappingBackend *backend = ms_memory_area_get_backend (area);
      guint64 first = ms_memory_area_get_start (area) / PAGE;
      guint64 end = ms_memory_area_get_end (area) / PAGE;
      guint want = prot_of (ms_memory_area_get_flags (area)) + 1;

      g_assert_true (MS_IS_LINUX_FILE (backend));
      /* Bookkeeping only: no backend saw it. */
      if (ms_linux_file_get_backend (MS_LINUX_FILE (backend)) == NULL)
        continue;
      for (guint64 p = first; p < end; p++)
        {
          guint got = GPOINTER_TO_UINT (g_hash_table_lookup (f->shadow, &p));

          if (got != want)
            g_error ("page %#" G_GINT64_MODIFIER "x: the backends hold %d, the set says %u",
                     p * PAGE, (int) got - 1, want - 1);
        }
      pages += end - first;
    }
  g_assert_cmpuint (g_hash_table_size (f->shadow), ==, pages);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  assert_consistent (f);
  g_clear_object (&f->mm);
  g_clear_object (&f->backend);
  g_clear_object (&f->file_backend);
  g_clear_pointer (&f->shadow, g_hash_table_unref);
  g_clear_pointer (&f->journal.calls, g_array_unref);
}

/* Replaces the fixture's mm, which must not hold anything a backend
 * saw. */
static void
use_mm (Fixture   *f,
        MsLinuxMm *mm)
{
  g_assert_nonnull (mm);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_linux_mm_get_set (f->mm)), ==, 0);
  g_object_unref (f->mm);
  f->mm = mm;
}

/* The process of process_maps, with @vmflags and @stack_rlimit. */
static void
use_process (Fixture    *f,
             const char *vmflags,
             guint64     stack_rlimit)
{
  g_autoptr(GError) error = NULL;
  MsLinuxMm *mm = ms_linux_mm_new_for_process (MS_MAPPING_BACKEND (f->backend), process_maps, vmflags,
                                               START_BRK, START_STACK, stack_rlimit, 0, &error);

  g_assert_no_error (error);
  use_mm (f, mm);
  f->shown = f->journal.calls->len;
}

/* The calls made since the last look, as "map 0x1000 0x2000 0x3" (the
 * flags as the backend got them) joined by "; "; the files' backend's
 * prefixed with "file ". */
static char *
take_calls (Fixture *f)
{
  static const char * const names[] = { "map", "unmap", "protect", "move" };
  GString *text = g_string_new (NULL);

  for (; f->shown < f->journal.calls->len; f->shown++)
    {
      const MsTestCall *call = &g_array_index (f->journal.calls, MsTestCall, f->shown);

      if (text->len > 0)
        g_string_append (text, "; ");
      g_string_append_printf (text, "%s%s %#" G_GINT64_MODIFIER "x %#" G_GINT64_MODIFIER "x",
                              call->backend == 1 ? "file " : "", names[call->kind],
                              call->start, call->size);
      if (call->kind == MS_TEST_CALL_MOVE)
        g_string_append_printf (text, " -> %#" G_GINT64_MODIFIER "x", call->flags);
      else if (call->kind != MS_TEST_CALL_UNMAP)
        g_string_append_printf (text, " %#" G_GINT64_MODIFIER "x", call->flags);
      if (!call->succeeded)
        g_string_append (text, " (refused)");
    }
  return g_string_free (text, FALSE);
}

#define ASSERT_CALLS(f, expected) G_STMT_START { \
    g_autofree char *calls__ = take_calls (f);   \
    g_assert_cmpstr (calls__, ==, expected);     \
  } G_STMT_END

static void
forget_calls (Fixture *f)
{
  f->shown = f->journal.calls->len;
}

/* The mm's VMAs, one line each: "start-end vmflags @offset name". */
static char *
layout (Fixture *f)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (ms_linux_mm_get_set (f->mm));
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      g_autofree char *vmflags = ms_linux_mm_flags_to_string (ms_memory_area_get_flags (area));
      const char *name = ms_linux_mm_get_area_name (f->mm, area);

      g_string_append_printf (text, "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %s @%"
                              G_GINT64_MODIFIER "x%s%s\n",
                              ms_memory_area_get_start (area), ms_memory_area_get_end (area),
                              vmflags, ms_memory_area_get_offset (area),
                              name != NULL ? " " : "", name != NULL ? name : "");
    }
  return g_string_free (text, FALSE);
}

#define ASSERT_LAYOUT(f, expected) G_STMT_START { \
    g_autofree char *layout__ = layout (f);       \
    g_assert_cmpstr (layout__, ==, expected);     \
  } G_STMT_END

/* A call that must fail with errno @code and change nothing: no VMA, no
 * backend call. @call takes ERR as its error location. */
#define ERR (&error__)
#define ASSERT_FAILS_UNCHANGED(f, code, call) G_STMT_START {        \
    g_autoptr(GError) error__ = NULL;                               \
    g_autofree char *before__ = layout (f);                         \
    g_autofree char *after__ = NULL;                                \
    guint n_calls__ = (f)->journal.calls->len;                      \
    g_assert_false (call);                                          \
    g_assert_error (error__, MS_LINUX_MM_ERROR, code);              \
    after__ = layout (f);                                           \
    g_assert_cmpstr (after__, ==, before__);                        \
    g_assert_cmpuint ((f)->journal.calls->len, ==, n_calls__);      \
  } G_STMT_END
/* A call that must fail with errno @code, whatever it changed first. */
#define ASSERT_FAILS(f, code, call) G_STMT_START {                  \
    g_autoptr(GError) error__ = NULL;                               \
    g_assert_false (call);                                          \
    g_assert_error (error__, MS_LINUX_MM_ERROR, code);              \
  } G_STMT_END
/* A call that must succeed. */
#define ASSERT_OK(call) G_STMT_START {                              \
    g_autoptr(GError) error__ = NULL;                               \
    gboolean ok__ = (call);                                         \
    g_assert_no_error (error__);                                    \
    g_assert_true (ok__);                                           \
  } G_STMT_END

static guint64
mmap_ok (Fixture     *f,
         guint64      addr,
         guint64      length,
         guint64      prot,
         guint64      flags,
         MsLinuxFile *file,
         guint64      offset)
{
  g_autoptr(GError) error = NULL;
  guint64 got = 0;

  gboolean ok = ms_linux_mm_mmap (f->mm, addr, length, prot, flags, file, offset, &got, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  return got;
}

/* Private anonymous memory at @hint (0: none). */
static guint64
anon (Fixture *f,
      guint64  hint,
      guint64  length,
      guint64  prot)
{
  return mmap_ok (f, hint, length, prot, ANON, NULL, 0);
}

static void
munmap_ok (Fixture *f,
           guint64  addr,
           guint64  length)
{
  ASSERT_OK (ms_linux_mm_munmap (f->mm, addr, length, ERR));
}

/* Unmaps everything below TASK_SIZE, for a test's next part. */
static void
clear_all (Fixture *f)
{
  munmap_ok (f, 0, TASK_SIZE);
  g_assert_cmpuint (ms_memory_set_get_n_areas (ms_linux_mm_get_set (f->mm)), ==, 0);
  forget_calls (f);
}

static MsMemoryArea *
area_at (Fixture *f,
         guint64  addr)
{
  MsMemoryArea *area = ms_memory_set_find (ms_linux_mm_get_set (f->mm), addr);

  g_assert_nonnull (area);
  return area;
}

/* The anon_vma identity of the VMA at @addr, 0 for none. */
static guint64
anon_vma_of (Fixture *f,
             guint64  addr)
{
  return ms_memory_area_get_flags (area_at (f, addr)) >> MS_LINUX_VM_ANON_VMA_SHIFT;
}

static char *
vmflags_at (Fixture *f,
            guint64  addr)
{
  return ms_linux_mm_flags_to_string (ms_memory_area_get_flags (area_at (f, addr)));
}

#define ASSERT_VMFLAGS(f, addr, expected) G_STMT_START { \
    g_autofree char *vmflags__ = vmflags_at (f, addr);   \
    g_assert_cmpstr (vmflags__, ==, expected);           \
  } G_STMT_END

static guint
n_vmas (Fixture *f)
{
  return ms_memory_set_get_n_areas (ms_linux_mm_get_set (f->mm));
}

static void
fault_ok (Fixture *f,
          guint64  addr,
          MsProt   access)
{
  ASSERT_OK (ms_linux_mm_fault (f->mm, addr, access, ERR));
}

/* A /proc/<pid>/maps line as fs/proc/task_mmu.c prints it: the prefix
 * with a trailing space, padded to 72 columns and a space before a
 * name; device and inode 00:00 0, as the mm does not keep them. */
static char *
maps_line (guint64     start,
           guint64     end,
           const char *perms,
           guint64     offset,
           const char *name)
{
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "%08" G_GINT64_MODIFIER "x-%08" G_GINT64_MODIFIER "x %s %08"
                          G_GINT64_MODIFIER "x 00:00 0 ", start, end, perms, offset);
  if (name != NULL)
    {
      while (line->len < 72)
        g_string_append_c (line, ' ');
      g_string_append_printf (line, " %s", name);
    }
  g_string_append_c (line, '\n');
  return g_string_free (line, FALSE);
}

/* ------------------------------------------------------------------ */

static void
test_new_defaults (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(MsLinuxMm) bare = ms_linux_mm_new (NULL);
  g_autofree char *text = ms_linux_mm_to_string (f->mm);
  MsMemorySet *set = NULL;

  g_assert_true (MS_IS_MEMORY_SET (ms_linux_mm_get_set (f->mm)));
  g_assert_cmpuint (n_vmas (f), ==, 0);
  g_assert_true (ms_linux_mm_get_anonymous_backend (f->mm) == MS_MAPPING_BACKEND (f->backend));
  g_assert_cmphex (ms_linux_mm_get_brk (f->mm), ==, 0);
  g_assert_cmphex (ms_linux_mm_get_start_brk (f->mm), ==, 0);
  g_assert_cmphex (ms_linux_mm_get_start_stack (f->mm), ==, 0);
  g_assert_cmphex (ms_linux_mm_get_stack_rlimit (f->mm), ==, 8 * MB);
  g_assert_cmpuint (ms_linux_mm_get_personality (f->mm), ==, 0);
  g_assert_cmphex (ms_linux_mm_get_mmap_base (f->mm), ==, MMAP_BASE);
  g_assert_false (ms_linux_mm_get_legacy_layout (f->mm));
  g_assert_cmpint (ms_linux_mm_get_fault_guess (f->mm), ==, MS_LINUX_MM_FAULT_GUESS_NONE);
  g_assert_cmphex (ms_linux_mm_get_thread_id (f->mm), ==, 0);
  g_assert_cmpstr (text, ==, "");

  /* The property is the getter's set. */
  g_object_get (f->mm, "set", &set, NULL);
  g_assert_true (set == ms_linux_mm_get_set (f->mm));
  g_object_unref (set);

  /* Without a backend: bookkeeping only, the areas' files have none. */
  g_assert_null (ms_linux_mm_get_anonymous_backend (bare));
  {
    g_autoptr(GError) error = NULL;
    guint64 addr = 0;
    MsMemoryArea *area;

    g_assert_true (ms_linux_mm_mmap (bare, 0, PAGE, RW, ANON, NULL, 0, &addr, &error));
    g_assert_no_error (error);
    g_assert_cmphex (addr, ==, MMAP_BASE - PAGE);
    area = ms_memory_set_find (ms_linux_mm_get_set (bare), addr);
    g_assert_nonnull (area);
    g_assert_null (ms_linux_file_get_backend (MS_LINUX_FILE (ms_memory_area_get_backend (area))));
  }
  g_assert_cmpstr (g_quark_to_string (MS_LINUX_MM_ERROR), ==, "ms-linux-mm-error-quark");
}

static void
test_new_layout (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(MsLinuxMm) big = g_object_new (MS_TYPE_LINUX_MM, "stack-rlimit", 256 * MB, NULL);
  g_autoptr(MsLinuxMm) small = g_object_new (MS_TYPE_LINUX_MM, "stack-rlimit", MB, NULL);
  g_autoptr(MsLinuxMm) unlimited = g_object_new (MS_TYPE_LINUX_MM, "stack-rlimit", G_MAXUINT64, NULL);
  g_autoptr(MsLinuxMm) given = g_object_new (MS_TYPE_LINUX_MM,
                                             "mmap-base", G_GUINT64_CONSTANT (0x300000000000), NULL);
  g_autoptr(MsLinuxMm) rie = g_object_new (MS_TYPE_LINUX_MM, "personality", READ_IMPLIES_EXEC_, NULL);
  guint64 addr = 0;

  /* R1: TASK_SIZE - (rlimit + the 1 MiB guard gap), clamped to at least
   * 128 MiB and at most 5/6 of TASK_SIZE. */
  g_assert_cmphex (ms_linux_mm_get_mmap_base (big), ==, G_GUINT64_CONSTANT (0x7fffefeff000));
  g_assert_cmphex (ms_linux_mm_get_mmap_base (small), ==, MMAP_BASE);
  /* x86-64's mmap_is_legacy() looks at the personality only: an
   * unlimited stack stays top-down, with the largest gap. */
  g_assert_cmphex (ms_linux_mm_get_mmap_base (unlimited), ==, G_GUINT64_CONSTANT (0x155555556000));
  g_assert_false (ms_linux_mm_get_legacy_layout (unlimited));
  g_assert_cmphex (ms_linux_mm_get_stack_rlimit (unlimited), ==, G_MAXUINT64);
  g_assert_cmphex (ms_linux_mm_get_mmap_base (given), ==, G_GUINT64_CONSTANT (0x300000000000));
  g_assert_true (ms_linux_mm_mmap (given, 0, PAGE, RW, ANON, NULL, 0, &addr, NULL));
  g_assert_cmphex (addr, ==, G_GUINT64_CONSTANT (0x2ffffffff000));
  g_assert_cmpuint (ms_linux_mm_get_personality (rie), ==, READ_IMPLIES_EXEC_);

  /* ADDR_COMPAT_LAYOUT: bottom-up from TASK_SIZE / 3. */
  use_mm (f, g_object_new (MS_TYPE_LINUX_MM, "anonymous-backend", f->backend,
                           "personality", ADDR_COMPAT_LAYOUT_, NULL));
  g_assert_true (ms_linux_mm_get_legacy_layout (f->mm));
  g_assert_cmphex (ms_linux_mm_get_mmap_base (f->mm), ==, G_GUINT64_CONSTANT (0x2aaaaaaab000));
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, G_GUINT64_CONSTANT (0x2aaaaaaab000));
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, G_GUINT64_CONSTANT (0x2aaaaaaac000));
  /* The second page offsets run on from the first's: one VMA. */
  ASSERT_LAYOUT (f, "2aaaaaaab000-2aaaaaaad000 " ANON_RW " @2aaaaaaab000\n");
  /* R5 bottom-up: the search with 2 MiB more, moved up to the next
   * 2 MiB boundary. */
  g_assert_cmphex (anon (f, 0, 2 * MB, RW), ==, G_GUINT64_CONSTANT (0x2aaaaac00000));
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  guint n_notifies = 0;
  MsLinuxMmFaultGuess guess = MS_LINUX_MM_FAULT_GUESS_NONE;
  guint64 tid = 0;

  g_signal_connect (f->mm, "notify::fault-guess", G_CALLBACK (count_notify), &n_notifies);
  g_signal_connect (f->mm, "notify::thread-id", G_CALLBACK (count_notify), &n_notifies);

  ms_linux_mm_set_fault_guess (f->mm, MS_LINUX_MM_FAULT_GUESS_ALL);
  g_assert_cmpint (ms_linux_mm_get_fault_guess (f->mm), ==, MS_LINUX_MM_FAULT_GUESS_ALL);
  g_assert_cmpuint (n_notifies, ==, 1);
  /* Explicit notification: setting the same value says nothing. */
  ms_linux_mm_set_fault_guess (f->mm, MS_LINUX_MM_FAULT_GUESS_ALL);
  g_assert_cmpuint (n_notifies, ==, 1);
  g_object_set (f->mm, "fault-guess", MS_LINUX_MM_FAULT_GUESS_REPEATS, NULL);
  g_object_get (f->mm, "fault-guess", &guess, NULL);
  g_assert_cmpint (guess, ==, MS_LINUX_MM_FAULT_GUESS_REPEATS);
  g_assert_cmpuint (n_notifies, ==, 2);

  ms_linux_mm_set_thread_id (f->mm, 4242);
  g_assert_cmphex (ms_linux_mm_get_thread_id (f->mm), ==, 4242);
  g_assert_cmpuint (n_notifies, ==, 3);
  ms_linux_mm_set_thread_id (f->mm, 4242);
  g_assert_cmpuint (n_notifies, ==, 3);
  g_object_get (f->mm, "thread-id", &tid, NULL);
  g_assert_cmphex (tid, ==, 4242);
  g_signal_handlers_disconnect_by_data (f->mm, &n_notifies);
}

/* ------------------------------------------------------------------ */
/* mmap */

static void
test_mmap_top_down (Fixture       *f,
                    gconstpointer  data)
{
  /* R2: the highest gap below mmap_base that fits, at its top; R9: a
   * private anonymous VMA's page offset is its address. */
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, MMAP_BASE - PAGE);
  g_assert_cmphex (anon (f, 0, 2 * PAGE, PROT_READ_), ==, MMAP_BASE - 3 * PAGE);
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, MMAP_BASE - 4 * PAGE);
  ASSERT_LAYOUT (f,
                 "7ffff7ffb000-7ffff7ffc000 " ANON_RW " @7ffff7ffb000\n"
                 "7ffff7ffc000-7ffff7ffe000 " ANON_R " @7ffff7ffc000\n"
                 "7ffff7ffe000-7ffff7fff000 " ANON_RW " @7ffff7ffe000\n");
  ASSERT_CALLS (f, "map 0x7ffff7ffe000 0x1000 0x3; map 0x7ffff7ffc000 0x2000 0x1; "
                   "map 0x7ffff7ffb000 0x1000 0x3");

  munmap_ok (f, MMAP_BASE - 3 * PAGE, 2 * PAGE);
  /* The hole left is the highest gap: the page goes at its top. */
  g_assert_cmphex (anon (f, 0, PAGE, PROT_READ_ | PROT_EXEC_), ==, MMAP_BASE - 2 * PAGE);
  /* Two pages fit nowhere above the lowest VMA any more. */
  g_assert_cmphex (anon (f, 0, 2 * PAGE, PROT_READ_), ==, MMAP_BASE - 6 * PAGE);
  ASSERT_VMFLAGS (f, MMAP_BASE - 2 * PAGE, "rd ex mr mw me");
  g_assert_cmpuint (n_vmas (f), ==, 4);
}

static void
test_mmap_merge (Fixture       *f,
                 gconstpointer  data)
{
  guint64 a, b;

  /* R10: same flags, same (no) file, offsets that run on, no anon_vma:
   * the second mapping extends the first. Merges reach no backend. */
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, MMAP_BASE - PAGE);
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, MMAP_BASE - 2 * PAGE);
  ASSERT_LAYOUT (f, "7ffff7ffd000-7ffff7fff000 " ANON_RW " @7ffff7ffd000\n");
  ASSERT_CALLS (f, "map 0x7ffff7ffe000 0x1000 0x3; map 0x7ffff7ffd000 0x1000 0x3");
  /* Other flags (nr instead of ac): no merge. */
  g_assert_cmphex (mmap_ok (f, 0, PAGE, RW, ANON | MAP_NORESERVE_, NULL, 0), ==, MMAP_BASE - 3 * PAGE);
  g_assert_cmpuint (n_vmas (f), ==, 2);

  /* Filling the hole between two compatible VMAs joins all three. */
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, RW), ==, X + 2 * PAGE);
  g_assert_cmpuint (n_vmas (f), ==, 4);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, RW), ==, X + PAGE);
  g_assert_cmpuint (n_vmas (f), ==, 3);
  ASSERT_VMFLAGS (f, X, ANON_RW);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, X + 2 * PAGE)), ==, X);
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, X)), ==, X + 3 * PAGE);

  /* Two neighbours written separately have different anon_vmas: the
   * new VMA between them may join one, not both (a three-way merge
   * needs prev and next compatible with each other). */
  clear_all (f);
  g_assert_cmphex (anon (f, Y, PAGE, RW), ==, Y);
  g_assert_cmphex (anon (f, Y + 2 * PAGE, PAGE, RW), ==, Y + 2 * PAGE);
  fault_ok (f, Y, MS_PROT_WRITE);
  fault_ok (f, Y + 2 * PAGE, MS_PROT_WRITE);
  a = anon_vma_of (f, Y);
  b = anon_vma_of (f, Y + 2 * PAGE);
  g_assert_cmphex (a, !=, 0);
  g_assert_cmphex (b, !=, 0);
  g_assert_cmphex (a, !=, b);
  g_assert_cmphex (anon (f, Y + PAGE, PAGE, RW), ==, Y + PAGE);
  ASSERT_LAYOUT (f,
                 "20000000-20002000 " ANON_RW " @20000000\n"
                 "20002000-20003000 " ANON_RW " @20002000\n");
  g_assert_cmphex (anon_vma_of (f, Y + PAGE), ==, a);
  g_assert_cmphex (anon_vma_of (f, Y + 2 * PAGE), ==, b);
}

static void
test_mmap_hint (Fixture       *f,
                gconstpointer  data)
{
  /* R3: a free hint is taken, page-aligned down. */
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, Y + 0x123, PAGE, RW), ==, Y);
  /* Taken, or partly: top-down instead. */
  g_assert_cmphex (anon (f, X, PAGE, PROT_READ_), ==, MMAP_BASE - PAGE);
  g_assert_cmphex (anon (f, Y - PAGE, 2 * PAGE, PROT_READ_), ==, MMAP_BASE - 3 * PAGE);
  /* Above mmap_base is fine for a hint. */
  g_assert_cmphex (anon (f, G_GUINT64_CONSTANT (0x7ffff8800000), PAGE, RW), ==,
                   G_GUINT64_CONSTANT (0x7ffff8800000));
  /* A hint below mmap_min_addr is rounded: 0x800 aligns down to 0, no
   * hint at all. */
  g_assert_cmphex (anon (f, 0x800, PAGE, RW), ==, MMAP_BASE - 4 * PAGE);

  /* R4: a hint that would end within the guard gap of a stack above. */
  g_assert_cmphex (mmap_ok (f, 0x30000000, 0x10000, RW, ANON | MAP_GROWSDOWN_, NULL, 0), ==, 0x30000000);
  ASSERT_VMFLAGS (f, 0x30000000, "rd wr mr mw me gd ac");
  g_assert_cmphex (anon (f, 0x30000000 - PAGE, PAGE, RW), ==, MMAP_BASE - 5 * PAGE);
  g_assert_cmphex (anon (f, 0x30000000 - MB - PAGE, PAGE, RW), ==, 0x30000000 - MB - PAGE);
}

static void
test_mmap_thp (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(MsLinuxFile) ext4 = ms_linux_file_new ("/usr/lib/libbig.so", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) tmpfs = ms_linux_file_new ("/dev/shm/big", FS_TMPFS, O_RDONLY_, MODE_REGULAR,
                                                    MS_MAPPING_BACKEND (f->file_backend));

  /* R5: private anonymous, no hint, a multiple of 2 MiB: the search is
   * for 4 MiB, at 0x7ffff7bff000, moved up to the 2 MiB boundary. */
  g_assert_cmphex (anon (f, 0, 2 * MB, RW), ==, G_GUINT64_CONSTANT (0x7ffff7c00000));
  ASSERT_LAYOUT (f, "7ffff7c00000-7ffff7e00000 " ANON_RW " @7ffff7c00000\n");
  /* Not a multiple: no alignment; it ends where the first starts, and
   * their offsets run on, so they merge. */
  g_assert_cmphex (anon (f, 0, 2 * MB + PAGE, RW), ==, G_GUINT64_CONSTANT (0x7ffff79ff000));
  ASSERT_LAYOUT (f, "7ffff79ff000-7ffff7e00000 " ANON_RW " @7ffff79ff000\n");

  /* A hint that is free is taken as it is. */
  clear_all (f);
  g_assert_cmphex (anon (f, 0x40001000, 2 * MB, RW), ==, 0x40001000);
  /* Shared anonymous memory is shmem, with huge pages never: no
   * alignment. */
  g_assert_cmphex (mmap_ok (f, 0, 2 * MB, RW, MAP_SHARED_ | MAP_ANONYMOUS_, NULL, 0), ==,
                   MMAP_BASE - 2 * MB);

  /* ext4 files whose range holds an aligned 2 MiB of the file: the
   * address is congruent to the offset modulo 2 MiB. */
  clear_all (f);
  g_assert_cmphex (mmap_ok (f, 0, 4 * MB, PROT_READ_, MAP_PRIVATE_, ext4, 0), ==,
                   G_GUINT64_CONSTANT (0x7ffff7a00000));
  clear_all (f);
  g_assert_cmphex (mmap_ok (f, 0, 4 * MB, PROT_READ_, MAP_PRIVATE_, ext4, PAGE), ==,
                   G_GUINT64_CONSTANT (0x7ffff7a01000));
  ASSERT_LAYOUT (f, "7ffff7a01000-7ffff7e01000 rd mr mw me @1000 /usr/lib/libbig.so\n");
  /* [0x1000, 0x201000) holds no aligned 2 MiB of the file. */
  clear_all (f);
  g_assert_cmphex (mmap_ok (f, 0, 2 * MB, PROT_READ_, MAP_PRIVATE_, ext4, PAGE), ==, MMAP_BASE - 2 * MB);
  /* tmpfs files get no alignment. */
  clear_all (f);
  g_assert_cmphex (mmap_ok (f, 0, 4 * MB, PROT_READ_, MAP_PRIVATE_, tmpfs, 0), ==, MMAP_BASE - 4 * MB);
}

static void
test_mmap_32bit (Fixture       *f,
                 gconstpointer  data)
{
  /* R6: bottom-up in [1 GiB, 2 GiB). */
  g_assert_cmphex (mmap_ok (f, 0, PAGE, RW, ANON | MAP_32BIT_, NULL, 0), ==, 0x40000000);
  g_assert_cmphex (mmap_ok (f, 0, PAGE, RW, ANON | MAP_32BIT_, NULL, 0), ==, 0x40001000);
  ASSERT_LAYOUT (f, "40000000-40002000 " ANON_RW " @40000000\n");
  /* The rest still goes top-down. */
  g_assert_cmphex (anon (f, 0, PAGE, RW), ==, MMAP_BASE - PAGE);
}

static void
test_mmap_fixed (Fixture       *f,
                 gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 4 * PAGE, RW), ==, X);
  forget_calls (f);

  /* R7: MAP_FIXED unmaps what is there, splitting the VMA around it. */
  g_assert_cmphex (mmap_ok (f, X + PAGE, PAGE, PROT_READ_, ANON | MAP_FIXED_, NULL, 0), ==, X + PAGE);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 " ANON_R " @10001000\n"
                 "10002000-10004000 " ANON_RW " @10002000\n");
  ASSERT_CALLS (f, "unmap 0x10001000 0x1000; map 0x10001000 0x1000 0x1");

  /* ... then merges: the same page read-write again, at its own
   * address as page offset, joins both neighbours. */
  g_assert_cmphex (mmap_ok (f, X + PAGE, PAGE, RW, ANON | MAP_FIXED_, NULL, 0), ==, X + PAGE);
  ASSERT_LAYOUT (f, "10000000-10004000 " ANON_RW " @10000000\n");

  /* Over a VMA's tail and free room beyond it. */
  g_assert_cmphex (mmap_ok (f, X + 3 * PAGE, 3 * PAGE, RW, ANON | MAP_FIXED_, NULL, 0), ==, X + 3 * PAGE);
  ASSERT_LAYOUT (f, "10000000-10006000 " ANON_RW " @10000000\n");

  /* The address must be aligned. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, X + 0x800, PAGE, RW, ANON | MAP_FIXED_, NULL, 0, NULL, ERR));
}

static void
test_mmap_fixed_noreplace (Fixture       *f,
                           gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  forget_calls (f);

  /* R7: EEXIST if the range meets any VMA, at all. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_EXIST,
                          ms_linux_mm_mmap (f->mm, X + PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE_, NULL, 0,
                                            NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_EXIST,
                          ms_linux_mm_mmap (f->mm, X - PAGE, 2 * PAGE, RW, ANON | MAP_FIXED_NOREPLACE_, NULL,
                                            0, NULL, ERR));
  /* It implies MAP_FIXED's alignment. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, X + 0x2800, PAGE, RW, ANON | MAP_FIXED_NOREPLACE_, NULL, 0,
                                            NULL, ERR));
  /* Free room: exactly there, merged. */
  g_assert_cmphex (mmap_ok (f, X + 2 * PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE_, NULL, 0), ==, X + 2 * PAGE);
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");
  ASSERT_CALLS (f, "map 0x10002000 0x1000 0x3");
}

static void
test_mmap_errors (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/tmp/data", FS_EXT4, O_RDWR_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) read_only = ms_linux_file_new ("/tmp/ro", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                        MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) write_only = ms_linux_file_new ("/tmp/wo", FS_EXT4, O_WRONLY_, MODE_REGULAR,
                                                         MS_MAPPING_BACKEND (f->file_backend));
  guint64 addr = 0x5a5a;

  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  forget_calls (f);

  /* mmap(2): EINVAL for a length of 0 ... */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, 0, 0, RW, ANON, NULL, 0, &addr, ERR));
  /* ... ENOMEM for one that rounds up to 0 or exceeds TASK_SIZE ... */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_mmap (f->mm, 0, G_GUINT64_CONSTANT (0xfffffffffffff001), RW, ANON, NULL, 0,
                                            &addr, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_mmap (f->mm, 0, TASK_SIZE + PAGE, RW, ANON, NULL, 0, &addr, ERR));
  /* ... EINVAL for an unaligned offset, or neither shared nor private ... */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, PROT_READ_, MAP_PRIVATE_, file, 0x800, &addr, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, RW, MAP_ANONYMOUS_, NULL, 0, &addr, ERR));
  /* ... a shared anonymous stack ... */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, RW, MAP_SHARED_ | MAP_ANONYMOUS_ | MAP_GROWSDOWN_,
                                            NULL, 0, &addr, ERR));
  /* EBADF without a file. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_BADF,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, PROT_READ_, MAP_PRIVATE_, NULL, 0, &addr, ERR));
  /* EACCES: a file not opened for reading, a shared writable mapping of
   * one not opened for writing. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, PROT_READ_, MAP_PRIVATE_, write_only, 0, &addr, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, RW, MAP_SHARED_, read_only, 0, &addr, ERR));
  /* EOPNOTSUPP: MAP_SHARED_VALIDATE with a flag the kernel does not know
   * (0x200 is none of x86-64's). */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_OPNOTSUPP,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, PROT_READ_, MAP_SHARED_VALIDATE_ | 0x200, file, 0,
                                            &addr, ERR));
  /* EOVERFLOW: a regular file's offsets end at 2^63 (file_mmap_ok()). */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_OVERFLOW,
                          ms_linux_mm_mmap (f->mm, 0, PAGE, PROT_READ_, MAP_PRIVATE_, file,
                                            G_GUINT64_CONSTANT (0xfffffffffffff000), &addr, ERR));
  /* No huge pages are reserved. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_mmap (f->mm, 0, 2 * MB, RW, ANON | MAP_HUGETLB_, NULL, 0, &addr, ERR));

  /* MAP_SHARED_VALIDATE with known flags is MAP_SHARED; the offset is
   * the area's. */
  g_assert_cmphex (mmap_ok (f, Y, PAGE, PROT_READ_, MAP_SHARED_VALIDATE_, file, 0x5000), ==, Y);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "20000000-20001000 rd sh mr mw me ms @5000 /tmp/data\n");
}

static void
test_mmap_flags (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(MsLinuxFile) rdwr = ms_linux_file_new ("/tmp/rw", FS_EXT4, O_RDWR_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) rdonly = ms_linux_file_new ("/tmp/ro", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                     MS_MAPPING_BACKEND (f->file_backend));
  static const struct {
    guint64     prot;
    guint64     flags;
    guint       file;         /* 0: anonymous, 1: rdwr, 2: rdonly */
    const char *vmflags;
  } cases[] = {
    /* R8 */
    { RW, ANON, 0, ANON_RW },
    { RW, ANON | MAP_NORESERVE_, 0, "rd wr mr mw me nr" },
    { RW, ANON | MAP_STACK_, 0, "rd wr mr mw me ac nh" },
    { RW, ANON | MAP_LOCKED_, 0, "rd wr mr mw me lo ac" },
    { RW, ANON | MAP_GROWSDOWN_, 0, "rd wr mr mw me gd ac" },
    { PROT_READ_ | PROT_EXEC_, ANON, 0, "rd ex mr mw me" },
    { PROT_NONE_, ANON, 0, "mr mw me" },
    { RW, MAP_SHARED_ | MAP_ANONYMOUS_, 0, "rd wr sh mr mw me ms" },
    { RW, MAP_SHARED_, 1, "rd wr sh mr mw me ms" },
    { PROT_READ_, MAP_SHARED_, 2, "rd mr me ms" },
    { PROT_READ_, MAP_PRIVATE_, 2, "rd mr mw me" },
    { RW, MAP_PRIVATE_, 2, ANON_RW },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      MsLinuxFile *file = cases[i].file == 0 ? NULL : cases[i].file == 1 ? rdwr : rdonly;
      guint64 hint = X + i * 0x10000;

      g_test_message ("case %u", i);
      g_assert_cmphex (mmap_ok (f, hint, PAGE, cases[i].prot, cases[i].flags, file, 0), ==, hint);
      ASSERT_VMFLAGS (f, hint, cases[i].vmflags);
    }

  /* READ_IMPLIES_EXEC: readable is executable too. */
  clear_all (f);
  use_mm (f, g_object_new (MS_TYPE_LINUX_MM, "anonymous-backend", f->backend,
                           "personality", READ_IMPLIES_EXEC_, NULL));
  g_assert_cmphex (anon (f, X, PAGE, PROT_READ_), ==, X);
  ASSERT_VMFLAGS (f, X, "rd ex mr mw me");
}

static void
test_mmap_shared_anonymous (Fixture       *f,
                            gconstpointer  data)
{
  MsMappingBackend *first, *second;
  g_autofree char *text = NULL;
  g_autofree char *line = NULL;

  /* R9: page offset 0 and a shmem object each: never merged. */
  g_assert_cmphex (mmap_ok (f, X, PAGE, RW, MAP_SHARED_ | MAP_ANONYMOUS_, NULL, 0), ==, X);
  g_assert_cmphex (mmap_ok (f, X + PAGE, PAGE, RW, MAP_SHARED_ | MAP_ANONYMOUS_, NULL, 0), ==, X + PAGE);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 rd wr sh mr mw me ms @0 /dev/zero (deleted)\n"
                 "10001000-10002000 rd wr sh mr mw me ms @0 /dev/zero (deleted)\n");
  /* The anonymous backend maps them, shared. */
  ASSERT_CALLS (f, "map 0x10000000 0x1000 0xb; map 0x10001000 0x1000 0xb");
  first = ms_memory_area_get_backend (area_at (f, X));
  second = ms_memory_area_get_backend (area_at (f, X + PAGE));
  g_assert_true (first != second);
  g_assert_false (ms_linux_file_is_anonymous (MS_LINUX_FILE (first)));
  g_assert_true (ms_linux_file_get_backend (MS_LINUX_FILE (first)) == MS_MAPPING_BACKEND (f->backend));

  text = ms_linux_mm_to_string (f->mm);
  line = maps_line (X, X + PAGE, "rw-s", 0, "/dev/zero (deleted)");
  g_assert_true (g_str_has_prefix (text, line));
}

/* ------------------------------------------------------------------ */
/* MsLinuxFile */

static void
test_file_properties (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/usr/lib/libc.so.6", FS_EXT4, 02100000, 0100755,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) nameless = ms_linux_file_new (NULL, 0, O_RDWR_, 0, NULL);
  g_autoptr(MsLinuxFile) dev_zero = ms_linux_file_new ("/dev/zero", 0x1021994, O_RDWR_, MODE_CHAR_DEVICE, NULL);
  g_autoptr(MsLinuxFile) not_dev_zero = ms_linux_file_new ("/dev/zero", FS_EXT4, O_RDWR_, MODE_REGULAR, NULL);
  g_autofree char *path = NULL;
  guint fs_type = 0, open_flags = 0, mode = 0;
  MsMappingBackend *backend = NULL;

  g_assert_cmpstr (ms_linux_file_get_path (file), ==, "/usr/lib/libc.so.6");
  g_assert_cmphex (ms_linux_file_get_fs_type (file), ==, FS_EXT4);
  g_assert_cmphex (ms_linux_file_get_open_flags (file), ==, 02100000);
  g_assert_cmphex (ms_linux_file_get_mode (file), ==, 0100755);
  g_assert_true (ms_linux_file_get_backend (file) == MS_MAPPING_BACKEND (f->file_backend));
  g_assert_false (ms_linux_file_is_anonymous (file));
  g_assert_true (MS_IS_MAPPING_BACKEND (file));

  g_object_get (file, "path", &path, "fs-type", &fs_type, "open-flags", &open_flags, "mode", &mode,
                "backend", &backend, NULL);
  g_assert_cmpstr (path, ==, "/usr/lib/libc.so.6");
  g_assert_cmphex (fs_type, ==, FS_EXT4);
  g_assert_cmphex (open_flags, ==, 02100000);
  g_assert_cmphex (mode, ==, 0100755);
  g_assert_true (backend == MS_MAPPING_BACKEND (f->file_backend));
  g_object_unref (backend);

  g_assert_null (ms_linux_file_get_path (nameless));
  g_assert_null (ms_linux_file_get_backend (nameless));
  g_assert_false (ms_linux_file_is_anonymous (nameless));
  /* The character device /dev/zero maps anonymous memory; a regular
   * file of that name does not. */
  g_assert_true (ms_linux_file_is_anonymous (dev_zero));
  g_assert_false (ms_linux_file_is_anonymous (not_dev_zero));

  /* The files of the mm's private anonymous memory. */
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  {
    MsLinuxFile *own = MS_LINUX_FILE (ms_memory_area_get_backend (area_at (f, X)));

    g_assert_true (ms_linux_file_is_anonymous (own));
    g_assert_true (ms_linux_file_get_backend (own) == MS_MAPPING_BACKEND (f->backend));
  }
}

static void
test_file_identity (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(MsLinuxFile) open1 = ms_linux_file_new ("/lib/libx.so", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                    MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) open2 = ms_linux_file_new ("/lib/libx.so", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                    MS_MAPPING_BACKEND (f->file_backend));

  /* R10: the same struct file or no merge, whatever the path. */
  g_assert_cmphex (mmap_ok (f, X, PAGE, PROT_READ_, MAP_PRIVATE_, open1, 0), ==, X);
  g_assert_cmphex (mmap_ok (f, X + PAGE, PAGE, PROT_READ_, MAP_PRIVATE_, open2, PAGE), ==, X + PAGE);
  /* One open file description, offsets that run on: one VMA. */
  g_assert_cmphex (mmap_ok (f, Y, PAGE, PROT_READ_, MAP_PRIVATE_, open1, 0), ==, Y);
  g_assert_cmphex (mmap_ok (f, Y + PAGE, PAGE, PROT_READ_, MAP_PRIVATE_, open1, PAGE), ==, Y + PAGE);
  /* Offsets that do not run on. */
  g_assert_cmphex (mmap_ok (f, Y + 2 * PAGE, PAGE, PROT_READ_, MAP_PRIVATE_, open1, 3 * PAGE), ==, Y + 2 * PAGE);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 rd mr mw me @0 /lib/libx.so\n"
                 "10001000-10002000 rd mr mw me @1000 /lib/libx.so\n"
                 "20000000-20002000 rd mr mw me @0 /lib/libx.so\n"
                 "20002000-20003000 rd mr mw me @3000 /lib/libx.so\n");
  g_assert_true (ms_memory_area_get_backend (area_at (f, X)) == MS_MAPPING_BACKEND (open1));
  g_assert_true (ms_memory_area_get_backend (area_at (f, X + PAGE)) == MS_MAPPING_BACKEND (open2));
  /* The file's backend mapped them, not the anonymous one. */
  ASSERT_CALLS (f, "file map 0x10000000 0x1000 0x1; file map 0x10001000 0x1000 0x1; "
                   "file map 0x20000000 0x1000 0x1; file map 0x20001000 0x1000 0x1; "
                   "file map 0x20002000 0x1000 0x1");
  g_assert_cmpuint (ms_test_backend_get_calls (f->backend)->len, ==, 0);
}

static void
test_file_backend (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/tmp/shared", FS_EXT4, O_RDWR_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) read_only = ms_linux_file_new ("/tmp/ro", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                        MS_MAPPING_BACKEND (f->file_backend));
  g_autoptr(MsLinuxFile) unbacked = ms_linux_file_new ("/tmp/nothing", FS_EXT4, O_RDWR_, MODE_REGULAR, NULL);
  g_autoptr(MsLinuxFile) dev_zero = ms_linux_file_new ("/dev/zero", 0, O_RDWR_, MODE_CHAR_DEVICE,
                                                       MS_MAPPING_BACKEND (f->file_backend));

  /* The backend gets MsProt flags: SHARED for MAP_SHARED, also when the
   * file's open mode leaves only VM_MAYSHARE. */
  g_assert_cmphex (mmap_ok (f, X, 2 * PAGE, RW, MAP_SHARED_, file, 0), ==, X);
  g_assert_cmphex (mmap_ok (f, Y, PAGE, PROT_READ_, MAP_SHARED_, read_only, 0), ==, Y);
  ASSERT_CALLS (f, "file map 0x10000000 0x2000 0xb; file map 0x20000000 0x1000 0x9");
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_, ERR));
  ASSERT_CALLS (f, "file protect 0x10000000 0x1000 0x9");
  munmap_ok (f, X, 2 * PAGE);
  ASSERT_CALLS (f, "file unmap 0x10000000 0x1000; file unmap 0x10001000 0x1000");

  /* A file without a backend: bookkeeping only, and no other backend
   * is asked. */
  g_assert_cmphex (mmap_ok (f, X, PAGE, RW, MAP_SHARED_, unbacked, 0), ==, X);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_, ERR));
  ASSERT_CALLS (f, "");
  ASSERT_VMFLAGS (f, X, "rd sh mr mw me ms");

  /* A private mapping of /dev/zero is anonymous memory (R18: named by
   * its file), mapped through the file's backend. */
  g_assert_cmphex (mmap_ok (f, 0x30000000, PAGE, RW, MAP_PRIVATE_, dev_zero, 0), ==, 0x30000000);
  ASSERT_VMFLAGS (f, 0x30000000, ANON_RW);
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, 0x30000000)), ==, "/dev/zero");
  ASSERT_CALLS (f, "file map 0x30000000 0x1000 0x3");
}

/* ------------------------------------------------------------------ */
/* munmap */

static void
test_munmap (Fixture       *f,
             gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 3 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, Y, 2 * PAGE, RW), ==, Y);
  g_assert_cmphex (anon (f, Y + 2 * PAGE, 2 * PAGE, PROT_READ_), ==, Y + 2 * PAGE);
  forget_calls (f);

  /* R14: the middle of a VMA: two pieces that keep their offsets. */
  munmap_ok (f, X + PAGE, PAGE);
  ASSERT_CALLS (f, "unmap 0x10001000 0x1000");
  /* Across two VMAs. */
  munmap_ok (f, Y + PAGE, 2 * PAGE);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n"
                 "20000000-20001000 " ANON_RW " @20000000\n"
                 "20003000-20004000 " ANON_R " @20003000\n");
  forget_calls (f);

  /* Nothing mapped: success, nothing done. */
  munmap_ok (f, 0x50000000, 0x10000);
  ASSERT_CALLS (f, "");
  /* The length is rounded up to pages. */
  munmap_ok (f, X, 0x800);
  ASSERT_CALLS (f, "unmap 0x10000000 0x1000");

  /* munmap(2): EINVAL for an unaligned start, a length of 0, a range past
   * TASK_SIZE. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_munmap (f->mm, Y + 0x800, PAGE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_munmap (f->mm, Y, 0, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_munmap (f->mm, TASK_SIZE - PAGE, 2 * PAGE, ERR));
  g_assert_cmpuint (n_vmas (f), ==, 3);
}

/* ------------------------------------------------------------------ */
/* mprotect */

static void
test_mprotect_split_merge (Fixture       *f,
                           gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 3 * PAGE, RW), ==, X);
  forget_calls (f);

  /* R12: the middle splits off; R11: never written, it loses ac. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 " ANON_R " @10001000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n");
  ASSERT_CALLS (f, "protect 0x10001000 0x1000 0x1");
  /* Writable again: ac comes back, and all three merge. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, RW, ERR));
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");
  ASSERT_CALLS (f, "protect 0x10001000 0x1000 0x3");
  /* A VMA whose flags do not change is skipped. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, 3 * PAGE, RW, ERR));
  ASSERT_CALLS (f, "");
  /* A length of 0 does nothing. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, 0, PROT_NONE_, ERR));
  ASSERT_CALLS (f, "");

  /* Written, it keeps ac when read-only, and its head merges back into
   * nothing: the split halves share the anon_vma. */
  fault_ok (f, X + PAGE, MS_PROT_WRITE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_R " ac @10000000\n"
                 "10001000-10003000 " ANON_RW " @10001000\n");
  g_assert_cmphex (anon_vma_of (f, X), ==, anon_vma_of (f, X + PAGE));
  g_assert_cmphex (anon_vma_of (f, X), !=, 0);
  /* The tail of the previous VMA: merges with prev. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10002000 " ANON_R " ac @10000000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n");
}

static void
test_mprotect_hole (Fixture       *f,
                    gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, RW), ==, X + 2 * PAGE);
  forget_calls (f);

  /* R11: ENOMEM at the hole, after the VMA before it was changed. */
  ASSERT_FAILS (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mprotect (f->mm, X, 3 * PAGE, PROT_READ_, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_R " @10000000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n");
  ASSERT_CALLS (f, "protect 0x10000000 0x1000 0x1");
  /* A range that starts in a hole changes nothing. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_mprotect (f->mm, X + PAGE, 2 * PAGE, PROT_NONE_, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_mprotect (f->mm, 0x50000000, PAGE, PROT_NONE_, ERR));
}

static void
test_mprotect_errors (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(MsLinuxFile) read_only = ms_linux_file_new ("/tmp/ro", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                        MS_MAPPING_BACKEND (f->file_backend));

  g_assert_cmphex (mmap_ok (f, X, PAGE, PROT_READ_, MAP_SHARED_, read_only, 0), ==, X);
  g_assert_cmphex (anon (f, Y, PAGE, RW), ==, Y);
  forget_calls (f);

  /* EACCES beyond VM_MAY*: no mw for a read-only file's shared mapping. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES, ms_linux_mm_mprotect (f->mm, X, PAGE, RW, ERR));
  /* Its VM_MAYEXEC is still there. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_ | PROT_EXEC_, ERR));
  ASSERT_VMFLAGS (f, X, "rd ex mr me ms");
  /* EINVAL: unaligned, an unknown bit, PROT_GROWSDOWN on a VMA that does
   * not grow down, both GROWS bits. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mprotect (f->mm, Y + 1, PAGE, RW, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mprotect (f->mm, Y, PAGE, 0x10, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mprotect (f->mm, Y, PAGE, PROT_READ_ | PROT_GROWSDOWN_, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mprotect (f->mm, Y, PAGE, PROT_READ_ | PROT_GROWSDOWN_ | PROT_GROWSUP_,
                                                ERR));

  /* pkey_mprotect with no key is mprotect; a key never allocated is
   * EINVAL. */
  ASSERT_OK (ms_linux_mm_pkey_mprotect (f->mm, Y, PAGE, PROT_READ_, -1, ERR));
  ASSERT_VMFLAGS (f, Y, ANON_R);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_pkey_mprotect (f->mm, Y, PAGE, RW, 5, ERR));

  /* READ_IMPLIES_EXEC: PROT_READ gets PROT_EXEC where VM_MAYEXEC. */
  clear_all (f);
  use_mm (f, g_object_new (MS_TYPE_LINUX_MM, "anonymous-backend", f->backend,
                           "personality", READ_IMPLIES_EXEC_, NULL));
  g_assert_cmphex (anon (f, X, PAGE, PROT_NONE_), ==, X);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_, ERR));
  ASSERT_VMFLAGS (f, X, "rd ex mr mw me");
}

/* ------------------------------------------------------------------ */
/* mremap */

static guint64
mremap_ok (Fixture *f,
           guint64  old_addr,
           guint64  old_length,
           guint64  new_length,
           guint64  flags,
           guint64  new_addr)
{
  g_autoptr(GError) error = NULL;
  guint64 got = 0;

  gboolean ok = ms_linux_mm_mremap (f->mm, old_addr, old_length, new_length, flags, new_addr, &got, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  return got;
}

static void
test_mremap_in_place (Fixture       *f,
                      gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 4 * PAGE, RW), ==, X);
  forget_calls (f);

  /* R16: shrinking unmaps the tail. */
  g_assert_cmphex (mremap_ok (f, X, 4 * PAGE, PAGE, 0, 0), ==, X);
  ASSERT_LAYOUT (f, "10000000-10001000 " ANON_RW " @10000000\n");
  ASSERT_CALLS (f, "unmap 0x10001000 0x3000");
  /* Growing into free room, in place. */
  g_assert_cmphex (mremap_ok (f, X, PAGE, 3 * PAGE, 0, 0), ==, X);
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");
  ASSERT_CALLS (f, "map 0x10001000 0x2000 0x3");

  /* Shrinking works across VMAs. */
  g_assert_cmphex (anon (f, X + 3 * PAGE, PAGE, PROT_READ_), ==, X + 3 * PAGE);
  g_assert_cmphex (mremap_ok (f, X, 4 * PAGE, PAGE, 0, 0), ==, X);
  ASSERT_LAYOUT (f, "10000000-10001000 " ANON_RW " @10000000\n");

  /* The grown VMA absorbs a compatible next VMA (measured). */
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, RW), ==, X + 2 * PAGE);
  g_assert_cmpuint (n_vmas (f), ==, 2);
  g_assert_cmphex (mremap_ok (f, X, PAGE, 2 * PAGE, 0, 0), ==, X);
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");

  /* No room, no MREMAP_MAYMOVE: ENOMEM. */
  g_assert_cmphex (anon (f, X + 3 * PAGE, PAGE, PROT_READ_), ==, X + 3 * PAGE);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mremap (f->mm, X, 3 * PAGE, 4 * PAGE, 0, 0,
                                                                          NULL, ERR));
  /* A range that does not end where its VMA ends cannot grow in place. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mremap (f->mm, X, PAGE, 2 * PAGE, 0, 0,
                                                                          NULL, ERR));
}

static void
test_mremap_maymove (Fixture       *f,
                     gconstpointer  data)
{
  guint64 id;

  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, PROT_READ_), ==, X + PAGE);
  forget_calls (f);

  /* R16: where mmap would place the new length; never written, the
   * moved VMA takes its new address as page offset. */
  g_assert_cmphex (mremap_ok (f, X, PAGE, 2 * PAGE, MREMAP_MAYMOVE_, 0), ==, MMAP_BASE - 2 * PAGE);
  ASSERT_LAYOUT (f,
                 "10001000-10002000 " ANON_R " @10001000\n"
                 "7ffff7ffd000-7ffff7fff000 " ANON_RW " @7ffff7ffd000\n");
  /* The contents move with the pages; the extension is mapped. */
  ASSERT_CALLS (f, "move 0x10000000 0x1000 -> 0x7ffff7ffd000; map 0x7ffff7ffe000 0x1000 0x3");

  /* Written, it keeps its page offset and its anon_vma. */
  clear_all (f);
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, PROT_READ_), ==, X + PAGE);
  fault_ok (f, X, MS_PROT_WRITE);
  id = anon_vma_of (f, X);
  g_assert_cmphex (id, !=, 0);
  g_assert_cmphex (mremap_ok (f, X, PAGE, 2 * PAGE, MREMAP_MAYMOVE_, 0), ==, MMAP_BASE - 2 * PAGE);
  ASSERT_LAYOUT (f,
                 "10001000-10002000 " ANON_R " @10001000\n"
                 "7ffff7ffd000-7ffff7fff000 " ANON_RW " @10000000\n");
  g_assert_cmphex (anon_vma_of (f, MMAP_BASE - PAGE), ==, id);

  /* A private mapping cannot be duplicated with an old length of 0; a
   * shared one can (a second mapping of the same pages). */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X + PAGE, 0, PAGE, MREMAP_MAYMOVE_, 0, NULL, ERR));
  g_assert_cmphex (mmap_ok (f, Y, PAGE, RW, MAP_SHARED_ | MAP_ANONYMOUS_, NULL, 0), ==, Y);
  g_assert_cmphex (mremap_ok (f, Y, 0, PAGE, MREMAP_MAYMOVE_, 0), ==, MMAP_BASE - 3 * PAGE);
  ASSERT_VMFLAGS (f, Y, "rd wr sh mr mw me ms");
  ASSERT_VMFLAGS (f, MMAP_BASE - 3 * PAGE, "rd wr sh mr mw me ms");
}

static void
test_mremap_fixed (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, Y, 3 * PAGE, PROT_READ_), ==, Y);
  forget_calls (f);

  /* MREMAP_FIXED needs MREMAP_MAYMOVE, an aligned destination that does
   * not overlap the source. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X, PAGE, PAGE, MREMAP_FIXED_, Y, NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, Y + 0x800,
                                              NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, Y, 2 * PAGE, 2 * PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_,
                                              Y + PAGE, NULL, ERR));

  /* The destination is unmapped first. */
  g_assert_cmphex (mremap_ok (f, X, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, Y + PAGE), ==, Y + PAGE);
  ASSERT_LAYOUT (f,
                 "20000000-20001000 " ANON_R " @20000000\n"
                 "20001000-20002000 " ANON_RW " @20001000\n"
                 "20002000-20003000 " ANON_R " @20002000\n");

  /* Without a change of size, every VMA of the range moves, the gaps
   * between them kept. */
  clear_all (f);
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, PROT_READ_), ==, X + 2 * PAGE);
  g_assert_cmphex (mremap_ok (f, X, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, Y), ==, Y);
  ASSERT_LAYOUT (f,
                 "20000000-20001000 " ANON_RW " @20000000\n"
                 "20002000-20003000 " ANON_R " @20002000\n");
}

static void
test_mremap_dontunmap (Fixture       *f,
                       gconstpointer  data)
{
  g_assert_cmphex (mmap_ok (f, X, PAGE, RW, ANON | MAP_LOCKED_, NULL, 0), ==, X);
  forget_calls (f);

  /* R16: equal lengths and MREMAP_MAYMOVE, or EINVAL. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X, PAGE, 2 * PAGE, MREMAP_MAYMOVE_ | MREMAP_DONTUNMAP_, 0,
                                              NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X, PAGE, PAGE, MREMAP_DONTUNMAP_, 0, NULL, ERR));
  /* The new address is a hint; the old VMA stays, unlocked, with ac. */
  g_assert_cmphex (mremap_ok (f, X, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_DONTUNMAP_, Y), ==, Y);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "20000000-20001000 rd wr mr mw me lo ac @20000000\n");
  /* A hint that is taken: placed as mmap places. */
  g_assert_cmphex (mremap_ok (f, Y, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_DONTUNMAP_, X), ==, MMAP_BASE - PAGE);
}

static void
test_mremap_errors (Fixture       *f,
                    gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, PROT_READ_), ==, X + PAGE);
  forget_calls (f);

  /* mremap(2): EINVAL for an unaligned address, a new length of 0, an
   * unknown flag. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X + 0x800, PAGE, PAGE, 0, 0, NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mremap (f->mm, X, PAGE, 0, 0, 0, NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_mremap (f->mm, X, PAGE, PAGE, 0x10, 0, NULL, ERR));
  /* EFAULT: nothing mapped at the old address; a range that grows or
   * moves across a VMA boundary. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_mremap (f->mm, 0x50000000, PAGE, 2 * PAGE, MREMAP_MAYMOVE_, 0, NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_mremap (f->mm, X, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE_, 0, NULL, ERR));
}

/* ------------------------------------------------------------------ */
/* brk */

static guint64
brk_ok (Fixture *f,
        guint64  brk)
{
  g_autoptr(GError) error = NULL;
  guint64 got = 0;

  gboolean ok = ms_linux_mm_brk (f->mm, brk, &got, &error);

  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmphex (ms_linux_mm_get_brk (f->mm), ==, got);
  return got;
}

static void
test_brk (Fixture       *f,
          gconstpointer  data)
{
  use_process (f, NULL, 8 * MB);
  g_assert_cmphex (ms_linux_mm_get_brk (f->mm), ==, START_BRK);

  /* 0 asks for the break. */
  g_assert_cmphex (brk_ok (f, 0), ==, START_BRK);
  ASSERT_CALLS (f, "");
  /* R15: growth maps rd wr mr mw me ac with its address as page offset;
   * the break is kept unaligned, and names [heap]. */
  g_assert_cmphex (brk_ok (f, START_BRK + 0x100), ==, START_BRK + 0x100);
  ASSERT_CALLS (f, "map 0x555555559000 0x1000 0x3");
  g_assert_cmphex (brk_ok (f, START_BRK + 0x200), ==, START_BRK + 0x200);
  ASSERT_CALLS (f, "");
  /* More: the same VMA grows. */
  g_assert_cmphex (brk_ok (f, START_BRK + 3 * PAGE), ==, START_BRK + 3 * PAGE);
  ASSERT_CALLS (f, "map 0x55555555a000 0x2000 0x3");
  {
    g_autofree char *text = layout (f);

    g_assert_nonnull (strstr (text, "\n555555559000-55555555c000 " ANON_RW " @555555559000 [heap]\n"));
  }
  /* Shrinking unmaps. */
  g_assert_cmphex (brk_ok (f, START_BRK + 0x1800), ==, START_BRK + 0x1800);
  ASSERT_CALLS (f, "unmap 0x55555555b000 0x1000");
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, START_BRK)), ==, START_BRK + 2 * PAGE);
  /* Below start_brk: refused, the old break returned. */
  g_assert_cmphex (brk_ok (f, START_BRK - PAGE), ==, START_BRK + 0x1800);
  ASSERT_CALLS (f, "");

  /* The break stops a page short of the next VMA. */
  g_assert_cmphex (mmap_ok (f, START_BRK + 0x10000, PAGE, PROT_READ_, ANON | MAP_FIXED_, NULL, 0), ==,
                   START_BRK + 0x10000);
  forget_calls (f);
  g_assert_cmphex (brk_ok (f, START_BRK + 0x10000 - 0xfff), ==, START_BRK + 0x1800);
  g_assert_cmphex (brk_ok (f, START_BRK + 0x20000), ==, START_BRK + 0x1800);
  ASSERT_CALLS (f, "");
  g_assert_cmphex (brk_ok (f, START_BRK + 0x10000 - PAGE), ==, START_BRK + 0x10000 - PAGE);
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, START_BRK)), ==, START_BRK + 0x10000 - PAGE);
  /* The anonymous mapping beyond the break is no [heap]. */
  g_assert_null (ms_linux_mm_get_area_name (f->mm, area_at (f, START_BRK + 0x10000)));

  /* A heap VMA that cannot be extended (other flags): a new VMA, also
   * [heap]. */
  g_assert_cmphex (brk_ok (f, START_BRK + PAGE), ==, START_BRK + PAGE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, START_BRK, PAGE, PROT_READ_, ERR));
  g_assert_cmphex (brk_ok (f, START_BRK + 2 * PAGE), ==, START_BRK + 2 * PAGE);
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, START_BRK)), ==, "[heap]");
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, START_BRK + PAGE)), ==, "[heap]");
  ASSERT_VMFLAGS (f, START_BRK, ANON_R);
  ASSERT_VMFLAGS (f, START_BRK + PAGE, ANON_RW);
  g_assert_cmphex (ms_memory_area_get_offset (area_at (f, START_BRK + PAGE)), ==, START_BRK + PAGE);

  /* Back to start_brk: no heap left. */
  g_assert_cmphex (brk_ok (f, START_BRK), ==, START_BRK);
  g_assert_null (ms_memory_set_find (ms_linux_mm_get_set (f->mm), START_BRK));
  g_assert_null (ms_memory_set_find (ms_linux_mm_get_set (f->mm), START_BRK + PAGE));
}

/* ------------------------------------------------------------------ */
/* madvise */

static void
madvise_ok (Fixture *f,
            guint64  addr,
            guint64  length,
            gint     advice)
{
  ASSERT_OK (ms_linux_mm_madvise (f->mm, addr, length, advice, ERR));
}

static void
test_madvise_split (Fixture       *f,
                    gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 3 * PAGE, RW), ==, X);

  /* R13: MADV_DONTFORK sets dc on part of a VMA: it splits. */
  madvise_ok (f, X + PAGE, PAGE, MADV_DONTFORK_);
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 rd wr mr mw me dc ac @10001000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n");
  /* MADV_DOFORK clears it: one VMA again. */
  madvise_ok (f, X + PAGE, PAGE, MADV_DOFORK_);
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");

  /* The other flags, on the whole VMA. */
  madvise_ok (f, X, 3 * PAGE, MADV_DONTDUMP_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac dd");
  madvise_ok (f, X, 3 * PAGE, MADV_HUGEPAGE_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac dd hg");
  madvise_ok (f, X, 3 * PAGE, MADV_NOHUGEPAGE_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac dd nh");
  madvise_ok (f, X, 3 * PAGE, MADV_WIPEONFORK_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac wf dd nh");
  madvise_ok (f, X, 3 * PAGE, MADV_KEEPONFORK_);
  madvise_ok (f, X, 3 * PAGE, MADV_RANDOM_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me rr ac dd nh");
  madvise_ok (f, X, 3 * PAGE, MADV_SEQUENTIAL_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me sr ac dd nh");
  madvise_ok (f, X, 3 * PAGE, MADV_NORMAL_);
  madvise_ok (f, X, 3 * PAGE, MADV_MERGEABLE_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac dd nh mg");
  g_assert_cmpuint (n_vmas (f), ==, 1);

  /* MADV_GUARD_INSTALL marks the whole VMA, without splitting it. */
  madvise_ok (f, X + PAGE, PAGE, MADV_GUARD_INSTALL_);
  ASSERT_LAYOUT (f, "10000000-10003000 rd wr mr mw me ac dd nh mg gu @10000000\n");

  /* The advice that changes no VMA. */
  forget_calls (f);
  madvise_ok (f, X + PAGE, PAGE, MADV_DONTNEED_);
  g_assert_cmpuint (n_vmas (f), ==, 1);
  ASSERT_CALLS (f, "");
}

static void
test_madvise_errors (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/tmp/f", FS_EXT4, O_RDWR_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));

  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, RW), ==, X + 2 * PAGE);

  /* R13: a hole gives ENOMEM, after every VMA of the range was
   * handled. */
  ASSERT_FAILS (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_madvise (f->mm, X, 3 * PAGE, MADV_DONTDUMP_, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 rd wr mr mw me ac dd @10000000\n"
                 "10002000-10003000 rd wr mr mw me ac dd @10002000\n");
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM,
                          ms_linux_mm_madvise (f->mm, X, 3 * PAGE, MADV_DONTNEED_, ERR));
  /* madvise(2): EINVAL for an unaligned start or an unknown advice; a
   * length of 0 is fine. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_madvise (f->mm, X + 1, PAGE, MADV_DONTDUMP_, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_madvise (f->mm, X, PAGE, 999, ERR));
  madvise_ok (f, X, 0, MADV_DONTFORK_);
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me ac dd");
  /* MADV_WIPEONFORK is for private anonymous memory only. */
  g_assert_cmphex (mmap_ok (f, Y, PAGE, RW, MAP_SHARED_, file, 0), ==, Y);
  g_assert_cmphex (mmap_ok (f, Y + 0x10000, PAGE, RW, MAP_SHARED_ | MAP_ANONYMOUS_, NULL, 0), ==, Y + 0x10000);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_madvise (f->mm, Y, PAGE, MADV_WIPEONFORK_, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL,
                          ms_linux_mm_madvise (f->mm, Y + 0x10000, PAGE, MADV_WIPEONFORK_, ERR));
}

/* ------------------------------------------------------------------ */
/* mlock */

static void
test_mlock (Fixture       *f,
            gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 3 * PAGE, RW), ==, X);
  forget_calls (f);

  /* R13: lo on the middle: a split; munlock joins them again. Only a
   * bookkeeping bit changes: the backend gets a protect with the
   * protection the pages already have (MsLinuxFile's documentation). */
  ASSERT_OK (ms_linux_mm_mlock (f->mm, X + PAGE, PAGE, ERR));
  ASSERT_CALLS (f, "protect 0x10001000 0x1000 0x3");
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 rd wr mr mw me lo ac @10001000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n");
  ASSERT_OK (ms_linux_mm_munlock (f->mm, X + PAGE, PAGE, ERR));
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");
  /* mlock(2): the start is rounded down to its page, the length up. */
  ASSERT_OK (ms_linux_mm_mlock (f->mm, X + 0x800, 0x100, ERR));
  ASSERT_VMFLAGS (f, X, "rd wr mr mw me lo ac");
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, X)), ==, X + PAGE);
  /* MLOCK_ONFAULT adds lf. */
  ASSERT_OK (ms_linux_mm_mlock2 (f->mm, X + 2 * PAGE, PAGE, MLOCK_ONFAULT_, ERR));
  ASSERT_VMFLAGS (f, X + 2 * PAGE, "rd wr mr mw me lo lf ac");
  ASSERT_OK (ms_linux_mm_munlock (f->mm, X, 3 * PAGE, ERR));
  ASSERT_LAYOUT (f, "10000000-10003000 " ANON_RW " @10000000\n");

  /* ENOMEM for a hole, EINVAL for an unknown mlock2 flag. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mlock (f->mm, 0x50000000, PAGE, ERR));
  ASSERT_FAILS (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mlock (f->mm, X, 4 * PAGE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mlock2 (f->mm, X, PAGE, 2, ERR));
}

static void
test_mlockall (Fixture       *f,
               gconstpointer  data)
{
  use_process (f, process_vmflags, 8 * MB);

  /* mlockall(2): EINVAL for no flags, unknown ones, MCL_ONFAULT alone. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mlockall (f->mm, 0, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mlockall (f->mm, 8, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mlockall (f->mm, MCL_ONFAULT_, ERR));

  /* MCL_CURRENT: every VMA but the special ones. */
  ASSERT_OK (ms_linux_mm_mlockall (f->mm, MCL_CURRENT_, ERR));
  ASSERT_VMFLAGS (f, 0x555555554000, "rd mr mw me lo");
  ASSERT_VMFLAGS (f, STACK_START, "rd wr mr mw me gd lo ac");
  ASSERT_VMFLAGS (f, 0x7ffff7fc8000, "rd ex mr mw me de");
  /* Only the VMAs there now. */
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  ASSERT_VMFLAGS (f, X, ANON_RW);

  /* MCL_FUTURE: the mappings and the break to come. */
  ASSERT_OK (ms_linux_mm_mlockall (f->mm, MCL_FUTURE_ | MCL_ONFAULT_, ERR));
  g_assert_cmphex (anon (f, Y, PAGE, RW), ==, Y);
  ASSERT_VMFLAGS (f, Y, "rd wr mr mw me lo lf ac");
  g_assert_cmphex (brk_ok (f, START_BRK + PAGE), ==, START_BRK + PAGE);
  ASSERT_VMFLAGS (f, START_BRK, "rd wr mr mw me lo lf ac");
  /* The current VMAs were left as they were. */
  ASSERT_VMFLAGS (f, X, ANON_RW);
  ASSERT_VMFLAGS (f, STACK_START, "rd wr mr mw me gd lo ac");

  /* munlockall: everything, and the future. */
  ASSERT_OK (ms_linux_mm_munlockall (f->mm, ERR));
  ASSERT_VMFLAGS (f, STACK_START, "rd wr mr mw me gd ac");
  ASSERT_VMFLAGS (f, Y, ANON_RW);
  ASSERT_VMFLAGS (f, START_BRK, ANON_RW);
  g_assert_cmphex (anon (f, 0x30000000, PAGE, RW), ==, 0x30000000);
  ASSERT_VMFLAGS (f, 0x30000000, ANON_RW);
}

/* ------------------------------------------------------------------ */
/* mseal */

static void
test_mseal (Fixture       *f,
            gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, 3 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, Y, 2 * PAGE, RW), ==, Y);
  g_assert_cmphex (anon (f, Y + 2 * PAGE, PAGE, PROT_READ_), ==, Y + 2 * PAGE);

  /* mseal(2): EINVAL for flags or an unaligned start; ENOMEM, before
   * anything changes, for a hole; 0 bytes is fine. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mseal (f->mm, X, PAGE, 1, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_mseal (f->mm, X + 1, PAGE, 0, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_NOMEM, ms_linux_mm_mseal (f->mm, X, 4 * PAGE, 0, ERR));
  ASSERT_OK (ms_linux_mm_mseal (f->mm, X, 0, 0, ERR));
  g_assert_cmpuint (n_vmas (f), ==, 3);

  /* R13: sl on the middle page. */
  ASSERT_OK (ms_linux_mm_mseal (f->mm, X + PAGE, PAGE, 0, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 " ANON_RW " sl @10001000\n"
                 "10002000-10003000 " ANON_RW " @10002000\n"
                 "20000000-20002000 " ANON_RW " @20000000\n"
                 "20002000-20003000 " ANON_R " @20002000\n");
  forget_calls (f);
  /* Then EPERM for munmap, mprotect, mremap and MAP_FIXED over it. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM, ms_linux_mm_munmap (f->mm, X + PAGE, PAGE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM, ms_linux_mm_munmap (f->mm, X, 3 * PAGE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM,
                          ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM,
                          ms_linux_mm_mremap (f->mm, X + PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE_, 0, NULL, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM,
                          ms_linux_mm_mmap (f->mm, X + PAGE, PAGE, PROT_READ_, ANON | MAP_FIXED_, NULL, 0, NULL,
                                            ERR));
  /* What changes no mapping is still allowed. */
  madvise_ok (f, X + PAGE, PAGE, MADV_DONTNEED_);
  ASSERT_OK (ms_linux_mm_mlock (f->mm, X + PAGE, PAGE, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, "rd wr mr mw me lo ac sl");

  /* A sealed, read-only anonymous VMA refuses the discarding advice. */
  ASSERT_OK (ms_linux_mm_mseal (f->mm, Y, 3 * PAGE, 0, ERR));
  madvise_ok (f, Y, 2 * PAGE, MADV_DONTNEED_);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_PERM,
                          ms_linux_mm_madvise (f->mm, Y + 2 * PAGE, PAGE, MADV_DONTNEED_, ERR));
}

static void
test_mseal_munmap_split (Fixture       *f,
                         gconstpointer  data)
{
  /* munmap's split at the start of the range is made before the seal is
   * found further on, and stays. */
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + 2 * PAGE, PAGE, PROT_READ_), ==, X + 2 * PAGE);
  ASSERT_OK (ms_linux_mm_mseal (f->mm, X + 2 * PAGE, PAGE, 0, ERR));
  ASSERT_FAILS (f, MS_LINUX_MM_ERROR_PERM, ms_linux_mm_munmap (f->mm, X + PAGE, 2 * PAGE, ERR));
  ASSERT_LAYOUT (f,
                 "10000000-10001000 " ANON_RW " @10000000\n"
                 "10001000-10002000 " ANON_RW " @10001000\n"
                 "10002000-10003000 " ANON_R " sl @10002000\n");
}

/* ------------------------------------------------------------------ */
/* Faults */

static void
test_fault_stack (Fixture       *f,
                  gconstpointer  data)
{
  use_process (f, NULL, 8 * MB);
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, STACK_START)), ==, "[stack]");

  /* A fault below [stack] grows it down to the page of the address,
   * after giving it an anon_vma (a write), which reaches the backend as
   * a protect with the protection it has. */
  fault_ok (f, STACK_START - 0x800, MS_PROT_WRITE);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_END - PAGE)), ==, STACK_START - PAGE);
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, STACK_START - PAGE)), ==, "[stack]");
  ASSERT_CALLS (f, "protect 0x7ffffffde000 0x21000 0x3; map 0x7ffffffdd000 0x1000 0x3");
  /* Further down, within the limit, also by a read. */
  fault_ok (f, STACK_END - 2 * MB, MS_PROT_READ);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_END - PAGE)), ==, STACK_END - 2 * MB);
  ASSERT_VMFLAGS (f, STACK_END - PAGE, "rd wr mr mw me gd ac");

  /* Nothing mapped, and no stack above. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT, ms_linux_mm_fault (f->mm, 0x1000, MS_PROT_READ, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_fault (f->mm, 0x555555556000, MS_PROT_READ, ERR));
  /* The protection forbids it. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES,
                          ms_linux_mm_fault (f->mm, 0x555555554000, MS_PROT_WRITE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES,
                          ms_linux_mm_fault (f->mm, 0x555555554000, MS_PROT_EXEC, ERR));
  fault_ok (f, 0x555555555000, MS_PROT_EXEC);
}

static void
test_fault_stack_limits (Fixture       *f,
                         gconstpointer  data)
{
  /* A 1 MiB limit: the stack may reach 1 MiB, not a page more. */
  use_process (f, NULL, MB);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_fault (f->mm, STACK_END - MB - 1, MS_PROT_WRITE, ERR));
  fault_ok (f, STACK_END - MB, MS_PROT_WRITE);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_END - PAGE)), ==, STACK_END - MB);
  /* A growth refused by the limit is no EACCES: nothing there. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_fault (f->mm, STACK_END - MB - PAGE, MS_PROT_READ, ERR));
}

static void
test_fault_stack_guard (Fixture       *f,
                        gconstpointer  data)
{
  guint64 ld_so_end = G_GUINT64_CONSTANT (0x7ffff7fff000);

  /* R4: with room under the limit, the stack stops 1 MiB above the VMA
   * below it (ld.so's data). */
  use_process (f, NULL, 256 * MB);
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_fault (f->mm, ld_so_end + MB - PAGE, MS_PROT_WRITE, ERR));
  fault_ok (f, ld_so_end + MB, MS_PROT_WRITE);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_END - PAGE)), ==, ld_so_end + MB);
}

static void
test_fault_access (Fixture       *f,
                   gconstpointer  data)
{
  g_assert_cmphex (anon (f, X, PAGE, PROT_READ_), ==, X);
  g_assert_cmphex (anon (f, Y, PAGE, PROT_NONE_), ==, Y);
  g_assert_cmphex (anon (f, 0x30000000, PAGE, RW), ==, 0x30000000);
  g_assert_cmphex (anon (f, 0x40000000, PAGE, PROT_WRITE_), ==, 0x40000000);
  forget_calls (f);

  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT, ms_linux_mm_fault (f->mm, 0x50000000, MS_PROT_READ, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES, ms_linux_mm_fault (f->mm, X, MS_PROT_WRITE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES, ms_linux_mm_fault (f->mm, Y, MS_PROT_READ, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_ACCES,
                          ms_linux_mm_fault (f->mm, 0x30000000, MS_PROT_EXEC, ERR));
  fault_ok (f, X + 0x123, MS_PROT_READ);
  /* x86: a writable page is readable. */
  fault_ok (f, 0x40000000, MS_PROT_READ);

  /* R17: a read gives no anon_vma, a write does; the backend hears of it
   * as a protect with the protection the page has. */
  fault_ok (f, 0x30000000, MS_PROT_READ);
  g_assert_cmphex (anon_vma_of (f, 0x30000000), ==, 0);
  ASSERT_CALLS (f, "");
  fault_ok (f, 0x30000000, MS_PROT_WRITE);
  g_assert_cmphex (anon_vma_of (f, 0x30000000), !=, 0);
  ASSERT_CALLS (f, "protect 0x30000000 0x1000 0x3");
  /* Written already: nothing more. */
  fault_ok (f, 0x30000000, MS_PROT_WRITE);
  ASSERT_CALLS (f, "");
}

static void
test_fault_anon_vma (Fixture       *f,
                     gconstpointer  data)
{
  guint64 a, c1, c2;

  /* R17: a write reuses the anon_vma of an adjacent VMA compatible
   * apart from rd/wr/ex, with offsets that run on. */
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, RW | PROT_EXEC_), ==, X + PAGE);
  g_assert_cmphex (anon (f, X + 3 * PAGE, PAGE, RW), ==, X + 3 * PAGE);
  fault_ok (f, X, MS_PROT_WRITE);
  fault_ok (f, X + PAGE, MS_PROT_WRITE);
  fault_ok (f, X + 3 * PAGE, MS_PROT_WRITE);
  a = anon_vma_of (f, X);
  g_assert_cmphex (a, !=, 0);
  g_assert_cmphex (anon_vma_of (f, X + PAGE), ==, a);
  /* Not adjacent: one of its own. */
  g_assert_cmphex (anon_vma_of (f, X + 3 * PAGE), !=, a);
  g_assert_cmphex (anon_vma_of (f, X + 3 * PAGE), !=, 0);
  /* Between two written neighbours, the next one's is tried first. */
  g_assert_cmphex (anon (f, 0x30000000, PAGE, RW), ==, 0x30000000);
  g_assert_cmphex (anon (f, 0x30000000 + PAGE, PAGE, RW | PROT_EXEC_), ==, 0x30000000 + PAGE);
  g_assert_cmphex (anon (f, 0x30000000 + 2 * PAGE, PAGE, RW), ==, 0x30000000 + 2 * PAGE);
  fault_ok (f, 0x30000000, MS_PROT_WRITE);
  fault_ok (f, 0x30000000 + 2 * PAGE, MS_PROT_WRITE);
  g_assert_cmphex (anon_vma_of (f, 0x30000000), !=, anon_vma_of (f, 0x30000000 + 2 * PAGE));
  fault_ok (f, 0x30000000 + PAGE, MS_PROT_WRITE);
  g_assert_cmphex (anon_vma_of (f, 0x30000000 + PAGE), ==, anon_vma_of (f, 0x30000000 + 2 * PAGE));

  /* The same anon_vma: the two merge once their flags agree. */
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, RW, ERR));
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, X)), ==, X + 2 * PAGE);
  g_assert_cmphex (anon_vma_of (f, X), ==, a);

  /* Neighbours that were not compatible when written have anon_vmas of
   * their own, and stay apart when their flags agree again. */
  g_assert_cmphex (anon (f, Y, 2 * PAGE, RW), ==, Y);
  madvise_ok (f, Y + PAGE, PAGE, MADV_DONTFORK_);
  fault_ok (f, Y, MS_PROT_WRITE);
  fault_ok (f, Y + PAGE, MS_PROT_WRITE);
  c1 = anon_vma_of (f, Y);
  c2 = anon_vma_of (f, Y + PAGE);
  g_assert_cmphex (c1, !=, 0);
  g_assert_cmphex (c2, !=, 0);
  g_assert_cmphex (c1, !=, c2);
  madvise_ok (f, Y + PAGE, PAGE, MADV_DOFORK_);
  g_assert_cmphex (ms_memory_area_get_end (area_at (f, Y)), ==, Y + PAGE);
  ASSERT_VMFLAGS (f, Y, ANON_RW);
  ASSERT_VMFLAGS (f, Y + PAGE, ANON_RW);
}

static void
test_report_anonymous (Fixture       *f,
                       gconstpointer  data)
{
  use_process (f, NULL, 8 * MB);
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  forget_calls (f);

  /* As a write fault would: an anon_vma, so ac stays when read-only. */
  ASSERT_OK (ms_linux_mm_report_anonymous (f->mm, X, 2 * PAGE, ERR));
  g_assert_cmphex (anon_vma_of (f, X), !=, 0);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X, PAGE, PROT_READ_, ERR));
  ASSERT_VMFLAGS (f, X, ANON_R " ac");
  /* A stack that ends at the range's end grew down to its start. */
  forget_calls (f);
  ASSERT_OK (ms_linux_mm_report_anonymous (f->mm, STACK_START - 2 * PAGE, STACK_END - STACK_START + 2 * PAGE,
                                           ERR));
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_END - PAGE)), ==, STACK_START - 2 * PAGE);
  ASSERT_CALLS (f, "map 0x7ffffffdc000 0x2000 0x3; protect 0x7ffffffdc000 0x23000 0x3");
  /* Nothing to report. */
  ASSERT_OK (ms_linux_mm_report_anonymous (f->mm, Y, 0, ERR));
  ASSERT_CALLS (f, "");
}

static void
test_fault_guess (Fixture       *f,
                  gconstpointer  data)
{
  /* Without a guess, a mapping never written loses ac when made
   * read-only. */
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, 0, PAGE, PROT_READ_), ==, MMAP_BASE - PAGE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, ANON_R);

  /* Guessing: written once a later call looks at it ... */
  clear_all (f);
  ms_linux_mm_set_fault_guess (f->mm, MS_LINUX_MM_FAULT_GUESS_ALL);
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, 0, PAGE, PROT_READ_), ==, MMAP_BASE - PAGE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, ANON_R " ac");
  g_assert_cmphex (anon_vma_of (f, X), !=, 0);

  /* ... but not by the call right after the one that made it: the
   * guard page idiom. */
  clear_all (f);
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_NONE_, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, "mr mw me");

  /* Another thread's calls do not count as the maker's next call. */
  clear_all (f);
  ms_linux_mm_set_thread_id (f->mm, 1);
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  ms_linux_mm_set_thread_id (f->mm, 2);
  g_assert_cmphex (anon (f, 0, PAGE, PROT_READ_), ==, MMAP_BASE - PAGE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_NONE_, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, "mr mw me");

  /* Guessing repeats only: a range never reported is not guessed. */
  clear_all (f);
  ms_linux_mm_set_fault_guess (f->mm, MS_LINUX_MM_FAULT_GUESS_REPEATS);
  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, 0, PAGE, PROT_READ_), ==, MMAP_BASE - PAGE);
  ASSERT_OK (ms_linux_mm_mprotect (f->mm, X + PAGE, PAGE, PROT_READ_, ERR));
  ASSERT_VMFLAGS (f, X + PAGE, ANON_R);
}

/* ------------------------------------------------------------------ */
/* The process, the maps text */

static void
test_process (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);
  static const struct {
    guint64     start, end;
    const char *perms;
    guint64     offset;
    const char *name;
  } lines[] = {
    { 0x555555554000, 0x555555555000, "r--p", 0, "/tmp/probe/brk" },
    { 0x555555555000, 0x555555556000, "r-xp", 0x1000, "/tmp/probe/brk" },
    { 0x555555557000, 0x555555559000, "rw-p", 0x2000, "/tmp/probe/brk" },
    { 0x7ffff7fc8000, 0x7ffff7fca000, "r-xp", 0, "[vdso]" },
    { 0x7ffff7fca000, 0x7ffff7fcb000, "r--p", 0, LD_SO },
    { 0x7ffff7ffb000, 0x7ffff7fff000, "rw-p", 0x31000, LD_SO },
    { 0x7ffffffde000, 0x7ffffffff000, "rw-p", 0, "[stack]" },
    { G_GUINT64_CONSTANT (0xffffffffff600000), G_GUINT64_CONSTANT (0xffffffffff601000), "--xp", 0,
      "[vsyscall]" },
  };

  use_process (f, NULL, 8 * MB);
  g_assert_cmphex (ms_linux_mm_get_start_brk (f->mm), ==, START_BRK);
  g_assert_cmphex (ms_linux_mm_get_brk (f->mm), ==, START_BRK);
  g_assert_cmphex (ms_linux_mm_get_start_stack (f->mm), ==, START_STACK);
  g_assert_cmphex (ms_linux_mm_get_stack_rlimit (f->mm), ==, 8 * MB);
  g_assert_cmphex (ms_linux_mm_get_mmap_base (f->mm), ==, MMAP_BASE);
  /* [vsyscall] lies above the user address space: not in the set. */
  g_assert_cmpuint (n_vmas (f), ==, 7);

  /* to_string gives the lines back, device and inode aside. */
  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      g_autofree char *line = maps_line (lines[i].start, lines[i].end, lines[i].perms, lines[i].offset,
                                         lines[i].name);

      g_string_append (expected, line);
    }
  text = ms_linux_mm_to_string (f->mm);
  g_assert_cmpstr (text, ==, expected->str);
  g_assert_true (g_str_has_prefix (text, "555555554000-555555555000 r--p 00000000 00:00 0"
                                         "                          /tmp/probe/brk\n"));

  /* Flags from the permissions (R8), gd for [stack]. */
  ASSERT_VMFLAGS (f, 0x555555554000, "rd mr mw me");
  ASSERT_VMFLAGS (f, 0x555555557000, ANON_RW);
  ASSERT_VMFLAGS (f, 0x7ffff7ffb000, ANON_RW);
  ASSERT_VMFLAGS (f, STACK_START, "rd wr mr mw me gd ac");
  g_assert_cmphex (ms_memory_area_get_offset (area_at (f, 0x7ffff7ffb000)), ==, 0x31000);

  /* One file per device and inode, other than the anonymous memory's. */
  g_assert_true (ms_memory_area_get_backend (area_at (f, 0x555555554000)) ==
                 ms_memory_area_get_backend (area_at (f, 0x555555557000)));
  g_assert_true (ms_memory_area_get_backend (area_at (f, 0x555555554000)) !=
                 ms_memory_area_get_backend (area_at (f, 0x7ffff7ffb000)));
  g_assert_true (ms_memory_area_get_backend (area_at (f, 0x7ffff7fca000)) ==
                 ms_memory_area_get_backend (area_at (f, 0x7ffff7ffb000)));
  g_assert_false (ms_linux_file_is_anonymous (MS_LINUX_FILE (ms_memory_area_get_backend (area_at (f,
                                                                                                0x555555554000)))));
  g_assert_cmpstr (ms_linux_file_get_path (MS_LINUX_FILE (ms_memory_area_get_backend (area_at (f, 0x7ffff7ffb000)))),
                   ==, LD_SO);
  /* Named by the mm: the same answer as the set's own name. */
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, 0x555555555000)), ==, "/tmp/probe/brk");
  g_assert_cmpstr (ms_linux_mm_get_area_name (f->mm, area_at (f, 0x7ffff7fc8000)), ==, "[vdso]");

  /* The initial maps are the main file's: its pieces merge with a new
   * mapping of it no more than the kernel's would with another open. */
  {
    g_autoptr(MsLinuxFile) exe = ms_linux_file_new ("/tmp/probe/brk", FS_EXT4, O_RDONLY_, MODE_REGULAR,
                                                    MS_MAPPING_BACKEND (f->file_backend));

    g_assert_cmphex (mmap_ok (f, 0x555555556000, PAGE, PROT_READ_, MAP_PRIVATE_ | MAP_FIXED_, exe, 0x2000), ==,
                     0x555555556000);
    g_assert_cmpuint (n_vmas (f), ==, 8);
  }
}

static void
test_process_vmflags (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsLinuxMm) legacy = NULL;

  /* The VmFlags given win over those of the permissions. */
  use_process (f, process_vmflags, 8 * MB);
  ASSERT_VMFLAGS (f, 0x7ffff7ffb000, "rd wr mr mw me dc ac");
  ASSERT_VMFLAGS (f, 0x7ffff7fc8000, "rd ex mr mw me de");
  ASSERT_VMFLAGS (f, STACK_START, "rd wr mr mw me gd ac");

  /* [vdso] refuses to be split; de (VM_DONTEXPAND) refuses growth. */
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_INVAL, ms_linux_mm_munmap (f->mm, 0x7ffff7fc8000, PAGE, ERR));
  ASSERT_FAILS_UNCHANGED (f, MS_LINUX_MM_ERROR_FAULT,
                          ms_linux_mm_mremap (f->mm, 0x7ffff7fc8000, 2 * PAGE, 3 * PAGE, MREMAP_MAYMOVE_, 0,
                                              NULL, ERR));

  /* The personality: the legacy layout. */
  legacy = ms_linux_mm_new_for_process (NULL, process_maps, NULL, START_BRK, START_STACK, 8 * MB,
                                        ADDR_COMPAT_LAYOUT_, &error);
  g_assert_no_error (error);
  g_assert_true (ms_linux_mm_get_legacy_layout (legacy));
  g_assert_cmpuint (ms_linux_mm_get_personality (legacy), ==, ADDR_COMPAT_LAYOUT_);
  g_assert_cmphex (ms_linux_mm_get_mmap_base (legacy), ==, G_GUINT64_CONSTANT (0x2aaaaaaab000));
}

static void
test_load_maps (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  MsLinuxMm *mm;

  /* A malformed line: INVAL, naming it. */
  mm = ms_linux_mm_new_for_process (NULL, "1000-2000 rw-p 00000000 00:00 0\nnot a line\n", NULL, 0, 0, 8 * MB, 0,
                                    &error);
  g_assert_null (mm);
  g_assert_error (error, MS_LINUX_MM_ERROR, MS_LINUX_MM_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "not a line"));
  g_clear_error (&error);

  /* Loading onto an mm: the lines before a bad one stay. */
  g_assert_true (ms_linux_mm_load_maps (f->mm,
                                        "10000000-10002000 rw-p 00000000 00:00 0\n"
                                        "20000000-20001000 r--p 00000000 00:00 0\n",
                                        "10000000-10002000 rd wr mr mw me nr\n", &error));
  g_assert_no_error (error);
  ASSERT_LAYOUT (f,
                 "10000000-10002000 rd wr mr mw me nr @10000000\n"
                 "20000000-20001000 " ANON_R " @20000000\n");
  ASSERT_CALLS (f, "map 0x10000000 0x2000 0x3; map 0x20000000 0x1000 0x1");
  /* An overlap: the set's error. */
  g_assert_false (ms_linux_mm_load_maps (f->mm,
                                         "30000000-30001000 rw-p 00000000 00:00 0\n"
                                         "10001000-10003000 rw-p 00000000 00:00 0\n", NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_ALREADY_EXISTS);
  g_assert_cmpuint (n_vmas (f), ==, 3);
  ASSERT_VMFLAGS (f, 0x30000000, ANON_RW);
}

static void
test_to_string (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/lib/libx.so", FS_EXT4, O_RDONLY_, MODE_REGULAR, NULL);
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *l1 = maps_line (X, X + PAGE, "rw-p", 0, NULL);
  g_autofree char *l2 = maps_line (Y, Y + PAGE, "r--p", 0x3000, "/lib/libx.so");
  g_autofree char *l3 = maps_line (0x30000000, 0x30002000, "r-xs", 0, "/dev/zero (deleted)");
  g_autofree char *l4 = maps_line (0x40000000, 0x40001000, "---p", 0, NULL);

  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (mmap_ok (f, Y, PAGE, PROT_READ_, MAP_PRIVATE_, file, 0x3000), ==, Y);
  g_assert_cmphex (mmap_ok (f, 0x30000000, 2 * PAGE, PROT_READ_ | PROT_EXEC_, MAP_SHARED_ | MAP_ANONYMOUS_,
                            NULL, 0), ==, 0x30000000);
  g_assert_cmphex (anon (f, 0x40000000, PAGE, PROT_NONE_), ==, 0x40000000);

  /* The offset of anonymous memory is shown as 0; the kernel's columns
   * (checked literally once). */
  text = ms_linux_mm_to_string (f->mm);
  expected = g_strconcat (l1, l2, l3, l4, NULL);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (l1, ==, "10000000-10001000 rw-p 00000000 00:00 0 \n");
  g_assert_cmpstr (l2, ==, "20000000-20001000 r--p 00003000 00:00 0                                  "
                           "/lib/libx.so\n");
}

static void
test_flags_to_string (void)
{
  static const struct {
    guint64     flags;
    const char *text;
  } cases[] = {
    { 0, "" },
    { MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_MAYREAD | MS_LINUX_VM_MAYWRITE | MS_LINUX_VM_MAYEXEC |
      MS_LINUX_VM_ACCOUNT, "rd wr mr mw me ac" },
    /* [vvar] in this machine's smaps. */
    { MS_LINUX_VM_READ | MS_LINUX_VM_MAYREAD | MS_LINUX_VM_PFNMAP | MS_LINUX_VM_IO | MS_LINUX_VM_DONTEXPAND |
      MS_LINUX_VM_DONTDUMP, "rd mr pf io de dd" },
    /* The anon_vma identity is not a flag. */
    { MS_LINUX_VM_READ | (G_GUINT64_CONSTANT (5) << MS_LINUX_VM_ANON_VMA_SHIFT), "rd" },
    { MS_LINUX_VM_SEALED, "sl" },
    { MS_LINUX_VM_MAYBE_GUARD, "gu" },
    /* Every named bit, in the kernel's order (bit order). */
    { MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_EXEC | MS_LINUX_VM_SHARED | MS_LINUX_VM_MAYREAD |
      MS_LINUX_VM_MAYWRITE | MS_LINUX_VM_MAYEXEC | MS_LINUX_VM_MAYSHARE | MS_LINUX_VM_GROWSDOWN |
      MS_LINUX_VM_PFNMAP | MS_LINUX_VM_LOCKED | MS_LINUX_VM_IO | MS_LINUX_VM_SEQ_READ | MS_LINUX_VM_RAND_READ |
      MS_LINUX_VM_DONTCOPY | MS_LINUX_VM_DONTEXPAND | MS_LINUX_VM_LOCKONFAULT | MS_LINUX_VM_ACCOUNT |
      MS_LINUX_VM_NORESERVE | MS_LINUX_VM_HUGETLB | MS_LINUX_VM_SYNC | MS_LINUX_VM_WIPEONFORK |
      MS_LINUX_VM_DONTDUMP | MS_LINUX_VM_SOFTDIRTY | MS_LINUX_VM_MIXEDMAP | MS_LINUX_VM_HUGEPAGE |
      MS_LINUX_VM_NOHUGEPAGE | MS_LINUX_VM_MERGEABLE | MS_LINUX_VM_SEALED | MS_LINUX_VM_MAYBE_GUARD,
      "rd wr ex sh mr mw me ms gd pf lo io sr rr dc de lf ac nr ht sf wf dd sd mm hg nh mg sl gu" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = ms_linux_mm_flags_to_string (cases[i].flags);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
}

/* ------------------------------------------------------------------ */
/* Backends that refuse */

static void
test_backend_refuses_mmap (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(MsLinuxFile) file = ms_linux_file_new ("/tmp/f", FS_EXT4, O_RDWR_, MODE_REGULAR,
                                                   MS_MAPPING_BACKEND (f->file_backend));
  guint64 addr = 0;

  g_assert_cmphex (anon (f, X, 2 * PAGE, RW), ==, X);
  forget_calls (f);

  /* The backend's own error, and nothing mapped. */
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_mmap (f->mm, 0, PAGE, RW, ANON, NULL, 0, &addr, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_nonnull (strstr (error->message, MS_TEST_INJECTED_FAILURE));
  g_clear_error (&error);
  ASSERT_CALLS (f, "map 0x7ffff7ffe000 0x1000 0x3 (refused)");
  g_assert_cmpuint (n_vmas (f), ==, 1);

  /* A file's backend, the same way. */
  ms_test_backend_fail_nth_call (f->file_backend, 1);
  g_assert_false (ms_linux_mm_mmap (f->mm, Y, PAGE, RW, MAP_SHARED_, file, 0, &addr, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  g_assert_null (ms_memory_set_find (ms_linux_mm_get_set (f->mm), Y));

  /* MAP_FIXED whose map is refused after the old pages went: the set
   * shows what the backend holds. */
  f->journal.fail_at = f->journal.calls->len + 2;
  g_assert_false (ms_linux_mm_mmap (f->mm, X, PAGE, PROT_READ_, ANON | MAP_FIXED_, NULL, 0, &addr, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  f->journal.fail_at = 0;
  assert_consistent (f);
  g_assert_null (ms_memory_set_find (ms_linux_mm_get_set (f->mm), X));
  ASSERT_VMFLAGS (f, X + PAGE, ANON_RW);
}

static void
test_backend_refuses_changes (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 out = 0;

  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, RW | PROT_EXEC_), ==, X + PAGE);
  forget_calls (f);

  /* munmap: the VMA stays. */
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_munmap (f->mm, X, PAGE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  ASSERT_VMFLAGS (f, X, ANON_RW);
  assert_consistent (f);

  /* mprotect over two VMAs, the second refused: the first changed. */
  ms_test_backend_fail_nth_call (f->backend, 2);
  g_assert_false (ms_linux_mm_mprotect (f->mm, X, 2 * PAGE, PROT_READ_, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  ASSERT_CALLS (f, "unmap 0x10000000 0x1000 (refused); protect 0x10000000 0x1000 0x1; "
                   "protect 0x10001000 0x1000 0x1 (refused)");
  ASSERT_VMFLAGS (f, X, ANON_R);
  ASSERT_VMFLAGS (f, X + PAGE, "rd wr ex mr mw me ac");
  assert_consistent (f);

  /* mremap: a refused move leaves the VMA where it was. */
  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_mremap (f->mm, X + PAGE, PAGE, PAGE, MREMAP_MAYMOVE_ | MREMAP_FIXED_, Y, &out,
                                      &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  assert_consistent (f);
  ASSERT_VMFLAGS (f, X + PAGE, "rd wr ex mr mw me ac");
}

static void
test_backend_refuses_brk_and_stack (Fixture       *f,
                                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint64 out = 0;

  use_process (f, NULL, 8 * MB);

  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_brk (f->mm, START_BRK + PAGE, &out, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  g_assert_cmphex (ms_linux_mm_get_brk (f->mm), ==, START_BRK);
  g_assert_null (ms_memory_set_find (ms_linux_mm_get_set (f->mm), START_BRK));

  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_fault (f->mm, STACK_START - PAGE, MS_PROT_WRITE, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_clear_error (&error);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_START)), ==, STACK_START);

  ms_test_backend_fail_nth_call (f->backend, 1);
  g_assert_false (ms_linux_mm_report_anonymous (f->mm, STACK_START - PAGE, STACK_END - STACK_START + PAGE,
                                                &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_cmphex (ms_memory_area_get_start (area_at (f, STACK_START)), ==, STACK_START);
}

/* A backend without move: the destination mapped fresh, the source
 * unmapped. */
static void
test_backend_without_move (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(MsMappingBackend) partial = ms_test_partial_backend_new (MS_TEST_METHOD_MAP | MS_TEST_METHOD_UNMAP |
                                                                      MS_TEST_METHOD_PROTECT, f->backend);

  use_mm (f, ms_linux_mm_new (partial));
  g_assert_cmphex (anon (f, X, PAGE, RW), ==, X);
  g_assert_cmphex (anon (f, X + PAGE, PAGE, PROT_READ_), ==, X + PAGE);
  forget_calls (f);
  g_assert_cmphex (mremap_ok (f, X, PAGE, 2 * PAGE, MREMAP_MAYMOVE_, 0), ==, MMAP_BASE - 2 * PAGE);
  ASSERT_CALLS (f, "map 0x7ffff7ffd000 0x2000 0x3; unmap 0x10000000 0x1000");
  ASSERT_LAYOUT (f,
                 "10001000-10002000 " ANON_R " @10001000\n"
                 "7ffff7ffd000-7ffff7fff000 " ANON_RW " @7ffff7ffd000\n");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/linux-mm/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("new/defaults", test_new_defaults);
  ADD ("new/layout", test_new_layout);
  ADD ("properties", test_properties);
  ADD ("mmap/top-down", test_mmap_top_down);
  ADD ("mmap/merge", test_mmap_merge);
  ADD ("mmap/hint", test_mmap_hint);
  ADD ("mmap/thp", test_mmap_thp);
  ADD ("mmap/32bit", test_mmap_32bit);
  ADD ("mmap/fixed", test_mmap_fixed);
  ADD ("mmap/fixed-noreplace", test_mmap_fixed_noreplace);
  ADD ("mmap/errors", test_mmap_errors);
  ADD ("mmap/flags", test_mmap_flags);
  ADD ("mmap/shared-anonymous", test_mmap_shared_anonymous);
  ADD ("file/properties", test_file_properties);
  ADD ("file/identity", test_file_identity);
  ADD ("file/backend", test_file_backend);
  ADD ("munmap", test_munmap);
  ADD ("mprotect/split-merge", test_mprotect_split_merge);
  ADD ("mprotect/hole", test_mprotect_hole);
  ADD ("mprotect/errors", test_mprotect_errors);
  ADD ("mremap/in-place", test_mremap_in_place);
  ADD ("mremap/maymove", test_mremap_maymove);
  ADD ("mremap/fixed", test_mremap_fixed);
  ADD ("mremap/dontunmap", test_mremap_dontunmap);
  ADD ("mremap/errors", test_mremap_errors);
  ADD ("brk", test_brk);
  ADD ("madvise/split", test_madvise_split);
  ADD ("madvise/errors", test_madvise_errors);
  ADD ("mlock", test_mlock);
  ADD ("mlockall", test_mlockall);
  ADD ("mseal", test_mseal);
  ADD ("mseal/munmap-split", test_mseal_munmap_split);
  ADD ("fault/stack", test_fault_stack);
  ADD ("fault/stack-limit", test_fault_stack_limits);
  ADD ("fault/stack-guard", test_fault_stack_guard);
  ADD ("fault/access", test_fault_access);
  ADD ("fault/anon-vma", test_fault_anon_vma);
  ADD ("report-anonymous", test_report_anonymous);
  ADD ("fault-guess", test_fault_guess);
  ADD ("process/maps", test_process);
  ADD ("process/vmflags", test_process_vmflags);
  ADD ("load-maps", test_load_maps);
  ADD ("to-string", test_to_string);
  ADD ("backend/refuses-mmap", test_backend_refuses_mmap);
  ADD ("backend/refuses-changes", test_backend_refuses_changes);
  ADD ("backend/refuses-brk-and-stack", test_backend_refuses_brk_and_stack);
  ADD ("backend/without-move", test_backend_without_move);
#undef ADD
  g_test_add_func ("/linux-mm/flags-to-string", test_flags_to_string);

  return g_test_run ();
}
