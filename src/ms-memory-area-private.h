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
  /* Areas may be shared between threads. The count is changed with the
   * compiler's atomic builtins rather than GLib's, so that
   * ThreadSanitizer sees them (Debian's GLib is not instrumented). */
  gint              ref_count;
};

/* Whether the caller holds the only reference to @area. */
static inline gboolean
ms_memory_area_is_private (MsMemoryArea *area)
{
  return __atomic_load_n (&area->ref_count, __ATOMIC_ACQUIRE) == 1;
}

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
