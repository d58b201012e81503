"""Discovery and loading of vadkit plugins.

A plugin is any installed distribution that declares an entry point in the group
``vadkit.plugins``::

    # pyproject.toml of the plugin
    [project.entry-points."vadkit.plugins"]
    my_plugin = "my_plugin"              # importing the module registers its classes
    # or
    my_plugin = "my_plugin:register"     # a function called with no arguments

Discovery lists the entry points first, reading only the ``entry_points.txt`` files of
installed distributions (with the ``entrypoints`` package, nothing is imported); loading
then imports them one at a time. A plugin that raises is recorded with its distribution,
version and error and never stops the others from loading.

``VADKIT_DISABLE_PLUGINS=1`` (or ``true``/``yes``/``all``) turns discovery off;
``VADKIT_DISABLE_PLUGINS=name_a,name_b`` skips only the plugins of those names.
"""
import argparse
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

import entrypoints

ENTRY_POINT_GROUP = 'vadkit.plugins'
DISABLE_ENV = 'VADKIT_DISABLE_PLUGINS'
# Modules registered from these packages are the host's own, even when a plugin's import
# is what triggered their registration (e.g. a plugin that imports mmdet).
HOST_PACKAGES = frozenset({'vadkit', 'mmengine', 'mmcv', 'mmdet', 'mmpose', 'mmaction',
                           'mmpretrain', 'mmseg', 'torch'})


@dataclass
class PluginInfo:
    """What is known of one plugin after loading it.

    Attributes:
        name: Entry point name.
        distribution: Name of the distribution that declares it (None if unknown).
        version: Version of that distribution.
        entry_point: ``module`` or ``module:object`` the entry point refers to.
        registered: ``"REGISTRY:Name"`` for every module it registered; a module in
            a registry of another scope is written ``"REGISTRY:scope.Name"``.
        error: ``"ExceptionType: message"`` if loading failed, else None.
    """
    name: str
    distribution: Optional[str]
    version: Optional[str]
    entry_point: str
    registered: List[str] = field(default_factory=list)
    error: Optional[str] = None

    def to_dict(self) -> dict:
        """The public JSON form: name, distribution, version, registered, error."""
        data = asdict(self)
        data.pop('entry_point')
        return data


_loaded: Optional[List[PluginInfo]] = None


def plugins_disabled() -> bool:
    """Whether ``VADKIT_DISABLE_PLUGINS`` turns discovery off altogether."""
    return os.environ.get(DISABLE_ENV, '').strip().lower() in {'1', 'true', 'yes', 'all'}


def _skipped_names() -> Set[str]:
    value = os.environ.get(DISABLE_ENV, '').strip()
    if not value or plugins_disabled() or value.lower() in {'0', 'false', 'no'}:
        return set()
    return {name.strip() for name in value.split(',') if name.strip()}


def discover(path: Optional[Sequence[str]] = None) -> List[entrypoints.EntryPoint]:
    """List the entry points of the ``vadkit.plugins`` group without importing them.

    Args:
        path: Directories to search for ``*.dist-info``/``*.egg-info``; ``sys.path``
            when None.

    Returns:
        Entry points sorted by distribution and name; the first of duplicates (the same
        distribution visible twice on the path) wins.
    """
    if plugins_disabled():
        return []
    found, seen = [], set()
    for ep in entrypoints.get_group_all(ENTRY_POINT_GROUP, path=path):
        key = (ep.name, ep.module_name, ep.object_name)
        if key not in seen:
            seen.add(key)
            found.append(ep)
    skipped = _skipped_names()
    found = [ep for ep in found if ep.name not in skipped]
    return sorted(found, key=lambda ep: (_distribution(ep)[0] or '', ep.name))


def _distribution(ep: entrypoints.EntryPoint) -> Tuple[Optional[str], Optional[str]]:
    """Name (normalised as in PEP 503: ``vadkit-plugin-example``) and version."""
    distro = ep.distro
    if distro is None:
        return None, None
    return re.sub(r'[-_.]+', '-', distro.name).lower(), distro.version


def _root_labels() -> Dict[int, str]:
    """Map each registry root to the name it has in ``vadkit.registry`` (``MODELS``...)."""
    from .registry import named_registries
    return {id(registry._get_root_registry()): name
            for name, registry in named_registries().items()}


def _walk(node) -> Iterator:
    yield node
    for child in node.children.values():
        yield from _walk(child)


def _snapshot() -> Dict[str, object]:
    """Every module of every registry tree vadkit knows, keyed ``"REGISTRY:Name"``."""
    from .registry import SCOPE, iter_registries
    labels = _root_labels()
    roots = {id(r._get_root_registry()): r._get_root_registry() for r in iter_registries()}
    entries = {}
    for root_id, root in roots.items():
        for node in _walk(root):
            prefix = '' if node.scope == SCOPE else f'{node.scope}.'
            for name, obj in node.module_dict.items():
                entries[f'{labels[root_id]}:{prefix}{name}'] = obj
    return entries


def _is_host_module(obj) -> bool:
    module = getattr(obj, '__module__', None) or ''
    return module.split('.', 1)[0] in HOST_PACKAGES


def load_entry_point(ep: entrypoints.EntryPoint) -> PluginInfo:
    """Load one plugin in isolation and record what it registered or why it failed."""
    distribution, version = _distribution(ep)
    target = ep.module_name + (f':{ep.object_name}' if ep.object_name else '')
    info = PluginInfo(ep.name, distribution, version, target)
    before = _snapshot()
    try:
        obj = ep.load()
        if ep.object_name and callable(obj) and not isinstance(obj, type):
            obj()
    except (Exception, SystemExit) as exc:  # a plugin must never take the host down
        info.error = f'{type(exc).__name__}: {exc}'
    after = _snapshot()
    info.registered = sorted(key for key, obj in after.items()
                             if key not in before and not _is_host_module(obj))
    return info


def load_plugins(path: Optional[Sequence[str]] = None,
                 reload: bool = False) -> List[PluginInfo]:
    """Discover and load every plugin once; later calls return the same records.

    Args:
        path: Where to look (``sys.path`` when None). A path given explicitly is always
            searched anew and its records are not cached.
        reload: Search ``sys.path`` again even if plugins were loaded before (modules
            already imported are not imported twice).

    Returns:
        One :class:`PluginInfo` per plugin, failed ones included.
    """
    global _loaded
    if path is None and _loaded is not None and not reload:
        return _loaded
    infos = [load_entry_point(ep) for ep in discover(path)]
    if path is None:
        _loaded = infos
    return infos


def loaded_plugins() -> List[PluginInfo]:
    """Records of the plugins loaded so far from ``sys.path`` (empty before loading)."""
    return list(_loaded or [])


def failed_plugins() -> List[PluginInfo]:
    """Plugins that raised while loading."""
    return [info for info in loaded_plugins() if info.error is not None]


def format_table(infos: Sequence[PluginInfo]) -> str:
    """Human-readable listing of plugins, one block per plugin."""
    if not infos:
        state = ' (disabled by VADKIT_DISABLE_PLUGINS)' if plugins_disabled() else ''
        return f'no vadkit plugins found{state}'
    lines = []
    for info in infos:
        status = 'FAILED' if info.error else 'ok'
        lines.append(f'{info.name}  [{status}]  {info.distribution or "?"} '
                     f'{info.version or "?"}  ({info.entry_point})')
        for key in info.registered:
            lines.append(f'    registered {key}')
        if info.error:
            lines.append(f'    error: {info.error}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print every plugin with its version, what it registered and its load errors."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument('--json', action='store_true', help='print a JSON list')
    parser.add_argument('--path', nargs='+', help='search these directories, not sys.path')
    args = parser.parse_args(argv)
    infos = load_plugins(path=args.path)
    if args.json:
        print(json.dumps([info.to_dict() for info in infos], indent=2))
    else:
        print(format_table(infos))
    return 1 if any(info.error for info in infos) else 0


if __name__ == '__main__':
    sys.exit(main())
