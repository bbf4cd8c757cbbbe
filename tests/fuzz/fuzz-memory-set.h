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

#define MS_FUZZ_N_OPS 17

/* What the inputs run so far did, for the record. */
typedef struct {
  guint64 inputs;
  guint64 operations;
  guint64 ops[MS_FUZZ_N_OPS];  /* by opcode */
  guint64 text_loaded;         /* maps texts that loaded */
  guint64 text_refused;        /* and that were refused */
  guint64 disposed;            /* backends disposed inside a change */
} MsFuzzStats;

const MsFuzzStats *ms_fuzz_get_stats (void);
/* The name of opcode @op. */
const char        *ms_fuzz_op_name   (guint op);

/* Makes GLib warnings and criticals fatal. */
void ms_fuzz_init      (void);

G_END_DECLS
