"""What every OpenMMLab parsing backend shares: lazy imports, model configs, weights.

The backends (:mod:`vadkit.parsing.detectors.mmdet_detector`, ``trackers.mmdet_tracker``,
``pose.mmpose_topdown``, ``extractors.poseconv3d``, ``extractors.mmaction_clip``,
``extractors.segmentation_scene``) import mmdet / mmpose / mmaction2 / mmseg only when
they are built, so vadkit's core never needs them. Each is built from

- a **model config**: a path to an OpenMMLab config file, a packaged one
  (``'mmdet::yolo/yolov3_d53_8xb8-320-273e_coco.py'``, read from the package's
  ``.mim/configs``), a config dict holding ``model=...`` or a bare model dict
  (``dict(type='YOLOV3', ...)``), plus ``cfg_options`` merged into it
  (``{'model.backbone.depth': 18}``);
- an optional **checkpoint**: a local path (``~`` expanded) or a URL, read with
  ``weights_only=True`` through vadkit's allow-list
  (:mod:`vadkit.utils.checkpoint`) and compared key by key with the model before it is
  loaded (``strict`` by default: a checkpoint of another model is an error naming the
  keys, never a silent half-load).

vadkit never calls ``init_weights()``, so ``init_cfg=dict(type='Pretrained', ...)`` in a
packaged config downloads nothing: without ``checkpoint`` the model keeps PyTorch's
random initialisation (what the tests use).
"""
import contextlib
import copy
import hashlib
import importlib
import os
import os.path as osp
import tempfile
import warnings
from typing import Any, Dict, Optional, Tuple, Union

import torch
from torch import nn

from vadkit.utils.errors import CheckpointError, ConfigError

#: ``scope: (distribution, package directory, what to pip install)``.
BACKENDS: Dict[str, Tuple[str, str, str]] = {
    'mmdet': ('mmdet', 'mmdet', 'mmdet==3.3.0'),
    'mmpose': ('mmpose', 'mmpose', 'mmpose==1.3.2 (with --no-deps)'),
    'mmaction': ('mmaction2', 'mmaction', 'mmaction2==1.2.0'),
    'mmseg': ('mmsegmentation', 'mmseg', 'mmsegmentation==1.2.2 (with --no-deps)'),
}

ModelConfig = Union[str, dict, Any]
#: torch seed every model is built under, so that a model without a checkpoint has the
#: same random weights in every run.
INIT_SEED = 0


@contextlib.contextmanager
def random_init_seed(seed: int):
    """Build models under another seed inside the block (two random-initialised models
    of one config then differ, as a test of weight loading needs)."""
    global INIT_SEED
    previous, INIT_SEED = INIT_SEED, int(seed)
    try:
        yield
    finally:
        INIT_SEED = previous


class BackendUnavailableError(ImportError):
    """An OpenMMLab package a backend needs is not installed (or does not import)."""


def import_backend(scope: str, who: str = 'this backend'):
    """Import an OpenMMLab package's models (registering them) and return its registry
    module (``mmdet.registry`` ...).

    Args:
        scope: ``'mmdet'``, ``'mmpose'``, ``'mmaction'`` or ``'mmseg'``.
        who: Name of the component asking, for the message.

    Raises:
        BackendUnavailableError: The package is missing or fails to import; the message
            says what to install.
    """
    if scope not in BACKENDS:
        raise ConfigError(f'{who}: unknown OpenMMLab scope {scope!r}; known: {sorted(BACKENDS)}')
    dist, package, pip_name = BACKENDS[scope]
    try:
        if scope == 'mmaction':
            from vadkit.utils.compat import import_mmaction_models
            import_mmaction_models()
        elif scope == 'mmpose':
            from vadkit.utils.compat import import_mmpose_models
            import_mmpose_models()
        else:
            importlib.import_module(f'{package}.models')
        return importlib.import_module(f'{package}.registry')
    except ImportError as exc:
        raise BackendUnavailableError(
            f'{who} needs {dist} ({pip_name}), which does not import here: {exc}. '
            'bash tools/misc/install.sh installs the OpenMMLab backends '
            '(docs/installation.md)') from exc


@contextlib.contextmanager
def default_scope(scope: str):
    """Run a block with mmengine's default scope set to ``scope`` (registry lookups of
    OpenMMLab models and transforms resolve in that package), restoring the previous one."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        yield


def packaged_config_path(spec: str, who: str = 'this backend') -> str:
    """Path of a config packaged with an OpenMMLab distribution, from
    ``'<scope>::<relative path>'`` (``'mmdet::yolo/yolov3_d53_8xb8-320-273e_coco.py'``)."""
    scope, _, relative = spec.partition('::')
    if scope not in BACKENDS:
        raise ConfigError(f'{who}: config {spec!r} names unknown package {scope!r}; '
                          f'known: {sorted(BACKENDS)}')
    spec_ = importlib.util.find_spec(BACKENDS[scope][1])
    if spec_ is None or spec_.origin is None:
        raise BackendUnavailableError(f'{who}: config {spec!r} needs {BACKENDS[scope][0]}, '
                                      'which is not installed')
    path = osp.join(osp.dirname(spec_.origin), '.mim', 'configs', relative)
    if not osp.isfile(path):
        raise ConfigError(f'{who}: {BACKENDS[scope][0]} ships no config {relative} '
                          f'(looked for {path})')
    return path


def load_model_config(config: ModelConfig, who: str = 'this backend',
                      cfg_options: Optional[dict] = None):
    """An mmengine ``Config`` with a ``model`` key, from any of the accepted forms.

    Args:
        config: A config file path, ``'<scope>::<path>'`` of a packaged config, a dict
            with ``model``, a bare model dict (with ``type``) or a ``Config``.
        who: Name of the component, for messages.
        cfg_options: Dotted keys merged into the config (``{'model.backbone.depth': 18}``).

    Raises:
        ConfigError: The file does not exist or the config has no model.
    """
    from mmengine.config import Config
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    elif isinstance(config, dict):
        plain = config.to_dict() if hasattr(config, 'to_dict') else copy.deepcopy(dict(config))
        cfg = Config(plain if 'model' in plain else dict(model=plain))
    elif isinstance(config, str):
        path = packaged_config_path(config, who) if '::' in config else osp.expanduser(config)
        if not osp.isfile(path):
            raise ConfigError(f'{who}: model config {path} does not exist')
        try:
            cfg = Config.fromfile(path)
        except Exception as exc:  # a broken config file: say which one
            raise ConfigError(f'{who}: cannot read model config {path}: {exc}') from exc
    else:
        raise ConfigError(f'{who}: model config must be a path, a dict or a Config, got '
                          f'{type(config).__name__}')
    if cfg_options:
        cfg.merge_from_dict(dict(cfg_options))
    if not isinstance(cfg.get('model'), dict) or 'type' not in cfg.model:
        raise ConfigError(f'{who}: model config {config if isinstance(config, str) else ""} '
                          'has no `model` dict with a `type`')
    return cfg


def pipeline_step(cfg, types, predicate=None) -> Optional[dict]:
    """The first transform of a model config's test pipeline whose ``type`` is one of
    ``types`` (a name or names) and that ``predicate`` accepts, as a dict, or None.

    The pipelines looked at, in order: ``test_pipeline``, the test dataloader's,
    ``val_pipeline``, the val dataloader's (wrapped datasets are unwrapped).
    """
    names = (types, ) if isinstance(types, str) else tuple(types)
    pipelines = []
    for variable, loader in (('test_pipeline', 'test_dataloader'),
                             ('val_pipeline', 'val_dataloader')):
        pipelines.append(cfg.get(variable))
        dataset = (cfg.get(loader) or {}).get('dataset') or {}
        while isinstance(dataset, dict) and 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset['dataset']
        if isinstance(dataset, dict):
            pipelines.append(dataset.get('pipeline'))
    for pipeline in pipelines:
        for step in pipeline or []:
            if isinstance(step, dict) and step.get('type') in names and \
                    (predicate is None or predicate(step)):
                return dict(step)
    return None


def read_checkpoint(checkpoint: str, who: str = 'this backend') -> dict:
    """A checkpoint file or URL as a dict (``state_dict`` / ``meta`` ...), loaded with
    ``weights_only=True`` through vadkit's allow-list."""
    from mmengine.runner.checkpoint import _load_checkpoint

    from vadkit.utils.checkpoint import install_safe_checkpoint_loader
    install_safe_checkpoint_loader()
    path = checkpoint if '://' in checkpoint else osp.expanduser(checkpoint)
    if '://' not in path and not osp.isfile(path):
        raise CheckpointError(f'{who}: checkpoint {path} does not exist')
    loaded = _load_checkpoint(path, map_location='cpu')
    if not isinstance(loaded, dict):
        raise CheckpointError(f'{who}: checkpoint {path} holds {type(loaded).__name__}, '
                              'not a dict of weights')
    return loaded


def load_weights(model: nn.Module, checkpoint: str, who: str = 'this backend',
                 strict: bool = True) -> dict:
    """Load a checkpoint into ``model`` after checking that it fits; returns its ``meta``.

    Raises:
        CheckpointError: Missing, unreadable or unsafe file.
        CheckpointMismatchError: The weights belong to another model (with ``strict``,
            any missing or extra key; otherwise shape mismatches or no shared key).
    """
    from vadkit.utils.checkpoint import check_state_dict_fits, extract_state_dict
    from vadkit.utils.errors import CheckpointMismatchError
    loaded = read_checkpoint(checkpoint, who)
    state = extract_state_dict(loaded)
    try:
        problems = check_state_dict_fits(model, state, source=checkpoint, strict=strict)
    except CheckpointMismatchError as exc:
        hint = (' (strict=False in the component\'s config loads the weights that fit and '
                'keeps the others random)') if strict and 'shape mismatch' not in str(exc) else ''
        raise CheckpointMismatchError(f'{who}: {exc}{hint}') from None
    if problems:  # strict=False: say what stayed random or was not used
        warnings.warn(f'{who}: checkpoint {checkpoint} loaded partly: ' + '; '.join(problems))
    model.load_state_dict(state, strict=strict)
    meta = loaded.get('meta')
    return meta if isinstance(meta, dict) else {}


def check_device(device: str, who: str = 'this backend') -> str:
    """``device`` if torch can use it here; ConfigError otherwise."""
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f'{who}: bad device {device!r}: {exc}') from None
    if parsed.type == 'cuda' and not torch.cuda.is_available():
        raise ConfigError(f'{who}: device {device!r} asked for, but torch sees no CUDA device '
                          "here; use device='cpu'")
    return str(device)


def build_model(config: ModelConfig, scope: str, checkpoint: Optional[str] = None,
                device: str = 'cpu', who: str = 'this backend',
                cfg_options: Optional[dict] = None, strict: bool = True):
    """Build an OpenMMLab model from its config, load its weights, put it in eval mode.

    Args:
        config: See :func:`load_model_config`.
        scope: The package it belongs to (``'mmdet'`` ...).
        checkpoint: Local path or URL of the weights; None keeps the random
            initialisation.
        device: Torch device.
        who: Name of the component, for messages.
        cfg_options: Merged into the config first.
        strict: Every weight of the model must be in the checkpoint and nothing else.

    Returns:
        ``(model, cfg, meta)``: the model, the full config it came from and the
        checkpoint's ``meta`` (``{}`` without one). When ``meta`` holds
        ``dataset_meta`` (class names of mmdet/mmseg checkpoints) it is set as the
        model's ``dataset_meta``.
    """
    registry = import_backend(scope, who)
    cfg = load_model_config(config, who, cfg_options)
    device = check_device(device, who)
    # a fixed seed while building: random-initialised models (tests, benchmarks, smoke
    # runs) are the same in every process; the caller's random state is left as it was
    with default_scope(scope), torch.random.fork_rng(devices=[]):
        torch.manual_seed(INIT_SEED)
        try:
            model = registry.MODELS.build(copy.deepcopy(cfg.model))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f'{who}: cannot build the {scope} model '
                              f'{cfg.model.get("type")!r}: {exc}') from exc
    meta: dict = {}
    if checkpoint:
        meta = load_weights(model, checkpoint, who, strict=strict)
        if isinstance(meta.get('dataset_meta'), dict):
            model.dataset_meta = meta['dataset_meta']
    return model.to(device).eval(), cfg, meta


def save_weights(model: nn.Module, path: str, meta: Optional[dict] = None) -> str:
    """Write ``model``'s weights as an mmengine-style checkpoint
    (``{'state_dict': ..., 'meta': ...}``), atomically; returns ``path``.

    ``meta`` must hold only plain values (str, numbers, lists, dicts), so that the file
    loads with ``weights_only=True``.
    """
    path = osp.expanduser(path)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    handle, tmp = tempfile.mkstemp(dir=osp.dirname(osp.abspath(path)), suffix='.tmp')
    os.close(handle)
    try:
        torch.save({'state_dict': state, 'meta': dict(meta or {})}, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def config_digest(config: ModelConfig, cfg_options: Optional[dict] = None) -> str:
    """Short hash of a model config's content (not of its path), for store manifests."""
    try:
        cfg = load_model_config(config, 'config_digest', cfg_options)
        text = cfg.pretty_text
    except Exception:  # unreadable: fall back on the spelling
        text = repr((config, cfg_options))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class OpenMMLabBackend:
    """Mixin of the OpenMMLab components: the model, built on first use.

    Subclasses call :meth:`_setup` in ``__init__`` and read :attr:`model`. Nothing is
    built, imported or downloaded until the model is first needed.
    """

    #: The OpenMMLab package of the model (``'mmdet'`` ...).
    scope: str = ''

    def _setup(self, config: ModelConfig, checkpoint: Optional[str], device: str,
               cfg_options: Optional[dict], strict: bool = True) -> None:
        if config is None:
            raise ConfigError(f'{type(self).__name__}: a model config is required')
        self.config = config
        self.checkpoint = checkpoint
        self.device = device
        self.cfg_options = dict(cfg_options or {})
        self.strict = bool(strict)
        self._model = None
        self._cfg = None
        self._meta: dict = {}

    def _build(self) -> None:
        self._model, self._cfg, self._meta = build_model(
            self.config, self.scope, self.checkpoint, self.device, type(self).__name__,
            self.cfg_options, self.strict)
        self._on_built()

    def _on_built(self) -> None:
        """Hook for subclasses: read what they need from ``self._cfg`` / the model."""

    @property
    def model(self) -> nn.Module:
        """The model in eval mode (built and loaded on first access)."""
        if self._model is None:
            self._build()
        return self._model

    @property
    def model_cfg(self):
        """The full config the model was built from."""
        if self._cfg is None:
            self._build()
        return self._cfg

    def save_weights(self, path: str) -> str:
        """Write the current weights where ``checkpoint`` can load them back."""
        return save_weights(self.model, path)

    def describe(self) -> dict:
        config = self.config if isinstance(self.config, str) else 'inline'
        out = {k: v for k, v in vars(self).items()
               if not k.startswith('_') and k not in ('config', )}
        return dict(type=type(self).__name__, config=config,
                    config_digest=config_digest(self.config, self.cfg_options), **out)
