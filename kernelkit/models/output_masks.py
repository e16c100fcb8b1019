"""The masks of a model's outputs, handed from the call that made them to whoever asks next:
the trainer (`Model._forward`) or the graph a model is nested in (`Model.compute_mask`).

Keras 2.2.4 keeps them in `Network._output_mask_cache`, keyed by the ids of the inputs and
their masks; here the key is the very input and output objects, held by the cache so that an
id cannot be reused by another array, and nothing is kept when no output has a mask.
"""

__all__ = ["remember_masks", "masks_for_inputs", "masks_for_outputs"]


def remember_masks(model, inputs, outs, masks):
    """Keep the output masks of this call, keyed by the very input and output objects (held,
    so their ids cannot be reused): `_forward` and `compute_mask` find them by identity and
    can never read the masks of another call. Nothing is kept when no output has a mask."""
    if all(m is None for m in masks):
        model.__dict__["_output_mask_cache"] = None
        return
    model.__dict__["_output_mask_cache"] = (_leaves(inputs), list(outs), list(masks))


def _leaves(structure):
    """The arrays or tensors of a nested list/tuple/dict, in order."""
    if isinstance(structure, (list, tuple)):
        return [leaf for s in structure for leaf in _leaves(s)]
    if isinstance(structure, dict):
        return [leaf for s in structure.values() for leaf in _leaves(s)]
    return [structure]


def masks_for_inputs(model, inputs):
    """The output masks `remember_masks` kept for these very inputs, or None."""
    cache = model.__dict__.get("_output_mask_cache")
    if cache is None:
        return None
    flat = _leaves(inputs)
    if len(flat) != len(cache[0]) or any(a is not b for a, b in zip(flat, cache[0])):
        return None
    return cache[2]


def masks_for_outputs(model, outs):
    """The mask of each of `outs` (the outputs of the model's last call), None where none."""
    cache = model.__dict__.get("_output_mask_cache")
    if cache is None:
        return [None] * len(outs)
    by_id = {id(o): m for o, m in zip(cache[1], cache[2])}
    return [by_id.get(id(o)) for o in outs]
