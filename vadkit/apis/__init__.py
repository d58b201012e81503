"""High-level inference APIs (``init_model``, ``score_video``) and inferencers."""
