"""Visualizers and plots: score curves with ground truth, t-SNE, confusion matrices."""
