# Table 1's row without the self-attention CRF: the attention outputs scored by f_s alone.
_base_ = './sacrf_synthetic.py'
model = dict(use_crf=False)
