/* ms-host-backend.c: a backend that maps real memory of this process
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

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
 * page table of the test suite, the backend keeps the state of each
 * page: map refuses a range of which any page is mapped, unmap and
 * protect refuse a range of which any page is not. A refused call
 * changes nothing. The `page_table` argument of the methods is not used.
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

  /* One byte per page of the reservation: PAGE_MAPPED | MsProt bits, 0
   * for a page that is not mapped. Anonymous memory, so that the pages
   * of a large, mostly unused reservation cost nothing until touched. */
  guint8  *pages;
  gsize    pages_alloc;   /* bytes mapped for @pages */
};

#define PAGE_MAPPED 0x80
#define PROT_MASK   (MS_PROT_READ | MS_PROT_WRITE | MS_PROT_EXEC)

G_STATIC_ASSERT (MS_PROT_READ == PROT_READ);
G_STATIC_ASSERT (MS_PROT_WRITE == PROT_WRITE);
G_STATIC_ASSERT (MS_PROT_EXEC == PROT_EXEC);
G_STATIC_ASSERT (MS_PROT_NONE == PROT_NONE);

#define ADDR_FORMAT "%#" G_GINT64_MODIFIER "x"

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

/* Checks that [start, start + size) is a non-empty, page-aligned range
 * inside the reservation, and gives its first page and page count. */
static gboolean
page_range (MsHostBackend *self,
            guint64        start,
            guint64        size,
            gsize         *first_page,
            gsize         *n_pages)
{
  if (self->base == NULL || size == 0)
    return FALSE;
  if (start % self->page_size != 0 || size % self->page_size != 0)
    return FALSE;
  if (start > self->size || size > self->size - start)
    return FALSE;

  *first_page = start / self->page_size;
  *n_pages = size / self->page_size;
  return TRUE;
}

/* Whether every page of the range is mapped (or, with @mapped FALSE,
 * none is). */
static gboolean
pages_are (MsHostBackend *self,
           gsize          first_page,
           gsize          n_pages,
           gboolean       mapped)
{
  for (gsize i = first_page; i < first_page + n_pages; i++)
    if (((self->pages[i] & PAGE_MAPPED) != 0) != mapped)
      return FALSE;

  return TRUE;
}

/* Puts a page range back into the reservation: inaccessible, contents
 * dropped. */
static gboolean
reserve_range (MsHostBackend *self,
               gsize          first_page,
               gsize          n_pages)
{
  void *addr = self->base + first_page * self->page_size;
  void *got = mmap (addr, n_pages * self->page_size, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE,
                    -1, 0);

  if (got == MAP_FAILED)
    {
      int errsv = errno;

      g_debug ("Cannot return %p (%" G_GSIZE_FORMAT " pages) to the "
               "reservation: %s", addr, n_pages, g_strerror (errsv));
      return FALSE;
    }

  return TRUE;
}

static gboolean
ms_host_backend_map (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     guint64           flags,
                     GObject          *page_table)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  gsize first_page, n_pages;
  void *addr;

  if (!page_range (self, start, size, &first_page, &n_pages) ||
      (flags & ~(guint64) PROT_MASK) != 0 ||
      !pages_are (self, first_page, n_pages, FALSE))
    return FALSE;

  addr = self->base + start;
  if (mmap (addr, size, (int) flags, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
            -1, 0) == MAP_FAILED)
    {
      int errsv = errno;

      g_debug ("Cannot map %p (%" G_GUINT64_FORMAT " bytes): %s",
               addr, size, g_strerror (errsv));
      /* A failed MAP_FIXED may have dropped the reservation there: the
       * range was unmapped, so putting the reservation back restores it
       * exactly. */
      reserve_range (self, first_page, n_pages);
      return FALSE;
    }

  memset (self->pages + first_page, PAGE_MAPPED | (guint8) flags, n_pages);
  return TRUE;
}

static gboolean
ms_host_backend_unmap (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       GObject          *page_table)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  gsize first_page, n_pages;

  if (!page_range (self, start, size, &first_page, &n_pages) ||
      !pages_are (self, first_page, n_pages, TRUE))
    return FALSE;

  /* The kernel only fails this when it runs out of memory or of
   * mappings (vm.max_map_count). */
  if (!reserve_range (self, first_page, n_pages))
    return FALSE;

  memset (self->pages + first_page, 0, n_pages);
  return TRUE;
}

static gboolean
ms_host_backend_protect (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         guint64           new_flags,
                         GObject          *page_table)
{
  MsHostBackend *self = MS_HOST_BACKEND (backend);
  gsize first_page, n_pages;
  void *addr;

  if (!page_range (self, start, size, &first_page, &n_pages) ||
      (new_flags & ~(guint64) PROT_MASK) != 0 ||
      !pages_are (self, first_page, n_pages, TRUE))
    return FALSE;

  addr = self->base + start;
  if (mprotect (addr, size, (int) new_flags) != 0)
    {
      int errsv = errno;
      gsize run_start = first_page;

      g_debug ("Cannot protect %p (%" G_GUINT64_FORMAT " bytes): %s",
               addr, size, g_strerror (errsv));

      /* mprotect may have changed a first part of the range before it
       * failed: give every run of pages its old protection back. */
      for (gsize i = first_page + 1; i <= first_page + n_pages; i++)
        {
          if (i < first_page + n_pages && self->pages[i] == self->pages[run_start])
            continue;
          mprotect (self->base + run_start * self->page_size,
                    (i - run_start) * self->page_size,
                    self->pages[run_start] & PROT_MASK);
          run_start = i;
        }
      return FALSE;
    }

  memset (self->pages + first_page, PAGE_MAPPED | (guint8) new_flags, n_pages);
  return TRUE;
}

static void
ms_host_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_host_backend_map;
  iface->unmap = ms_host_backend_unmap;
  iface->protect = ms_host_backend_protect;
}

static void
ms_host_backend_finalize (GObject *object)
{
  MsHostBackend *self = MS_HOST_BACKEND (object);

  if (self->base != NULL)
    munmap (self->base, self->size);
  if (self->pages != NULL)
    munmap (self->pages, self->pages_alloc);

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

static void
ms_host_backend_init (MsHostBackend *self)
{
  self->page_size = (gsize) sysconf (_SC_PAGESIZE);
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
  gsize n_pages;
  void *base, *pages;
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
    goto failed;

  self->base = base;
  self->size = size;

  n_pages = size / self->page_size;
  self->pages_alloc = (n_pages + self->page_size - 1) / self->page_size * self->page_size;
  pages = mmap (NULL, self->pages_alloc, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (pages == MAP_FAILED)
    goto failed;

  self->pages = pages;

  return g_steal_pointer (&self);

failed:
  errsv = errno;
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errsv),
               "Cannot reserve " ADDR_FORMAT " bytes of address space: %s",
               size, g_strerror (errsv));
  return NULL;
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
 * @out_prot: (out) (optional): where to store the protection of the page
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
  guint8 state;

  g_return_val_if_fail (MS_IS_HOST_BACKEND (self), FALSE);

  if (self->base == NULL || addr >= self->size)
    return FALSE;

  state = self->pages[addr / self->page_size];
  if ((state & PAGE_MAPPED) == 0)
    return FALSE;

  if (out_prot != NULL)
    *out_prot = state & PROT_MASK;
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

  for (gsize page = addr / self->page_size;
       page <= (addr + size - 1) / self->page_size;
       page++)
    {
      guint8 state = self->pages[page];
      guint64 page_addr = MAX (addr, (guint64) page * self->page_size);

      if ((state & PAGE_MAPPED) == 0)
        {
          g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT,
                       "Cannot %s [" ADDR_FORMAT ", " ADDR_FORMAT "): "
                       ADDR_FORMAT " is not mapped", verb, addr, addr + size, page_addr);
          return FALSE;
        }
      if ((state & needed) == 0)
        {
          g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_FAULT,
                       "Cannot %s [" ADDR_FORMAT ", " ADDR_FORMAT "): "
                       ADDR_FORMAT " is not %s", verb, addr, addr + size, page_addr, what);
          return FALSE;
        }
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
