/* ms-mapping-backend-private.h: calling a backend
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memoryset.h"

G_BEGIN_DECLS

/* Ends a call of the backend method @method on [start, end) that
 * returned @done and set @local_error (or not): a refusal reaches @error
 * with the backend's domain and code and a message prefixed with the
 * operation and the range, or with a generic BAD_STATE message when the
 * backend gave no reason. Returns @done. */
gboolean ms_mapping_backend_finish_call  (MsMappingBackend  *self,
                                          const char        *method,
                                          guint64            start,
                                          guint64            end,
                                          gboolean           done,
                                          GError            *local_error,
                                          GError           **error);

/* The error for a backend that lacks @method; returns FALSE. */
gboolean ms_mapping_backend_missing      (MsMappingBackend  *self,
                                          const char        *method,
                                          guint64            start,
                                          guint64            end,
                                          GError           **error);

G_END_DECLS
