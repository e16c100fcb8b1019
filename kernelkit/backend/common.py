"""Keras 2.2.4's `keras.backend.common`: the backend settings (epsilon, floatx, image data
format) shared by every backend. Re-exports of `kernelkit.config`, where they live."""
from ..config import (cast_to_floatx, epsilon, floatx, image_data_format, image_dim_ordering,
                      normalize_data_format, set_epsilon, set_floatx, set_image_data_format,
                      set_image_dim_ordering)

__all__ = ["cast_to_floatx", "epsilon", "floatx", "image_data_format", "image_dim_ordering",
           "normalize_data_format", "set_epsilon", "set_floatx", "set_image_data_format",
           "set_image_dim_ordering"]
