/* ms-memory-area.h: one contiguous mapped range
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib-object.h>

#include "ms-version-macros.h"
#include "ms-mapping-backend.h"

G_BEGIN_DECLS

#define MS_TYPE_MEMORY_AREA (ms_memory_area_get_type ())

typedef struct _MsMemoryArea MsMemoryArea;

MS_AVAILABLE_IN_ALL
GType             ms_memory_area_get_type    (void) G_GNUC_CONST;

MS_AVAILABLE_IN_ALL
MsMemoryArea     *ms_memory_area_new         (guint64           start,
                                              guint64           size,
                                              guint64           flags,
                                              MsMappingBackend *backend) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
MsMemoryArea     *ms_memory_area_new_full    (guint64           start,
                                              guint64           size,
                                              guint64           flags,
                                              MsMappingBackend *backend,
                                              guint64           offset,
                                              const char       *name) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
MsMemoryArea     *ms_memory_area_ref         (MsMemoryArea       *self);
MS_AVAILABLE_IN_ALL
void              ms_memory_area_unref       (MsMemoryArea       *self);

MS_AVAILABLE_IN_ALL
guint64           ms_memory_area_get_start   (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
guint64           ms_memory_area_get_end     (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
guint64           ms_memory_area_get_size    (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
guint64           ms_memory_area_get_flags   (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
MsMappingBackend *ms_memory_area_get_backend (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
guint64           ms_memory_area_get_offset  (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
const char       *ms_memory_area_get_name    (const MsMemoryArea *self);
MS_AVAILABLE_IN_ALL
gboolean          ms_memory_area_contains    (const MsMemoryArea *self,
                                              guint64             addr);
MS_AVAILABLE_IN_ALL
gboolean          ms_memory_area_equal       (const MsMemoryArea *a,
                                              const MsMemoryArea *b);
MS_AVAILABLE_IN_ALL
char             *ms_memory_area_to_string   (const MsMemoryArea *self) G_GNUC_WARN_UNUSED_RESULT;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (MsMemoryArea, ms_memory_area_unref)

G_END_DECLS
