# Table 1's row without the contrastive term (Eq. 10).
_base_ = './sacrf_synthetic.py'
model = dict(loss_weights=dict(contrast=0.0))
