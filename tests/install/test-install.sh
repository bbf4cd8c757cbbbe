#!/usr/bin/env bash
# test-install.sh: install the build into a temporary directory and use the
# installed copy the way a user of the library would.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs `meson install` with DESTDIR set, then: every file meson means to
# install is there; pkg-config finds memoryset-1; a C program builds against
# the installed headers and library and runs on them; Python imports Ms from
# the installed typelib with the installed overrides; the API reference, the
# vapi (compiling the Vala test against it) and gjs are checked when the
# build has them. Speaks TAP.
#
# Environment (set by tests/install/meson.build):
#   MS_MESON        the meson command
#   MS_BUILD_ROOT   the build directory to install
#   MS_SOURCE_ROOT  the source directory
#   MS_CC           the C compiler command
#   MS_PYTHON3      any python3
#   MS_PYTHON       a python3 with PyGObject, or empty
#   MS_VALAC        valac, or empty
#   MS_GJS          gjs, or empty

set -u

# Nothing from the build tree may leak into the checks.
unset LD_LIBRARY_PATH GI_TYPELIB_PATH PYTHONPATH PKG_CONFIG_PATH \
      PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR MS_PYTHON_OVERRIDES DESTDIR

n=0
failed=0

ok () {
  n=$((n + 1))
  echo "ok $n - $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n - $1"
}

skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

# comment FILE: shows a log in the TAP output.
comment () {
  sed 's/^/# /' "$1"
}

bail () {
  echo "Bail out! $1"
  exit 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ms-install.XXXXXX") || bail "no temporary directory"
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/root
log=$tmp/log

# 1. meson install (it builds what is left to build, such as the reference).
if DESTDIR=$dest $MS_MESON install -C "$MS_BUILD_ROOT" --quiet >"$log" 2>&1; then
  ok "meson install into DESTDIR"
else
  comment "$log"
  not_ok "meson install into DESTDIR"
  echo "1..$n"
  exit 1
fi

# Where things went, from meson's own list of installed files.
if ! $MS_MESON introspect "$MS_BUILD_ROOT" --installed >"$tmp/installed.json" 2>"$log"; then
  comment "$log"
  bail "meson introspect --installed failed"
fi
if ! eval "$("$MS_PYTHON3" - "$tmp/installed.json" "$dest" <<'PY'
import json, os, shlex, sys

installed = json.load(open(sys.argv[1]))
dest = sys.argv[2]
found = {}
missing = []
for target in installed.values():
    path = dest + target
    if not os.path.lexists(path):
        missing.append(target)
    for key, tail in (('pc', '/pkgconfig/memoryset-1.pc'),
                      ('typelib', '/girepository-1.0/Ms-1.0.typelib'),
                      ('gir', '/gir-1.0/Ms-1.0.gir'),
                      ('overrides', '/gi/overrides/Ms.py'),
                      ('vapi', '/vapi/memoryset-1.vapi'),
                      ('docs', '/doc/Ms-1.0'),
                      ('lib', '/libmemoryset.so')):
        if target.endswith(tail):
            found[key] = target
print('n_installed=%d' % len(installed))
print('missing=%s' % shlex.quote('\n'.join(missing)))
for key in ('pc', 'typelib', 'gir', 'overrides', 'vapi', 'docs', 'lib'):
    print('inst_%s=%s' % (key, shlex.quote(found.get(key, ''))))
PY
)"; then
  bail "could not read meson's list of installed files"
fi

# 2. Everything meson means to install is there.
if [ -z "$missing" ] && [ "$n_installed" -gt 0 ]; then
  ok "all $n_installed installed files are in DESTDIR"
else
  echo "$missing" | sed 's/^/# missing: /'
  not_ok "all $n_installed installed files are in DESTDIR"
fi

[ -n "$inst_pc" ] && [ -n "$inst_lib" ] || bail "no memoryset-1.pc or libmemoryset.so installed"
libdir=$dest$(dirname "$inst_lib")

# 3. pkg-config finds the installed memoryset-1. The .pc names the real
# prefix, so a copy points it at DESTDIR.
mkdir -p "$tmp/pkgconfig"
prefix=$(sed -n 's/^prefix=//p' "$dest$inst_pc")
sed "s|^prefix=.*|prefix=$dest$prefix|" "$dest$inst_pc" >"$tmp/pkgconfig/memoryset-1.pc"
export PKG_CONFIG_PATH=$tmp/pkgconfig
if version=$(pkg-config --modversion memoryset-1 2>"$log") &&
   cflags=$(pkg-config --cflags memoryset-1 2>>"$log") &&
   libs=$(pkg-config --libs memoryset-1 2>>"$log"); then
  ok "pkg-config memoryset-1 finds version $version"
else
  comment "$log"
  not_ok "pkg-config memoryset-1"
fi

# 4. A C program builds against the installed headers and library...
if $MS_CC -o "$tmp/install-check" "$MS_SOURCE_ROOT/tests/install/install-check.c" \
     $cflags $libs >"$log" 2>&1; then
  ok "a C program builds with pkg-config memoryset-1"
  # 5. ... and runs on the installed library.
  if used=$(LD_LIBRARY_PATH=$libdir "$tmp/install-check" 2>"$log") &&
     case "$used" in "$dest"/*) true ;; *) false ;; esac; then
    ok "the C program runs the README example on the installed library"
  else
    comment "$log"
    echo "# library used: $used"
    not_ok "the C program runs the README example on the installed library"
  fi
else
  comment "$log"
  not_ok "a C program builds with pkg-config memoryset-1"
  skip "the C program runs on the installed library" "it did not build"
fi

# 6. Python imports Ms from the installed typelib, with the installed
# overrides, through the usual search paths.
if [ -z "$MS_PYTHON" ]; then
  skip "Python uses the installed typelib and overrides" "no introspection or no python3 with PyGObject"
elif [ -z "$inst_typelib" ] || [ -z "$inst_overrides" ]; then
  not_ok "Python uses the installed typelib and overrides: typelib '$inst_typelib', overrides '$inst_overrides'"
else
  typelib_dir=$dest$(dirname "$inst_typelib")
  python_dir=$dest${inst_overrides%/gi/overrides/Ms.py}
  if GI_TYPELIB_PATH=$typelib_dir LD_LIBRARY_PATH=$libdir PYTHONPATH=$python_dir \
       "$MS_PYTHON" - "$dest" >"$log" 2>&1 <<'PY'
import sys

import gi
gi.require_version('Ms', '1.0')
gi.require_version('GIRepository', '2.0')
from gi.repository import GIRepository, Ms

dest = sys.argv[1]

overrides = sys.modules['gi.overrides.Ms'].__file__
assert overrides.startswith(dest + '/'), 'overrides from ' + overrides
typelib = GIRepository.Repository.get_default().get_typelib_path('Ms')
assert typelib.startswith(dest + '/'), 'typelib from ' + typelib
libraries = [line.split()[-1] for line in open('/proc/self/maps')
             if 'libmemoryset' in line]
assert libraries and all(path.startswith(dest + '/') for path in libraries), \
    'library from %s' % libraries


class Backend(Ms.PyMappingBackend):
    def map(self, start, size, flags, page_table):
        pass

    def unmap(self, start, size, page_table):
        pass


memory_set = Ms.MemorySet()
memory_set.map(Ms.MemoryArea(0x1000, 0x4000, 1, Backend()))
memory_set.unmap(0x2000, 0x2000)
spans = [(area.start, area.end) for area in memory_set]
assert spans == [(0x1000, 0x2000), (0x4000, 0x5000)], spans
assert 0x1000 in memory_set and 0x2000 not in memory_set
print(repr(memory_set))
PY
  then
    comment "$log"
    ok "Python uses the installed typelib and overrides"
  else
    comment "$log"
    not_ok "Python uses the installed typelib and overrides"
  fi
fi

# 7. The API reference, when the build makes it.
if [ -z "$inst_docs" ]; then
  skip "the API reference is installed" "the build has no reference (-Ddocs)"
elif [ -f "$dest$inst_docs/index.html" ] &&
     [ -f "$dest$inst_docs/class.MemorySet.html" ] &&
     [ -f "$dest$inst_docs/iface.MappingBackend.html" ]; then
  ok "the API reference is installed in $inst_docs"
else
  ls "$dest$inst_docs" 2>&1 | sed 's/^/# /'
  not_ok "the API reference is installed in $inst_docs"
fi

# 8. The Vala test builds against the installed vapi and runs.
if [ -z "$inst_vapi" ]; then
  skip "the Vala test builds against the installed vapi" "the build has no vapi (-Dvapi)"
elif [ -z "$MS_VALAC" ]; then
  skip "the Vala test builds against the installed vapi" "no valac"
elif (cd "$tmp" && $MS_VALAC --quiet --vapidir "$dest$(dirname "$inst_vapi")" \
        --pkg memoryset-1 -X -w -o "$tmp/test-vala" \
        "$MS_SOURCE_ROOT/tests/test-vala.vala") >"$log" 2>&1 &&
     LD_LIBRARY_PATH=$libdir "$tmp/test-vala" >>"$log" 2>&1; then
  ok "the Vala test builds against the installed vapi and passes"
else
  comment "$log"
  not_ok "the Vala test builds against the installed vapi and passes"
fi

# 9. The JavaScript test passes on the installed typelib.
if [ -z "$MS_GJS" ]; then
  skip "the JavaScript test passes on the installed typelib" "no introspection or no gjs"
elif [ -z "$inst_typelib" ]; then
  not_ok "the JavaScript test passes on the installed typelib: no typelib installed"
elif GI_TYPELIB_PATH=$dest$(dirname "$inst_typelib") LD_LIBRARY_PATH=$libdir \
       "$MS_GJS" -m "$MS_SOURCE_ROOT/tests/test-gjs.js" >"$log" 2>&1; then
  ok "the JavaScript test passes on the installed typelib"
else
  comment "$log"
  not_ok "the JavaScript test passes on the installed typelib"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
