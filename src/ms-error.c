/* ms-error.c: the error domain of libmemoryset
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "memoryset.h"

/**
 * ms_mapping_error_quark:
 *
 * The quark of the %MS_MAPPING_ERROR error domain.
 *
 * Returns: the error domain quark, for the string "ms-mapping-error-quark"
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (ms-mapping-error-quark, ms_mapping_error)
