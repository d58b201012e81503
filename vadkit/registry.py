"""Every registry of vadkit, in one file.

Each registry that corresponds to an mmengine root is a child of it with scope
``'vadkit'``, so a config with ``default_scope='vadkit'`` finds vadkit's modules first and
mmengine's next. ``locations`` name the modules that fill a registry; they are imported
lazily, on the first ``get``/``build``, so ``import vadkit`` stays cheap.

The video-parsing and scoring registries (DETECTORS ... FEATURE_READERS) have no mmengine
counterpart; they are roots of their own, scope ``'vadkit'``, and plugins may hang child
registries of their own scope under them.

A lookup that fails raises :class:`UnknownTypeError`, which names the registry, the
closest registered names (in this registry and in any other vadkit registry) and the
plugins that failed to load (:func:`explain_unknown_type`).
"""
import difflib
import re
from typing import Dict, Iterator, List, Optional

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import FUNCTIONS as MMENGINE_FUNCTIONS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import \
    RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry as _MMEngineRegistry

SCOPE = 'vadkit'


class UnknownTypeError(KeyError):
    """A config names a ``type`` that no registry in reach knows."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0]) if self.args else ''


class Registry(_MMEngineRegistry):
    """mmengine's Registry whose failed ``build`` explains itself."""

    def build(self, cfg, *args, **kwargs):
        try:
            return super().build(cfg, *args, **kwargs)
        except UnknownTypeError:
            raise
        except KeyError as exc:
            message = explain_unknown_type(exc)
            if message is None:
                raise
            raise UnknownTypeError(message) from None


# manage all kinds of runners like `EpochBasedRunner` and `IterBasedRunner`
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope=SCOPE, locations=['vadkit.engine'])
# manage runner constructors that define how to initialize runners
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS, scope=SCOPE,
    locations=['vadkit.engine'])
# manage all kinds of loops like the alternating GCL loop and fit-only loops
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope=SCOPE, locations=['vadkit.engine'])
# manage all kinds of hooks like `CheckpointHook`
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope=SCOPE, locations=['vadkit.engine'])

# manage feature-level datasets (object clips, segments, video bags) and generators
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope=SCOPE, locations=['vadkit.datasets'])
# manage data samplers
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope=SCOPE, locations=['vadkit.datasets'])
# manage sample transforms like `PackVADInputs`
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope=SCOPE,
    locations=['vadkit.datasets.transforms'])

# manage the VAD methods (HSC, GCL, SA-CRF, ITAM+SMM) and their components and losses
MODELS = Registry('model', parent=MMENGINE_MODELS, scope=SCOPE, locations=['vadkit.models'])
# manage model wrappers like 'MMDistributedDataParallel'
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope=SCOPE, locations=['vadkit.models'])
# manage weight initializers like `Normal`
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope=SCOPE,
    locations=['vadkit.models'])

# manage optimizers
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS, scope=SCOPE, locations=['vadkit.engine'])
# manage optimizer wrappers like `OptimWrapper`
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope=SCOPE, locations=['vadkit.engine'])
# manage constructors that customize the optimization hyperparameters
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope=SCOPE,
    locations=['vadkit.engine'])
# manage all kinds of parameter schedulers like `MultiStepLR`
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope=SCOPE,
    locations=['vadkit.engine'])

# manage metrics (micro/macro AUC, AP, FAR, EER, RBDC/TBDC)
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope=SCOPE, locations=['vadkit.evaluation'])
# manage evaluators
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR, scope=SCOPE, locations=['vadkit.evaluation'])

# manage task-specific modules like anchor generators and box coders
TASK_UTILS = Registry(
    'task util', parent=MMENGINE_TASK_UTILS, scope=SCOPE, locations=['vadkit.models'])

# manage visualizers (score curves, t-SNE, confusion matrices)
VISUALIZERS = Registry(
    'visualizer', parent=MMENGINE_VISUALIZERS, scope=SCOPE, locations=['vadkit.visualization'])
# manage visualizer backends
VISBACKENDS = Registry(
    'vis_backend', parent=MMENGINE_VISBACKENDS, scope=SCOPE, locations=['vadkit.visualization'])
# manage log processors
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, scope=SCOPE, locations=['vadkit.engine'])
# manage inferencers
INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS, scope=SCOPE, locations=['vadkit.apis'])
# manage functions, e.g. collate functions of the data loaders
FUNCTIONS = Registry(
    'function', parent=MMENGINE_FUNCTIONS, scope=SCOPE, locations=['vadkit.datasets'])

# --- registries without an mmengine counterpart -----------------------------------------
# manage object detectors used by video parsing (HOG, background subtraction, mmdet, ...)
DETECTORS = Registry('detector', scope=SCOPE, locations=['vadkit.parsing'])
# manage multi-object trackers used by video parsing (IoU/Kalman, mmdet trackers, ...)
TRACKERS = Registry('tracker', scope=SCOPE, locations=['vadkit.parsing'])
# manage per-track, per-clip and per-segment feature extractors (appearance, pose, scene)
EXTRACTORS = Registry('extractor', scope=SCOPE, locations=['vadkit.parsing'])
# manage data augmenters of methods (skeleton rotation, temporal cutting)
AUGMENTERS = Registry('augmenter', scope=SCOPE, locations=['vadkit.models'])
# manage scorers: clip/segment-to-frame expansion, normalisation, smoothing, fusion
SCORERS = Registry('scorer', scope=SCOPE, locations=['vadkit.scoring'])
# manage video parsers that chain detector, tracker and extractors into a feature store
PARSERS = Registry('parser', scope=SCOPE, locations=['vadkit.parsing'])
# manage captioners that turn object crops into text (ITAM)
CAPTIONERS = Registry('captioner', scope=SCOPE, locations=['vadkit.parsing'])
# manage readers of features extracted elsewhere (RTFM / XD-Violence .npy, Sultani's .txt)
FEATURE_READERS = Registry('feature reader', scope=SCOPE,
                           locations=['vadkit.datasets.importers'])

VADKIT_ONLY_REGISTRIES = (DETECTORS, TRACKERS, EXTRACTORS, AUGMENTERS, SCORERS, PARSERS,
                          CAPTIONERS, FEATURE_READERS)


def named_registries() -> Dict[str, Registry]:
    """Every registry defined in this module, by its name here (``'MODELS'``...)."""
    return {name: value for name, value in globals().items() if isinstance(value, Registry)}


def iter_registries() -> Iterator[Registry]:
    """Yield every registry defined in this module, in definition order."""
    yield from named_registries().values()


_NOT_FOUND = re.compile(r'(?P<type>[\w.]+) is not in the (?P<scope>[\w-]+)::(?P<name>[\w ]+?) '
                        r'registry')


def _find_registry(scope: str, name: str) -> Optional[_MMEngineRegistry]:
    """The registry called ``name`` in ``scope``, searched from vadkit's registry trees."""
    for registry in iter_registries():
        if registry.name == name:
            root = registry._get_root_registry()
            return root if root.scope == scope else root._search_child(scope)
    return None


def _names_in_reach(registry: _MMEngineRegistry) -> List[str]:
    """Names ``registry.get`` could resolve without a scope prefix."""
    names = []
    node = registry
    while node is not None:
        node.import_from_location()
        names.extend(node.module_dict)
        node = node.parent
    return names


def explain_unknown_type(exc: BaseException) -> Optional[str]:
    """Turn mmengine's "X is not in the S::N registry" error into a useful message.

    Returns ``None`` when ``exc`` is not such an error.
    """
    match = _NOT_FOUND.search(str(exc.args[0]) if exc.args else '')
    if match is None:
        return None
    obj_type, scope, name = match.group('type', 'scope', 'name')
    registry = _find_registry(scope, name)
    lines = [f"unknown type '{obj_type}' in the {scope}::{name} registry."]
    if registry is not None:
        known = _names_in_reach(registry)
        close = difflib.get_close_matches(obj_type, known, n=5, cutoff=0.6)
        close += [k for k in known if k.lower() == obj_type.lower() and k not in close]
        if close:
            lines.append('Close matches: ' + ', '.join(close) + '.')
    elsewhere = []
    for other in iter_registries():
        if other.name == name:
            continue
        try:
            other.import_from_location()
        except Exception:  # noqa: BLE001 - a broken location is reported by tests
            continue
        if obj_type in other.module_dict:
            elsewhere.append(f'{other.scope}::{other.name}')
    if elsewhere:
        lines.append(f"'{obj_type}' is registered in " + ', '.join(elsewhere) +
                     ': is it in the right field of the config?')
    from .plugins import failed_plugins
    failed = failed_plugins()
    if failed:
        lines.append('Plugins that failed to load (they may have provided it): ' + '; '.join(
            f'{p.name} ({p.distribution} {p.version}): {p.error}' for p in failed))
    return ' '.join(lines)
