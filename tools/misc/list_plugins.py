"""List the installed vadkit plugins: version, what each registered, load errors.

    python tools/misc/list_plugins.py [--json] [--path DIR ...]

With --json it prints a list of {name, distribution, version, registered, error};
``registered`` holds "REGISTRY:Name" strings and ``error`` is null for a plugin that
loaded. The exit status is 1 if any plugin failed to load. VADKIT_DISABLE_PLUGINS=1 turns
discovery off.
"""
import sys

from vadkit.plugins import main

if __name__ == '__main__':
    sys.exit(main())
