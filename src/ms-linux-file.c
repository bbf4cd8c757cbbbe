/* ms-linux-file.c: an open file description, as MsLinuxMm maps it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "ms-linux-file-private.h"

#include <sys/stat.h>

/**
 * MsLinuxFile:
 *
 * What backs the mappings of a [class@Ms.LinuxMm]: an open file
 * description of the caller's, made with [ctor@Ms.LinuxFile.new], or one
 * of the mm's own (its anonymous memory, the shmem object of a shared
 * anonymous mapping, `[vdso]` and the like, the files of the initial
 * maps).
 *
 * The kernel merges two mappings of a file only when they map the same
 * open file description (`struct file`), never two opens of one path:
 * the identity of an `MsLinuxFile` object is that identity. Give
 * [method@Ms.LinuxMm.mmap] one object per open, as the guest's file
 * descriptors share them (`dup` and `fork` share one, a second `open`
 * makes another).
 *
 * What the kernel does with a file depends on a few of its attributes,
 * which the object keeps: its path (shown in the maps), the magic number
 * of its file system (`statfs`'s `f_type`: ext4, xfs and btrfs files get
 * the 2 MiB alignment of transparent huge pages, tmpfs files do not),
 * the flags it was opened with (`O_RDONLY`, `O_WRONLY` or `O_RDWR`
 * decide what `MAP_SHARED` may do) and its mode (`st_mode`: the
 * character device `/dev/zero` maps anonymous memory).
 *
 * An `MsLinuxFile` is an [iface@Ms.MappingBackend]: it is the backend
 * of the areas that map it in the mm's set. It passes every call to the
 * backend it was given, if any, with the flags turned into
 * [flags@Ms.Prot]: the `PROT_*` bits of the mapping, and
 * %MS_PROT_SHARED for a `MAP_SHARED` one. Calls that change only the
 * bookkeeping bits of the flags reach that backend as a protect with the
 * protection it already has. Without a backend, every call succeeds and
 * nothing else happens: the mapping is bookkeeping only.
 *
 * Since: 1.0
 */
struct _MsLinuxFile
{
  GObject           parent_instance;

  char             *path;         /* or NULL */
  guint32           fs_type;
  guint             open_flags;
  guint32           mode;
  MsMappingBackend *backend;      /* owned, or NULL */
  MsLinuxFileKind   kind;
};

static void ms_linux_file_backend_init (MsMappingBackendInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (MsLinuxFile, ms_linux_file, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (MS_TYPE_MAPPING_BACKEND,
                                                      ms_linux_file_backend_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_FS_TYPE,
  PROP_OPEN_FLAGS,
  PROP_MODE,
  PROP_BACKEND,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The bits of MsLinuxMm's flags that an MsProt backend understands. */
#define VM_PROT_BITS (MS_LINUX_VM_READ | MS_LINUX_VM_WRITE | MS_LINUX_VM_EXEC)

static inline guint64
prot_of (guint64 flags)
{
  return (flags & VM_PROT_BITS) | ((flags & MS_LINUX_VM_MAYSHARE) != 0 ? MS_PROT_SHARED : 0);
}

/* The end of a call of @method: @local_error is what the backend set,
 * read after the call returned @done (never in the call's own argument
 * list: C leaves the order of their evaluation open). When refused: the
 * backend's own reason, or one that names it; the set prefixes the
 * operation and the range. */
static gboolean
refused (MsLinuxFile  *self,
         const char   *method,
         gboolean      done,
         GError       *local_error,
         GError      **error)
{
  if (done)
    {
      g_clear_error (&local_error);
      return TRUE;
    }
  if (local_error != NULL)
    g_propagate_error (error, local_error);
  else
    g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
                 "the backend (%s) of %s refused to %s", G_OBJECT_TYPE_NAME (self->backend),
                 self->path != NULL ? self->path : "anonymous memory", method);
  return FALSE;
}

/* The backend lacks @method: the set prefixes the operation and the
 * range, as it does for the backend's own errors. */
static gboolean
missing (MsLinuxFile  *self,
         const char   *method,
         GError      **error)
{
  g_set_error (error, MS_MAPPING_ERROR, MS_MAPPING_ERROR_BAD_STATE,
               "the backend (%s) of %s does not implement the %s method",
               G_OBJECT_TYPE_NAME (self->backend),
               self->path != NULL ? self->path : "anonymous memory", method);
  return FALSE;
}

static gboolean
ms_linux_file_map (MsMappingBackend  *backend,
                   guint64            start,
                   guint64            size,
                   guint64            flags,
                   GObject           *page_table,
                   GError           **error)
{
  MsLinuxFile *self = MS_LINUX_FILE (backend);
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  if (self->backend == NULL)
    return TRUE;
  iface = MS_MAPPING_BACKEND_GET_IFACE (self->backend);
  if (iface->map == NULL)
    return missing (self, "map", error);
  done = iface->map (self->backend, start, size, prot_of (flags), page_table, &local_error);
  return refused (self, "map", done, local_error, error);
}

static gboolean
ms_linux_file_unmap (MsMappingBackend  *backend,
                     guint64            start,
                     guint64            size,
                     GObject           *page_table,
                     GError           **error)
{
  MsLinuxFile *self = MS_LINUX_FILE (backend);
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  if (self->backend == NULL)
    return TRUE;
  iface = MS_MAPPING_BACKEND_GET_IFACE (self->backend);
  if (iface->unmap == NULL)
    return missing (self, "unmap", error);
  done = iface->unmap (self->backend, start, size, page_table, &local_error);
  return refused (self, "unmap", done, local_error, error);
}

static gboolean
ms_linux_file_protect (MsMappingBackend  *backend,
                       guint64            start,
                       guint64            size,
                       guint64            new_flags,
                       GObject           *page_table,
                       GError           **error)
{
  MsLinuxFile *self = MS_LINUX_FILE (backend);
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  if (self->backend == NULL)
    return TRUE;
  iface = MS_MAPPING_BACKEND_GET_IFACE (self->backend);
  if (iface->protect == NULL)
    return missing (self, "protect", error);
  done = iface->protect (self->backend, start, size, prot_of (new_flags), page_table, &local_error);
  return refused (self, "protect", done, local_error, error);
}

static gboolean
ms_linux_file_move (MsMappingBackend  *backend,
                    guint64            old_start,
                    guint64            size,
                    guint64            new_start,
                    GObject           *page_table,
                    GError           **error)
{
  MsLinuxFile *self = MS_LINUX_FILE (backend);
  MsMappingBackendInterface *iface;
  GError *local_error = NULL;
  gboolean done;

  if (self->backend == NULL)
    return TRUE;
  iface = MS_MAPPING_BACKEND_GET_IFACE (self->backend);
  if (iface->move == NULL)
    return missing (self, "move", error);
  done = iface->move (self->backend, old_start, size, new_start, page_table, &local_error);
  return refused (self, "move", done, local_error, error);
}

static void
ms_linux_file_backend_init (MsMappingBackendInterface *iface)
{
  iface->map = ms_linux_file_map;
  iface->unmap = ms_linux_file_unmap;
  iface->protect = ms_linux_file_protect;
  iface->move = ms_linux_file_move;
}

static void
ms_linux_file_finalize (GObject *object)
{
  MsLinuxFile *self = (MsLinuxFile *) object;

  g_clear_pointer (&self->path, g_free);
  g_clear_object (&self->backend);

  G_OBJECT_CLASS (ms_linux_file_parent_class)->finalize (object);
}

static void
ms_linux_file_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  MsLinuxFile *self = MS_LINUX_FILE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    case PROP_FS_TYPE:
      g_value_set_uint (value, self->fs_type);
      break;

    case PROP_OPEN_FLAGS:
      g_value_set_uint (value, self->open_flags);
      break;

    case PROP_MODE:
      g_value_set_uint (value, self->mode);
      break;

    case PROP_BACKEND:
      g_value_set_object (value, self->backend);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_linux_file_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  MsLinuxFile *self = MS_LINUX_FILE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;

    case PROP_FS_TYPE:
      self->fs_type = g_value_get_uint (value);
      break;

    case PROP_OPEN_FLAGS:
      self->open_flags = g_value_get_uint (value);
      break;

    case PROP_MODE:
      self->mode = g_value_get_uint (value);
      break;

    case PROP_BACKEND:
      self->backend = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ms_linux_file_class_init (MsLinuxFileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ms_linux_file_finalize;
  object_class->get_property = ms_linux_file_get_property;
  object_class->set_property = ms_linux_file_set_property;

  /**
   * MsLinuxFile:path: (getter get_path)
   *
   * The path the file was opened by, as `/proc/<pid>/maps` shows it, or
   * %NULL.
   *
   * Since: 1.0
   */
  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxFile:fs-type: (getter get_fs_type)
   *
   * The magic number of the file's file system, as `statfs` gives it in
   * `f_type`: `0xef53` for ext4, `0x58465342` for xfs, `0x9123683e` for
   * btrfs (the three whose files get the huge-page alignment),
   * `0x01021994` for tmpfs; 0 when unknown.
   *
   * Since: 1.0
   */
  properties[PROP_FS_TYPE] =
    g_param_spec_uint ("fs-type", NULL, NULL, 0, G_MAXUINT32, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxFile:open-flags: (getter get_open_flags)
   *
   * The flags the file was opened with, as `open` takes them: their
   * access mode (`O_RDONLY` 0, `O_WRONLY` 1, `O_RDWR` 2) decides whether
   * a mapping may read and write it.
   *
   * Since: 1.0
   */
  properties[PROP_OPEN_FLAGS] =
    g_param_spec_uint ("open-flags", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxFile:mode: (getter get_mode)
   *
   * The file's type and permissions, as `st_mode`: `0100644` for a
   * regular file, `020666` for a character device such as `/dev/zero`.
   *
   * Since: 1.0
   */
  properties[PROP_MODE] =
    g_param_spec_uint ("mode", NULL, NULL, 0, G_MAXUINT32, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * MsLinuxFile:backend: (getter get_backend)
   *
   * The backend that the file's mappings are passed to, or %NULL for
   * none (bookkeeping only).
   *
   * Since: 1.0
   */
  properties[PROP_BACKEND] =
    g_param_spec_object ("backend", NULL, NULL, MS_TYPE_MAPPING_BACKEND,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ms_linux_file_init (MsLinuxFile *self)
{
  self->kind = MS_LINUX_FILE_KIND_REGULAR;
}

/**
 * ms_linux_file_new:
 * @path: (nullable): the path the file was opened by
 * @fs_type: the magic number of its file system (`statfs`'s `f_type`),
 *   or 0
 * @open_flags: the flags it was opened with (`O_RDONLY`, `O_RDWR`, …)
 * @mode: its `st_mode`
 * @backend: (nullable): the backend its mappings are passed to
 *
 * Describes one open file description, for [method@Ms.LinuxMm.mmap].
 *
 * Returns: (transfer full): a new file
 *
 * Since: 1.0
 */
MsLinuxFile *
ms_linux_file_new (const char       *path,
                   guint32           fs_type,
                   guint             open_flags,
                   guint32           mode,
                   MsMappingBackend *backend)
{
  g_return_val_if_fail (backend == NULL || MS_IS_MAPPING_BACKEND (backend), NULL);

  return g_object_new (MS_TYPE_LINUX_FILE,
                       "path", path,
                       "fs-type", fs_type,
                       "open-flags", open_flags,
                       "mode", mode,
                       "backend", backend,
                       NULL);
}

MsLinuxFile *
ms_linux_file_new_internal (MsLinuxFileKind   kind,
                            const char       *path,
                            guint32           fs_type,
                            MsMappingBackend *backend)
{
  MsLinuxFile *self = ms_linux_file_new (path, fs_type, 2 /* O_RDWR */, 0, backend);

  self->kind = kind;
  return self;
}

MsLinuxFileKind
ms_linux_file_get_kind (MsLinuxFile *self)
{
  return self->kind;
}

gboolean
ms_linux_file_is_dev_zero (MsLinuxFile *self)
{
  return self->kind == MS_LINUX_FILE_KIND_REGULAR && g_strcmp0 (self->path, "/dev/zero") == 0 &&
         S_ISCHR (self->mode);
}

/**
 * ms_linux_file_get_path: (get-property path)
 * @self: a file
 *
 * Gets the path of the file; see [property@Ms.LinuxFile:path].
 *
 * Returns: (nullable): the path
 *
 * Since: 1.0
 */
const char *
ms_linux_file_get_path (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), NULL);

  return self->path;
}

/**
 * ms_linux_file_get_fs_type: (get-property fs-type)
 * @self: a file
 *
 * Gets the magic number of the file's file system; see
 * [property@Ms.LinuxFile:fs-type].
 *
 * Returns: the magic number, or 0
 *
 * Since: 1.0
 */
guint32
ms_linux_file_get_fs_type (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), 0);

  return self->fs_type;
}

/**
 * ms_linux_file_get_open_flags: (get-property open-flags)
 * @self: a file
 *
 * Gets the flags the file was opened with; see
 * [property@Ms.LinuxFile:open-flags].
 *
 * Returns: the flags
 *
 * Since: 1.0
 */
guint
ms_linux_file_get_open_flags (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), 0);

  return self->open_flags;
}

/**
 * ms_linux_file_get_mode: (get-property mode)
 * @self: a file
 *
 * Gets the file's `st_mode`; see [property@Ms.LinuxFile:mode].
 *
 * Returns: the mode
 *
 * Since: 1.0
 */
guint32
ms_linux_file_get_mode (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), 0);

  return self->mode;
}

/**
 * ms_linux_file_get_backend: (get-property backend)
 * @self: a file
 *
 * Gets the backend the file's mappings are passed to; see
 * [property@Ms.LinuxFile:backend].
 *
 * Returns: (nullable) (transfer none): the backend
 *
 * Since: 1.0
 */
MsMappingBackend *
ms_linux_file_get_backend (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), NULL);

  return self->backend;
}

/**
 * ms_linux_file_is_anonymous:
 * @self: a file
 *
 * Checks whether the mappings of @self are anonymous memory, as the
 * kernel's `vma_is_anonymous()` sees them: the private anonymous memory
 * and `[heap]` of a [class@Ms.LinuxMm], or the file `/dev/zero` (whose
 * private mappings are anonymous; its shared ones are given shmem
 * objects of their own).
 *
 * Returns: %TRUE if they are
 *
 * Since: 1.0
 */
gboolean
ms_linux_file_is_anonymous (MsLinuxFile *self)
{
  g_return_val_if_fail (MS_IS_LINUX_FILE (self), FALSE);

  return self->kind == MS_LINUX_FILE_KIND_ANONYMOUS || ms_linux_file_is_dev_zero (self);
}
