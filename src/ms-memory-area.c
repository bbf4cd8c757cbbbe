/* ms-memory-area.c: one contiguous mapped range
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-memory-area-private.h"

/**
 * MsMemoryArea:
 *
 * One contiguous range `[start, start + size)` of an address space, with
 * one set of flags and the [iface@Ms.MappingBackend] that maps it.
 *
 * An area that a caller holds keeps its values: when a
 * [class@Ms.MemorySet] shrinks, splits or re-flags an area that anyone
 * but the set holds a reference to, it replaces it with new areas. An
 * area that only the set holds is changed in place instead, which nobody
 * can observe: a pointer from [method@Ms.MemorySet.find] or
 * [method@Ms.MemorySet.foreach], borrowed without a reference, stays
 * valid only until the set next changes (take a reference with
 * [method@Ms.MemoryArea.ref] to keep the values).
 *
 * Areas are reference counted: [method@Ms.MemoryArea.ref] and
 * [method@Ms.MemoryArea.unref].
 *
 * Since: 1.0
 */

G_DEFINE_BOXED_TYPE (MsMemoryArea, ms_memory_area, ms_memory_area_ref, ms_memory_area_unref)

static MsAreaTag *
tag_ref (MsAreaTag *tag)
{
  if (tag != NULL)
    __atomic_fetch_add (&tag->ref_count, 1, __ATOMIC_RELAXED);
  return tag;
}

static void
tag_unref (MsAreaTag *tag)
{
  if (tag != NULL && __atomic_fetch_sub (&tag->ref_count, 1, __ATOMIC_ACQ_REL) == 1)
    {
      g_clear_pointer (&tag->name, g_ref_string_release);
      g_free (tag);
    }
}

/* The tag of an area of @delta and @name, NULL when it needs none. */
static MsAreaTag *
tag_new (guint64     delta,
         const char *name)
{
  MsAreaTag *tag;

  if (delta == 0 && name == NULL)
    return NULL;

  tag = g_new (MsAreaTag, 1);
  tag->ref_count = 1;
  tag->delta = delta;
  /* One copy of each name, however many areas carry it. */
  tag->name = name != NULL ? g_ref_string_new_intern (name) : NULL;
  return tag;
}

/* Takes the reference to @tag. */
static MsMemoryArea *
memory_area_alloc (guint64           start,
                   guint64           size,
                   guint64           flags,
                   MsMappingBackend *backend,
                   MsAreaTag        *tag)
{
  MsMemoryArea *self;

  if (tag != NULL)
    {
      MsTaggedArea *tagged = g_new (MsTaggedArea, 1);

      tagged->tag = tag;
      self = &tagged->area;
    }
  else
    self = g_new (MsMemoryArea, 1);
  self->tagged = tag != NULL;

  self->start = start;
  self->size = size;
  self->flags = flags;
  self->backend = g_object_ref (backend);
  self->ref_count = 1;

  return self;
}

/**
 * ms_memory_area_new:
 * @start: the first address of the area
 * @size: the size of the area, in bytes
 * @flags: the area's flags; their meaning is the backend's business
 * @backend: the backend that maps the area
 *
 * Creates an area covering `[start, start + size)`, of anonymous memory:
 * as [ctor@Ms.MemoryArea.new_full] with an offset equal to @start and no
 * name.
 *
 * The range is checked when the area is mapped: an empty area, or one
 * that runs past the top of the address space, is refused by
 * [method@Ms.MemorySet.map].
 *
 * Returns: (transfer full): a new area
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_area_new (guint64           start,
                    guint64           size,
                    guint64           flags,
                    MsMappingBackend *backend)
{
  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (backend), NULL);

  return memory_area_alloc (start, size, flags, backend, NULL);
}

/**
 * ms_memory_area_new_full:
 * @start: the first address of the area
 * @size: the size of the area, in bytes
 * @flags: the area's flags; their meaning is the backend's business
 * @backend: the backend that maps the area
 * @offset: the offset of @start in what backs the area (a file, say)
 * @name: (nullable): a name for the area: a file's path, `[heap]`...
 *
 * Creates an area covering `[start, start + size)` that maps what backs
 * it from @offset on, as a file mapping does.
 *
 * The offset and the name follow the area through every change of a
 * set: a piece of it that starts at `p` has its backend and name and the
 * offset `offset + (p - start)`. An area made with
 * [ctor@Ms.MemoryArea.new] is anonymous memory, whose offset is its own
 * address (as Linux keeps the page offsets of anonymous memory).
 *
 * The name is kept as given, any string; areas with equal names share
 * one copy of it. [method@Ms.MemorySet.map] refuses an area whose
 * `offset + size` runs past 2^64 - 1.
 *
 * Returns: (transfer full): a new area
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_area_new_full (guint64           start,
                         guint64           size,
                         guint64           flags,
                         MsMappingBackend *backend,
                         guint64           offset,
                         const char       *name)
{
  g_return_val_if_fail (MS_IS_MAPPING_BACKEND (backend), NULL);

  return memory_area_alloc (start, size, flags, backend, tag_new (offset - start, name));
}

MsMemoryArea *
ms_memory_area_new_like (const MsMemoryArea *area,
                         guint64             start,
                         guint64             size,
                         guint64             flags,
                         guint64             offset)
{
  MsAreaTag *tag;

  if (offset - start == ms_memory_area_delta (area))
    tag = tag_ref (ms_memory_area_tag (area));
  else
    tag = tag_new (offset - start, ms_memory_area_name (area));

  return memory_area_alloc (start, size, flags, area->backend, tag);
}

/**
 * ms_memory_area_ref:
 * @self: an area
 *
 * Takes a reference on @self.
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
MsMemoryArea *
ms_memory_area_ref (MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  __atomic_fetch_add (&self->ref_count, 1, __ATOMIC_RELAXED);

  return self;
}

/**
 * ms_memory_area_unref:
 * @self: (transfer full): an area
 *
 * Drops a reference on @self, and frees it when that was the last one.
 *
 * Since: 1.0
 */
void
ms_memory_area_unref (MsMemoryArea *self)
{
  g_return_if_fail (self != NULL);

  if (__atomic_fetch_sub (&self->ref_count, 1, __ATOMIC_ACQ_REL) == 1)
    {
      g_object_unref (self->backend);
      if (self->tagged)
        {
          tag_unref (ms_memory_area_tag (self));
          g_free ((MsTaggedArea *) self);
        }
      else
        g_free (self);
    }
}

/**
 * ms_memory_area_get_start:
 * @self: an area
 *
 * Gets the first address of the area.
 *
 * Returns: the start address
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_start (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->start;
}

/**
 * ms_memory_area_get_end:
 * @self: an area
 *
 * Gets the address just past the area: `start + size`.
 *
 * Returns: the end address (exclusive)
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_end (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return ms_memory_area_end (self);
}

/**
 * ms_memory_area_get_size:
 * @self: an area
 *
 * Gets the size of the area.
 *
 * Returns: the size, in bytes
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_size (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->size;
}

/**
 * ms_memory_area_get_flags:
 * @self: an area
 *
 * Gets the flags of the area.
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_flags (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->flags;
}

/**
 * ms_memory_area_get_backend:
 * @self: an area
 *
 * Gets the backend that maps the area.
 *
 * Returns: (transfer none): the backend
 *
 * Since: 1.0
 */
MsMappingBackend *
ms_memory_area_get_backend (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->backend;
}

/**
 * ms_memory_area_get_offset:
 * @self: an area
 *
 * Gets the offset of the area's first address in what backs it: the
 * offset given to [ctor@Ms.MemoryArea.new_full], moved on by the splits
 * that made this piece; for anonymous memory, the area's own start.
 *
 * Returns: the offset
 *
 * Since: 1.0
 */
guint64
ms_memory_area_get_offset (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->start + ms_memory_area_delta (self);
}

/**
 * ms_memory_area_get_name:
 * @self: an area
 *
 * Gets the area's name.
 *
 * Returns: (nullable) (transfer none): the name, or %NULL
 *
 * Since: 1.0
 */
const char *
ms_memory_area_get_name (const MsMemoryArea *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return ms_memory_area_name (self);
}

/**
 * ms_memory_area_contains:
 * @self: an area
 * @addr: an address
 *
 * Checks whether @addr lies in the area: `start <= addr < start + size`.
 *
 * Returns: %TRUE if the area contains @addr
 *
 * Since: 1.0
 */
gboolean
ms_memory_area_contains (const MsMemoryArea *self,
                         guint64             addr)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return addr >= self->start && addr - self->start < self->size;
}

/**
 * ms_memory_area_equal:
 * @a: an area
 * @b: another area
 *
 * Checks whether two areas have the same start, size, flags, backend,
 * offset and name.
 *
 * Returns: %TRUE if the areas are equal
 *
 * Since: 1.0
 */
gboolean
ms_memory_area_equal (const MsMemoryArea *a,
                      const MsMemoryArea *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);

  return a->start == b->start && a->size == b->size &&
         a->flags == b->flags && a->backend == b->backend &&
         ms_memory_area_same_tag (a, b);
}

/* The column at which the kernel starts the name in /proc/<pid>/maps. */
#define MAPS_NAME_COLUMN 73

void
ms_memory_area_append_maps_line (const MsMemoryArea *self,
                                 GString            *text)
{
  const guint64 perm_bits = MS_PROT_READ | MS_PROT_WRITE | MS_PROT_EXEC | MS_PROT_SHARED;
  const char *name = ms_memory_area_name (self);
  gsize line_start = text->len;

  g_string_append_printf (text, "%08" G_GINT64_MODIFIER "x-%08" G_GINT64_MODIFIER "x ",
                          self->start, ms_memory_area_end (self));
  if ((self->flags & ~perm_bits) != 0)
    g_string_append_printf (text, "%#" G_GINT64_MODIFIER "x", self->flags);
  else
    g_string_append_printf (text, "%c%c%c%c",
                            (self->flags & MS_PROT_READ) != 0 ? 'r' : '-',
                            (self->flags & MS_PROT_WRITE) != 0 ? 'w' : '-',
                            (self->flags & MS_PROT_EXEC) != 0 ? 'x' : '-',
                            (self->flags & MS_PROT_SHARED) != 0 ? 's' : 'p');
  /* Offset, then device and inode, which a set has not: as the kernel
   * prints them for anonymous memory, with its trailing space. */
  g_string_append_printf (text, " %08" G_GINT64_MODIFIER "x 00:00 0 ",
                          ms_memory_area_get_offset (self));

  if (name == NULL)
    return;

  /* The kernel pads to the column before the name, then writes a space. */
  while (text->len - line_start < MAPS_NAME_COLUMN - 1)
    g_string_append_c (text, ' ');
  g_string_append_c (text, ' ');
  for (const char *c = name; *c != '\0'; c++)
    {
      if (*c == '\n')
        g_string_append (text, "\\012");
      else
        g_string_append_c (text, *c);
    }
}

/**
 * ms_memory_area_to_string:
 * @self: an area
 *
 * Describes the area as the kernel describes a mapping in
 * `/proc/<pid>/maps`, without the line break:
 *
 * ```
 * 00400000-00452000 r-xp 00000000 00:00 0                          /usr/bin/true
 * 00651000-00652000 rw-p 00651000 00:00 0
 * ```
 *
 * The start and end addresses in lowercase hexadecimal, at least 8
 * digits each, joined by `-`; the permissions, `r`, `w`, `x` or `-` in
 * turn for %MS_PROT_READ, %MS_PROT_WRITE and %MS_PROT_EXEC, then `s` for
 * %MS_PROT_SHARED or `p`; the offset ([method@Ms.MemoryArea.get_offset])
 * in hexadecimal, at least 8 digits; `00:00 0 ` for the device and inode
 * columns, which a set does not have (with the trailing space the kernel
 * writes); then, when the area has a name, spaces up to column 73 (from
 * 0), as the kernel pads it, and the name, a line break in it written as
 * `\012`. Flags with bits outside those four are printed as a
 * hexadecimal number instead of letters, as in
 * `00001000-00005000 0x10 00001000 00:00 0 `.
 * [method@Ms.MemorySet.load_maps] reads both forms back.
 *
 * Returns: (transfer full): a new string
 *
 * Since: 1.0
 */
char *
ms_memory_area_to_string (const MsMemoryArea *self)
{
  GString *text;

  g_return_val_if_fail (self != NULL, NULL);

  text = g_string_new (NULL);
  ms_memory_area_append_maps_line (self, text);
  return g_string_free (text, FALSE);
}
