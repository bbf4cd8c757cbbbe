/* ms-error.h: the error domain of libmemoryset
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib.h>

#include "ms-version-macros.h"

G_BEGIN_DECLS

/**
 * MS_MAPPING_ERROR:
 *
 * The error domain of [class@Ms.MemorySet] operations: errors in this
 * domain carry a [enum@Ms.MappingError] code.
 *
 * Since: 1.0
 */
#define MS_MAPPING_ERROR (ms_mapping_error_quark ())

/**
 * MsMappingError:
 * @MS_MAPPING_ERROR_INVALID_PARAM: an address, size or range is invalid:
 *   an empty area, or a range that runs past the top of the 64-bit
 *   address space
 * @MS_MAPPING_ERROR_ALREADY_EXISTS: the new mapping overlaps an existing
 *   area and replacing it was not asked for
 * @MS_MAPPING_ERROR_BAD_STATE: a backend refused an operation, or does not
 *   implement the method the operation needs
 * @MS_MAPPING_ERROR_BUSY: the set was asked to change while it is already
 *   in the middle of a change, from inside a backend call or a callback
 *   of the same set; nothing was done
 * @MS_MAPPING_ERROR_PARSE: text given to [method@Ms.MemorySet.load_maps]
 *   is not in the `/proc/<pid>/maps` layout; the message names the line
 * @MS_MAPPING_ERROR_FAULT: a read or write through
 *   [class@Ms.HostBackend] touched memory that is not mapped, or whose
 *   protection forbids the access; nothing was read or written
 * @MS_MAPPING_ERROR_TOO_MANY_AREAS: the call would leave the set with more
 *   areas than its [property@Ms.MemorySet:max-areas] (and than it holds
 *   now); nothing was done
 * @MS_MAPPING_ERROR_NOT_MAPPED: the range a call needs mapped is not
 *   inside one area, or, for [method@Ms.MemorySet.join], no area ends or
 *   none starts at the address; nothing was done
 * @MS_MAPPING_ERROR_INCOMPATIBLE: the two areas
 *   [method@Ms.MemorySet.join] was asked to join could not be one area:
 *   their backends, flags or names differ, or their offsets do not run
 *   on; nothing was done
 *
 * Error codes in the %MS_MAPPING_ERROR domain.
 *
 * Since: 1.0
 */
typedef enum
{
  MS_MAPPING_ERROR_INVALID_PARAM,
  MS_MAPPING_ERROR_ALREADY_EXISTS,
  MS_MAPPING_ERROR_BAD_STATE,
  MS_MAPPING_ERROR_BUSY,
  MS_MAPPING_ERROR_PARSE,
  MS_MAPPING_ERROR_FAULT,
  MS_MAPPING_ERROR_TOO_MANY_AREAS,
  MS_MAPPING_ERROR_NOT_MAPPED,
  MS_MAPPING_ERROR_INCOMPATIBLE,
} MsMappingError;

MS_AVAILABLE_IN_ALL
GQuark ms_mapping_error_quark (void);

G_END_DECLS
