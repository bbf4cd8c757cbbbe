/* ms-fuzz-model.h: an obviously correct model of MsMemorySet
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The address space [0, 2^64) is cut into cells at a fixed list of
 * points (small addresses, addresses around 2^32 and 2^63, and the last
 * pages below 2^64). Every range the fuzzer maps, unmaps or protects
 * starts and ends on a point, so every area is a run of whole cells and
 * the model is one array entry per cell: which area covers it (a tag),
 * with which flags, through which backend. Each operation is a plain
 * loop over the cells, written from the semantics of MsMemorySet and
 * nothing else; it also lists the backend calls the set must make, and
 * where an injected failure stops them.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The cell boundaries, ascending; the first is 0, the last 2^64 - 1
 * (an area always ends at or below 2^64 - 1, so the last cell, one byte,
 * is never mapped). Cell i is [points[i], points[i + 1]), the last one
 * [2^64 - 1, 2^64). */
#define MS_FUZZ_N_POINTS 34
extern const guint64 ms_fuzz_points[MS_FUZZ_N_POINTS];

/* The index of @addr in ms_fuzz_points, or -1. */
int  ms_fuzz_point_index (guint64 addr);
/* The cell that holds @addr. */
guint ms_fuzz_cell_of    (guint64 addr);

typedef enum {
  MS_FUZZ_CALL_MAP,
  MS_FUZZ_CALL_UNMAP,
  MS_FUZZ_CALL_PROTECT,
} MsFuzzCallKind;

extern const char * const ms_fuzz_call_names[3];

/* One backend call: what, through which backend, on which range. */
typedef struct {
  MsFuzzCallKind kind;
  guint          backend;
  guint64        start;
  guint64        end;
  guint64        flags;      /* 0 for unmap */
  gboolean       succeeded;
} MsFuzzCall;

/* The flags functions given to protect_with, shared by the model and
 * the harness. */
typedef enum {
  MS_FUZZ_UPDATE_SET,          /* TRUE, param */
  MS_FUZZ_UPDATE_LEAVE,        /* FALSE */
  MS_FUZZ_UPDATE_XOR,          /* TRUE, old ^ param */
  MS_FUZZ_UPDATE_SAME,         /* TRUE, old */
  MS_FUZZ_UPDATE_ODD_LEAVE,    /* FALSE if old is odd, else TRUE, param */
  MS_FUZZ_N_UPDATES
} MsFuzzUpdate;

gboolean ms_fuzz_update_flags (MsFuzzUpdate  update,
                               guint64       param,
                               guint64       old_flags,
                               guint64      *new_flags);

/* What an operation must give: -1 for success, else the MsMappingError
 * code. */
#define MS_FUZZ_OK (-1)

typedef struct {
  guint   tag;       /* 0: unmapped; the cells of one area share a tag */
  guint   backend;
  guint64 flags;
} MsFuzzCell;

typedef struct {
  guint64 start;
  guint64 end;
  guint64 flags;
  guint   backend;
} MsFuzzArea;

typedef struct {
  MsFuzzCell cells[MS_FUZZ_N_POINTS];
  guint      next_tag;

  /* For the operation running: the backend calls it makes (MsFuzzCall),
   * the old flags it gives to the update function (guint64), and which
   * backend call fails (1 = the first; 0 = none). */
  GArray    *calls;
  GArray    *updates;
  guint      fail_at;
} MsFuzzModel;

void ms_fuzz_model_init  (MsFuzzModel *model);
void ms_fuzz_model_clear (MsFuzzModel *model);

/* Starts an operation: forgets the calls of the previous one. */
void ms_fuzz_model_begin (MsFuzzModel *model,
                          guint        fail_at);

int ms_fuzz_model_map          (MsFuzzModel *model,
                                guint64      start,
                                guint64      size,
                                guint64      flags,
                                guint        backend,
                                gboolean     unmap_overlap);
int ms_fuzz_model_unmap        (MsFuzzModel *model,
                                guint64      start,
                                guint64      size);
int ms_fuzz_model_protect_with (MsFuzzModel *model,
                                guint64      start,
                                guint64      size,
                                MsFuzzUpdate update,
                                guint64      param);
int ms_fuzz_model_clear_all    (MsFuzzModel *model);

/* The areas, in address order (MsFuzzArea). */
GArray  *ms_fuzz_model_get_areas      (MsFuzzModel *model);
gboolean ms_fuzz_model_find           (MsFuzzModel *model,
                                       guint64      addr,
                                       MsFuzzArea  *area);
gboolean ms_fuzz_model_overlaps       (MsFuzzModel *model,
                                       guint64      start,
                                       guint64      size);
gboolean ms_fuzz_model_find_free_area (MsFuzzModel *model,
                                       guint64      hint,
                                       guint64      size,
                                       guint64      limit_start,
                                       guint64      limit_end,
                                       guint64      align,
                                       guint64     *out_start);

G_END_DECLS
