"""A layer's losses and updates: weight penalties, losses and updates added during calls, and
which inputs each is conditional on (Keras 2's add_loss / add_update / get_*_for)."""
from ..ops.core import Tensor, polymorphic
from ..ops.random import in_call
from .node import KerasTensor
from .state import _phase, layer_updates_on

__all__ = ["LossesAndUpdates", "activity_loss"]


@polymorphic
def activity_loss(regularizer, output):
    """A layer's activity-regularization loss of one output: `regularizer(output)`, summed
    over the batch as Keras 2.2.4 adds it (tf.keras 2 divides by the batch size; Keras 2.2.4
    does not). A graph node when `output` is symbolic."""
    return regularizer(output)


def _inputs_key(inputs):
    """Which inputs an update or loss is conditional on: ids of the tensors, or None."""
    if inputs is None:
        return None
    items = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return tuple(id(x) for x in items)


class LossesAndUpdates:
    """A Layer's loss and update bookkeeping; `_call_losses` and `_weight_loss_fns` are set
    by Layer.__init__, sublayers come from Layer._sublayers."""

    @property
    def updates(self):
        """The updates added with `add_update`, of this layer and its sublayers (Keras 2)."""
        out = self._updates
        for layer in self._sublayers():
            out += layer.updates
        return out

    def add_update(self, updates, inputs=None):
        """Record updates (e.g. `K.update(...)` results) as Keras 2's `add_update` does.

        kernelkit runs eagerly: an update written in `call` (`K.update_add(self.t, 1)`) is
        applied when it is made. Keras 2.2.4 runs a model's updates in its training function
        only, so one added outside a training step (building the model, `predict`,
        `evaluate`) is taken back here. The updates stay visible through `updates` and
        `get_updates_for`: a later call's update of the same variable replaces an earlier
        one's (a layer run at every batch does not pile them up).

        Arguments:
            updates: an update or a list of updates (a tuple is one update, as in Keras).
            inputs: the inputs the updates are conditional on, or None (unconditional).
        """
        store = self.__dict__.setdefault("_keras_updates", [])
        key = _inputs_key(inputs)
        training = _phase.value == 1 and layer_updates_on()
        for u in updates if isinstance(updates, list) else [updates]:
            variable = getattr(u, "variable", None)
            if variable is not None and not u.symbolic:
                if not training:
                    u.take_back()
                store[:] = [(v, k) for v, k in store
                            if getattr(v, "variable", None) is not variable or v.kind != u.kind]
            store.append((u, key))

    def get_updates_for(self, inputs):
        """The updates conditional on `inputs` (None: the unconditional ones, this layer's
        and its sublayers', e.g. a wrapper's layer's, as in Keras 2.2.4).

        Arguments:
            inputs: a tensor, a list of tensors, or None.

        Returns:
            A list of updates.
        """
        key = _inputs_key(inputs)
        out = [u for u, k in self.__dict__.get("_keras_updates", ()) if k == key]
        if key is None:
            for layer in self._sublayers():
                out += layer.get_updates_for(None)
        return out

    def get_losses_for(self, inputs):
        """The losses conditional on `inputs` (None: weight penalties and unconditional losses,
        this layer's and its sublayers', e.g. a wrapper's layer's, as in Keras 2.2.4).

        Arguments:
            inputs: a tensor, a list of tensors, or None.

        Returns:
            A list of losses.
        """
        key = _inputs_key(inputs)
        keys = self.__dict__.get("_loss_inputs", {})
        out = [loss for loss in self._call_losses if keys.get(id(loss)) == key]
        if key is None:
            out += [fn() for fn in self._weight_loss_fns]
            for layer in self._sublayers():
                out += layer.get_losses_for(None)
        return out

    def add_loss(self, losses, inputs=None):
        """Adds loss tensor(s) to the layer; training adds them to the model's loss.

        Arguments:
            losses: a loss tensor, a zero-argument callable returning one, a symbolic tensor built
                from the model's inputs, or a list of these.
            inputs: accepted for Keras compatibility.
        """
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if loss is None:
                continue
            if isinstance(loss, KerasTensor):
                self._add_symbolic_loss(loss)
            elif callable(loss) and not isinstance(loss, Tensor):
                self._weight_loss_fns.append(loss)
            elif inputs is None and not in_call():
                # added outside any call (`model.add_loss(1.0)`): kept for every pass
                self._weight_loss_fns.append(lambda loss=loss: loss)
            else:
                self._call_losses.append(loss)
                if inputs is not None:
                    self.__dict__.setdefault("_loss_inputs", {})[id(loss)] = \
                        _inputs_key(inputs)

    def _add_symbolic_loss(self, loss):
        raise ValueError(f"Layer '{self.name}': a symbolic loss can only be added to a model "
                         "built from the tensors it depends on (`model.add_loss(tensor)`).")

    @property
    def _losses(self):
        """Keras 2.2.4's private list (layers that override `losses` start from it): this
        layer's own losses, without its sublayers' (a new list at each read)."""
        return list(self._call_losses) + [fn() for fn in self._weight_loss_fns]

    @_losses.setter
    def _losses(self, losses):
        self._call_losses = list(losses)

    @property
    def _updates(self):
        """Keras 2.2.4's private list: this layer's own updates, without its sublayers' (a
        new list at each read)."""
        return [u for u, _ in self.__dict__.get("_keras_updates", ())]

    @_updates.setter
    def _updates(self, updates):
        self.__dict__["_keras_updates"] = [(u, None) for u in updates]

    @property
    def losses(self):
        """This call's losses and the weight penalties, of this layer and its sublayers."""
        out = self._losses
        for layer in self._sublayers():
            out += layer.losses
        return out
