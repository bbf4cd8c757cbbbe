/* ms-fuzz-model.c: an obviously correct model of MsMemorySet
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Deliberately naive: every operation walks every cell. Ends of ranges
 * are 128-bit numbers, so that 2^64 and overflowing ranges need no
 * special care.
 */

#include <memoryset.h>

#include "ms-fuzz-model.h"

typedef unsigned __int128 u128;

#define TOP (((u128) 1) << 64)

const guint64 ms_fuzz_points[MS_FUZZ_N_POINTS] = {
  0, 1, 2, 3, 4, 5, 6, 7, 8,
  0x7ff, 0x800, 0x801, 0xfff, 0x1000, 0x1001, 0x1800, 0x2000, 0x3000,
  0x4000, 0x8000, 0x10000,
  G_GUINT64_CONSTANT (0xffffffff),
  G_GUINT64_CONSTANT (0x100000000),
  G_GUINT64_CONSTANT (0x100001000),
  G_GUINT64_CONSTANT (0x7fffffffffffffff),
  G_GUINT64_CONSTANT (0x8000000000000000),
  G_GUINT64_CONSTANT (0x8000000000001000),
  G_GUINT64_CONSTANT (0xffffffffffffd000),
  G_GUINT64_CONSTANT (0xffffffffffffe000),
  G_GUINT64_CONSTANT (0xffffffffffffefff),
  G_GUINT64_CONSTANT (0xfffffffffffff000),
  G_GUINT64_CONSTANT (0xfffffffffffff001),
  G_GUINT64_CONSTANT (0xfffffffffffffffe),
  G_GUINT64_CONSTANT (0xffffffffffffffff),
};

const char * const ms_fuzz_call_names[3] = { "map", "unmap", "protect" };

#define N MS_FUZZ_N_POINTS

static u128
cell_start (guint i)
{
  return ms_fuzz_points[i];
}

static u128
cell_end (guint i)
{
  return i + 1 < N ? (u128) ms_fuzz_points[i + 1] : TOP;
}

int
ms_fuzz_point_index (guint64 addr)
{
  for (guint i = 0; i < N; i++)
    if (ms_fuzz_points[i] == addr)
      return i;
  return -1;
}

guint
ms_fuzz_cell_of (guint64 addr)
{
  guint cell = 0;

  for (guint i = 0; i < N; i++)
    if (ms_fuzz_points[i] <= addr)
      cell = i;
  return cell;
}

gboolean
ms_fuzz_update_flags (MsFuzzUpdate  update,
                      guint64       param,
                      guint64       old_flags,
                      guint64      *new_flags)
{
  switch (update)
    {
    case MS_FUZZ_UPDATE_SET:
      *new_flags = param;
      return TRUE;
    case MS_FUZZ_UPDATE_LEAVE:
      return FALSE;
    case MS_FUZZ_UPDATE_XOR:
      *new_flags = old_flags ^ param;
      return TRUE;
    case MS_FUZZ_UPDATE_SAME:
      *new_flags = old_flags;
      return TRUE;
    case MS_FUZZ_UPDATE_ODD_LEAVE:
      if (old_flags & 1)
        return FALSE;
      *new_flags = param;
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

void
ms_fuzz_model_init (MsFuzzModel *model)
{
  memset (model->cells, 0, sizeof model->cells);
  model->next_tag = 1;
  model->calls = g_array_new (FALSE, FALSE, sizeof (MsFuzzCall));
  model->updates = g_array_new (FALSE, FALSE, sizeof (guint64));
  model->fail_at = 0;
}

void
ms_fuzz_model_clear (MsFuzzModel *model)
{
  g_clear_pointer (&model->calls, g_array_unref);
  g_clear_pointer (&model->updates, g_array_unref);
}

void
ms_fuzz_model_begin (MsFuzzModel *model,
                     guint        fail_at)
{
  g_array_set_size (model->calls, 0);
  g_array_set_size (model->updates, 0);
  model->fail_at = fail_at;
}

/* Records a backend call; FALSE when it is the one chosen to fail. */
static gboolean
backend_call (MsFuzzModel    *model,
              MsFuzzCallKind  kind,
              guint           backend,
              guint64         start,
              guint64         end,
              guint64         flags)
{
  MsFuzzCall call = { kind, backend, start, end, flags, TRUE };

  call.succeeded = model->calls->len + 1 != model->fail_at;
  g_array_append_val (model->calls, call);
  return call.succeeded;
}

/* The first and last + 1 cells of [start, end); both ends are points. */
static void
cells_of_range (u128   start,
                u128   end,
                guint *first,
                guint *last)
{
  int i = ms_fuzz_point_index ((guint64) start);
  int j = end == TOP ? N : ms_fuzz_point_index ((guint64) end);

  g_assert (start < TOP && i >= 0 && j >= 0);
  *first = i;
  *last = j;
}

/* Calls @func on every piece [c, d) of [first, last) covered by one
 * area, in address order, until it returns FALSE. */
typedef gboolean (*PieceFunc) (MsFuzzModel *model,
                               guint        c,
                               guint        d,
                               gpointer     data);

static gboolean
foreach_piece (MsFuzzModel *model,
               guint        first,
               guint        last,
               PieceFunc    func,
               gpointer     data)
{
  guint c = first;

  while (c < last)
    {
      guint tag = model->cells[c].tag;
      guint d = c;

      if (tag == 0)
        {
          c++;
          continue;
        }

      while (d < last && model->cells[d].tag == tag)
        d++;

      if (!func (model, c, d, data))
        return FALSE;
      c = d;
    }

  return TRUE;
}

static gboolean
unmap_piece (MsFuzzModel *model,
             guint        c,
             guint        d,
             gpointer     data)
{
  if (!backend_call (model, MS_FUZZ_CALL_UNMAP, model->cells[c].backend,
                     ms_fuzz_points[c], (guint64) cell_start (d), 0))
    return FALSE;

  /* What is left of the area on either side keeps its tag: the two
   * sides are no longer adjacent, so they are two areas. */
  for (guint i = c; i < d; i++)
    model->cells[i] = (MsFuzzCell) { 0, 0, 0 };
  return TRUE;
}

int
ms_fuzz_model_map (MsFuzzModel *model,
                   guint64      start,
                   guint64      size,
                   guint64      flags,
                   guint        backend,
                   gboolean     unmap_overlap)
{
  u128 end = (u128) start + size;
  gboolean overlap = FALSE;
  guint first, last;

  if (size == 0 || end > G_MAXUINT64)
    return MS_MAPPING_ERROR_INVALID_PARAM;

  cells_of_range (start, end, &first, &last);
  for (guint i = first; i < last; i++)
    overlap |= model->cells[i].tag != 0;

  if (overlap && !unmap_overlap)
    return MS_MAPPING_ERROR_ALREADY_EXISTS;
  if (overlap && !foreach_piece (model, first, last, unmap_piece, NULL))
    return MS_MAPPING_ERROR_BAD_STATE;

  if (!backend_call (model, MS_FUZZ_CALL_MAP, backend, start, (guint64) end, flags))
    return MS_MAPPING_ERROR_BAD_STATE;

  for (guint i = first; i < last; i++)
    model->cells[i] = (MsFuzzCell) { model->next_tag, backend, flags };
  model->next_tag++;

  return MS_FUZZ_OK;
}

int
ms_fuzz_model_unmap (MsFuzzModel *model,
                     guint64      start,
                     guint64      size)
{
  u128 end = (u128) start + size;
  guint first, last;

  if (end > G_MAXUINT64)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (size == 0)
    return MS_FUZZ_OK;

  cells_of_range (start, end, &first, &last);
  if (!foreach_piece (model, first, last, unmap_piece, NULL))
    return MS_MAPPING_ERROR_BAD_STATE;

  return MS_FUZZ_OK;
}

typedef struct {
  MsFuzzUpdate update;
  guint64      param;
} Protect;

static gboolean
protect_piece (MsFuzzModel *model,
               guint        c,
               guint        d,
               gpointer     data)
{
  const Protect *protect = data;
  guint64 old_flags = model->cells[c].flags;
  guint64 new_flags = old_flags;

  g_array_append_val (model->updates, old_flags);
  if (!ms_fuzz_update_flags (protect->update, protect->param, old_flags, &new_flags) ||
      new_flags == old_flags)
    return TRUE;

  if (!backend_call (model, MS_FUZZ_CALL_PROTECT, model->cells[c].backend,
                     ms_fuzz_points[c], (guint64) cell_start (d), new_flags))
    return FALSE;

  /* The piece becomes an area of its own; what is left of the old area
   * on either side keeps its tag. */
  for (guint i = c; i < d; i++)
    {
      model->cells[i].tag = model->next_tag;
      model->cells[i].flags = new_flags;
    }
  model->next_tag++;
  return TRUE;
}

int
ms_fuzz_model_protect_with (MsFuzzModel *model,
                            guint64      start,
                            guint64      size,
                            MsFuzzUpdate update,
                            guint64      param)
{
  Protect protect = { update, param };
  u128 end = (u128) start + size;
  guint first, last;

  if (end > G_MAXUINT64)
    return MS_MAPPING_ERROR_INVALID_PARAM;
  if (size == 0)
    return MS_FUZZ_OK;

  cells_of_range (start, end, &first, &last);
  if (!foreach_piece (model, first, last, protect_piece, &protect))
    return MS_MAPPING_ERROR_BAD_STATE;

  return MS_FUZZ_OK;
}

int
ms_fuzz_model_clear_all (MsFuzzModel *model)
{
  if (!foreach_piece (model, 0, N, unmap_piece, NULL))
    return MS_MAPPING_ERROR_BAD_STATE;

  return MS_FUZZ_OK;
}

GArray *
ms_fuzz_model_get_areas (MsFuzzModel *model)
{
  GArray *areas = g_array_new (FALSE, FALSE, sizeof (MsFuzzArea));

  for (guint c = 0; c < N; c++)
    {
      MsFuzzArea area;

      if (model->cells[c].tag == 0 ||
          (c > 0 && model->cells[c - 1].tag == model->cells[c].tag))
        continue;

      area.start = ms_fuzz_points[c];
      area.flags = model->cells[c].flags;
      area.backend = model->cells[c].backend;
      for (guint d = c; d < N && model->cells[d].tag == model->cells[c].tag; d++)
        area.end = (guint64) cell_end (d);
      g_array_append_val (areas, area);
    }

  return areas;
}

gboolean
ms_fuzz_model_find (MsFuzzModel *model,
                    guint64      addr,
                    MsFuzzArea  *out_area)
{
  g_autoptr(GArray) areas = ms_fuzz_model_get_areas (model);

  for (guint i = 0; i < areas->len; i++)
    {
      const MsFuzzArea *area = &g_array_index (areas, MsFuzzArea, i);

      if (area->start <= addr && addr < area->end)
        {
          *out_area = *area;
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
ms_fuzz_model_overlaps (MsFuzzModel *model,
                        guint64      start,
                        guint64      size)
{
  u128 end = (u128) start + size;

  for (guint c = 0; c < N; c++)
    if (model->cells[c].tag != 0 && MAX (cell_start (c), start) < MIN (cell_end (c), end))
      return TRUE;

  return FALSE;
}

gboolean
ms_fuzz_model_find_free_area (MsFuzzModel *model,
                              guint64      hint,
                              guint64      size,
                              guint64      limit_start,
                              guint64      limit_end,
                              guint64      align,
                              guint64     *out_start)
{
  u128 low = MAX (hint, limit_start);
  guint c = 0;

  if (size == 0 || align == 0 || (align & (align - 1)) != 0 ||
      size % align != 0 || limit_start >= limit_end)
    return FALSE;

  /* The free gaps, lowest first, each cut to [low, limit_end): the
   * answer is the lowest aligned start in the first gap it fits in. */
  while (c < N)
    {
      guint d = c;
      u128 gap_start, gap_end, candidate;

      if (model->cells[c].tag != 0)
        {
          c++;
          continue;
        }
      while (d < N && model->cells[d].tag == 0)
        d++;

      gap_start = MAX (cell_start (c), low);
      gap_end = MIN (cell_end (d - 1), (u128) limit_end);
      candidate = (gap_start + align - 1) / align * align;
      if (candidate + size <= gap_end)
        {
          *out_start = (guint64) candidate;
          return TRUE;
        }
      c = d;
    }

  return FALSE;
}
