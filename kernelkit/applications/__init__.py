"""Keras 2.2.4's `keras.applications`: ImageNet models with Keras's layer names and weights.

Each model function builds the architecture layer for layer as Keras 2.2.4
(keras-applications 1.0.6) does, so that Keras's released weight files load into it;
``weights='imagenet'`` downloads them once into ``$KERNELKIT_HOME/models/``. Each
submodule (`vgg16`, `resnet50`, ...) also has the model's `preprocess_input` and
`decode_predictions`.
"""
from . import (densenet, imagenet_utils, inception_resnet_v2, inception_v3, mobilenet,
               mobilenet_v2, nasnet, resnet50, vgg16, vgg19, xception)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .inception_resnet_v2 import InceptionResNetV2
from .inception_v3 import InceptionV3
from .mobilenet import MobileNet
from .mobilenet_v2 import MobileNetV2
from .nasnet import NASNetLarge, NASNetMobile
from .resnet50 import ResNet50
from .vgg16 import VGG16
from .vgg19 import VGG19
from .xception import Xception

__all__ = ["VGG16", "VGG19", "ResNet50", "InceptionV3", "InceptionResNetV2", "Xception",
           "MobileNet", "MobileNetV2", "DenseNet121", "DenseNet169", "DenseNet201",
           "NASNetMobile", "NASNetLarge", "densenet", "imagenet_utils", "inception_resnet_v2",
           "inception_v3", "mobilenet", "mobilenet_v2", "nasnet", "resnet50", "vgg16", "vgg19",
           "xception"]
