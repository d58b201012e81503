"""Keep the checkpoint of the best validation score, never looking at the test split."""
import json
import os.path as osp
from typing import List, Optional

from mmengine.dist import is_main_process
from mmengine.hooks import Hook

from vadkit.registry import HOOKS
from vadkit.utils.errors import ConfigError, DataError
from vadkit.utils.io import dump_json

#: The file of a work dir that names the selected checkpoint (as ``last_checkpoint``).
BEST_POINTER = 'best_checkpoint'
RULES = ('greater', 'less')
#: Where the record lives in the message hub (saved in checkpoints, so a resumed run
#: goes on comparing with the best before the interruption).
RUNTIME_KEY = 'model_selection'


@HOOKS.register_module()
class ModelSelectionHook(Hook):
    """After every validation, save ``best.pth`` when ``metric`` improved.

    Writes, in the work dir: ``best.pth`` (weights only), ``best_checkpoint`` (its path,
    read by ``tools/test.py WORK_DIR``), ``model_selection.json`` (the metric, the rule,
    the chosen epoch and every validation's value) and ``model_selection.png`` (the
    metric over epochs, the chosen one marked). ``tools/train.py`` adds it from a
    config's ``model_selection = dict(metric=..., rule=...)``.

    Before training it refuses a validation set that shares videos with the training set.

    Args:
        metric: The validation metric key, as the evaluator names it
            (``'vad/micro_auc'``, ``'video/video_auc'``).
        rule: ``'greater'`` or ``'less'`` is better.
    """

    priority = 'LOW'

    def __init__(self, metric: str, rule: str = 'greater') -> None:
        if rule not in RULES:
            raise ConfigError(f"model_selection.rule must be 'greater' or 'less', got {rule!r}")
        self.metric, self.rule = metric, rule
        self.history: List[dict] = []
        self.best: Optional[dict] = None

    def before_train(self, runner) -> None:
        loop = getattr(runner, '_val_loop', None)
        if loop is None or isinstance(loop, dict) and not loop:
            raise ConfigError(f'model_selection by {self.metric!r} needs val_dataloader, '
                              'val_evaluator and val_cfg')
        train = _videos(runner.train_dataloader.dataset)
        val = _videos(runner.val_loop.dataloader.dataset)
        shared = sorted(set(train) & set(val))
        if shared:
            raise DataError(f'{len(shared)} validation video(s) are also training videos, '
                            f'e.g. {shared[:5]}; give the training and validation datasets '
                            "the same holdout with part='train' and part='val'")
        if getattr(runner, '_resume', False):
            self._restore(runner)

    def _restore(self, runner) -> None:
        """A resumed run's record: the checkpoint's, or ``model_selection.json`` when that
        holds the validation run after the checkpoint was saved (a checkpoint is written
        before its epoch's validation); entries after the resumed epoch are dropped."""
        saved = runner.message_hub.get_info(RUNTIME_KEY) or {}
        path = osp.join(runner.work_dir, 'model_selection.json')
        if osp.isfile(path):
            with open(path, encoding='utf-8') as f:
                on_disk = json.load(f)
            if len(on_disk.get('history', [])) > len(saved.get('history', [])):
                saved = on_disk
        if saved.get('metric') != self.metric:
            return
        done = int(runner.epoch)
        self.history = [h for h in saved.get('history', []) if h['epoch'] <= done]
        best = saved.get('best')
        self.best = best if best is not None and best['epoch'] <= done else None

    def after_val_epoch(self, runner, metrics=None) -> None:
        metrics = dict(metrics or {})
        if self.metric not in metrics:
            raise DataError(f'model_selection: the validation gave no {self.metric!r} (it '
                            f'gave {sorted(metrics)})')
        value = float(metrics[self.metric])
        entry = dict(epoch=int(runner.epoch), iter=int(runner.iter), value=value)
        self.history = [h for h in self.history if h['epoch'] != entry['epoch']]
        self.history.append(entry)
        better = self.best is None or (value > self.best['value'] if self.rule == 'greater'
                                       else value < self.best['value'])
        if better:
            self.best = entry
            runner.save_checkpoint(runner.work_dir, 'best.pth', save_optimizer=False,
                                   save_param_scheduler=False,  # epochs done, not +1
                                   meta=dict(epoch=entry['epoch'], iter=entry['iter']))
            if is_main_process():
                with open(osp.join(runner.work_dir, BEST_POINTER), 'w', encoding='utf-8') as f:
                    f.write(osp.join(runner.work_dir, 'best.pth'))
            runner.logger.info(f'model selection: {self.metric} = {value:.4f} at epoch '
                               f'{entry["epoch"]}, the best so far: best.pth saved')
        runner.message_hub.update_info(RUNTIME_KEY, dict(metric=self.metric,
                                                         history=self.history, best=self.best))
        if is_main_process():
            self._write(runner.work_dir)

    def _write(self, work_dir: str) -> None:
        dump_json(dict(metric=self.metric, rule=self.rule, best=self.best,
                       history=self.history), osp.join(work_dir, 'model_selection.json'))
        try:
            plot_selection(self.history, self.best, self.metric,
                           osp.join(work_dir, 'model_selection.png'))
        except ImportError:  # matplotlib is optional for training
            pass


def plot_selection(history: List[dict], best: Optional[dict], metric: str,
                   out_path: str) -> str:
    """The validation metric over epochs, the selected epoch marked."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 3.2))
    ax.plot([h['epoch'] for h in history], [h['value'] for h in history], 'o-',
            markersize=3, label=f'validation {metric}')
    if best is not None:
        ax.plot([best['epoch']], [best['value']], '*', markersize=12, color='C3',
                label=f"selected: epoch {best['epoch']} ({best['value']:.3f})")
    ax.set_xlabel('epoch')
    ax.set_ylabel(metric)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path, dpi=110)
    plt.close(fig)
    return out_path


def _videos(dataset) -> List[str]:
    meta = getattr(dataset, 'metainfo', None) or {}
    return list(meta.get('videos') or [])
