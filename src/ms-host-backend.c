/* ms-host-backend.c: a backend that maps real memory of this process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE   /* mremap */

#include "memoryset.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/**
 * MsHostBackend:
 *
 * A [iface@Ms.MappingBackend] that maps real memory of the calling
 * process: the guest address space of an emulator, a sandbox or a JIT,
 * kept in host memory.
 *
 * [ctor@Ms.HostBackend.new] reserves `size` bytes of the process's
 * address space with `mmap (PROT_NONE)`; nothing is accessible yet. Guest
 * address `a`, for `0 <= a < size`, lives at host address `base + a`
 * where `base` is [method@Ms.HostBackend.get_base].
 *
 * - [vfunc@Ms.MappingBackend.map] makes a range accessible with the given
 *   [flags@Ms.Prot]: fresh, zero-filled, private anonymous memory is
 *   mapped over the reservation with `mmap (MAP_FIXED)`.
 * - [vfunc@Ms.MappingBackend.unmap] gives the range back to the
 *   reservation: it becomes `PROT_NONE` again and its contents are
 *   discarded, so a later map sees zeros.
 * - [vfunc@Ms.MappingBackend.protect] changes the protection with
 *   `mprotect`, keeping the contents.
 *
 * Ranges must start and end on a host page boundary
 * ([method@Ms.HostBackend.get_page_size]) and lie inside the reservation,
 * and flags may only hold the bits of [flags@Ms.Prot]. Like the mock
 * page table of the test suite, the backend knows which pages are
 * mapped: map refuses a range of which any page is mapped, unmap and
 * protect refuse a range of which any page is not. It keeps this as
 * runs of pages with one protection, so its own memory grows with the
 * number of areas, never with their sizes: mapping a terabyte costs what
 * mapping a page does. A refused call changes nothing, and fails with
 * %MS_MAPPING_ERROR_BAD_STATE and a message that names the cause: a
 * range that is not page-aligned or not inside the reservation, flag
 * bits outside [flags@Ms.Prot], pages already mapped or not mapped, no
 * reservation, or the kernel's own error (with a hint about
 * `vm.max_map_count` when it is `ENOMEM`: each run of pages with one
 * protection is a kernel mapping, and Linux allows 65530 by default).
 * The `page_table` argument of the methods is not used.
 *
 * The reservation is released when the backend is finalized, that is
 * when the last [struct@Ms.MemoryArea] using it and the caller's own
 * reference are gone.
 *
 * The memory can be used directly through the base pointer: an access
 * that the protection forbids raises `SIGSEGV`, as with any memory.
 * [method@Ms.HostBackend.read] and [method@Ms.HostBackend.write] copy
 * bytes out and in after checking the protection, and fail with
 * %MS_MAPPING_ERROR_FAULT instead of crashing; they are the way in from
 * languages without pointers.
 *
 * ```c
 * g_autoptr(GError) error = NULL;
 * g_autoptr(MsHostBackend) host = ms_host_backend_new (1 << 20, &error);
 * g_autoptr(MsMemorySet) set = ms_memory_set_new ();
 * g_autoptr(MsMemoryArea) data =
 *   ms_memory_area_new (0x10000, 0x4000, MS_PROT_READ | MS_PROT_WRITE,
 *                       MS_MAPPING_BACKEND (host));
 *
 * if (!ms_memory_set_map (set, data, NULL, FALSE, &error))
 *   g_error ("%s", error->message);
 * ((guint8 *) ms_host_backend_get_base (host))[0x10000] = 42;
 * ```
 *
 * A host backend can only be made with [ctor@Ms.HostBackend.new]; one
 * made with g_object_new() has an empty reservation and refuses every
 * call. Its methods must not be called from two threads at once.
 *
 * Since: 1.0
 */
struct _MsHostBackend
{
  GObject  parent_instance;

  guint8  *base;          /* the reservation, or NULL */
  guint64  size;          /* its size, a multiple of page_size */
  gsize    page_size;

  /* The mapped pages, as maximal runs of pages with one protection:
   * Run.start (see run_key()) -> Run, owned. The backend's own memory is
   * proportional to the runs, whatever the sizes mapped. */
  GTree   *runs;
};

typedef struct {
  guint64 start;
  guint64 end;
  MsProt  prot;
} Run;

#define PROT_MASK   (MS_PROT_READ | MS_PROT_WRITE | MS_PROT_EXEC)
#define FLAGS_MASK  (PROT_MASK | MS_PROT_SHARED)

G_STATIC_ASSERT (MS_PROT_READ == PROT_READ);
G_STATIC_ASSERT (MS_PROT_WRITE == PROT_WRITE);
G_STATIC_ASSERT (MS_PROT_EXEC == PROT_EXEC);
G_STATIC_ASSERT (MS_PROT_NONE == PROT_NONE);

#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"
#define RANGE_FORMAT "[" ADDR_FORMAT ", " ADDR_FORMAT ")"

enum {
  PROP_0,
  PROP_SIZE,
  PROP_PAGE_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void ms_host_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsHostBackend, ms_host_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_host_backend_iface_init))

/* The runs are keyed by a pointer to their start. */
static gint
compare_starts (gconstpointer a,
                gconstpointer b,
                gpointer      user_data)
{
  guint64 x = *(const guint64 *) a;
  guint64 y = *(const guint64 *) b;

  return (x > y) - (x < y);
}

static void
run_free (gpointer data)
{
  g_slice_free (Run, data);
}

static inline Run *
node_run (GTreeNode *node)
{
  return g_tree_node_value (node);
}

/* The run that contains @addr, or else the first run after it; NULL
 * when there is none. */
static GTreeNode *
run_at_or_after (MsHostBackend *self,
                 guint64        addr)
{
  GTreeNode *after = g_tree_upper_bound (self->runs, &addr);
  GTreeNode *before = after != NULL ? g_tree_node_previous (after) : g_tree_node_last (self->runs);

  if (before != NULL && node_run (before)->end > addr)
    return before;
  return after;
}

/* Whether [start, end) is entirely mapped (or, with @mapped FALSE,
 * entirely unmapped). */
static gboolean
range_is (MsHostBackend *self,
          guint64        start,
          guint64        end,
          gboolean       mapped)
{
  GTreeNode *node = run_at_or_after (self, start);
  guint64 covered = start;

  if (!mapped)
    return node == NULL || node_run (node)->start >= end;

  for (; node != NULL && covered < end; node = g_tree_node_next (node))
    {
      Run *run = node_run (node);

      if (run->start > covered)
        return FALSE;
      covered = run->end;
    }
  return covered >= end;
}

static void
insert_run (MsHostBackend *self,
            guint64        start,
            guint64        end,
            MsProt         prot)
{
  Run *run = g_slice_new (Run);

  run->start = start;
  run->end = end;
  run->prot = prot;
  g_tree_insert (self->runs, &run->start, run);
}

/* Forgets the pages of [start, end): runs inside go, runs that cross a
 * boundary are cut. */
static void
forget_range (MsHostBackend *self,
              guint64        start,
              guint64        end)
{
  GTreeNode *node = run_at_or_after (self, start);

  while (node != NULL && node_run (node)->start < end)
    {
      Run *run = node_run (node);
      GTreeNode *next = g_tree_node_next (node);

      if (run->end > end)
        insert_run (self, end, run->end, run->prot);
      if (run->start < start)
        run->end = start;
      else
        g_tree_remove (self->runs, &run->start);

      /* Inserting or removing may rebalance the tree, but leaves the
       * other nodes where they are. */
      node = next != NULL && node_run (next)->start < end ? next : NULL;
    }
}

/* Records [start, end) as mapped with @prot, joining runs of the same
 * protection on either side. */
static void
record_range (MsHostBackend *self,
              guint64        start,
              guint64        end,
              MsProt         prot)
{
  GTreeNode *next, *prev;

  forget_range (self, start, end);

  next = g_tree_lower_bound (self->runs, &end);
  if (next != NULL && node_run (next)->start == end && node_run (next)->prot == prot)
    {
      end = node_run (next)->end;
      g_tree_remove (self->runs, &node_run (next)->start);
    }

  prev = run_at_or_after (self, start);
  prev = prev != NULL ? g_tree_node_previous (prev) : g_tree_node_last (self->runs);
  if (prev != NULL && node_run (prev)->end == start && node_run (prev)->prot == prot)
    node_run (prev)->end = end;
  else
    insert_run (self, start, end, prot);
}

/* A kernel call failed with @errsv: the error, with a hint when the
 * process ran out of mappings. */
static gboolean
set_errno_error (GError     **error,
                 int          errsv,
                 const char  *call,
                 const char  *operation,
                 guint64      start,
                 guint64      end)
{
  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "Cannot %s " RANGE_FORMAT ": %s failed: %s%s",
               operation, start, end, call, g_strerror (errsv),
               errsv == ENOMEM ? " (out of memory, or the process reached its limit "
                                 "of mappings, vm.max_map_count)" : "");
  return FALSE;
}

/* Checks that [start, start + size) is a non-empty, page-aligned range
 * inside the reservation. */
static gboolean
check_range (MsHostBackend  *self,
             const char     *operation,
             guint64         start,
             guint64         size,
             GError        **error)
{
  const char *why = NULL;

  if (self->base == NULL)
    why = "the backend has no reservation (make it with ms_host_backend_new())";
  else if (size == 0)
    why = "the range is empty";
  else if (start % self->page_size != 0 || size % self->page_size != 0)
    why = start % self->page_size != 0 ? "the start is not page-aligned"
                                       : "the size is not a multiple of the page size";
  else if (start > self->size || size > self->size - start)
    why = "the range is not inside the reservation";

  if (why == NULL)
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "Cannot %s " ADDR_FORMAT " bytes at " ADDR_FORMAT ": %s "
               "(page size %" G_GSIZE_FORMAT ", reservation of " ADDR_FORMAT " bytes)",
               operation, size, start, why, self->page_size, self->size);
  return FALSE;
}

static gboolean
check_flags (guint64      flags,
             const char  *operation,
             guint64      start,
             guint64      end,
             GError     **error)
{
  if ((flags & ~(guint64) FLAGS_MASK) == 0)
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "Cannot %s " RANGE_FORMAT " with flags " ADDR_FORMAT ": bits "
               ADDR_FORMAT " are not MsProt flags (read, write, exec, shared)",
               operation, start, end, flags, flags & ~(guint64) FLAGS_MASK);
  return FALSE;
}

static gboolean
check_state (MsHostBackend  *self,
             const char     *operation,
             guint64         start,
             guint64         end,
             gboolean        mapped,
             GError        **error)
{
  if (range_is (self, start, end, mapped))
    return TRUE;

  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "Cannot %s " RANGE_FORMAT ": %s", operation, start, end,
               mapped ? "part of the range is not mapped" : "part of the range is already mapped");
  return FALSE;
}

/* Whether no page of [start, end) is shared. */
static gboolean
range_is_private (MsHostBackend *self,
                  guint64        start,
                  guint64        end)
{
  for (GTreeNode *node = run_at_or_after (self, start);
       node != NULL && node_run (node)->start < end;
       node = g_tree_node_next (node))
    if (node_run (node)->prot & MS_PROT_SHARED)
      return FALSE;
  return TRUE;
}

/* Shared memory stays shared and private memory private: mprotect
 * cannot change that. */
static gboolean
check_sharing (MsHostBackend  *self,
               guint64         start,
               guint64         end,
               guint64         new_flags,
               GError        **error)
{
  for (GTreeNode *node = run_at_or_after (self, start);
       node != NULL && node_run (node)->start < end;
       node = g_tree_node_next (node))
    if ((node_run (node)->prot ^ new_flags) & MS_PROT_SHARED)
      {
        g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
                     "Cannot protect " RANGE_FORMAT ": memory mapped %s cannot become %s",
                     start, end, (new_flags & MS_PROT_SHARED) ? "private" : "shared",
                     (new_flags & MS_PROT_SHARED) ? "shared" : "private");
        return FALSE;
      }
  return TRUE;
}

/* Puts [start, end) back into the reservation: inaccessible, contents
 * dropped. */
static int
reserve_range (MsHostBackend *self,
               guint64        start,
               guint64        end)
{
  void *addr = self->base + start;
  gsize size = end - start;

  if (mmap (addr, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
            -1, 0) != MAP_FAILED)
    return 0;

  /* At the limit of mappings (vm.max_map_count) the kernel may refuse a
   * new mapping even where it would merge. Taking the access away and
   * dropping the pages needs none: the range is inaccessible, and reads
   * as zeros once mapped again. */
  if (errno == ENOMEM && mprotect (addr, size, PROT_NONE) == 0 &&
      madvise (addr, size, MADV_DONTNEED) == 0)
    return 0;
  return errno;
}

static gboolean
ms_host_backend_map (MsMappingBackend  *backend,
                     guint64            start,
                     guint64            size,
                     guint64            flags,
                     GObject           *page_table,
                     GError           **error)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  guint64 end = start + size;
  int errsv;

  if (!check_range (self, "map", start, size, error) ||
      !check_flags (flags, "map", start, end, error) ||
      !check_state (self, "map", start, end, FALSE, error))
    return FALSE;

  if (mmap (self->base + start, size, (int) (flags & PROT_MASK),
            ((flags & MS_PROT_SHARED) != 0 ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS | MAP_FIXED,
            -1, 0) == MAP_FAILED)
    {
      errsv = errno;
      /* A failed MAP_FIXED may have dropped the reservation there: the
       * range was unmapped, so putting the reservation back restores it
       * exactly. */
      reserve_range (self, start, end);
      return set_errno_error (error, errsv, "mmap", "map", start, end);
    }

  record_range (self, start, end, flags);
  return TRUE;
}

static gboolean
ms_host_backend_unmap (MsMappingBackend  *backend,
                       guint64            start,
                       guint64            size,
                       GObject           *page_table,
                       GError           **error)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  guint64 end = start + size;
  int errsv;

  if (!check_range (self, "unmap", start, size, error) ||
      !check_state (self, "unmap", start, end, TRUE, error))
    return FALSE;

  /* The kernel only fails this when it runs out of memory or of
   * mappings (vm.max_map_count). */
  errsv = reserve_range (self, start, end);
  if (errsv != 0)
    return set_errno_error (error, errsv, "mmap", "unmap", start, end);

  forget_range (self, start, end);
  return TRUE;
}

static gboolean
ms_host_backend_protect (MsMappingBackend  *backend,
                         guint64            start,
                         guint64            size,
                         guint64            new_flags,
                         GObject           *page_table,
                         GError           **error)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  guint64 end = start + size;

  if (!check_range (self, "protect", start, size, error) ||
      !check_flags (new_flags, "protect", start, end, error) ||
      !check_state (self, "protect", start, end, TRUE, error) ||
      !check_sharing (self, start, end, new_flags, error))
    return FALSE;

  if (mprotect (self->base + start, size, (int) (new_flags & PROT_MASK)) != 0)
    {
      int errsv = errno;

      /* mprotect may have changed a first part of the range before it
       * failed: give every run its old protection back. */
      for (GTreeNode *node = run_at_or_after (self, start);
           node != NULL && node_run (node)->start < end;
           node = g_tree_node_next (node))
        {
          Run *run = node_run (node);
          guint64 from = MAX (run->start, start), to = MIN (run->end, end);

          mprotect (self->base + from, to - from, run->prot & PROT_MASK);
        }
      return set_errno_error (error, errsv, "mprotect", "protect", start, end);
    }

  record_range (self, start, end, new_flags);
  return TRUE;
}

/* Copies [start, end) to [new_start, ...) through fresh memory there,
 * for when mremap cannot move the range in one go (it spans several
 * kernel mappings). */
static int
copy_range (MsHostBackend *self,
            guint64        start,
            guint64        end,
            guint64        new_start)
{
  gsize size = end - start;

  if (mmap (self->base + new_start, size, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
    {
      int errsv = errno;

      reserve_range (self, new_start, new_start + size);
      return errsv;
    }

  for (GTreeNode *node = run_at_or_after (self, start);
       node != NULL && node_run (node)->start < end;
       node = g_tree_node_next (node))
    {
      Run *run = node_run (node);
      guint64 from = MAX (run->start, start), to = MIN (run->end, end);

      /* Unreadable pages have nothing to copy but zeros. */
      if ((run->prot & MS_PROT_READ) == 0)
        mprotect (self->base + from, to - from, PROT_READ);
      memcpy (self->base + new_start + (from - start), self->base + from, to - from);
      mprotect (self->base + new_start + (from - start), to - from, run->prot & PROT_MASK);
    }
  return 0;
}

static gboolean
ms_host_backend_move (MsMappingBackend  *backend,
                      guint64            old_start,
                      guint64            size,
                      guint64            new_start,
                      GObject           *page_table,
                      GError           **error)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  guint64 old_end = old_start + size, new_end = new_start + size;
  g_autoptr(GArray) moved = NULL;
  int errsv = 0;

  if (!check_range (self, "move", old_start, size, error) ||
      !check_range (self, "move", new_start, size, error) ||
      !check_state (self, "move", old_start, old_end, TRUE, error) ||
      !check_state (self, "move", new_start, new_end, FALSE, error))
    return FALSE;

  /* The kernel moves the pages, contents and all, over the reservation
   * at the destination; the source is put back into the reservation. */
  if (mremap (self->base + old_start, size, size, MREMAP_MAYMOVE | MREMAP_FIXED,
              self->base + new_start) == MAP_FAILED)
    {
      errsv = errno;
      /* Shared memory cannot be copied into private memory. */
      if (errsv != EFAULT || !range_is_private (self, old_start, old_end) ||
          (errsv = copy_range (self, old_start, old_end, new_start)) != 0)
        return set_errno_error (error, errsv, "mremap", "move", old_start, old_end);
    }

  /* Give the source back to the reservation. Should the kernel refuse,
   * the range stays inaccessible to the guest anyway: mremap left no
   * mapping there. */
  reserve_range (self, old_start, old_end);

  /* The runs go with the pages. */
  moved = g_array_new (FALSE, FALSE, sizeof (Run));
  for (GTreeNode *node = run_at_or_after (self, old_start);
       node != NULL && node_run (node)->start < old_end;
       node = g_tree_node_next (node))
    {
      Run run = *node_run (node);

      run.start = MAX (run.start, old_start) - old_start + new_start;
      run.end = MIN (run.end, old_end) - old_start + new_start;
      g_array_append_val (moved, run);
    }
  forget_range (self, old_start, old_end);
  for (guint i = 0; i < moved->len; i++)
    {
      Run *run = &g_array_index (moved, Run, i);

      record_range (self, run->start, run->end, run->prot);
    }
  return TRUE;
}

static void
ms_host_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_host_backend_map;
  iface->unmap = ms_host_backend_unmap;
  iface->protect = ms_host_backend_protect;
  iface->move = ms_host_backend_move;
}

static void
ms_host_backend_finalize (GObject *object)
{
  MsHostBackend *self = MS_HOST_BACKEND (object);

  if (self->base != NULL)
    munmap (self->base, self->size);
  g_clear_pointer (&self->runs, g_tree_unref);

  G_OBJECT_CLASS (ms_host_backend_parent_class)->finalize (object);
}

static void
ms_host_backend_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  MsHostBackend *self = MS_HOST_BACKEND (object);

  switch (prop_id)
    {
    case PROP_SIZE:
      g_value_set_uint64 (value, self->size);
      break;

    case PROP_PAGE_SIZE:
      g_value_set_uint64 (value, self->page_size);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_host_backend_class_init (MsHostBackendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ms_host_backend_finalize;
  object_class->get_property = ms_host_backend_get_property;

  /**
   * MsHostBackend:size: (getter get_size)
   *
   * The size of the reservation in bytes: guest addresses run from 0 to
   * `size - 1`.
   *
   * Since: 1.0
   */
  properties[PROP_SIZE] =
    g_param_spec_uint64 ("size", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * MsHostBackend:page-size: (getter get_page_size)
   *
   * The host's page size: the unit of every range the backend maps.
   *
   * Since: 1.0
   */
  properties[PROP_PAGE_SIZE] =
    g_param_spec_uint64 ("page-size", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* What g_strerror() says of ENOMEM; see ms_host_backend_init(). */
static const char *volatile enomem_message;

static void
ms_host_backend_init (MsHostBackend *self)
{
  self->page_size = (gsize) sysconf (_SC_PAGESIZE);
  self->runs = g_tree_new_full (compare_starts, NULL, NULL, run_free);

  /* At the limit of mappings, g_strerror() may fail to load a converter
   * in a non-UTF-8 locale: have it ready (GLib keeps its messages)
   * before it is needed. The result is stored because g_strerror() is
   * declared G_GNUC_CONST: the compiler drops a call whose result is
   * unused. */
  enomem_message = g_strerror (ENOMEM);
}

/**
 * ms_host_backend_new:
 * @size: the size of the guest address space, in bytes: a non-zero
 *   multiple of the host page size
 * @error: return location for a #GError
 *
 * Reserves @size bytes of the process's address space, inaccessible
 * until areas are mapped in it.
 *
 * A @size that is zero, not a multiple of the page size or too large
 * for the host fails with %MS_MAPPING_ERROR_INVALID_PARAM. When the
 * kernel refuses the reservation the error is in the %G_FILE_ERROR
 * domain, from `errno` (usually %G_FILE_ERROR_NOMEM).
 *
 * The reservation uses `MAP_NORESERVE` and takes no memory: only the
 * pages of mapped areas that are touched do.
 *
 * Returns: (transfer full): a new backend, or %NULL on error
 *
 * Since: 1.0
 */
MsHostBackend *
ms_host_backend_new (guint64   size,
                     GError  **error)
{
  g_autoptr(MsHostBackend) self = NULL;
  void *base;
  int errsv;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (MS_TYPE_HOST_BACKEND, NULL);

  if (size == 0 || size % self->page_size != 0 || size > G_MAXSIZE / 2)
    {
      g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
                   "Cannot reserve " ADDR_FORMAT " bytes: the size must be "
                   "a non-zero multiple of the page size (%" G_GSIZE_FORMAT ") "
                   "that the host can address",
                   size, self->page_size);
      return NULL;
    }

  base = mmap (NULL, size, PROT_NONE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED)
    {
      errsv = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
                   "Cannot reserve " ADDR_FORMAT " bytes of address space: %s",
                   size, g_strerror (errsv));
      return NULL;
    }

  self->base = base;
  self->size = size;

  return g_steal_pointer (&self);
}

/**
 * ms_host_backend_get_base:
 * @self: a host backend
 *
 * Gets the host address of guest address 0: guest address `a` lives at
 * `base + a`.
 *
 * Returns: (transfer none) (nullable): the start of the reservation
 *
 * Since: 1.0
 */
gpointer
ms_host_backend_get_base (MsHostBackend *self)
{
  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), NULL);

  return self->base;
}

/**
 * ms_host_backend_get_size: (get-property size)
 * @self: a host backend
 *
 * Gets the size of the reservation.
 *
 * Returns: the size in bytes
 *
 * Since: 1.0
 */
guint64
ms_host_backend_get_size (MsHostBackend *self)
{
  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), 0);

  return self->size;
}

/**
 * ms_host_backend_get_page_size: (get-property page-size)
 * @self: a host backend
 *
 * Gets the host's page size. Every range mapped, unmapped or protected
 * through @self must start and end on a multiple of it.
 *
 * Returns: the page size in bytes
 *
 * Since: 1.0
 */
gsize
ms_host_backend_get_page_size (MsHostBackend *self)
{
  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), 0);

  return self->page_size;
}

/**
 * ms_host_backend_get_prot:
 * @self: a host backend
 * @addr: a guest address
 * @out_prot: (out) (optional) (transfer none): where to store the protection
 *   of the page
 *
 * Tells whether the page that holds @addr is mapped, and with which
 * protection, as the backend was last told by a successful call.
 *
 * Returns: %TRUE if the page is mapped; %FALSE if it is not, or if
 *   @addr is outside the reservation
 *
 * Since: 1.0
 */
gboolean
ms_host_backend_get_prot (MsHostBackend *self,
                          guint64        addr,
                          MsProt        *out_prot)
{
  GTreeNode *node;

  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), FALSE);

  node = run_at_or_after (self, addr);
  if (node == NULL || node_run (node)->start > addr)
    return FALSE;

  if (out_prot != NULL)
    *out_prot = node_run (node)->prot;
  return TRUE;
}

/* Checks that [addr, addr + size) is inside the reservation and that
 * every page it touches is mapped with @needed. */
static gboolean
check_access (MsHostBackend  *self,
              const char     *verb,
              guint64         addr,
              gsize           size,
              MsProt          needed,
              GError        **error)
{
  const char *what = needed == MS_PROT_READ ? "readable" : "writable";
  guint64 covered = addr, end = addr + size;

  if (self->base == NULL || addr > self->size || size > self->size - addr)
    {
      g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_INVALID_PARAM,
                   "Cannot %s %" G_GSIZE_FORMAT " bytes at " ADDR_FORMAT ": "
                   "the range is not inside the reservation of "
                   ADDR_FORMAT " bytes", verb, size, addr, self->size);
      return FALSE;
    }

  if (size == 0)
    return TRUE;

  for (GTreeNode *node = run_at_or_after (self, addr); covered < end; node = g_tree_node_next (node))
    {
      Run *run = node != NULL ? node_run (node) : NULL;

      if (run == NULL || run->start > covered)
        {
          g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT,
                       "Cannot %s [" ADDR_FORMAT ", " ADDR_FORMAT "): "
                       ADDR_FORMAT " is not mapped", verb, addr, end, covered);
          return FALSE;
        }
      if ((run->prot & needed) == 0)
        {
          g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT,
                       "Cannot %s [" ADDR_FORMAT ", " ADDR_FORMAT "): "
                       ADDR_FORMAT " is not %s", verb, addr, end, covered, what);
          return FALSE;
        }
      covered = run->end;
    }

  return TRUE;
}

/**
 * ms_host_backend_read:
 * @self: a host backend
 * @addr: the guest address of the first byte
 * @size: the number of bytes to read
 * @error: return location for a #GError
 *
 * Copies @size bytes of guest memory, from @addr on.
 *
 * Every page the range touches must be mapped with %MS_PROT_READ, or
 * the call fails with %MS_MAPPING_ERROR_FAULT; a range that is not
 * inside the reservation fails with %MS_MAPPING_ERROR_INVALID_PARAM.
 * The address need not be aligned.
 *
 * Returns: (transfer full): a copy of the bytes, or %NULL on error
 *
 * Since: 1.0
 */
GBytes *
ms_host_backend_read (MsHostBackend  *self,
                      guint64         addr,
                      gsize           size,
                      GError        **error)
{
  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_access (self, "read", addr, size, MS_PROT_READ, error))
    return NULL;

  return g_bytes_new (size > 0 ? self->base + addr : NULL, size);
}

/**
 * ms_host_backend_write:
 * @self: a host backend
 * @addr: the guest address of the first byte
 * @data: (array length=size) (element-type guint8): the bytes to write
 * @size: the number of bytes in @data
 * @error: return location for a #GError
 *
 * Copies @data into guest memory at @addr.
 *
 * Every page the range touches must be mapped with %MS_PROT_WRITE, or
 * the call fails with %MS_MAPPING_ERROR_FAULT and writes nothing; a
 * range that is not inside the reservation fails with
 * %MS_MAPPING_ERROR_INVALID_PARAM. To fill code pages, map them
 * writable, write, then protect them with [method@Ms.MemorySet.protect].
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
ms_host_backend_write (MsHostBackend  *self,
                       guint64         addr,
                       const guint8   *data,
                       gsize           size,
                       GError        **error)
{
  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_access (self, "write", addr, size, MS_PROT_WRITE, error))
    return FALSE;

  if (size > 0)
    memcpy (self->base + addr, data, size);
  return TRUE;
}
