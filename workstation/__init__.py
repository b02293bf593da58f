"""综合窗口工作台: integrated acceptance, back-office approval and delivery."""

__version__ = "0.1.0"
