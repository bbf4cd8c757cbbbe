/* ms-test-harness.h: a set and its reference model, driven together
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one checking harness of the C tests: every operation runs on an
 * MsMemorySet and on the model (ms-test-model.h), and the harness
 * aborts unless they agree: the outcome and its error code, the exact
 * backend calls (a journal of all backends, in order, with the injected
 * failure), the flags the update function was asked about, and after
 * the call the areas (start, end, flags, backend, offset, name), their
 * number, the n-areas property and its notifications, the mapped size,
 * and areas held from before the call, which never change.
 * ms_test_harness_check() adds lookups and queries at every boundary.
 */

#pragma once

#include "ms-test-backend.h"
#include "ms-test-model.h"

G_BEGIN_DECLS

typedef struct _MsTestHarness MsTestHarness;

/* A set with @n_backends backends (MsTestBackends, without a page table:
 * every call succeeds unless failed on purpose); those in @no_move (a
 * bit per backend) have no move method. */
MsTestHarness    *ms_test_harness_new          (guint          n_backends,
                                                guint          no_move);
/* A set with one backend of the caller's, such as an MsHostBackend:
 * everything but the backend calls is compared (it has no journal), and
 * no call can be made to fail. */
MsTestHarness    *ms_test_harness_new_for_backend (MsMappingBackend *backend);
void              ms_test_harness_free         (MsTestHarness *self);
MsMemorySet      *ms_test_harness_get_set      (MsTestHarness *self);
MsModel          *ms_test_harness_get_model    (MsTestHarness *self);
MsMappingBackend *ms_test_harness_get_backend  (MsTestHarness *self,
                                                guint          index);
/* Passes @table to every call of the set: the backends keep it. */
void              ms_test_harness_use_page_table (MsTestHarness   *self,
                                                  MsTestPageTable *table);
/* The backend calls of the last operation (MsTestCall). (Each backend's
 * own log is reset by each operation too.) */
const GArray     *ms_test_harness_get_calls    (MsTestHarness *self);
/* Names each operation in the messages of a failed check. */
void              ms_test_harness_set_context  (MsTestHarness *self,
                                                const char    *context);

/* With @reenter, every backend call, update function call and n-areas
 * notification the set makes tries each change of the set, which must
 * fail with BUSY and change nothing, and looks at the set, which must be
 * consistent (ms_test_probe_busy_set). */
void  ms_test_harness_set_reenter       (MsTestHarness *self,
                                         gboolean       reenter);
/* How many times the set was re-entered so. */
guint ms_test_harness_get_n_reentries   (MsTestHarness *self);

/* Makes backend call @n (1 = the first) of the next operation fail. */
void ms_test_harness_fail_call (MsTestHarness *self,
                                guint          n);
/* Whether a call failed on purpose since the harness was made. */
gboolean ms_test_harness_failed (MsTestHarness *self);

/* The operations: each returns the outcome (MS_MODEL_OK or the error
 * code) once set and model agree. */
int ms_test_harness_map          (MsTestHarness *self,
                                  guint64        start,
                                  guint64        size,
                                  guint64        flags,
                                  guint          backend,
                                  guint64        offset,
                                  const char    *name,
                                  gboolean       unmap_overlap);
int ms_test_harness_unmap        (MsTestHarness *self,
                                  guint64        start,
                                  guint64        size);
int ms_test_harness_protect_with (MsTestHarness *self,
                                  guint64        start,
                                  guint64        size,
                                  MsModelUpdate  update,
                                  guint64        param);
/* The same with any function, called by the model and by the set. */
int ms_test_harness_protect_with_func (MsTestHarness     *self,
                                       guint64            start,
                                       guint64            size,
                                       MsUpdateFlagsFunc  func,
                                       gpointer           user_data);
int ms_test_harness_protect      (MsTestHarness *self,
                                  guint64        start,
                                  guint64        size,
                                  guint64        flags);
int ms_test_harness_clear        (MsTestHarness *self);
int ms_test_harness_remap        (MsTestHarness *self,
                                  guint64        old_start,
                                  guint64        old_size,
                                  guint64        new_start,
                                  guint64        new_size);
/* The bookkeeping calls, which reach no backend. */
int ms_test_harness_split        (MsTestHarness *self,
                                  guint64        addr);
int ms_test_harness_join         (MsTestHarness *self,
                                  guint64        addr);
int ms_test_harness_set_offsets  (MsTestHarness *self,
                                  guint64        start,
                                  guint64        size,
                                  guint64        offset);
/* Writes @areas as maps text and loads it with backend @backend. */
int ms_test_harness_load         (MsTestHarness     *self,
                                  const MsModelArea *areas,
                                  guint              n_areas,
                                  guint              backend);
void ms_test_harness_set_merge   (MsTestHarness *self,
                                  gboolean       merge);
void ms_test_harness_set_limit   (MsTestHarness *self,
                                  guint          max_areas);
/* Keeps a reference to the area at @addr, if any: it must never change. */
void ms_test_harness_hold        (MsTestHarness *self,
                                  guint64        addr);

/* The lookups of @set agree with each other: the areas are ordered and
 * disjoint, every listing has them all, find and overlaps find them,
 * the gaps are free and so is what find_free_area and its top-down twin
 * give. */
void ms_test_check_lookups  (MsMemorySet      *set);
/* Fails the test unless the area of @set at @start is [start, end) with
 * @flags, @offset, @name and @backend. */
void ms_test_assert_area    (MsMemorySet      *set,
                             guint64           start,
                             guint64           end,
                             guint64           flags,
                             guint64           offset,
                             const char       *name,
                             MsMappingBackend *backend);
/* What code that the busy @set calls (a backend, a callback, a
 * destructor) may do: every change fails with BUSY, without a backend
 * call (@backend is one to try them with) and without changing the
 * set, and, in sets of up to 64 areas, the lookups agree
 * (ms_test_check_lookups). */
void ms_test_probe_busy_set (MsMemorySet      *set,
                             MsMappingBackend *backend);

/* Compares lookups and queries with the model at every boundary of the
 * model and around it: find, overlaps, areas and gaps in ranges, and
 * find_free_area and its top-down twin for a few sizes and
 * alignments. */
void ms_test_harness_check       (MsTestHarness *self);

/* Scenarios, written once in tests/scenarios.txt and replayed here (and
 * by the Python tests). Each line is an operation or an expectation;
 * see the head of the file. */
typedef struct _MsTestScenario MsTestScenario;

/* The scenarios of the file, in order (G_TEST_SRCDIR). */
GPtrArray  *ms_test_scenarios_load   (void);
const char *ms_test_scenario_get_name (MsTestScenario *scenario);
/* Runs @scenario in a new harness, with backend call @fail_at (1 = the
 * first of the scenario, 0 = none) failing; expectations hold until a
 * failure happened. Returns the number of backend calls it made. */
guint       ms_test_scenario_run     (MsTestScenario *scenario,
                                      guint           fail_at);

G_END_DECLS
