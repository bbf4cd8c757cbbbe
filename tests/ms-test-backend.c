/* ms-test-backend.c: a flat page table and an all-or-nothing mock backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

#include <string.h>

struct _MsTestPageTable
{
  GObject  parent_instance;
  guint8  *entries;
  gsize    size;
};

G_DEFINE_FINAL_TYPE (MsTestPageTable, ms_test_page_table, G_TYPE_OBJECT)

static void
ms_test_page_table_finalize (GObject *object)
{
  MsTestPageTable *self = MS_TEST_PAGE_TABLE (object);

  g_free (self->entries);

  G_OBJECT_CLASS (ms_test_page_table_parent_class)->finalize (object);
}

static void
ms_test_page_table_class_init (MsTestPageTableClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_test_page_table_finalize;
}

static void
ms_test_page_table_init (MsTestPageTable *self)
{
}

MsTestPageTable *
ms_test_page_table_new (gsize size)
{
  MsTestPageTable *self = g_object_new (MS_TEST_TYPE_PAGE_TABLE, NULL);

  self->entries = g_malloc0 (size);
  self->size = size;

  return self;
}

gsize
ms_test_page_table_get_size (MsTestPageTable *self)
{
  return self->size;
}

guint8 *
ms_test_page_table_get_entries (MsTestPageTable *self)
{
  return self->entries;
}

struct _MsTestBackend
{
  GObject        parent_instance;
  GArray        *calls;        /* of MsTestCall */
  guint          fail_in;      /* the call that fails, counted from now; 0 = none */
  MsTestJournal *journal;      /* not owned, or NULL */
  guint          index;        /* in the journal */
  MsTestHook     hook;
  gpointer       hook_data;
};

static void ms_test_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsTestBackend, ms_test_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_test_backend_iface_init))

/* The table's entries for [start, start + size), or NULL when the range
 * is not inside the table. */
static guint8 *
table_range (GObject *page_table,
             guint64  start,
             guint64  size)
{
  MsTestPageTable *table = MS_TEST_PAGE_TABLE (page_table);

  if (start > table->size || size > table->size - start)
    return NULL;

  return table->entries + start;
}

static gboolean
range_has_value (const guint8 *entries,
                 guint64       size,
                 gboolean      want_zero)
{
  for (guint64 i = 0; i < size; i++)
    if ((entries[i] == 0) != want_zero)
      return FALSE;

  return TRUE;
}

/* Logs a call, and gives its result. */
static gboolean
log_call (MsTestBackend  *self,
          MsTestCallKind  kind,
          guint64         start,
          guint64         size,
          guint64         flags,
          gboolean        succeeded)
{
  MsTestCall call = { kind, start, size, flags, succeeded, self->index };

  g_array_append_val (self->calls, call);
  if (self->journal != NULL)
    g_array_append_val (self->journal->calls, call);
  return succeeded;
}

/* Logs a refused call, and says why. */
static gboolean
refuse_call (MsTestBackend   *self,
             MsTestCallKind   kind,
             guint64          start,
             guint64          size,
             guint64          flags,
             GError         **error,
             const char      *why)
{
  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE, "%s", why);
  return log_call (self, kind, start, size, flags, FALSE);
}

/* Runs the hook; the caller holds a reference to @self across it. */
static void
run_hook (MsTestBackend  *self,
          MsTestCallKind  kind,
          guint64         start,
          guint64         size)
{
  if (self->hook != NULL)
    self->hook (kind, start, size, self->hook_data);
}

static gboolean
injected_failure (MsTestBackend *self)
{
  if (self->journal != NULL && self->journal->calls->len + 1 == self->journal->fail_at)
    return TRUE;

  if (self->fail_in == 0)
    return FALSE;

  return --self->fail_in == 0;
}

static gboolean
ms_test_backend_map (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     guint64           flags,
                     GObject          *page_table,
                     GError          **error)
{
  /* Alive across a hook that drops references. */
  g_autoptr(MsTestBackend) self = g_object_ref (MS_TEST_BACKEND (backend));
  guint8 *entries;

  run_hook (self, MS_TEST_CALL_MAP, start, size);
  if (injected_failure (self))
    return refuse_call (self, MS_TEST_CALL_MAP, start, size, flags, error, MS_TEST_INJECTED_FAILURE);
  if (page_table == NULL)
    return log_call (self, MS_TEST_CALL_MAP, start, size, flags, TRUE);

  entries = table_range (page_table, start, size);
  if (entries == NULL || !range_has_value (entries, size, TRUE))
    return refuse_call (self, MS_TEST_CALL_MAP, start, size, flags, error,
                        entries == NULL ? "the range is outside the page table"
                                        : "an entry of the range is already set");

  memset (entries, (guint8) flags, size);
  return log_call (self, MS_TEST_CALL_MAP, start, size, flags, TRUE);
}

static gboolean
ms_test_backend_unmap (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       GObject          *page_table,
                       GError          **error)
{
  /* Alive across a hook that drops references. */
  g_autoptr(MsTestBackend) self = g_object_ref (MS_TEST_BACKEND (backend));
  guint8 *entries;

  run_hook (self, MS_TEST_CALL_UNMAP, start, size);
  if (injected_failure (self))
    return refuse_call (self, MS_TEST_CALL_UNMAP, start, size, 0, error, MS_TEST_INJECTED_FAILURE);
  if (page_table == NULL)
    return log_call (self, MS_TEST_CALL_UNMAP, start, size, 0, TRUE);

  entries = table_range (page_table, start, size);
  if (entries == NULL || !range_has_value (entries, size, FALSE))
    return refuse_call (self, MS_TEST_CALL_UNMAP, start, size, 0, error,
                        entries == NULL ? "the range is outside the page table"
                                        : "an entry of the range is not set");

  memset (entries, 0, size);
  return log_call (self, MS_TEST_CALL_UNMAP, start, size, 0, TRUE);
}

static gboolean
ms_test_backend_protect (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         guint64           new_flags,
                         GObject          *page_table,
                         GError          **error)
{
  /* Alive across a hook that drops references. */
  g_autoptr(MsTestBackend) self = g_object_ref (MS_TEST_BACKEND (backend));
  guint8 *entries;

  run_hook (self, MS_TEST_CALL_PROTECT, start, size);
  if (injected_failure (self))
    return refuse_call (self, MS_TEST_CALL_PROTECT, start, size, new_flags, error, MS_TEST_INJECTED_FAILURE);
  if (page_table == NULL)
    return log_call (self, MS_TEST_CALL_PROTECT, start, size, new_flags, TRUE);

  entries = table_range (page_table, start, size);
  if (entries == NULL || !range_has_value (entries, size, FALSE))
    return refuse_call (self, MS_TEST_CALL_PROTECT, start, size, new_flags, error,
                        entries == NULL ? "the range is outside the page table"
                                        : "an entry of the range is not set");

  memset (entries, (guint8) new_flags, size);
  return log_call (self, MS_TEST_CALL_PROTECT, start, size, new_flags, TRUE);
}

/* Moves the entries: all-or-nothing, the source set, the destination
 * clear. The call logs the destination in its flags. */
static gboolean
ms_test_backend_move (MsMappingBackend *backend,
                      guint64           old_start,
                      guint64           size,
                      guint64           new_start,
                      GObject          *page_table,
                      GError          **error)
{
  /* Alive across a hook that drops references. */
  g_autoptr(MsTestBackend) self = g_object_ref (MS_TEST_BACKEND (backend));
  guint8 *from, *to;

  run_hook (self, MS_TEST_CALL_MOVE, old_start, size);
  if (injected_failure (self))
    return refuse_call (self, MS_TEST_CALL_MOVE, old_start, size, new_start, error,
                        MS_TEST_INJECTED_FAILURE);
  if (page_table == NULL)
    return log_call (self, MS_TEST_CALL_MOVE, old_start, size, new_start, TRUE);

  from = table_range (page_table, old_start, size);
  to = table_range (page_table, new_start, size);
  if (from == NULL || to == NULL)
    return refuse_call (self, MS_TEST_CALL_MOVE, old_start, size, new_start, error,
                        "a range is outside the page table");
  if (!range_has_value (from, size, FALSE) || !range_has_value (to, size, TRUE))
    return refuse_call (self, MS_TEST_CALL_MOVE, old_start, size, new_start, error,
                        "the source is not all set, or the destination not all clear");

  memcpy (to, from, size);
  memset (from, 0, size);
  return log_call (self, MS_TEST_CALL_MOVE, old_start, size, new_start, TRUE);
}

static void
ms_test_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_test_backend_map;
  iface->unmap = ms_test_backend_unmap;
  iface->protect = ms_test_backend_protect;
  iface->move = ms_test_backend_move;
}

static void
ms_test_backend_finalize (GObject *object)
{
  MsTestBackend *self = MS_TEST_BACKEND (object);

  g_array_unref (self->calls);

  G_OBJECT_CLASS (ms_test_backend_parent_class)->finalize (object);
}

static void
ms_test_backend_class_init (MsTestBackendClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ms_test_backend_finalize;
}

static void
ms_test_backend_init (MsTestBackend *self)
{
  self->calls = g_array_new (FALSE, FALSE, sizeof (MsTestCall));
}

MsTestBackend *
ms_test_backend_new (void)
{
  return g_object_new (MS_TEST_TYPE_BACKEND, NULL);
}

void
ms_test_backend_fail_nth_call (MsTestBackend *self,
                               guint          n)
{
  self->fail_in = n;
}

void
ms_test_backend_set_hook (MsTestBackend *self,
                          MsTestHook     hook,
                          gpointer       data)
{
  self->hook = hook;
  self->hook_data = data;
}

void
ms_test_backend_set_journal (MsTestBackend *self,
                             MsTestJournal *journal,
                             guint          index)
{
  self->journal = journal;
  self->index = index;
}

const GArray *
ms_test_backend_get_calls (MsTestBackend *self)
{
  return self->calls;
}

void
ms_test_backend_reset_calls (MsTestBackend *self)
{
  g_array_set_size (self->calls, 0);
}

static gboolean
collect_area (MsMemoryArea *area,
              gpointer      user_data)
{
  g_ptr_array_add (user_data, area);
  return FALSE;
}

/* The first address in [from, to) whose entry is not @value, or @to.
 * Compares eight entries at a time: the check runs after every step of
 * the tests, on tables of up to a few megabytes. */
static guint64
first_other_entry (const guint8 *entries,
                   guint64       from,
                   guint64       to,
                   guint8        value)
{
  const guint64 pattern = G_GUINT64_CONSTANT (0x0101010101010101) * value;
  guint64 a = from;

  for (; a < to && (a & 7) != 0; a++)
    if (entries[a] != value)
      return a;

  for (; to - a >= 8; a += 8)
    {
      guint64 word;

      memcpy (&word, entries + a, sizeof word);
      if (word != pattern)
        break;
    }

  for (; a < to; a++)
    if (entries[a] != value)
      return a;

  return to;
}

static void
assert_table_unmapped (MsTestPageTable *table,
                       guint64          from,
                       guint64          to)
{
  guint64 a = first_other_entry (table->entries, from, to, 0);

  if (a < to)
    g_error ("address %#" G_GINT64_MODIFIER "x is mapped in the table "
             "(entry %u) but in no area", a, table->entries[a]);
}

void
ms_test_assert_set_matches_table (MsMemorySet     *set,
                                  MsTestPageTable *table)
{
  g_autoptr(GPtrArray) areas = ms_memory_set_get_areas (set);
  g_autoptr(GPtrArray) visited = g_ptr_array_new ();
  guint64 covered_to = 0;

  ms_memory_set_foreach (set, collect_area, visited);

  g_assert_cmpuint (areas->len, ==, ms_memory_set_get_n_areas (set));
  g_assert_cmpuint (visited->len, ==, areas->len);
  g_assert_cmpint (ms_memory_set_is_empty (set), ==, areas->len == 0);

  for (guint i = 0; i < areas->len; i++)
    {
      MsMemoryArea *area = g_ptr_array_index (areas, i);
      guint64 start = ms_memory_area_get_start (area);
      guint64 end = ms_memory_area_get_end (area);
      guint8 flags = (guint8) ms_memory_area_get_flags (area);
      guint64 a;

      g_assert_true (g_ptr_array_index (visited, i) == area);
      g_assert_cmpuint (ms_memory_area_get_size (area), >, 0);
      g_assert_cmpuint (end, ==, start + ms_memory_area_get_size (area));
      g_assert_cmpuint (end, >, start);
      g_assert_cmpuint (start, >=, covered_to);
      g_assert_true (ms_memory_set_find (set, start) == area);
      g_assert_true (ms_memory_set_find (set, end - 1) == area);

      if (table == NULL)
        {
          covered_to = end;
          continue;
        }

      g_assert_cmpuint (end, <=, table->size);
      assert_table_unmapped (table, covered_to, start);
      a = first_other_entry (table->entries, start, end, flags);
      if (a < end)
        g_error ("address %#" G_GINT64_MODIFIER "x has entry %u in the table "
                 "but flags %#" G_GINT64_MODIFIER "x in the set",
                 a, table->entries[a], ms_memory_area_get_flags (area));
      covered_to = end;
    }

  if (table != NULL)
    assert_table_unmapped (table, covered_to, table->size);
}

void
ms_test_map_ok (MsMemorySet     *set,
                MsTestBackend   *backend,
                MsTestPageTable *table,
                guint64          start,
                guint64          size,
                guint64          flags)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, flags,
                                                     MS_MAPPING_BACKEND (backend));
  g_autoptr(GError) error = NULL;

  ms_memory_set_map (set, area, (GObject *) table, FALSE, &error);
  g_assert_no_error (error);
}

/* MsTestPartialBackend: one GType per set of implemented methods, so
 * that the methods left out really are NULL in the interface. */
typedef struct
{
  GObject        parent_instance;
  MsTestBackend *delegate;   /* owned, nullable */
} MsTestPartialBackend;

typedef GObjectClass MsTestPartialBackendClass;

/* The delegate's own methods: through the public wrappers its reasons
 * would be prefixed twice. (Without a delegate, a method refuses
 * without a reason.) */
static MsMappingBackendInterface *
delegate_iface (MsTestPartialBackend *self)
{
  return MS_MAPPING_BACKEND_GET_IFACE (self->delegate);
}

static gboolean
partial_backend_map (MsMappingBackend *backend,
                     guint64           start,
                     guint64           size,
                     guint64           flags,
                     GObject          *page_table,
                     GError          **error)
{
  MsTestPartialBackend *self = (MsTestPartialBackend *) backend;

  return self->delegate != NULL &&
         delegate_iface (self)->map (MS_MAPPING_BACKEND (self->delegate),
                                     start, size, flags, page_table, error);
}

static gboolean
partial_backend_unmap (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       GObject          *page_table,
                       GError          **error)
{
  MsTestPartialBackend *self = (MsTestPartialBackend *) backend;

  return self->delegate != NULL &&
         delegate_iface (self)->unmap (MS_MAPPING_BACKEND (self->delegate),
                                       start, size, page_table, error);
}

static gboolean
partial_backend_protect (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         guint64           new_flags,
                         GObject          *page_table,
                         GError          **error)
{
  MsTestPartialBackend *self = (MsTestPartialBackend *) backend;

  return self->delegate != NULL &&
         delegate_iface (self)->protect (MS_MAPPING_BACKEND (self->delegate),
                                         start, size, new_flags, page_table, error);
}

static gboolean
partial_backend_move (MsMappingBackend *backend,
                      guint64           old_start,
                      guint64           size,
                      guint64           new_start,
                      GObject          *page_table,
                      GError          **error)
{
  MsTestPartialBackend *self = (MsTestPartialBackend *) backend;

  return self->delegate != NULL &&
         delegate_iface (self)->move (MS_MAPPING_BACKEND (self->delegate),
                                      old_start, size, new_start, page_table, error);
}

static void
partial_backend_iface_init (gpointer g_iface,
                            gpointer iface_data)
{
  MsMappingBackendInterface *iface = g_iface;
  MsTestMethods methods = GPOINTER_TO_UINT (iface_data);

  iface->map = (methods & MS_TEST_METHOD_MAP) ? partial_backend_map : NULL;
  iface->unmap = (methods & MS_TEST_METHOD_UNMAP) ? partial_backend_unmap : NULL;
  iface->protect = (methods & MS_TEST_METHOD_PROTECT) ? partial_backend_protect : NULL;
  iface->move = (methods & MS_TEST_METHOD_MOVE) ? partial_backend_move : NULL;
}

static void
partial_backend_finalize (GObject *object)
{
  MsTestPartialBackend *self = (MsTestPartialBackend *) object;

  g_clear_object (&self->delegate);

  G_OBJECT_CLASS (g_type_class_peek_parent (G_OBJECT_GET_CLASS (object)))->finalize (object);
}

static void
partial_backend_class_init (gpointer klass,
                            gpointer class_data)
{
  G_OBJECT_CLASS (klass)->finalize = partial_backend_finalize;
}

static GType
partial_backend_get_type (MsTestMethods methods)
{
  static GType types[MS_TEST_METHOD_ALL + 1];

  g_assert (methods <= MS_TEST_METHOD_ALL);

  if (g_once_init_enter (&types[methods]))
    {
      g_autofree char *name = g_strdup_printf ("MsTestPartialBackend%s%s%s%s%s",
                                               methods == 0 ? "None" : "",
                                               (methods & MS_TEST_METHOD_MAP) ? "Map" : "",
                                               (methods & MS_TEST_METHOD_UNMAP) ? "Unmap" : "",
                                               (methods & MS_TEST_METHOD_PROTECT) ? "Protect" : "",
                                               (methods & MS_TEST_METHOD_MOVE) ? "Move" : "");
      const GInterfaceInfo iface_info = {
        partial_backend_iface_init, NULL, GUINT_TO_POINTER (methods),
      };
      GType type = g_type_register_static_simple (G_TYPE_OBJECT, name,
                                                  sizeof (MsTestPartialBackendClass),
                                                  (GClassInitFunc) partial_backend_class_init,
                                                  sizeof (MsTestPartialBackend),
                                                  NULL, 0);

      g_type_add_interface_static (type, MS_TYPE_MAPPING_BACKEND, &iface_info);
      g_once_init_leave (&types[methods], type);
    }

  return types[methods];
}

MsMappingBackend *
ms_test_partial_backend_new (MsTestMethods  methods,
                             MsTestBackend *delegate)
{
  MsTestPartialBackend *self = g_object_new (partial_backend_get_type (methods), NULL);

  self->delegate = delegate != NULL ? g_object_ref (delegate) : NULL;

  return MS_MAPPING_BACKEND (self);
}
