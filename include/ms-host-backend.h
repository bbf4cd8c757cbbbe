/* ms-host-backend.h: a backend that maps real memory of this process
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
#include "ms-prot.h"

G_BEGIN_DECLS

#define MS_TYPE_HOST_BACKEND (ms_host_backend_get_type ())

MS_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (MsHostBackend, ms_host_backend, MS, HOST_BACKEND, GObject)

MS_AVAILABLE_IN_ALL
MsHostBackend *ms_host_backend_new           (guint64         size,
                                              GError        **error) G_GNUC_WARN_UNUSED_RESULT;
MS_AVAILABLE_IN_ALL
gpointer       ms_host_backend_get_base      (MsHostBackend  *self);
MS_AVAILABLE_IN_ALL
guint64        ms_host_backend_get_size      (MsHostBackend  *self);
MS_AVAILABLE_IN_ALL
gsize          ms_host_backend_get_page_size (MsHostBackend  *self);
MS_AVAILABLE_IN_ALL
gboolean       ms_host_backend_get_prot      (MsHostBackend  *self,
                                              guint64         addr,
                                              MsProt         *out_prot);
MS_AVAILABLE_IN_ALL
GBytes        *ms_host_backend_read          (MsHostBackend  *self,
                                              guint64         addr,
                                              gsize           size,
                                              GError        **error);
MS_AVAILABLE_IN_ALL
gboolean       ms_host_backend_write         (MsHostBackend  *self,
                                              guint64         addr,
                                              const guint8   *data,
                                              gsize           size,
                                              GError        **error);

G_END_DECLS
