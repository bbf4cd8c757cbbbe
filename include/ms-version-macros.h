/* ms-version-macros.h: symbol visibility for libmemoryset
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(MS_INSIDE) && !defined(MS_COMPILATION)
#error "Only <memoryset.h> can be included directly."
#endif

#include <glib.h>

#ifndef _MS_EXTERN
# if defined(MS_COMPILATION) && defined(__GNUC__)
#  define _MS_EXTERN __attribute__((visibility ("default"))) extern
# else
#  define _MS_EXTERN extern
# endif
#endif

/* Every public declaration carries this: the library is built with
 * hidden visibility, so only what is marked here is exported. */
#define MS_AVAILABLE_IN_ALL _MS_EXTERN
