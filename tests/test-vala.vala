/* test-vala.vala: a backend written in Vala, against memoryset-1.vapi
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/* An error domain of the test's own, for the backend's reasons. */
errordomain TestError {
  NO_ROOM
}

/* Logs its calls and refuses any call on the range that starts at
 * refuse_at, with a reason (or, with silent, without one). */
class LogBackend : Object, Ms.MappingBackend {
  public string[] calls = {};
  public uint64 refuse_at = uint64.MAX;
  public bool silent = false;
  public Object? last_page_table = null;

  private bool answer (uint64 start) throws TestError {
    if (start != refuse_at)
      return true;
    if (silent)
      return false;
    throw new TestError.NO_ROOM ("no room at %#llx", start);
  }

  public bool map (uint64 start, uint64 size, uint64 flags, Object? page_table) throws Error {
    calls += "map %#llx %#llx %llu".printf (start, size, flags);
    last_page_table = page_table;
    return answer (start);
  }

  public bool unmap (uint64 start, uint64 size, Object? page_table) throws Error {
    calls += "unmap %#llx %#llx".printf (start, size);
    last_page_table = page_table;
    return answer (start);
  }

  public bool protect (uint64 start, uint64 size, uint64 new_flags, Object? page_table) throws Error {
    calls += "protect %#llx %#llx %llu".printf (start, size, new_flags);
    last_page_table = page_table;
    return answer (start);
  }
}

static string spans (Ms.MemorySet set) {
  var text = new StringBuilder ();
  var areas = set.get_areas ();
  foreach (unowned Ms.MemoryArea area in areas)
    text.append_printf ("[%#llx, %#llx) %llu;", area.get_start (), area.get_end (), area.get_flags ());
  return text.str;
}

static void test_readme_example () {
  var set = new Ms.MemorySet ();
  var backend = new LogBackend ();
  try {
    set.map (new Ms.MemoryArea (0x1000, 0x4000, 1, backend), null, false);
    set.unmap (0x2000, 0x2000, null);
  } catch (Error e) {
    error ("%s", e.message);
  }

  assert_cmpuint (set.get_n_areas (), CompareOperator.EQ, 2);
  assert_cmpstr (spans (set), CompareOperator.EQ, "[0x1000, 0x2000) 1;[0x4000, 0x5000) 1;");
  assert_cmpstrv (backend.calls, {"map 0x1000 0x4000 1", "unmap 0x2000 0x2000"});
  assert_true (set.find (0x1800).get_backend () == backend);
  assert_null (set.find (0x3000));
}

static void test_protect_page_table () {
  var set = new Ms.MemorySet ();
  var backend = new LogBackend ();
  var table = new Object ();
  try {
    set.map (new Ms.MemoryArea (0x1000, 0x4000, 1, backend), table, false);
    set.protect (0x2000, 0x1000, 3, table);
  } catch (Error e) {
    error ("%s", e.message);
  }
  assert_cmpstr (spans (set), CompareOperator.EQ, "[0x1000, 0x2000) 1;[0x2000, 0x3000) 3;[0x3000, 0x5000) 1;");
  assert_true (backend.last_page_table == table);
}

static void test_refusal () {
  var set = new Ms.MemorySet ();
  var backend = new LogBackend ();
  backend.refuse_at = 0x2000;
  try {
    set.map (new Ms.MemoryArea (0x1000, 0x4000, 1, backend), null, false);
  } catch (Error e) {
    error ("%s", e.message);
  }

  /* The backend's reason reaches the caller, after the operation and
   * the range. */
  try {
    set.unmap (0x2000, 0x1000, null);
    assert_not_reached ();
  } catch (TestError.NO_ROOM e) {
    assert_cmpstr (e.message, CompareOperator.EQ, "Failed to unmap [0x2000, 0x3000): no room at 0x2000");
  } catch (Error e) {
    error ("unexpected error: %s", e.message);
  }

  /* A refusal without a reason is the set's BAD_STATE. */
  backend.silent = true;
  try {
    set.protect (0x2000, 0x1000, 2, null);
    assert_not_reached ();
  } catch (Ms.MappingError.BAD_STATE e) {
    assert_true (e.message.contains ("[0x2000, 0x3000)"));
  } catch (Error e) {
    error ("unexpected error: %s", e.message);
  }

  try {
    set.map (new Ms.MemoryArea (0x4000, 0x2000, 1, backend), null, false);
    assert_not_reached ();
  } catch (Error e) {
    assert_error (e, Ms.MappingError.quark (), Ms.MappingError.ALREADY_EXISTS);
  }

  assert_cmpstr (spans (set), CompareOperator.EQ, "[0x1000, 0x5000) 1;");
}

static void test_protect_with () {
  var set = new Ms.MemorySet ();
  var backend = new LogBackend ();
  try {
    set.map (new Ms.MemoryArea (0x1000, 0x1000, 1, backend), null, false);
    set.map (new Ms.MemoryArea (0x2000, 0x1000, 2, backend), null, false);
    set.protect_with (0x0, 0x4000, null, (old_flags, out new_flags) => {
      new_flags = old_flags | 4;
      return old_flags != 2;
    });
  } catch (Error e) {
    error ("%s", e.message);
  }
  assert_cmpstr (spans (set), CompareOperator.EQ, "[0x1000, 0x2000) 5;[0x2000, 0x3000) 2;");
}

/* Offsets and names follow splits; neighbours merge when asked. */
static void test_offsets_names_merge () {
  var set = new Ms.MemorySet ();
  var backend = new LogBackend ();
  try {
    set.map (new Ms.MemoryArea.full (0x1000, 0x4000, 1, backend, 0x10000, "/lib/x.so"), null, false);
    set.unmap (0x2000, 0x1000, null);
  } catch (Error e) {
    error ("%s", e.message);
  }
  var upper = set.find (0x3000);
  assert_cmpuint ((uint) upper.get_offset (), CompareOperator.EQ, 0x12000);
  assert_cmpstr (upper.get_name (), CompareOperator.EQ, "/lib/x.so");

  set.merge_adjacent = true;
  try {
    set.map (new Ms.MemoryArea.full (0x2000, 0x1000, 1, backend, 0x11000, "/lib/x.so"), null, false);
  } catch (Error e) {
    error ("%s", e.message);
  }
  assert_cmpuint (set.get_n_areas (), CompareOperator.EQ, 1);
  var joined = set.find (0x4000);
  assert_cmpuint ((uint) joined.get_offset (), CompareOperator.EQ, 0x10000);
}

/* The host backend, through the vapi: real memory behind the areas. */
static void test_host_backend () {
  try {
    /* 1 MiB: a multiple of any page size up to 64 KiB. */
    var host = new Ms.HostBackend (16 * 65536);
    var page = (uint64) host.get_page_size ();
    var set = new Ms.MemorySet ();
    set.map (new Ms.MemoryArea (page, 4 * page, Ms.Prot.READ | Ms.Prot.WRITE, host), null, false);
    set.protect (2 * page, page, Ms.Prot.READ, null);

    uint8[] data = { 1, 2, 3, 4 };
    host.write (page + 8, data);
    var bytes = host.read (page + 8, 4);
    assert_cmpmem (bytes.get_data (), data);

    Ms.Prot prot;
    assert_true (host.get_prot (2 * page, out prot));
    assert_true (prot == Ms.Prot.READ);
    assert_cmpstr (set.to_string (), CompareOperator.EQ,
                   ("%08llx-%08llx rw-p %08llx 00:00 0 \n%08llx-%08llx r--p %08llx 00:00 0 \n"
                    + "%08llx-%08llx rw-p %08llx 00:00 0 \n").printf (
                     page, 2 * page, page, 2 * page, 3 * page, 2 * page, 3 * page, 5 * page, 3 * page));
    set.clear (null);
    assert_false (host.get_prot (2 * page, out prot));
  } catch (Error e) {
    error ("%s", e.message);
  }
}

/* Linux's calls through an MsLinuxMm over the Vala backend; the mm's
 * errors are its errordomain, one code per errno. */
static void test_linux_mm () {
  var backend = new LogBackend ();
  var mm = new Ms.LinuxMm (backend);
  uint64 addr = 0;
  try {
    /* rw-, MAP_PRIVATE | MAP_ANONYMOUS: top-down below mmap_base. */
    assert_true (mm.mmap (0, 0x2000, 3, 0x22, null, 0, out addr));
    assert_true (addr == mm.get_mmap_base () - 0x2000);
    assert_cmpstr (backend.calls[0], CompareOperator.EQ, "map %#llx 0x2000 3".printf (addr));
  } catch (Error e) {
    error ("%s", e.message);
  }

  try {
    mm.mprotect (addr + 0x10000, 0x1000, 1);
    assert_not_reached ();
  } catch (Ms.LinuxMmError.NOMEM e) {
    assert_cmpint (e.code, CompareOperator.EQ, 12);
  } catch (Error e) {
    error ("%s", e.message);
  }

  backend.refuse_at = addr;
  try {
    mm.munmap (addr, 0x1000);
    assert_not_reached ();
  } catch (TestError.NO_ROOM e) {
    /* The backend's own reason, prefixed with the call. */
    assert_true ("no room at" in e.message);
  } catch (Error e) {
    error ("%s", e.message);
  }
  assert_cmpuint (mm.get_set ().get_n_areas (), CompareOperator.EQ, 1);
}

int main (string[] args) {
  Test.init (ref args);
  Test.add_func ("/vala/readme-example", test_readme_example);
  Test.add_func ("/vala/protect-page-table", test_protect_page_table);
  Test.add_func ("/vala/refusal", test_refusal);
  Test.add_func ("/vala/protect-with", test_protect_with);
  Test.add_func ("/vala/host-backend", test_host_backend);
  Test.add_func ("/vala/offsets-names-merge", test_offsets_names_merge);
  Test.add_func ("/vala/linux-mm", test_linux_mm);
  return Test.run ();
}
