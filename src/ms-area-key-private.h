/* ms-area-key-private.h: how a set's GTree is keyed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "ms-memory-area-private.h"

G_BEGIN_DECLS

/* The tree's key is the start address itself where it fits in a
 * pointer, so that a lookup compares keys without leaving the tree's
 * nodes; elsewhere it points at the area's start. The start of an area
 * in the tree never changes, so the key stays right. */
#if GLIB_SIZEOF_VOID_P >= 8
# define MS_AREA_KEY(area) (GSIZE_TO_POINTER ((area)->start))
# define MS_KEY_VALUE(key) ((guint64) GPOINTER_TO_SIZE (key))
# define MS_LOOKUP_KEY(addr) (GSIZE_TO_POINTER (addr))
#else
# define MS_AREA_KEY(area) ((gpointer) &(area)->start)
# define MS_KEY_VALUE(key) (*(const guint64 *) (key))
# define MS_LOOKUP_KEY(addr) ((gpointer) &(addr))
#endif

static inline MsMemoryArea *
ms_node_area (GTreeNode *node)
{
  return g_tree_node_value (node);
}

G_END_DECLS
