/* ms-memory-area-private.h: what the set knows of an area
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memoryset.h"

G_BEGIN_DECLS

struct _MsMemoryArea
{
  guint64           start;
  guint64           size;
  guint64           flags;
  MsMappingBackend *backend;   /* owned */
  gatomicrefcount   ref_count;   /* areas may be shared between threads */
};

static inline guint64
ms_memory_area_end (const MsMemoryArea *area)
{
  return area->start + area->size;
}

/* A new area covering [start, end) of @area (start < end, inside it),
 * with the same backend and @flags. */
MsMemoryArea *ms_memory_area_new_piece (const MsMemoryArea *area,
                                        guint64             start,
                                        guint64             end,
                                        guint64             flags);

G_END_DECLS
