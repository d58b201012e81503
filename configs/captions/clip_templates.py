# The local-patterns paper's captions (Sec. 3.2): for each object tube, CLIP picks the
# subject, then for each kind (actions, clothes, places, objects) the word of
# configs/_base_/captions/words_en.py whose template sentence is closest to the tube's last
# crop. The weights are local (never downloaded): a `save_pretrained` folder of a
# HuggingFace CLIP (pip install transformers), e.g. openai/clip-vit-base-patch16 saved to
# checkpoints/clip-vit-base-patch16, or an open_clip checkpoint with backend='open_clip'.
#   python tools/caption_tubes.py configs/captions/clip_templates.py \
#       --store data/features/shanghaitech/tubes --out data/captions/shanghaitech_tubes.json \
#       --videos '[0-9][0-9]_[0-9][0-9][0-9]'
# The store needs tube crops (configs/parsing/tubes_*.py set crop_size).
default_scope = 'vadkit'
captioner = dict(type='CLIPTemplateCaptioner', model_path='checkpoints/clip-vit-base-patch16',
                 backend='transformers', device='cpu', batch_size=64)
