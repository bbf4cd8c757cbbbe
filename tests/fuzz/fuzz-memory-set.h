/* fuzz-memory-set.h: runs one fuzz input against MsMemorySet and the model
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Decodes @data into a sequence of operations, runs each on a fresh
 * MsMemorySet and on the model, and checks them after every operation.
 * Any disagreement aborts the process with a message. */
void ms_fuzz_run_input (const guint8 *data,
                        gsize         size);

/* What the inputs run so far did, for the record. */
typedef struct {
  guint64 operations;
  guint64 changes;           /* map, unmap, protect, protect_with, clear */
  guint64 lookups;           /* find, overlaps, find_free_area */
  guint64 backend_calls;
  guint64 injected_failures; /* backend calls made to fail */
  guint64 errors[4];         /* by MsMappingError code */
} MsFuzzStats;

const MsFuzzStats *ms_fuzz_get_stats (void);

/* Makes GLib warnings and criticals fatal. */
void ms_fuzz_init      (void);

G_END_DECLS
