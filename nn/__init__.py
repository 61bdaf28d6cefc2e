"""nn: a small NumPy neural-network library with PyTorch's conventions."""

from nn import data, init, io, optim, schedules, trainer
from nn.activations import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nn.containers import Sequential
from nn.conv import Conv2d
from nn.dropout import Dropout
from nn.io import load, save
from nn.linear import Linear
from nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from nn.module import Module, Parameter
from nn.norm import BatchNorm1d, BatchNorm2d
from nn.pool import AvgPool2d, MaxPool2d
from nn.reshape import Flatten

__all__ = [
    "Module",
    "Parameter",
    "Linear",
    "Conv2d",
    "MaxPool2d",
    "AvgPool2d",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "GELU",
    "Softmax",
    "MSELoss",
    "CrossEntropyLoss",
    "BCEWithLogitsLoss",
    "Sequential",
    "Flatten",
    "Dropout",
    "BatchNorm1d",
    "BatchNorm2d",
    "data",
    "init",
    "io",
    "save",
    "load",
    "optim",
    "schedules",
    "trainer",
]
