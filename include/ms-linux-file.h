/* ms-linux-file.h: an open file description, as MsLinuxMm maps it
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

#define MS_TYPE_LINUX_FILE (ms_linux_file_get_type ())

MS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MsLinuxFile, ms_linux_file, MS, LINUX_FILE, GObject)

MS_AVAILABLE_IN_ALL
MsLinuxFile      *ms_linux_file_new            (const char       *path,
                                                guint32           fs_type,
                                                guint             open_flags,
                                                guint32           mode,
                                                MsMappingBackend *backend) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
const char       *ms_linux_file_get_path       (MsLinuxFile      *self);
MS_AVAILABLE_IN_ALL
guint32           ms_linux_file_get_fs_type    (MsLinuxFile      *self);
MS_AVAILABLE_IN_ALL
guint             ms_linux_file_get_open_flags (MsLinuxFile      *self);
MS_AVAILABLE_IN_ALL
guint32           ms_linux_file_get_mode       (MsLinuxFile      *self);
MS_AVAILABLE_IN_ALL
MsMappingBackend *ms_linux_file_get_backend    (MsLinuxFile      *self);
MS_AVAILABLE_IN_ALL
gboolean          ms_linux_file_is_anonymous   (MsLinuxFile      *self);

G_END_DECLS
