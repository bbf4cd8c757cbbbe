/* ms-linux-file-private.h: what MsLinuxMm knows of its files
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "memoryset.h"

G_BEGIN_DECLS

/* What backs the areas of an MsLinuxMm, as the kernel tells VMAs apart:
 * by struct file, and by the vm_ops of those without one. */
typedef enum {
  /* An open file description of the caller's (ms_linux_file_new). */
  MS_LINUX_FILE_KIND_REGULAR,
  /* Private anonymous memory and brk: one per mm, no struct file. */
  MS_LINUX_FILE_KIND_ANONYMOUS,
  /* The shmem file of one shared anonymous mapping (or of a shared
   * mapping of /dev/zero): never merges with another. */
  MS_LINUX_FILE_KIND_SHMEM,
  /* [vdso], [vvar], [vvar_vclock]: special mappings that refuse to be
   * split. */
  MS_LINUX_FILE_KIND_SPECIAL,
  /* A file of the initial maps: one per device and inode. */
  MS_LINUX_FILE_KIND_INITIAL,
} MsLinuxFileKind;

/* A file of the mm's own, passing calls to @backend (nullable). */
MsLinuxFile     *ms_linux_file_new_internal (MsLinuxFileKind   kind,
                                             const char       *path,
                                             guint32           fs_type,
                                             MsMappingBackend *backend);
MsLinuxFileKind  ms_linux_file_get_kind     (MsLinuxFile      *self);
/* Whether @self is the character device /dev/zero, whose private
 * mappings are anonymous memory and whose shared ones are shmem. */
gboolean         ms_linux_file_is_dev_zero  (MsLinuxFile      *self);

G_END_DECLS
