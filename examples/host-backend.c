/* host-backend.c: a guest address space in real memory of this process
 *
 * Code, data and a stack for a small guest, in a reservation made by
 * MsHostBackend: the code is loaded while writable and then made
 * read-and-execute, the stack gets a guard page, and the address space
 * is printed in the layout of /proc/<pid>/maps before and after.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <stdlib.h>
#include <string.h>

#include <memoryset.h>

#define GUEST_SIZE   0x1000000          /* 16 MiB of guest address space */
#define CODE_START   0x400000
#define CODE_SIZE    0x10000
#define DATA_START   0x600000
#define DATA_SIZE    0x20000
#define STACK_SIZE   0x40000
#define STACK_START  (GUEST_SIZE - STACK_SIZE)

static gboolean
map_area (MsMemorySet    *set,
          MsHostBackend  *host,
          guint64         start,
          guint64         size,
          MsProt          prot,
          GError        **error)
{
  g_autoptr(MsMemoryArea) area = ms_memory_area_new (start, size, prot,
                                                     MS_MAPPING_BACKEND (host));

  /* MsHostBackend needs no page table. */
  return ms_memory_set_map (set, area, NULL, FALSE, error);
}

static void
print_maps (const char  *title,
            MsMemorySet *set)
{
  g_autofree char *maps = ms_memory_set_to_string (set);

  g_print ("%s\n%s\n", title, maps);
}

int
main (void)
{
  /* x86-64: mov eax, 42; ret */
  static const guint8 code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
  static const char greeting[] = "Hello, guest!";
  g_autoptr(MsHostBackend) host = NULL;
  g_autoptr(MsMemorySet) set = ms_memory_set_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *base;
  gsize page;

  host = ms_host_backend_new (GUEST_SIZE, &error);
  if (host == NULL)
    goto failed;

  base = ms_host_backend_get_base (host);
  page = ms_host_backend_get_page_size (host);
  g_print ("Guest address space: %#x bytes at host address %p, pages of %"
           G_GSIZE_FORMAT " bytes\n\n", GUEST_SIZE, (void *) base, page);

  /* Everything starts writable, so that it can be loaded. */
  if (!map_area (set, host, CODE_START, CODE_SIZE, MS_PROT_READ | MS_PROT_WRITE, &error) ||
      !map_area (set, host, DATA_START, DATA_SIZE, MS_PROT_READ | MS_PROT_WRITE, &error) ||
      !map_area (set, host, STACK_START, STACK_SIZE, MS_PROT_READ | MS_PROT_WRITE, &error))
    goto failed;

  /* Load through the checked helper, or straight through the base
   * pointer: guest address a is host address base + a. */
  if (!ms_host_backend_write (host, CODE_START, code, sizeof code, &error))
    goto failed;
  memcpy (base + DATA_START, greeting, sizeof greeting);
  base[GUEST_SIZE - 1] = 0x5a;   /* the top of the stack */

  print_maps ("Loading:", set);

  /* The code becomes read-and-execute; the lowest stack page becomes a
   * guard page that traps overflows. */
  if (!ms_memory_set_protect (set, CODE_START, CODE_SIZE,
                              MS_PROT_READ | MS_PROT_EXEC, NULL, &error) ||
      !ms_memory_set_protect (set, STACK_START, page, MS_PROT_NONE, NULL, &error))
    goto failed;

  print_maps ("Running:", set);

  /* Writing into the code now fails, with an error rather than SIGSEGV. */
  if (ms_host_backend_write (host, CODE_START, code, 1, &error))
    {
      g_printerr ("The code should no longer be writable\n");
      return EXIT_FAILURE;
    }
  g_print ("Writing into the code: %s\n", error->message);
  g_clear_error (&error);

  bytes = ms_host_backend_read (host, DATA_START, sizeof greeting, &error);
  if (bytes == NULL)
    goto failed;
  g_print ("The data area holds \"%s\"\n", (const char *) g_bytes_get_data (bytes, NULL));

  return EXIT_SUCCESS;

failed:
  g_printerr ("%s\n", error->message);
  return EXIT_FAILURE;
}
