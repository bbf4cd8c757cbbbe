/* memoryset.h: the one header users of libmemoryset include
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

#define MS_INSIDE

#include "ms-version.h"
#include "ms-version-macros.h"
#include "ms-enum-types.h"
#include "ms-error.h"
#include "ms-mapping-backend.h"
#include "ms-memory-area.h"
#include "ms-memory-set.h"
#include "ms-prot.h"
#include "ms-host-backend.h"
#include "ms-linux-file.h"
#include "ms-linux-mm.h"

#undef MS_INSIDE
