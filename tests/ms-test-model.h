/* ms-test-model.h: an obviously correct model of MsMemorySet, for every
 * C test
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The address space [0, 2^64) is cut into cells at the points that
 * operations have used so far: every cell is wholly mapped or not, with
 * one area (an id), backend, flags, name, and the offset of its first
 * byte. The model's areas are the runs of cells of one id. Each
 * operation is a plain walk over the cells, written from the documented
 * semantics of MsMemorySet and nothing else: it gives the outcome, the
 * backend calls the set must make (with an injected failure stopping
 * them), and the old flags the update function of protect_with is asked
 * about. Ends of ranges are 128-bit numbers, so 2^64 and overflowing
 * ranges need no care. find_free_area and its top-down twin are
 * answered by trying candidate addresses against the definition.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* -1: success; otherwise an MsMappingError code. */
#define MS_MODEL_OK (-1)

typedef enum {
  MS_MODEL_CALL_MAP,
  MS_MODEL_CALL_UNMAP,
  MS_MODEL_CALL_PROTECT,
  MS_MODEL_CALL_MOVE,
} MsModelCallKind;

typedef struct {
  MsModelCallKind kind;
  guint           backend;
  guint64         start;
  guint64         size;
  guint64         arg;        /* flags for map and protect, the destination for move */
  gboolean        succeeded;
} MsModelCall;

/* An area of the model, or of the set (to compare them). */
typedef struct {
  guint64     start;
  guint64     end;
  guint64     flags;
  guint       backend;
  guint64     offset;
  const char *name;          /* interned (g_intern_string) */
} MsModelArea;

/* The update functions protect_with is given, shared by the model and
 * the tests: their answer from the old flags and a parameter. */
typedef enum {
  MS_MODEL_UPDATE_SET,          /* TRUE, param */
  MS_MODEL_UPDATE_LEAVE,        /* FALSE */
  MS_MODEL_UPDATE_XOR,          /* TRUE, old ^ param */
  MS_MODEL_UPDATE_SAME,         /* TRUE, old */
  MS_MODEL_UPDATE_ODD_LEAVE,    /* FALSE if old is odd, else TRUE, param */
  /* The Rust crate's test: the high bits of old, the low three of
   * param; FALSE when the low three already match. */
  MS_MODEL_UPDATE_UPSTREAM,
  MS_MODEL_N_UPDATES
} MsModelUpdate;

gboolean ms_model_update_flags (MsModelUpdate  update,
                                guint64        param,
                                guint64        old_flags,
                                guint64       *new_flags);

/* A named update function with its parameter, as a callback: pass
 * ms_model_named_update with a pointer to one of these as its data. */
typedef struct {
  MsModelUpdate update;
  guint64       param;
} MsModelNamedUpdate;

gboolean ms_model_named_update (guint64   old_flags,
                                guint64  *new_flags,
                                gpointer  user_data);

typedef struct _MsModel MsModel;

/* @n_backends backends, numbered from 0; those in @no_move have no move
 * method (a bit per backend). */
MsModel *ms_model_new            (guint          n_backends,
                                  guint          no_move);
void     ms_model_free           (MsModel       *self);
MsModel *ms_model_copy           (MsModel       *self);

/* Backends without a protect method (a bit per backend), as
 * ms_model_new's @no_move: the set refuses (BAD_STATE) a protect of one
 * of their pieces when the walk reaches it, with no backend call (none is
 * recorded, and none counts towards fail_at); the limit still counts the
 * piece as changed. None at first. */
void     ms_model_set_no_protect (MsModel       *self,
                                  guint          no_protect);
void     ms_model_set_merge      (MsModel       *self,
                                  gboolean       merge);
void     ms_model_set_limit      (MsModel       *self,
                                  guint          max_areas);

/* Starts an operation: forgets the calls of the previous one; backend
 * call @fail_at (1 = the first) fails, 0 for none. */
void     ms_model_begin          (MsModel       *self,
                                  guint          fail_at);
/* The backend calls of the operation (MsModelCall), and the old flags
 * protect_with's update function was asked about (guint64). */
GArray  *ms_model_get_calls      (MsModel       *self);
GArray  *ms_model_get_asked      (MsModel       *self);

int      ms_model_map            (MsModel       *self,
                                  guint64        start,
                                  guint64        size,
                                  guint64        flags,
                                  guint          backend,
                                  guint64        offset,
                                  const char    *name,
                                  gboolean       unmap_overlap);
int      ms_model_unmap          (MsModel       *self,
                                  guint64        start,
                                  guint64        size);
int      ms_model_protect_with   (MsModel       *self,
                                  guint64        start,
                                  guint64        size,
                                  MsModelUpdate  update,
                                  guint64        param);
/* The same with any function: it is called once for each piece the
 * model asks about. */
typedef gboolean (*MsModelUpdateFunc) (guint64   old_flags,
                                       guint64  *new_flags,
                                       gpointer  user_data);
int      ms_model_protect_with_func (MsModel          *self,
                                     guint64           start,
                                     guint64           size,
                                     MsModelUpdateFunc func,
                                     gpointer          user_data);
int      ms_model_clear          (MsModel       *self);
int      ms_model_remap          (MsModel       *self,
                                  guint64        old_start,
                                  guint64        old_size,
                                  guint64        new_start,
                                  guint64        new_size);
/* The bookkeeping calls: no backend call. */
int      ms_model_split          (MsModel       *self,
                                  guint64        addr);
int      ms_model_join           (MsModel       *self,
                                  guint64        addr);
int      ms_model_set_offsets    (MsModel       *self,
                                  guint64        start,
                                  guint64        size,
                                  guint64        offset);
/* Maps @n_areas areas of @backend as load_maps does (the text already
 * parsed); *@failed is the index of the area an error is about. */
int      ms_model_load           (MsModel       *self,
                                  const MsModelArea *areas,
                                  guint          n_areas,
                                  guint          backend,
                                  guint         *failed);

/* The areas, in address order (MsModelArea). */
GArray  *ms_model_get_areas      (MsModel       *self);
guint    ms_model_get_n_areas    (MsModel       *self);
/* How many neighbours merging has joined, in all (two areas made one
 * count one). */
guint    ms_model_get_joins      (MsModel       *self);
guint64  ms_model_get_mapped_size (MsModel      *self);
gboolean ms_model_find           (MsModel       *self,
                                  guint64        addr,
                                  MsModelArea   *area);
gboolean ms_model_overlaps       (MsModel       *self,
                                  guint64        start,
                                  guint64        size);
gboolean ms_model_find_free_area (MsModel       *self,
                                  guint64        hint,
                                  guint64        size,
                                  guint64        limit_start,
                                  guint64        limit_end,
                                  guint64        align,
                                  guint64       *out_start);
gboolean ms_model_find_free_area_top_down (MsModel *self,
                                           guint64  size,
                                           guint64  limit_start,
                                           guint64  limit_end,
                                           guint64  align,
                                           guint64 *out_start);
/* The areas that meet [start, start + size), and the free ranges inside
 * it (pairs of guint64: start, size), a range past 2^64 - 1 ending there. */
GArray  *ms_model_areas_in_range (MsModel       *self,
                                  guint64        start,
                                  guint64        size);
GArray  *ms_model_gaps_in_range  (MsModel       *self,
                                  guint64        start,
                                  guint64        size);
/* Every address where a cell starts: the places worth looking at. */
GArray  *ms_model_get_points     (MsModel       *self);

G_END_DECLS
