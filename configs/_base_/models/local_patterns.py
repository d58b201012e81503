# ITAM + SMM ("Local Patterns Generalize Better for Novel Anomalies") at the paper's sizes;
# docs/methods/local_patterns.md maps every paper symbol to these keys.
_base_ = ['../captions/words_en.py']
model = dict(
    type='LocalPatterns',
    stage='temporal',  # the spatial stage is a `stages` entry (schedules/local_patterns.py)
    # vadkit's word-level tokenizer over the caption word lists (no download)
    vocabulary=dict(type='WordVocabulary', words={{_base_.caption_words}},
                    templates={{_base_.caption_templates}},
                    subjects={{_base_.caption_subjects}}, max_length=16),
    # Branch 1 (actions) and Branch 2 (appearances) share the structure, differ in captions
    branches=dict(
        actions=dict(kinds=['actions']),
        appearances=dict(kinds=['clothes', 'places', 'objects'])),
    branch_defaults=dict(
        # ResNet-18 with its first two stages: 28 x 28 x 128 at 224 x 224 (the paper prints
        # 512), 1x1 convolution to V_d = 1408, pooled to 16 x 16, class token: S_d = 257
        backbone=dict(
            type='ITAMBackbone',
            backbone=dict(type='mmaction.ResNet', depth=18, num_stages=2, out_indices=(1, ),
                          strides=(1, 2), dilations=(1, 1),
                          pretrained=None),  # trained from scratch (Sec. 3.2)
            visual_channels=1408, grid=16, class_token='learned'),
        # N_q = 32 queries of H_d = 768 -> F^I in R^{32 x 256}; layer counts not in the paper
        image=dict(num_queries=32, hidden_channels=768, out_channels=256, self_layers=2,
                   cross_layers=2, num_heads=12, dropout=0.1),
        text=dict(max_length=16, hidden_channels=768, out_channels=256, layers=2,
                  num_heads=12, pool='cls', dropout=0.1)),
    # the cross-attention layer combining the branches into v_i(t) in R^{N_q E_d}
    fusion=dict(num_heads=8, dropout=0.0),
    # SMM: O = 64 Legendre motion components over L = 5 steps, predict dt = 1 ahead,
    # N(0, 0.02) weights; measure='legs' is the authors' code's scaled Legendre
    smm=dict(type='StateMachineModule', order=64, window=5, shift=1, measure='legt',
             method='bilinear', init_std=0.02, c_init='normal', ahead='sign'),
    # Eq. 1; the temperature is not in the paper (0.07: CLIP's and BLIP-2's start)
    loss_itc=dict(type='ImageTextContrastiveLoss', temperature=0.07,
                  learnable_temperature=False),
    shared_positives=True)
