# Ground-truth captions of the generated world's object tubes for the local-patterns method
# (ITAM): per tube, what its subject does, its shirt (or paint) colour, the scene kind and a
# nearby thing, read from the world's annotations instead of chosen by CLIP.
#   python tools/caption_tubes.py configs/captions/synthetic_ground_truth.py \
#       --store data/features/synthetic_small/tubes \
#       --out data/features/synthetic_small/tube_captions.json
default_scope = 'vadkit'
captioner = dict(type='SyntheticCaptioner', data_root='data/synthetic/small')
