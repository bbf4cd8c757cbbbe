/* ms-test-backend.h: a flat page table and an all-or-nothing mock backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <memoryset.h>

G_BEGIN_DECLS

/* The address space of the upstream test suite. */
#define MS_TEST_MAX_ADDR 0x10000

/* MsTestPageTable: one byte per address, 0 meaning unmapped. */
#define MS_TEST_TYPE_PAGE_TABLE (ms_test_page_table_get_type ())
G_DECLARE_FINAL_TYPE (MsTestPageTable, ms_test_page_table, MS_TEST, PAGE_TABLE, GObject)

MsTestPageTable *ms_test_page_table_new         (gsize            size);
gsize            ms_test_page_table_get_size    (MsTestPageTable *self);
guint8          *ms_test_page_table_get_entries (MsTestPageTable *self);

typedef enum {
  MS_TEST_CALL_MAP,
  MS_TEST_CALL_UNMAP,
  MS_TEST_CALL_PROTECT,
  MS_TEST_CALL_MOVE,
} MsTestCallKind;

typedef struct {
  MsTestCallKind kind;
  guint64        start;
  guint64        size;
  guint64        flags;      /* 0 for unmap; the destination for move */
  gboolean       succeeded;
  guint          backend;    /* its index in a journal */
} MsTestCall;

/* The calls of several backends, in the order they were made, and which
 * one fails: MsTestBackends given a journal log there too, and fail on
 * its count as well as their own. */
typedef struct {
  GArray *calls;     /* of MsTestCall */
  guint   fail_at;   /* the call that fails, 1 for the next one; 0 = none */
} MsTestJournal;

/* The reason an MsTestBackend gives for a failure it was told to make
 * (MS_MAPPING_ERROR_BAD_STATE). */
#define MS_TEST_INJECTED_FAILURE "injected failure"

/* MsTestBackend: works on an MsTestPageTable like upstream's mock: map
 * fails if any entry of the range is already set, unmap and protect fail
 * if any entry is 0, move if any source entry is 0 or any destination
 * entry is not; the table stores the low byte of the flags. A call
 * that fails changes nothing, and says why (MS_MAPPING_ERROR_BAD_STATE,
 * with a message). With a NULL page table every call succeeds (unless
 * told to fail). Every call is logged. */
#define MS_TEST_TYPE_BACKEND (ms_test_backend_get_type ())
G_DECLARE_FINAL_TYPE (MsTestBackend, ms_test_backend, MS_TEST, BACKEND, GObject)

MsTestBackend    *ms_test_backend_new           (void);
/* Called at the start of each backend call, before anything else: it
 * may re-enter the set or drop references (the backend stays alive
 * until the call returns). */
typedef void (*MsTestHook) (MsTestCallKind kind,
                            guint64        start,
                            guint64        size,
                            gpointer       data);

void              ms_test_backend_set_hook      (MsTestBackend *self,
                                                 MsTestHook     hook,
                                                 gpointer       data);
/* Makes the @n-th call from now (1 = the next one) fail; 0 = none. */
void              ms_test_backend_fail_nth_call (MsTestBackend *self,
                                                 guint          n);
/* Logs in @journal too, as backend @index, and fails on its count. */
void              ms_test_backend_set_journal   (MsTestBackend *self,
                                                 MsTestJournal *journal,
                                                 guint          index);
/* The calls made since creation or the last reset, as MsTestCall. */
const GArray     *ms_test_backend_get_calls     (MsTestBackend *self);
void              ms_test_backend_reset_calls   (MsTestBackend *self);

/* Fails the test unless @set's areas are ordered, disjoint and
 * non-empty, agree with get_n_areas/foreach/get_areas, and @table holds
 * exactly their flags (low byte) inside them and 0 everywhere else. */
void ms_test_assert_set_matches_table (MsMemorySet     *set,
                                       MsTestPageTable *table);

/* Maps [start, start + size) with @flags through @backend and asserts
 * success. */
void ms_test_map_ok (MsMemorySet     *set,
                     MsTestBackend   *backend,
                     MsTestPageTable *table,
                     guint64          start,
                     guint64          size,
                     guint64          flags);

/* The methods a partial backend implements. */
typedef enum {
  MS_TEST_METHOD_MAP     = 1 << 0,
  MS_TEST_METHOD_UNMAP   = 1 << 1,
  MS_TEST_METHOD_PROTECT = 1 << 2,
  MS_TEST_METHOD_MOVE    = 1 << 3,
  MS_TEST_METHOD_ALL     = 0xf,
} MsTestMethods;

/* A backend whose interface has only @methods, the others being NULL;
 * the ones it has forward to @delegate (nullable: then they fail). Each
 * set of methods is its own GType, named after them
 * ("MsTestPartialBackendMapUnmap", "MsTestPartialBackendNone"...). */
MsMappingBackend *ms_test_partial_backend_new (MsTestMethods  methods,
                                               MsTestBackend *delegate);

/* One way to expect a critical from a precondition: @func and @check are
 * parts of the message, "" for any. */
#define MS_TEST_EXPECT_CRITICAL(func, check, expr) G_STMT_START {              \
    g_test_expect_message ("Ms", G_LOG_LEVEL_CRITICAL,                          \
                           "*" func "*assertion*" check "*failed*");           \
    expr;                                                                       \
    g_test_assert_expected_messages ();                                         \
  } G_STMT_END

G_END_DECLS
