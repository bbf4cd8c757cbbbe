/* quickstart.c: map a range, unmap its middle, list what is left
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>

#include <memoryset.h>

/* A backend that only prints what it is asked to do. A real one would
 * change the page table it is given. */
#define QS_TYPE_BACKEND (qs_backend_get_type ())
G_DECLARE_FINAL_TYPE (QsBackend, qs_backend, QS, BACKEND, GObject)

struct _QsBackend
{
  GObject parent_instance;
};

static void qs_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (QsBackend, qs_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      qs_backend_iface_init))

static gboolean
qs_backend_map (MsMappingBackend *backend,
                guint64           start,
                guint64           size,
                guint64           flags,
                GObject          *page_table,
                GError          **error)
{
  g_print ("backend: map     [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x) "
           "flags %#" G_GINT64_MODIFIER "x\n", start, start + size, flags);
  return TRUE;
}

static gboolean
qs_backend_unmap (MsMappingBackend *backend,
                  guint64           start,
                  guint64           size,
                  GObject          *page_table,
                  GError          **error)
{
  g_print ("backend: unmap   [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x)\n",
           start, start + size);
  return TRUE;
}

static gboolean
qs_backend_protect (MsMappingBackend *backend,
                    guint64           start,
                    guint64           size,
                    guint64           new_flags,
                    GObject          *page_table,
                    GError          **error)
{
  g_print ("backend: protect [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x) "
           "flags %#" G_GINT64_MODIFIER "x\n", start, start + size, new_flags);
  return TRUE;
}

static void
qs_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = qs_backend_map;
  iface->unmap = qs_backend_unmap;
  iface->protect = qs_backend_protect;
}

static void
qs_backend_class_init (QsBackendClass *klass)
{
}

static void
qs_backend_init (QsBackend *self)
{
}

int
main (void)
{
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(QsBackend) backend = g_object_new (QS_TYPE_BACKEND, NULL);
  g_autoptr(MsMemoryArea) area = NULL;
  g_autoptr(GPtrArray) areas = NULL;
  g_autoptr(GError) error = NULL;

  /* Map [0x1000, 0x5000) with flags 1. No page table here: the set
   * passes NULL on to the backend. */
  area = ms_memory_area_new (0x1000, 0x4000, 1, MS_MAPPING_BACKEND (backend));
  if (!ms_memory_set_map (set, area, NULL, FALSE, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Unmap [0x2000, 0x4000): the area is split in two. */
  if (!ms_memory_set_unmap (set, 0x2000, 0x2000, NULL, &error))
    {
      g_printerr ("%s\n", error->message);
      return EXIT_FAILURE;
    }

  areas = ms_memory_set_get_areas (set);
  g_print ("%u areas:\n", areas->len);
  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *a = g_ptr_array_index (areas, i);

      g_print ("  [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER "x) flags %#" G_GINT64_MODIFIER "x\n",
               ms_memory_area_get_start (a), ms_memory_area_get_end (a),
               ms_memory_area_get_flags (a));
    }

  return EXIT_SUCCESS;
}
