/* ms-test-model.c: an obviously correct model of MsMemorySet
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deliberately naive: every operation walks the cells, and splits cells
 * at the points it needs first. Written from the documentation of
 * MsMemorySet (ms-memory-set.c's comments, docs/), not from its code.
 */

#include <memoryset.h>

#include "ms-test-model.h"

typedef unsigned __int128 u128;

#define TOP (((u128) 1) << 64)
#define LAST ((u128) G_MAXUINT64)

typedef struct {
  guint64     start;     /* the cell is [start, next cell's start or 2^64) */
  gboolean    mapped;
  guint       area;      /* the id of its area; 0 when unmapped */
  guint       backend;
  guint64     flags;
  guint64     offset;    /* of start */
  const char *name;      /* interned */
} Cell;

struct _MsModel
{
  GArray  *cells;        /* of Cell, by start; the first starts at 0 */
  guint    next_area;
  guint    n_backends;
  guint    no_move;      /* backends without a move method, a bit each */
  guint    no_protect;   /* backends without a protect method, a bit each */
  guint    joins;        /* neighbours merging joined, in all */
  gboolean merge;
  guint    max_areas;

  /* The operation running. */
  GArray  *calls;        /* of MsModelCall */
  GArray  *asked;        /* of guint64 */
  guint    fail_at;
};

gboolean
ms_model_update_flags (MsModelUpdate  update,
                       guint64        param,
                       guint64        old_flags,
                       guint64       *new_flags)
{
  switch (update)
    {
    case MS_MODEL_UPDATE_SET:
      *new_flags = param;
      return TRUE;
    case MS_MODEL_UPDATE_LEAVE:
      return FALSE;
    case MS_MODEL_UPDATE_XOR:
      *new_flags = old_flags ^ param;
      return TRUE;
    case MS_MODEL_UPDATE_SAME:
      *new_flags = old_flags;
      return TRUE;
    case MS_MODEL_UPDATE_ODD_LEAVE:
      if (old_flags & 1)
        return FALSE;
      *new_flags = param;
      return TRUE;
    case MS_MODEL_UPDATE_UPSTREAM:
      if ((old_flags & 7) == (param & 7))
        return FALSE;
      *new_flags = (old_flags & ~G_GUINT64_CONSTANT (7)) | (param & 7);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

MsModel *
ms_model_new (guint n_backends,
              guint no_move)
{
  MsModel *self = g_new0 (MsModel, 1);
  Cell first = { 0, FALSE, 0, 0, 0, 0, NULL };

  self->cells = g_array_new (FALSE, FALSE, sizeof (Cell));
  g_array_append_val (self->cells, first);
  self->next_area = 1;
  self->n_backends = n_backends;
  self->no_move = no_move;
  self->max_areas = G_MAXUINT;
  self->calls = g_array_new (FALSE, FALSE, sizeof (MsModelCall));
  self->asked = g_array_new (FALSE, FALSE, sizeof (guint64));
  return self;
}

void
ms_model_free (MsModel *self)
{
  g_array_unref (self->cells);
  g_array_unref (self->calls);
  g_array_unref (self->asked);
  g_free (self);
}

MsModel *
ms_model_copy (MsModel *self)
{
  MsModel *copy = g_memdup2 (self, sizeof *self);

  copy->cells = g_array_copy (self->cells);
  copy->calls = g_array_copy (self->calls);
  copy->asked = g_array_copy (self->asked);
  return copy;
}

void
ms_model_begin (MsModel *self,
                guint    fail_at)
{
  g_array_set_size (self->calls, 0);
  g_array_set_size (self->asked, 0);
  self->fail_at = fail_at;
}

GArray *
ms_model_get_calls (MsModel *self)
{
  return self->calls;
}

GArray *
ms_model_get_asked (MsModel *self)
{
  return self->asked;
}

static inline Cell *
cell (MsModel *self,
      guint    i)
{
  return &g_array_index (self->cells, Cell, i);
}

static inline u128
cell_end (MsModel *self,
          guint    i)
{
  return i + 1 < self->cells->len ? (u128) cell (self, i + 1)->start : TOP;
}

/* The index of the cell that holds @addr. */
static guint
cell_at (MsModel *self,
         u128     addr)
{
  guint i = 0;

  while (i + 1 < self->cells->len && cell (self, i + 1)->start <= addr)
    i++;
  return i;
}

/* Makes @addr the start of a cell, and returns its index (the number of
 * cells for 2^64). */
static guint
cut (MsModel *self,
     u128     addr)
{
  guint i;
  Cell piece;

  if (addr >= TOP)
    return self->cells->len;
  i = cell_at (self, addr);
  if (cell (self, i)->start == addr)
    return i;

  piece = *cell (self, i);
  if (piece.mapped)
    piece.offset += (guint64) addr - piece.start;
  piece.start = (guint64) addr;
  g_array_insert_val (self->cells, i + 1, piece);
  return i + 1;
}

/* Records a backend call: FALSE when it is the one that fails. A protect
 * of a backend without the method fails without being made. */
static gboolean
call (MsModel        *self,
      MsModelCallKind kind,
      guint           backend,
      u128            start,
      u128            end,
      guint64         arg)
{
  MsModelCall c = { kind, backend, (guint64) start, (guint64) (end - start), arg, FALSE };

  if (kind == MS_MODEL_CALL_PROTECT && (self->no_protect & (1u << backend)))
    return FALSE;
  c.succeeded = self->calls->len + 1 != self->fail_at;
  g_array_append_val (self->calls, c);
  return c.succeeded;
}

/* Sets [start, end) to one new area. */
static void
fill (MsModel    *self,
      u128        start,
      u128        end,
      guint       backend,
      guint64     flags,
      guint64     offset,
      const char *name)
{
  guint first = cut (self, start), last = cut (self, end);
  guint id = self->next_area++;

  first = cut (self, start);
  for (guint i = first; i < last; i++)
    {
      Cell *c = cell (self, i);

      *c = (Cell) { c->start, TRUE, id, backend, flags, offset + (c->start - (guint64) start), name };
    }
}

static void
empty (MsModel *self,
       u128     start,
       u128     end)
{
  guint first = cut (self, start), last = cut (self, end);

  first = cut (self, start);
  for (guint i = first; i < last; i++)
    *cell (self, i) = (Cell) { cell (self, i)->start, FALSE, 0, 0, 0, 0, NULL };
}

/* The pieces of areas in [start, end), in order: each a run of cells of
 * one area. */
typedef struct {
  u128        start;
  u128        end;
  guint       area;
  guint       backend;
  guint64     flags;
  guint64     offset;
  const char *name;
  u128        area_start;    /* of the whole area */
  u128        area_end;
} Piece;

static GArray *
pieces (MsModel *self,
        u128     start,
        u128     end)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (Piece));

  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *c = cell (self, i);
      u128 s = MAX ((u128) c->start, start), e = MIN (cell_end (self, i), end);
      Piece *last = out->len > 0 ? &g_array_index (out, Piece, out->len - 1) : NULL;

      if (!c->mapped || s >= e)
        continue;
      if (last != NULL && last->area == c->area && last->end == s)
        last->end = e;
      else
        {
          Piece p = { s, e, c->area, c->backend, c->flags, c->offset + (guint64) (s - c->start), c->name, 0, 0 };
          guint j = i, k = i;

          while (j > 0 && cell (self, j - 1)->mapped && cell (self, j - 1)->area == c->area)
            j--;
          while (k + 1 < self->cells->len && cell (self, k + 1)->mapped &&
                 cell (self, k + 1)->area == c->area)
            k++;
          p.area_start = cell (self, j)->start;
          p.area_end = cell_end (self, k);
          g_array_append_val (out, p);
        }
    }
  return out;
}

/* Gives each run of cells its own id: an area cut in two by a hole, or
 * by a piece of another area, is two areas. */
static void
relabel (MsModel *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  guint run_id = 0, new_id = 0;

  for (guint i = 0; i < self->cells->len; i++)
    {
      Cell *c = cell (self, i);
      gboolean continues = i > 0 && cell (self, i - 1)->mapped && c->mapped &&
                           c->area == run_id && cell (self, i - 1)->start < c->start;

      if (!c->mapped)
        {
          run_id = 0;
          continue;
        }
      if (continues)
        {
          c->area = new_id;
          continue;
        }
      run_id = c->area;
      new_id = g_hash_table_contains (seen, GUINT_TO_POINTER (run_id)) ? self->next_area++ : run_id;
      g_hash_table_add (seen, GUINT_TO_POINTER (run_id));
      c->area = new_id;
    }
}

/* Whether area @b could be the part of area @a after its end. */
static gboolean
could_join (const Cell *a,
            u128        a_end,
            const Cell *b)
{
  return a->mapped && b->mapped && a->area != b->area && a_end == b->start &&
         a->backend == b->backend && a->flags == b->flags && a->name == b->name &&
         (u128) a->offset + (a_end - a->start) == b->offset;
}

/* Ends a change: each area its own id; with merging on, every pair of
 * neighbours that could be one joined. */
static void
merge (MsModel *self)
{
  relabel (self);
  if (!self->merge)
    return;

  for (guint i = 0; i + 1 < self->cells->len; i++)
    {
      Cell *a = cell (self, i), *b = cell (self, i + 1);

      if (could_join (a, b->start, b))
        {
          guint old = b->area;

          self->joins++;
          for (guint j = i + 1; j < self->cells->len && cell (self, j)->mapped &&
               cell (self, j)->area == old; j++)
            cell (self, j)->area = a->area;
        }
    }
}

guint
ms_model_get_joins (MsModel *self)
{
  return self->joins;
}

guint
ms_model_get_n_areas (MsModel *self)
{
  guint n = 0;

  for (guint i = 0; i < self->cells->len; i++)
    if (cell (self, i)->mapped && (i == 0 || cell (self, i - 1)->area != cell (self, i)->area))
      n++;
  return n;
}

void
ms_model_set_no_protect (MsModel *self,
                         guint    no_protect)
{
  self->no_protect = no_protect;
}

void
ms_model_set_merge (MsModel  *self,
                    gboolean  merge_on)
{
  self->merge = merge_on;
  merge (self);
}

void
ms_model_set_limit (MsModel *self,
                    guint    max_areas)
{
  self->max_areas = max_areas;
}

/* Whether @outcome, the model of the call's success, breaks the limit. */
static gboolean
breaks_limit (MsModel *self,
              MsModel *outcome)
{
  guint before = ms_model_get_n_areas (self);

  return ms_model_get_n_areas (outcome) > MAX (self->max_areas, before);
}

/* The operations. Each has a "success" twin run on a copy, with no
 * failure, to count what a call would leave. */

static gboolean
unmap_pieces (MsModel *self,
              u128     start,
              u128     end)
{
  g_autoptr(GArray) ps = pieces (self, start, end);

  for (guint i = 0; i < ps->len; i++)
    {
      Piece *p = &g_array_index (ps, Piece, i);

      if (!call (self, MS_MODEL_CALL_UNMAP, p->backend, p->start, p->end, 0))
        return FALSE;
      empty (self, p->start, p->end);
    }
  return TRUE;
}

/* Runs @op on a copy of the model without failures: does it break the
 * limit? */
typedef int (*ModelOp) (MsModel *model, gpointer data);

static gboolean
outcome_breaks_limit (MsModel  *self,
                      ModelOp   op,
                      gpointer  data)
{
  MsModel *copy = ms_model_copy (self);
  gboolean breaks;

  copy->fail_at = 0;
  copy->no_protect = 0;
  copy->max_areas = G_MAXUINT;
  op (copy, data);
  breaks = breaks_limit (self, copy);
  ms_model_free (copy);
  return breaks;
}

typedef struct {
  u128        start;
  u128        end;
  guint64     flags;
  guint       backend;
  guint64     offset;
  const char *name;
  gboolean    unmap_overlap;
} MapArgs;

static int
do_map (MsModel  *self,
        gpointer  data)
{
  MapArgs *a = data;

  if (!unmap_pieces (self, a->start, a->end))
    {
      merge (self);
      return MS_MAPPING_ERROR_BAD_STATE;
    }
  if (!call (self, MS_MODEL_CALL_MAP, a->backend, a->start, a->end, a->flags))
    {
      merge (self);
      return MS_MAPPING_ERROR_BAD_STATE;
    }
  fill (self, a->start, a->end, a->backend, a->flags, a->offset, a->name);
  merge (self);
  return MS_MODEL_OK;
}

int
ms_model_map (MsModel    *self,
              guint64     start,
              guint64     size,
              guint64     flags,
              guint       backend,
              guint64     offset,
              const char *name,
              gboolean    unmap_overlap)
{
  MapArgs a = { start, (u128) start + size, flags, backend, offset, g_intern_string (name),
                unmap_overlap };

  if (size == 0 || a.end > LAST || (u128) offset + size > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (ms_model_overlaps (self, start, size) && !unmap_overlap)
    return MS_MAPPING_ERROR_ALREADY_EXISTS;
  if (outcome_breaks_limit (self, do_map, &a))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  return do_map (self, &a);
}

typedef struct {
  u128 start;
  u128 end;
} RangeArgs;

static int
do_unmap (MsModel  *self,
          gpointer  data)
{
  RangeArgs *a = data;

  int result = unmap_pieces (self, a->start, a->end) ? MS_MODEL_OK : MS_MAPPING_ERROR_BAD_STATE;

  merge (self);
  return result;
}

int
ms_model_unmap (MsModel *self,
                guint64  start,
                guint64  size)
{
  RangeArgs a = { start, (u128) start + size };

  if (a.end > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (size == 0)
    return MS_MODEL_OK;
  if (outcome_breaks_limit (self, do_unmap, &a))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  return do_unmap (self, &a);
}

typedef struct {
  u128              start;
  u128              end;
  MsModelUpdateFunc func;
  gpointer          user_data;
  /* Answers asked before the walk, when the limit may be broken. */
  GArray           *answers;     /* of guint64 pairs: change, new flags */
} ProtectArgs;

/* Applies to each piece the answer of the update function, asked as the
 * walk reaches it, or taken from @a->answers. */
static int
do_protect (MsModel  *self,
            gpointer  data)
{
  ProtectArgs *a = data;
  g_autoptr(GArray) ps = pieces (self, a->start, a->end);
  int result = MS_MODEL_OK;

  for (guint i = 0; i < ps->len; i++)
    {
      Piece *p = &g_array_index (ps, Piece, i);
      guint64 new_flags = p->flags;
      gboolean change;

      if (a->answers != NULL)
        {
          change = g_array_index (a->answers, guint64, 2 * i);
          new_flags = g_array_index (a->answers, guint64, 2 * i + 1);
        }
      else
        {
          g_array_append_val (self->asked, p->flags);
          change = a->func (p->flags, &new_flags, a->user_data);
        }
      if (!change || new_flags == p->flags)
        continue;
      if (!call (self, MS_MODEL_CALL_PROTECT, p->backend, p->start, p->end, new_flags))
        {
          result = MS_MAPPING_ERROR_BAD_STATE;
          break;
        }
      fill (self, p->start, p->end, p->backend, new_flags, p->offset, p->name);
    }
  merge (self);
  return result;
}

gboolean
ms_model_named_update (guint64   old_flags,
                       guint64  *new_flags,
                       gpointer  user_data)
{
  MsModelNamedUpdate *u = user_data;

  return ms_model_update_flags (u->update, u->param, old_flags, new_flags);
}

int
ms_model_protect_with (MsModel       *self,
                       guint64        start,
                       guint64        size,
                       MsModelUpdate  update,
                       guint64        param)
{
  MsModelNamedUpdate u = { update, param };

  return ms_model_protect_with_func (self, start, size, ms_model_named_update, &u);
}

int
ms_model_protect_with_func (MsModel          *self,
                            guint64           start,
                            guint64           size,
                            MsModelUpdateFunc func,
                            gpointer          user_data)
{
  ProtectArgs a = { start, (u128) start + size, func, user_data, NULL };
  guint n = ms_model_get_n_areas (self);
  int result;

  if (a.end > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (size == 0)
    return MS_MODEL_OK;

  /* When the limit may be broken (two more areas at most), every piece
   * is asked about first. */
  if ((guint64) n + 2 > MAX (self->max_areas, n))
    {
      g_autoptr(GArray) ps = pieces (self, a.start, a.end);

      a.answers = g_array_new (FALSE, FALSE, sizeof (guint64));
      for (guint i = 0; i < ps->len; i++)
        {
          Piece *p = &g_array_index (ps, Piece, i);
          guint64 pair[2] = { FALSE, p->flags };

          g_array_append_val (self->asked, p->flags);
          pair[0] = func (p->flags, &pair[1], user_data);
          g_array_append_vals (a.answers, pair, 2);
        }
      if (outcome_breaks_limit (self, do_protect, &a))
        {
          g_array_unref (a.answers);
          return MS_MAPPING_ERROR_TOO_MANY_AREAS;
        }
    }

  result = do_protect (self, &a);
  g_clear_pointer (&a.answers, g_array_unref);
  return result;
}

int
ms_model_clear (MsModel *self)
{
  int result = unmap_pieces (self, 0, TOP) ? MS_MODEL_OK : MS_MAPPING_ERROR_BAD_STATE;

  merge (self);
  return result;
}

typedef struct {
  u128  old_start;
  u128  old_end;
  u128  new_start;
  u128  new_end;
  Piece piece;     /* the area the old range lies in */
} RemapArgs;

static int
do_remap (MsModel  *self,
          gpointer  data)
{
  RemapArgs *a = data;
  Piece *p = &a->piece;
  u128 old_size = a->old_end - a->old_start, new_size = a->new_end - a->new_start;
  guint64 offset = p->offset + (guint64) (a->old_start - p->start);
  int result = MS_MODEL_OK;

  if (a->new_start == a->old_start)
    {
      if (new_size < old_size)
        result = unmap_pieces (self, a->new_end, a->old_end) ? MS_MODEL_OK : MS_MAPPING_ERROR_BAD_STATE;
      else if (new_size > old_size)
        {
          if (call (self, MS_MODEL_CALL_MAP, p->backend, a->old_end, a->new_end, p->flags))
            {
              /* The area grows: one area still. */
              guint first = cut (self, a->old_end), last = cut (self, a->new_end);

              first = cut (self, a->old_end);
              for (guint i = first; i < last; i++)
                *cell (self, i) = (Cell) { cell (self, i)->start, TRUE, p->area, p->backend, p->flags,
                                           offset + (guint64) (cell (self, i)->start - a->old_start),
                                           p->name };
            }
          else
            result = MS_MAPPING_ERROR_BAD_STATE;
        }
      merge (self);
      return result;
    }

  if (new_size < old_size && !unmap_pieces (self, a->old_start + new_size, a->old_end))
    result = MS_MAPPING_ERROR_BAD_STATE;
  else if (!call (self, MS_MODEL_CALL_MOVE, p->backend, a->old_start,
                  a->old_start + MIN (old_size, new_size), (guint64) a->new_start))
    result = MS_MAPPING_ERROR_BAD_STATE;
  else
    {
      empty (self, a->old_start, a->old_start + MIN (old_size, new_size));
      fill (self, a->new_start, a->new_start + MIN (old_size, new_size), p->backend, p->flags,
            offset, p->name);
      if (new_size > old_size)
        {
          if (call (self, MS_MODEL_CALL_MAP, p->backend, a->new_start + old_size, a->new_end, p->flags))
            fill (self, a->new_start, a->new_end, p->backend, p->flags, offset, p->name);
          else
            result = MS_MAPPING_ERROR_BAD_STATE;
        }
    }
  merge (self);
  return result;
}

int
ms_model_remap (MsModel *self,
                guint64  old_start,
                guint64  old_size,
                guint64  new_start,
                guint64  new_size)
{
  RemapArgs a = { old_start, (u128) old_start + old_size, new_start, (u128) new_start + new_size };
  g_autoptr(GArray) ps = NULL;

  if (old_size == 0 || new_size == 0 || a.old_end > LAST || a.new_end > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (a.new_start != a.old_start && a.new_start < a.old_end && a.old_start < a.new_end)
    return MS_MAPPING_ERROR_INVALID_PARAM;

  ps = pieces (self, a.old_start, a.old_end);
  if (ps->len != 1 || g_array_index (ps, Piece, 0).start != a.old_start ||
      g_array_index (ps, Piece, 0).end != a.old_end)
    return MS_MAPPING_ERROR_NOT_MAPPED;
  a.piece = g_array_index (ps, Piece, 0);
  if ((u128) a.piece.offset + new_size > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;

  if (a.new_start == a.old_start)
    {
      if (new_size > old_size && ms_model_overlaps (self, (guint64) a.old_end, new_size - old_size))
        return MS_MAPPING_ERROR_ALREADY_EXISTS;
    }
  else
    {
      if (ms_model_overlaps (self, new_start, new_size))
        return MS_MAPPING_ERROR_ALREADY_EXISTS;
      if (self->no_move & (1u << a.piece.backend))
        return MS_MAPPING_ERROR_BAD_STATE;
    }

  if (outcome_breaks_limit (self, do_remap, &a))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  return do_remap (self, &a);
}

/* The piece of area that holds @addr, or FALSE. */
static gboolean
piece_at (MsModel *self,
          u128     addr,
          Piece   *piece)
{
  g_autoptr(GArray) ps = NULL;

  if (addr >= TOP)
    return FALSE;
  ps = pieces (self, addr, addr + 1);
  if (ps->len == 0)
    return FALSE;
  *piece = g_array_index (ps, Piece, 0);
  return TRUE;
}

static int
do_split (MsModel  *self,
          gpointer  data)
{
  u128 addr = *(u128 *) data;
  Piece p;

  /* The part from @addr on becomes an area of its own. */
  if (piece_at (self, addr, &p) && p.area_start < addr)
    fill (self, addr, p.area_end, p.backend, p.flags, p.offset, p.name);
  merge (self);
  return MS_MODEL_OK;
}

int
ms_model_split (MsModel *self,
                guint64  addr)
{
  u128 at = addr;

  /* With merging on, the two halves are joined again: nothing changes. */
  if (self->merge)
    return MS_MODEL_OK;
  if (outcome_breaks_limit (self, do_split, &at))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  return do_split (self, &at);
}

int
ms_model_join (MsModel *self,
               guint64  addr)
{
  Piece first, second;
  guint i;

  if (!piece_at (self, addr, &second) || second.area_start != addr ||
      addr == 0 || !piece_at (self, (u128) addr - 1, &first) || first.area_end != addr)
    return MS_MAPPING_ERROR_NOT_MAPPED;
  if (first.backend != second.backend || first.flags != second.flags || first.name != second.name ||
      (u128) first.offset + 1 != second.offset)
    return MS_MAPPING_ERROR_INCOMPATIBLE;

  /* The cells of the second area take the first one's id. */
  for (i = cell_at (self, addr); i < self->cells->len && cell (self, i)->mapped &&
       cell (self, i)->area == second.area; i++)
    cell (self, i)->area = first.area;
  merge (self);
  return MS_MODEL_OK;
}

typedef struct {
  u128    start;
  u128    end;
  guint64 offset;
} OffsetArgs;

static int
do_set_offsets (MsModel  *self,
                gpointer  data)
{
  OffsetArgs *a = data;
  g_autoptr(GArray) ps = pieces (self, a->start, a->end);

  for (guint i = 0; i < ps->len; i++)
    {
      Piece *p = &g_array_index (ps, Piece, i);
      guint64 offset = a->offset + (guint64) (p->start - a->start);

      if (offset != p->offset)
        fill (self, p->start, p->end, p->backend, p->flags, offset, p->name);
    }
  merge (self);
  return MS_MODEL_OK;
}

int
ms_model_set_offsets (MsModel *self,
                      guint64  start,
                      guint64  size,
                      guint64  offset)
{
  OffsetArgs a = { start, (u128) start + size, offset };

  if (a.end > LAST || (u128) offset + size > LAST)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (size == 0)
    return MS_MODEL_OK;
  if (outcome_breaks_limit (self, do_set_offsets, &a))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  return do_set_offsets (self, &a);
}

typedef struct {
  const MsModelArea *areas;
  guint              n_areas;
  guint              backend;
  guint              done;
} LoadArgs;

static int
do_load (MsModel  *self,
         gpointer  data)
{
  LoadArgs *a = data;
  int result = MS_MODEL_OK;

  for (a->done = 0; a->done < a->n_areas; a->done++)
    {
      const MsModelArea *area = &a->areas[a->done];

      if (!call (self, MS_MODEL_CALL_MAP, a->backend, area->start, area->end, area->flags))
        {
          result = MS_MAPPING_ERROR_BAD_STATE;
          break;
        }
      fill (self, area->start, area->end, a->backend, area->flags, area->offset,
            g_intern_string (area->name));
    }
  merge (self);
  return result;
}

int
ms_model_load (MsModel           *self,
               const MsModelArea *areas,
               guint              n_areas,
               guint              backend,
               guint             *failed)
{
  LoadArgs a = { areas, n_areas, backend, 0 };
  int result;

  for (guint i = 0; i < n_areas; i++)
    {
      const MsModelArea *area = &areas[i];

      *failed = i;
      if ((u128) area->offset + (area->end - area->start) > LAST)
        return MS_MAPPING_ERROR_INVALID_PARAM;
      if (ms_model_overlaps (self, area->start, area->end - area->start))
        return MS_MAPPING_ERROR_ALREADY_EXISTS;
      for (guint j = 0; j < i; j++)
        if (areas[j].start < area->end && area->start < areas[j].end)
          return MS_MAPPING_ERROR_ALREADY_EXISTS;
    }

  *failed = 0;
  if (n_areas == 0)
    return MS_MODEL_OK;
  if (outcome_breaks_limit (self, do_load, &a))
    return MS_MAPPING_ERROR_TOO_MANY_AREAS;
  result = do_load (self, &a);
  *failed = a.done;
  return result;
}

GArray *
ms_model_get_areas (MsModel *self)
{
  g_autoptr(GArray) ps = pieces (self, 0, TOP);
  GArray *areas = g_array_new (FALSE, FALSE, sizeof (MsModelArea));

  for (guint i = 0; i < ps->len; i++)
    {
      Piece *p = &g_array_index (ps, Piece, i);
      MsModelArea area = { (guint64) p->start, (guint64) p->end, p->flags, p->backend, p->offset, p->name };

      g_array_append_val (areas, area);
    }
  return areas;
}

guint64
ms_model_get_mapped_size (MsModel *self)
{
  guint64 total = 0;

  for (guint i = 0; i < self->cells->len; i++)
    if (cell (self, i)->mapped)
      total += (guint64) (cell_end (self, i) - cell (self, i)->start);
  return total;
}

gboolean
ms_model_find (MsModel     *self,
               guint64      addr,
               MsModelArea *area)
{
  g_autoptr(GArray) areas = ms_model_get_areas (self);

  for (guint i = 0; i < areas->len; i++)
    {
      MsModelArea *a = &g_array_index (areas, MsModelArea, i);

      if (a->start <= addr && addr < a->end)
        {
          if (area != NULL)
            *area = *a;
          return TRUE;
        }
    }
  return FALSE;
}

/* Whether [start, end) meets a mapped cell. */
static gboolean
meets (MsModel *self,
       u128     start,
       u128     end)
{
  for (guint i = 0; i < self->cells->len; i++)
    if (cell (self, i)->mapped && cell (self, i)->start < end && cell_end (self, i) > start)
      return TRUE;
  return FALSE;
}

gboolean
ms_model_overlaps (MsModel *self,
                   guint64  start,
                   guint64  size)
{
  /* A range past 2^64 - 1 is taken to end there. */
  return size > 0 && meets (self, start, MIN ((u128) start + size, LAST));
}

/* The validity rules both searches share. */
static gboolean
valid_search (guint64 size,
              guint64 limit_start,
              guint64 limit_end,
              guint64 align)
{
  return size != 0 && align != 0 && (align & (align - 1)) == 0 && size % align == 0 &&
         limit_start < limit_end;
}

/* Whether r is an answer: inside the limit and free, ending at or
 * before 2^64 - 1 like every range. */
static gboolean
fits (MsModel *self,
      u128     r,
      guint64  size,
      guint64  limit_start,
      guint64  limit_end)
{
  return r >= limit_start && r + size <= limit_end && r + size <= LAST &&
         !meets (self, r, r + size);
}

gboolean
ms_model_find_free_area (MsModel *self,
                         guint64  hint,
                         guint64  size,
                         guint64  limit_start,
                         guint64  limit_end,
                         guint64  align,
                         guint64 *out_start)
{
  u128 from = MAX (hint, limit_start);
  gboolean found = FALSE;
  u128 best = 0;

  if (!valid_search (size, limit_start, limit_end, align))
    return FALSE;

  /* The lowest answer is the first multiple of @align at or above @from,
   * or at or above the end of a mapped cell (the candidate before it
   * met that cell): try those. */
  for (guint i = 0; i <= self->cells->len; i++)
    {
      u128 x = i == self->cells->len ? from : MAX (cell_end (self, i), from);
      u128 r = (x + align - 1) / align * align;

      if (i < self->cells->len && !cell (self, i)->mapped)
        continue;
      if ((!found || r < best) && fits (self, r, size, limit_start, limit_end))
        {
          best = r;
          found = TRUE;
        }
    }

  if (found && out_start != NULL)
    *out_start = (guint64) best;
  return found;
}

gboolean
ms_model_find_free_area_top_down (MsModel *self,
                                  guint64  size,
                                  guint64  limit_start,
                                  guint64  limit_end,
                                  guint64  align,
                                  guint64 *out_start)
{
  gboolean found = FALSE;
  u128 best = 0;

  if (!valid_search (size, limit_start, limit_end, align))
    return FALSE;

  /* The highest answer is the last multiple of @align at or below
   * `limit_end - size` (or 2^64 - 1 - size), or below the start of a
   * mapped cell minus @size: try those. */
  for (guint i = 0; i <= self->cells->len; i++)
    {
      u128 x = i == self->cells->len ? MIN ((u128) limit_end, LAST) : (u128) cell (self, i)->start;
      u128 r;

      if (i < self->cells->len && !cell (self, i)->mapped)
        continue;
      if (x < size)
        continue;
      r = (x - size) / align * align;
      if ((!found || r > best) && fits (self, r, size, limit_start, limit_end))
        {
          best = r;
          found = TRUE;
        }
    }

  if (found && out_start != NULL)
    *out_start = (guint64) best;
  return found;
}

GArray *
ms_model_areas_in_range (MsModel *self,
                         guint64  start,
                         guint64  size)
{
  g_autoptr(GArray) areas = ms_model_get_areas (self);
  GArray *in = g_array_new (FALSE, FALSE, sizeof (MsModelArea));
  u128 end = MIN ((u128) start + size, LAST);

  for (guint i = 0; i < areas->len && size > 0; i++)
    {
      MsModelArea *a = &g_array_index (areas, MsModelArea, i);

      if (a->start < end && a->end > start)
        g_array_append_val (in, *a);
    }
  return in;
}

GArray *
ms_model_gaps_in_range (MsModel *self,
                        guint64  start,
                        guint64  size)
{
  GArray *gaps = g_array_new (FALSE, FALSE, sizeof (guint64));
  u128 end = MIN ((u128) start + size, LAST);
  u128 gap_start = 0;
  gboolean in_gap = FALSE;

  if (size == 0)
    return gaps;

  for (guint i = 0; i < self->cells->len; i++)
    {
      u128 s = MAX ((u128) cell (self, i)->start, start), e = MIN (cell_end (self, i), end);

      if (s >= e)
        continue;
      if (!cell (self, i)->mapped && !in_gap)
        {
          gap_start = s;
          in_gap = TRUE;
        }
      else if (cell (self, i)->mapped && in_gap)
        {
          guint64 pair[2] = { (guint64) gap_start, (guint64) (s - gap_start) };

          g_array_append_vals (gaps, pair, 2);
          in_gap = FALSE;
        }
    }
  if (in_gap)
    {
      guint64 pair[2] = { (guint64) gap_start, (guint64) (end - gap_start) };

      g_array_append_vals (gaps, pair, 2);
    }
  return gaps;
}

GArray *
ms_model_get_points (MsModel *self)
{
  GArray *points = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < self->cells->len; i++)
    g_array_append_val (points, cell (self, i)->start);
  return points;
}
