"""Networks (plain ``nn.Module``) and the thin Lightning wrapper that trains them."""

from genomebook.models.cnn import MotifCNN, MotifCNNConfig
from genomebook.models.lightning import SequenceModel

__all__ = ["MotifCNN", "MotifCNNConfig", "SequenceModel"]
