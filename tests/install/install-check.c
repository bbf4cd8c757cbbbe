/* install-check.c: a program built against the installed libmemoryset
 *
 * It runs the README example with a backend of its own, and prints the
 * path of the libmemoryset it runs with.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>

#include <memoryset.h>

#define CHECK_TYPE_BACKEND (check_backend_get_type ())
G_DECLARE_FINAL_TYPE (CheckBackend, check_backend, CHECK, BACKEND, GObject)

struct _CheckBackend
{
  GObject parent_instance;
  guint   n_calls;
};

static void check_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (CheckBackend, check_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      check_backend_iface_init))

static gboolean
check_backend_map (MsMappingBackend *backend,
                   guint64           start,
                   guint64           size,
                   guint64           flags,
                   GObject          *page_table,
                   GError          **error)
{
  CHECK_BACKEND (backend)->n_calls++;
  return TRUE;
}

static gboolean
check_backend_unmap (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     GObject          *page_table,
                     GError          **error)
{
  CHECK_BACKEND (backend)->n_calls++;
  return TRUE;
}

static void
check_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = check_backend_map;
  iface->unmap = check_backend_unmap;
}

static void
check_backend_class_init (CheckBackendClass *klass)
{
}

static void
check_backend_init (CheckBackend *self)
{
}

int
main (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(CheckBackend) backend = g_object_new (CHECK_TYPE_BACKEND, NULL);
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x4000, 1, MS_MAPPING_BACKEND (backend));
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;
  Dl_info info;

  if (!ms_memory_set_map (set, area, NULL, FALSE, &error) ||
      !ms_memory_set_unmap (set, 0x2000, 0x2000, NULL, &error))
    g_error ("%s", error->message);

  areas = ms_memory_set_get_areas (set);
  g_assert_cmpuint (areas->len, ==, 2);
  g_assert_cmphex (ms_memory_area_get_start (areas->pdata[0]), ==, 0x1000);
  g_assert_cmphex (ms_memory_area_get_end (areas->pdata[0]), ==, 0x2000);
  g_assert_cmphex (ms_memory_area_get_start (areas->pdata[1]), ==, 0x4000);
  g_assert_cmphex (ms_memory_area_get_end (areas->pdata[1]), ==, 0x5000);
  g_assert_cmpuint (backend->n_calls, ==, 2);

  /* A protect the backend does not implement fails. */
  g_assert_false (ms_memory_set_protect (set, 0x1000, 0x1000, 3, NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);

  g_assert_true (MS_CHECK_VERSION (1, 0, 0));
  if (dladdr ((void *) ms_memory_set_new, &info) == 0 || info.dli_fname == NULL)
    g_error ("dladdr found no library for ms_memory_set_new");
  printf ("%s\n", info.dli_fname);

  return 0;
}
