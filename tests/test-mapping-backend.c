/* test-mapping-backend.c: MsMappingBackend and its public wrappers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-test-backend.h"

/* A domain of the tests' own, for reasons that are not the set's. */
#define TEST_REASON_ERROR (test_reason_error_quark ())
static G_DEFINE_QUARK (test-reason-error-quark, test_reason_error)
#define TEST_REASON_NO_ROOM 7

/* RecordingBackend: remembers the last call, arguments and all, and
 * answers what it is told to. */
#define RECORDING_TYPE_BACKEND (recording_backend_get_type ())
G_DECLARE_FINAL_TYPE (RecordingBackend, recording_backend, RECORDING, BACKEND, GObject)

struct _RecordingBackend
{
  GObject           parent_instance;
  guint             n_calls;
  MsTestCallKind    kind;
  MsMappingBackend *self;
  guint64           start;
  guint64           size;
  guint64           flags;
  GObject          *page_table;
  gboolean          answer;
  GQuark            reason_domain;     /* 0: refuse without a reason */
  gint              reason_code;
  gboolean          set_error_anyway;  /* a bug: TRUE with an error */
};

static void recording_backend_iface_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (RecordingBackend, recording_backend, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      recording_backend_iface_init))

static gboolean
record (MsMappingBackend *backend,
        MsTestCallKind    kind,
        guint64           start,
        guint64           size,
        guint64           flags,
        GObject          *page_table,
        GError          **error)
{
  RecordingBackend *self = RECORDING_BACKEND (backend);

  self->n_calls++;
  self->kind = kind;
  self->self = backend;
  self->start = start;
  self->size = size;
  self->flags = flags;
  self->page_table = page_table;
  if (!self->answer && self->reason_domain != 0)
    g_set_error_literal (error, self->reason_domain, self->reason_code, "no room");
  if (self->answer && self->set_error_anyway)
    g_set_error_literal (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM, "set but succeeded");
  return self->answer;
}

static gboolean
recording_backend_map (MsMappingBackend *backend,
                       guint64           start,
                       guint64           size,
                       guint64           flags,
                       GObject          *page_table,
                       GError          **error)
{
  return record (backend, MS_TEST_CALL_MAP, start, size, flags, page_table, error);
}

static gboolean
recording_backend_unmap (MsMappingBackend *backend,
                         guint64           start,
                         guint64           size,
                         GObject          *page_table,
                         GError          **error)
{
  return record (backend, MS_TEST_CALL_UNMAP, start, size, 0, page_table, error);
}

static gboolean
recording_backend_protect (MsMappingBackend *backend,
                           guint64           start,
                           guint64           size,
                           guint64           new_flags,
                           GObject          *page_table,
                           GError          **error)
{
  return record (backend, MS_TEST_CALL_PROTECT, start, size, new_flags, page_table, error);
}

static void
recording_backend_iface_init (MsMappingBackendInterface *iface)
{
  iface->map = recording_backend_map;
  iface->unmap = recording_backend_unmap;
  iface->protect = recording_backend_protect;
}

static void
recording_backend_class_init (RecordingBackendClass *klass)
{
}

static void
recording_backend_init (RecordingBackend *self)
{
  self->answer = TRUE;
}

static void
assert_recorded (RecordingBackend *rec,
                 guint             n_calls,
                 MsTestCallKind    kind,
                 guint64           start,
                 guint64           size,
                 guint64           flags,
                 GObject          *page_table)
{
  g_assert_cmpuint (rec->n_calls, ==, n_calls);
  g_assert_cmpint (rec->kind, ==, kind);
  g_assert_true (rec->self == MS_MAPPING_BACKEND (rec));
  g_assert_cmphex (rec->start, ==, start);
  g_assert_cmphex (rec->size, ==, size);
  g_assert_cmphex (rec->flags, ==, flags);
  g_assert_true (rec->page_table == page_table);
}

static void
test_interface (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  MsMappingBackendInterface *iface;
  g_autofree GType *prerequisites = NULL;
  guint n_prerequisites = 0;

  g_assert_true (G_TYPE_IS_INTERFACE (MS_TYPE_MAPPING_BACKEND));
  g_assert_cmpstr (g_type_name (MS_TYPE_MAPPING_BACKEND), ==, "MsMappingBackend");
  prerequisites = g_type_interface_prerequisites (MS_TYPE_MAPPING_BACKEND, &n_prerequisites);
  g_assert_cmpuint (n_prerequisites, ==, 1);
  g_assert_true (prerequisites[0] == G_TYPE_OBJECT);

  g_assert_true (MS_IS_MAPPING_BACKEND (backend));
  g_assert_true (g_type_is_a (RECORDING_TYPE_BACKEND, MS_TYPE_MAPPING_BACKEND));

  /* No defaults: a backend implements the methods it has. */
  iface = g_type_default_interface_ref (MS_TYPE_MAPPING_BACKEND);
  g_assert_null (iface->map);
  g_assert_null (iface->unmap);
  g_assert_null (iface->protect);
  g_type_default_interface_unref (iface);

  iface = MS_MAPPING_BACKEND_GET_IFACE (backend);
  g_assert_nonnull (iface->map);
  g_assert_nonnull (iface->unmap);
  g_assert_nonnull (iface->protect);
}

static void
test_wrappers (void)
{
  g_autoptr(RecordingBackend) rec = g_object_new (RECORDING_TYPE_BACKEND, NULL);
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (16);
  MsMappingBackend *backend = MS_MAPPING_BACKEND (rec);
  GObject *pt = G_OBJECT (table);

  g_assert_true (ms_mapping_backend_map (backend, 0x1000, 0x2000, 0xff00000000000007, pt, NULL));
  assert_recorded (rec, 1, MS_TEST_CALL_MAP, 0x1000, 0x2000, 0xff00000000000007, pt);
  g_assert_true (ms_mapping_backend_unmap (backend, 0x1800, 0x100, pt, NULL));
  assert_recorded (rec, 2, MS_TEST_CALL_UNMAP, 0x1800, 0x100, 0, pt);
  g_assert_true (ms_mapping_backend_protect (backend, 0x2000, 0x800, 5, pt, NULL));
  assert_recorded (rec, 3, MS_TEST_CALL_PROTECT, 0x2000, 0x800, 5, pt);

  /* Whatever the arguments: the wrapper checks none of them. */
  g_assert_true (ms_mapping_backend_map (backend, G_MAXUINT64, G_MAXUINT64, 0, NULL, NULL));
  assert_recorded (rec, 4, MS_TEST_CALL_MAP, G_MAXUINT64, G_MAXUINT64, 0, NULL);
  g_assert_true (ms_mapping_backend_unmap (backend, 0, 0, NULL, NULL));
  assert_recorded (rec, 5, MS_TEST_CALL_UNMAP, 0, 0, 0, NULL);
  g_assert_true (ms_mapping_backend_protect (backend, 7, 0, G_MAXUINT64, NULL, NULL));
  assert_recorded (rec, 6, MS_TEST_CALL_PROTECT, 7, 0, G_MAXUINT64, NULL);

  /* FALSE comes back as FALSE. */
  rec->answer = FALSE;
  g_assert_false (ms_mapping_backend_map (backend, 1, 2, 3, pt, NULL));
  assert_recorded (rec, 7, MS_TEST_CALL_MAP, 1, 2, 3, pt);
  g_assert_false (ms_mapping_backend_unmap (backend, 4, 5, pt, NULL));
  assert_recorded (rec, 8, MS_TEST_CALL_UNMAP, 4, 5, 0, pt);
  g_assert_false (ms_mapping_backend_protect (backend, 6, 7, 8, pt, NULL));
  assert_recorded (rec, 9, MS_TEST_CALL_PROTECT, 6, 7, 8, pt);
}

/* The mock backend does the real work on its table through the
 * wrappers. */
static void
test_test_backend (void)
{
  g_autoptr(MsTestBackend) backend = ms_test_backend_new ();
  g_autoptr(MsTestPageTable) table = ms_test_page_table_new (16);
  MsMappingBackend *b = MS_MAPPING_BACKEND (backend);
  GObject *pt = G_OBJECT (table);
  const guint8 *entries = ms_test_page_table_get_entries (table);

  g_assert_true (ms_mapping_backend_map (b, 4, 4, 0x102, pt, NULL));
  g_assert_cmpmem (entries, 16, "\0\0\0\0\2\2\2\2\0\0\0\0\0\0\0\0", 16);
  g_assert_false (ms_mapping_backend_map (b, 6, 4, 3, pt, NULL));
  g_assert_true (ms_mapping_backend_protect (b, 5, 2, 7, pt, NULL));
  g_assert_false (ms_mapping_backend_protect (b, 7, 2, 7, pt, NULL));
  g_assert_false (ms_mapping_backend_unmap (b, 0, 5, pt, NULL));
  g_assert_false (ms_mapping_backend_map (b, 12, 8, 1, pt, NULL));
  g_assert_cmpmem (entries, 16, "\0\0\0\0\2\7\7\2\0\0\0\0\0\0\0\0", 16);
  ms_test_backend_fail_nth_call (backend, 2);
  g_assert_true (ms_mapping_backend_unmap (b, 4, 1, pt, NULL));
  g_assert_false (ms_mapping_backend_unmap (b, 5, 1, pt, NULL));
  g_assert_true (ms_mapping_backend_unmap (b, 5, 1, pt, NULL));
  g_assert_cmpmem (entries, 16, "\0\0\0\0\0\0\7\2\0\0\0\0\0\0\0\0", 16);
  g_assert_cmpuint (ms_test_backend_get_calls (backend)->len, ==, 9);
}

static void
test_missing_methods (void)
{
  for (MsTestMethods methods = 0; methods <= MS_TEST_METHOD_ALL; methods++)
    {
      g_autoptr(MsTestBackend) delegate = ms_test_backend_new ();
      g_autoptr(MsMappingBackend) backend = ms_test_partial_backend_new (methods, delegate);
      MsMappingBackendInterface *iface = MS_MAPPING_BACKEND_GET_IFACE (backend);
      gboolean has_map = (methods & MS_TEST_METHOD_MAP) != 0;
      gboolean has_unmap = (methods & MS_TEST_METHOD_UNMAP) != 0;
      gboolean has_protect = (methods & MS_TEST_METHOD_PROTECT) != 0;
      const GArray *calls = ms_test_backend_get_calls (delegate);

      g_assert_true ((iface->map != NULL) == has_map);
      g_assert_true ((iface->unmap != NULL) == has_unmap);
      g_assert_true ((iface->protect != NULL) == has_protect);

      /* A missing method is a FALSE, never a crash; a present one is
       * called (with no table, the mock backend succeeds). */
      g_assert_cmpint (ms_mapping_backend_map (backend, 0, 1, 1, NULL, NULL), ==, has_map);
      g_assert_cmpint (ms_mapping_backend_unmap (backend, 0, 1, NULL, NULL), ==, has_unmap);
      g_assert_cmpint (ms_mapping_backend_protect (backend, 0, 1, 2, NULL, NULL), ==, has_protect);
      g_assert_cmpuint (calls->len, ==, has_map + has_unmap + has_protect);
    }
}

/* A refusal with a reason keeps its domain and code, and gains the
 * operation and the range; one without gets BAD_STATE. The same through
 * the wrappers and through a set. */
static void
test_reasons (void)
{
  g_autoptr(RecordingBackend) rec = g_object_new (RECORDING_TYPE_BACKEND, NULL);
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (0x1000, 0x2000, 1, MS_MAPPING_BACKEND (rec));
  MsMappingBackend *backend = MS_MAPPING_BACKEND (rec);
  g_autoptr(GError) error = NULL;

  rec->answer = FALSE;
  rec->reason_domain = TEST_REASON_ERROR;
  rec->reason_code = TEST_REASON_NO_ROOM;

  g_assert_false (ms_mapping_backend_map (backend, 0x1000, 0x2000, 1, NULL, &error));
  g_assert_error (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM);
  g_assert_cmpstr (error->message, ==, "Failed to map [0x1000, 0x3000): no room");
  g_clear_error (&error);

  g_assert_false (ms_memory_set_map (set, area, NULL, FALSE, &error));
  g_assert_error (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM);
  g_assert_cmpstr (error->message, ==, "Failed to map [0x1000, 0x3000): no room");
  g_clear_error (&error);

  rec->answer = TRUE;
  g_assert_true (ms_memory_set_map (set, area, NULL, FALSE, NULL));
  rec->answer = FALSE;
  g_assert_false (ms_memory_set_protect (set, 0x1800, 0x800, 2, NULL, &error));
  g_assert_error (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM);
  g_assert_cmpstr (error->message, ==, "Failed to protect [0x1800, 0x2000): no room");
  g_clear_error (&error);
  g_assert_false (ms_memory_set_unmap (set, 0, 0x10000, NULL, &error));
  g_assert_error (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM);
  g_assert_cmpstr (error->message, ==, "Failed to unmap [0x1000, 0x3000): no room");
  g_clear_error (&error);
  g_assert_false (ms_memory_set_clear (set, NULL, &error));
  g_assert_error (error, TEST_REASON_ERROR, TEST_REASON_NO_ROOM);
  g_clear_error (&error);
  g_assert_cmpuint (ms_memory_set_get_n_areas (set), ==, 1);

  /* No reason: the generic one, naming the backend. */
  rec->reason_domain = 0;
  g_assert_false (ms_mapping_backend_unmap (backend, 0x1000, 0x10, NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_cmpstr (error->message, ==, "Failed to unmap [0x1000, 0x1010): the backend (RecordingBackend) refused");
  g_clear_error (&error);
  g_assert_false (ms_memory_set_unmap (set, 0x1000, 0x10, NULL, &error));
  g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
  g_assert_cmpstr (error->message, ==, "Failed to unmap [0x1000, 0x1010): the backend (RecordingBackend) refused");
  g_clear_error (&error);

  /* A backend that says TRUE but sets an error has a bug: the call
   * succeeded, the error is dropped with a critical warning. */
  rec->answer = TRUE;
  rec->set_error_anyway = TRUE;
  g_test_expect_message ("Ms", G_LOG_LEVEL_CRITICAL, "*RecordingBackend*protect*returned TRUE*set but succeeded*");
  g_assert_true (ms_memory_set_protect (set, 0x1000, 0x1000, 3, NULL, &error));
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
}

/* A missing method is a BAD_STATE error that names it. */
static void
test_missing_method_errors (void)
{
  g_autoptr(MsMappingBackend) backend = ms_test_partial_backend_new (0, NULL);
  g_autoptr(GError) error = NULL;
  static const char * const names[] = { "map", "unmap", "protect" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *expected = g_strdup_printf ("Cannot %s [0x10, 0x20): the backend "
                                                   "(MsTestPartialBackendNone) does not "
                                                   "implement the %s method", names[i], names[i]);
      gboolean done = i == 0 ? ms_mapping_backend_map (backend, 0x10, 0x10, 1, NULL, &error) :
                      i == 1 ? ms_mapping_backend_unmap (backend, 0x10, 0x10, NULL, &error) :
                               ms_mapping_backend_protect (backend, 0x10, 0x10, 1, NULL, &error);

      g_assert_false (done);
      g_assert_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE);
      g_assert_cmpstr (error->message, ==, expected);
      g_clear_error (&error);
    }
}

static void
test_preconditions (void)
{
  g_autoptr(RecordingBackend) rec = g_object_new (RECORDING_TYPE_BACKEND, NULL);
  g_autoptr(MsTestPageTable) not_a_backend = ms_test_page_table_new (1);
  g_autoptr(GParamSpec) not_an_object = g_param_spec_ref_sink (g_param_spec_int ("x", NULL, NULL,
                                                                                 0, 1, 0, 0));
  MsMappingBackend *backend = MS_MAPPING_BACKEND (rec);
  MsMappingBackend *wrong = (MsMappingBackend *) not_a_backend;
  GObject *bad_table = (GObject *) not_an_object;

  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_map (NULL, 0, 1, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_unmap (NULL, 0, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_protect (NULL, 0, 1, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_map (wrong, 0, 1, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_unmap (wrong, 0, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_protect (wrong, 0, 1, 1, NULL, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_map (backend, 0, 1, 1, bad_table, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_unmap (backend, 0, 1, bad_table, NULL)));
  MS_TEST_EXPECT_CRITICAL ("", "", g_assert_false (ms_mapping_backend_protect (backend, 0, 1, 1, bad_table, NULL)));

  /* None of them reached the backend. */
  g_assert_cmpuint (rec->n_calls, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mapping-backend/interface", test_interface);
  g_test_add_func ("/mapping-backend/wrappers", test_wrappers);
  g_test_add_func ("/mapping-backend/test-backend", test_test_backend);
  g_test_add_func ("/mapping-backend/missing-methods", test_missing_methods);
  g_test_add_func ("/mapping-backend/missing-method-errors", test_missing_method_errors);
  g_test_add_func ("/mapping-backend/reasons", test_reasons);
  g_test_add_func ("/mapping-backend/preconditions", test_preconditions);

  return g_test_run ();
}
