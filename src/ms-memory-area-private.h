/* ms-memory-area-private.h: what the set knows of an area
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memoryset.h"

G_BEGIN_DECLS

/* What the pieces of one area share besides their backend: the distance
 * from an address to its offset (offset - start, modulo 2^64), which a
 * split does not change, and the name. An area with neither (an offset
 * equal to its start, no name: anonymous memory) has no tag at all, so
 * that plain areas cost nothing more. */
typedef struct {
  gint        ref_count;     /* atomic, as the areas' */
  guint64     delta;
  char       *name;          /* an interned GRefString, or NULL */
} MsAreaTag;

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
  /* Whether the area is an MsTaggedArea. Never changes. */
  gboolean          tagged;
};

/* An area with a tag: allocated larger, so that a plain area costs what
 * it cost before areas had offsets and names (40 bytes). Areas come from
 * malloc, not GSlice: on GLib 2.74 a 40-byte slice takes 57 bytes of
 * heap, a 40-byte malloc block 48 (docs/performance.md). */
typedef struct {
  MsMemoryArea      area;
  MsAreaTag        *tag;       /* owned */
} MsTaggedArea;

static inline MsAreaTag *
ms_memory_area_tag (const MsMemoryArea *area)
{
  return area->tagged ? ((const MsTaggedArea *) area)->tag : NULL;
}

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

static inline guint64
ms_memory_area_delta (const MsMemoryArea *area)
{
  MsAreaTag *tag = ms_memory_area_tag (area);

  return tag != NULL ? tag->delta : 0;
}

static inline const char *
ms_memory_area_name (const MsMemoryArea *area)
{
  MsAreaTag *tag = ms_memory_area_tag (area);

  return tag != NULL ? tag->name : NULL;
}

/* Whether the two areas have the same delta and name, so that where
 * they touch their offsets run on and they could be one area. (Names
 * are interned: equal names are the same pointer.) */
static inline gboolean
ms_memory_area_same_tag (const MsMemoryArea *a,
                         const MsMemoryArea *b)
{
  return ms_memory_area_tag (a) == ms_memory_area_tag (b) ||
         (ms_memory_area_delta (a) == ms_memory_area_delta (b) &&
          ms_memory_area_name (a) == ms_memory_area_name (b));
}

/* The offset of address @addr of @area (or of an area that runs on from
 * it). */
static inline guint64
ms_memory_area_offset_at (const MsMemoryArea *area,
                          guint64             addr)
{
  return addr + ms_memory_area_delta (area);
}

/* A new area covering [start, start + size) with the backend and name of
 * @area, @flags, and @offset at its start: a piece of @area, @area grown,
 * or @area moved. */
MsMemoryArea *ms_memory_area_new_like (const MsMemoryArea *area,
                                       guint64             start,
                                       guint64             size,
                                       guint64             flags,
                                       guint64             offset);

/* Appends the line of /proc/<pid>/maps that describes @self, without
 * the line break. */
void ms_memory_area_append_maps_line (const MsMemoryArea *self,
                                      GString            *text);

G_END_DECLS
