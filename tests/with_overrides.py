# with_overrides.py: runs a Python test file with the overrides of the
# source tree (gi/overrides/Ms.py) loaded ahead of any installed copy.
#
# Usage: with_overrides.py TEST_FILE [ARGS...]; the overrides directory is
# $MS_PYTHON_OVERRIDES.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import runpy
import sys

import gi.overrides

overrides_dir = os.environ['MS_PYTHON_OVERRIDES']
gi.overrides.__path__.insert(0, overrides_dir)

del sys.argv[0]
try:
    runpy.run_path(sys.argv[0], run_name='__main__')
finally:
    module = sys.modules.get('gi.overrides.Ms')
    if module is None or \
            os.path.dirname(os.path.realpath(module.__file__)) != os.path.realpath(overrides_dir):
        sys.exit('with_overrides.py: the overrides of %s were not used (%s)'
                 % (overrides_dir, module))
