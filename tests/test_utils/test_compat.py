"""The OpenMMLab stack imports and runs on the CPU with vadkit's work-arounds."""
import importlib
import subprocess
import sys

import pytest

pytestmark = pytest.mark.openmmlab


def _in_fresh_python(code: str) -> str:
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_mmcv_ops_nms_on_cpu():
    torch = pytest.importorskip('torch')
    from mmcv.ops import nms
    boxes = torch.tensor([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=torch.float32)
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    assert dets[:, 4].tolist() == pytest.approx([0.9, 0.7])


def test_versions_are_the_pinned_ones():
    from importlib import metadata
    assert metadata.version('mmcv') == '2.1.0'
    assert metadata.version('mmdet') == '3.3.0'
    assert metadata.version('mmpose') == '1.3.2'
    assert metadata.version('mmaction2') == '1.2.0'
    assert metadata.version('numpy') == '1.26.4'
    assert metadata.version('torch').startswith('2.13.0')


def test_mmaction_models_import_with_drn_stand_in():
    out = _in_fresh_python(
        'import importlib, sys\n'
        'try:\n'
        '    importlib.import_module("mmaction.models")\n'
        '    print("plain import ok")\n'
        'except ModuleNotFoundError as e:\n'
        '    print("plain import fails:", e.name)\n')
    assert out.strip() in ('plain import ok',
                           'plain import fails: mmaction.models.localizers.drn')
    out = _in_fresh_python(
        'from vadkit.utils.compat import import_mmaction_models, patch_mmaction_drn\n'
        'models = import_mmaction_models()\n'
        'from mmaction.registry import MODELS\n'
        'print(patch_mmaction_drn(), MODELS.get("ResNet3dSlowOnly").__name__,\n'
        '      MODELS.get("DRN"))\n')
    stand_in, backbone, drn = out.split()
    assert backbone == 'ResNet3dSlowOnly' and drn == 'None'
    assert stand_in in ('True', 'False')


def test_drn_stand_in_refuses_to_build():
    from vadkit.utils.compat import patch_mmaction_drn
    if not patch_mmaction_drn():
        pytest.skip('this mmaction2 ships DRN')
    drn = importlib.import_module('mmaction.models.localizers.drn.drn')
    with pytest.raises(ImportError, match='does not ship the DRN localizer'):
        drn.DRN()


def test_mmpose_models_import_without_torchvision():
    out = _in_fresh_python(
        'import sys\n'
        'from vadkit.utils.compat import import_mmpose_models\n'
        'import_mmpose_models()\n'
        'from mmpose.registry import MODELS, KEYPOINT_CODECS\n'
        'print(MODELS.get("HRNet").__name__, KEYPOINT_CODECS.get("MSRAHeatmap").__name__,\n'
        '      "torchvision" in sys.modules)\n')
    assert out.split() == ['HRNet', 'MSRAHeatmap', 'False']


def test_mmdet_registry_builds_a_detector_part():
    out = _in_fresh_python(
        'import mmdet.models\n'
        'from mmengine.registry import DefaultScope\n'
        'from mmdet.registry import MODELS\n'
        'with DefaultScope.overwrite_default_scope("mmdet"):\n'
        '    neck = MODELS.build(dict(type="YOLOV3Neck", num_scales=3,\n'
        '                             in_channels=[64, 32, 16], out_channels=[32, 16, 8]))\n'
        'print(type(neck).__name__)\n')
    assert out.strip() == 'YOLOV3Neck'
