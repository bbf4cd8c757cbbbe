/* ms-prot.h: memory protection flags
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
 * MsProt:
 * @MS_PROT_NONE: no access
 * @MS_PROT_READ: the memory can be read
 * @MS_PROT_WRITE: the memory can be written
 * @MS_PROT_EXEC: the memory can be executed
 * @MS_PROT_SHARED: the memory is shared with other mappings of what backs
 *   it (`MAP_SHARED`), not private; outside the `PROT_*` bits
 *
 * Access permissions of memory, with the values of `PROT_READ`,
 * `PROT_WRITE` and `PROT_EXEC` in `<sys/mman.h>` on Linux, and whether
 * the mapping is shared.
 *
 * These are the flags [class@Ms.HostBackend] understands, and the flags
 * that [method@Ms.MemoryArea.to_string] prints as `rwxs` letters. The
 * flags of a [struct@Ms.MemoryArea] are a plain 64-bit value whose
 * meaning is up to its backend; `MsProt` is one such meaning.
 *
 * Since: 1.0
 */
typedef enum /*< flags >*/
{
  MS_PROT_NONE  = 0,
  MS_PROT_READ  = 1 << 0,
  MS_PROT_WRITE = 1 << 1,
  MS_PROT_EXEC  = 1 << 2,
  MS_PROT_SHARED = 1 << 3,
} MsProt;

G_END_DECLS
