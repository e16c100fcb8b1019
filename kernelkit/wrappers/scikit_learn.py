"""Keras 2's `keras.wrappers.scikit_learn`: a Keras model as a scikit-learn estimator.

`KerasClassifier` and `KerasRegressor` build a fresh model at every `fit`, so scikit-learn's
tools (`cross_val_score`, `GridSearchCV`, `Pipeline`, `clone`) can train, score and tune it::

    def make_model(units=16):
        model = Sequential([Dense(units, activation="relu", input_shape=(4,)),
                            Dense(3, activation="softmax")])
        model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(make_model, epochs=20, batch_size=16, verbose=0)
    GridSearchCV(clf, {"units": [8, 32], "epochs": [10, 20]}).fit(x, labels)

The classes subclass nothing from scikit-learn (as Keras's); importing this module does not
import scikit-learn, only scikit-learn's own tools need it (``pip install kernelkit[sklearn]``).
"""
import copy
import types

import numpy as np

from ..models import Sequential
from ..utils.generic_utils import has_arg
from ..utils.np_utils import to_categorical

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]

# The Sequential methods whose arguments `sk_params` may hold besides build_fn's (Keras 2.2.4's
# list; predict_proba takes no argument that predict_classes does not).
_LEGAL_METHODS = ("fit", "predict", "predict_classes", "evaluate")


def _loss_name(model):
    loss = model.loss
    return getattr(loss, "__name__", loss)


class BaseWrapper(object):
    """Base class of the scikit-learn wrappers: use `KerasClassifier` or `KerasRegressor`.

    `build_fn` must build, compile and return a model. It can be:

    1. a function;
    2. an instance of a class with a `__call__` method (any other callable also works);
    3. None: a subclass of `KerasClassifier` or `KerasRegressor` defines `__call__`, which
       is then the build function.

    `sk_params` holds both model parameters (the arguments of `build_fn`, which should all
    have defaults, as every scikit-learn parameter has) and the arguments of `fit`,
    `predict`, `predict_proba`, `predict_classes`, `score` / `evaluate` (`epochs`,
    `batch_size`, `verbose`, ...). A fit or predict argument is taken, in order of
    precedence, from the keyword arguments of the wrapper's method call, from `sk_params`,
    else from `Sequential`'s default. Every key of `sk_params` is therefore a parameter
    `GridSearchCV` can tune. Keras 1's `nb_epoch` is accepted for `epochs` (with Keras's
    deprecation warning).

    Arguments:
        build_fn: callable returning a compiled model, or None (see above).
        **sk_params: model parameters and fitting / predicting parameters.

    Raises:
        ValueError: if a key of `sk_params` is an argument of neither `build_fn` nor
            `Sequential.fit`, `predict`, `predict_classes` or `evaluate`.
        TypeError: if `build_fn` is not callable, or is None and the class has no `__call__`.
    """

    # What scikit-learn's `is_classifier` / `is_regressor` look for (set by the subclasses).
    _estimator_type = None

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _model_function(self):
        """The callable that builds the model; its arguments are the model parameters."""
        if self.build_fn is None:
            if not callable(self):
                raise TypeError(
                    f"{type(self).__name__}: build_fn is None, so the class must define "
                    "__call__(self, ...) that builds and returns a compiled model; define it "
                    "in a subclass or pass build_fn=<function returning a compiled model>.")
            return self.__call__
        if isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn
        if not callable(self.build_fn):
            raise TypeError(
                f"{type(self).__name__}: build_fn must be a function, an object with a "
                f"__call__ method or None; got {self.build_fn!r} of type "
                f"{type(self.build_fn).__name__}.")
        return self.build_fn

    def check_params(self, params):
        """Check that each parameter is an argument of something the wrapper calls.

        Arguments:
            params: dict of parameters (as `sk_params`).

        Raises:
            ValueError: naming the first parameter that is an argument of neither the build
                function nor `Sequential.fit`, `predict`, `predict_classes` or `evaluate`
                (a typo, most of the time).
        """
        build = self._model_function()
        functions = [getattr(Sequential, name) for name in _LEGAL_METHODS] + [build]
        for name in params:
            if name == "nb_epoch" or any(has_arg(fn, name) for fn in functions):
                continue
            build_name = getattr(build, "__qualname__", type(build).__name__)
            raise ValueError(
                f"{name} is not a legal parameter of {type(self).__name__}: it is not an "
                f"argument of the build function {build_name} nor of Sequential.fit, "
                f"predict, predict_classes or evaluate.")

    def get_params(self, deep=True):
        """The estimator's parameters: `sk_params` and `build_fn`.

        Arguments:
            deep: True (default) returns deep copies of the `sk_params` values, as Keras
                2.2.4 does; False returns the values themselves (what `sklearn.base.clone`
                needs to check that a clone holds the same parameters).

        Returns:
            A dict of parameter names to values, with `build_fn`.
        """
        params = copy.deepcopy(self.sk_params) if deep else dict(self.sk_params)
        params["build_fn"] = self.build_fn
        return params

    def set_params(self, **params):
        """Set parameters (model parameters, fit/predict arguments, or `build_fn`).

        Arguments:
            **params: parameter names and their new values.

        Returns:
            self.

        Raises:
            ValueError: if a parameter is not legal (see `check_params`); nothing is changed.
        """
        params = dict(params)
        if "build_fn" in params:
            previous = self.build_fn
            self.build_fn = params.pop("build_fn")
            try:
                self.check_params({**self.sk_params, **params})
            except (ValueError, TypeError):
                self.build_fn = previous
                raise
        else:
            self.check_params(params)
        self.sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override=None):
        """The `sk_params` that are arguments of `fn`, updated with `override`.

        Arguments:
            fn: a callable.
            override: dict of values that take precedence over `sk_params` (all of them
                are kept, arguments of `fn` or not).

        Returns:
            A new dict.
        """
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override or {})
        return res

    def _one_hot_if_needed(self, y):
        """Class indexes -> one-hot rows when the model's loss is categorical_crossentropy."""
        if _loss_name(self.model) == "categorical_crossentropy" and (
                np.ndim(y) != 2 or np.shape(y)[1] == 1):
            return to_categorical(y, getattr(self, "n_classes_", None))
        return y

    def __sklearn_is_fitted__(self):
        """Whether `fit` has built the model: scikit-learn's `check_is_fitted` asks (a
        wrapper keeps no fitted attribute ending in "_" that it could find instead).

        Returns:
            True after `fit`.
        """
        return getattr(self, "model", None) is not None

    def fit(self, x, y, **kwargs):
        """Build a new model with the build function and fit it to `(x, y)`.

        Arguments:
            x: array-like of shape (n_samples, ...), the training inputs.
            y: array-like of shape (n_samples,) or (n_samples, n_outputs), the targets; with
                the loss `categorical_crossentropy`, class indexes are made one-hot.
            **kwargs: arguments of `Sequential.fit`; they take precedence over `sk_params`.

        Returns:
            The `History` of the training.

        Raises:
            TypeError: if the build function does not return a compiled model.
        """
        build = self._model_function()
        self.model = build(**self.filter_sk_params(build))
        if not hasattr(self.model, "fit") or getattr(self.model, "loss", None) is None:
            raise TypeError(
                f"{type(self).__name__}: the build function must return a compiled model "
                f"(call model.compile(...) before returning it); it returned "
                f"{type(self.model).__name__}"
                + ("" if hasattr(self.model, "fit") else f" {self.model!r}") + ".")
        y = self._one_hot_if_needed(y)
        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        if ("nb_epoch" in self.sk_params and "epochs" not in fit_args
                and not {"epochs", "nb_epoch"} & set(kwargs)):
            fit_args["nb_epoch"] = self.sk_params["nb_epoch"]  # fit warns and renames it
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def _fitted_model(self, method):
        model = getattr(self, "model", None)
        if model is None:
            raise AttributeError(
                f"This {type(self).__name__} has no model yet: call fit(x, y) before "
                f"{method}().")
        return model

    def __sklearn_tags__(self):
        """The estimator tags of scikit-learn >= 1.6 (its tools read them)."""
        from sklearn.utils import ClassifierTags, RegressorTags, Tags, TargetTags
        return Tags(estimator_type=self._estimator_type,
                    target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags() if self._estimator_type == "classifier"
                    else None,
                    regressor_tags=RegressorTags() if self._estimator_type == "regressor"
                    else None,
                    non_deterministic=True)

    def __repr__(self):
        build = getattr(self.build_fn, "__name__", None) or repr(self.build_fn)
        params = "".join(f", {name}={value!r}" for name, value in self.sk_params.items())
        return f"{type(self).__name__}(build_fn={build}{params})"


class KerasClassifier(BaseWrapper):
    """A classifier with scikit-learn's interface around a Keras model (Keras 2.2.4's).

    The labels given to `fit` can be any sortable values (strings, ints, ...): they are
    mapped to class indexes through `np.unique` (kept in `classes_`), and made one-hot when
    the model's loss is `categorical_crossentropy`. `predict` gives the labels back. A
    2-D `y` with more than one column is taken as one-hot already (`classes_` is then
    `arange(n_columns)`).

    Arguments:
        build_fn: callable returning a compiled model (see `BaseWrapper`).
        **sk_params: model parameters and fitting / predicting parameters.

    Attributes:
        model: the trained model (set by `fit`).
        classes_: the sorted distinct labels (set by `fit`).
        n_classes_: their number (set by `fit`).
    """

    _estimator_type = "classifier"

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Build a new model and fit it to `(x, y)`.

        Arguments:
            x: array-like of shape (n_samples, ...), the training inputs.
            y: labels, shape (n_samples,) or (n_samples, 1); or one-hot rows, shape
                (n_samples, n_classes).
            sample_weight: optional array of shape (n_samples,) weighting the samples' loss.
            **kwargs: arguments of `Sequential.fit`; they take precedence over `sk_params`.

        Returns:
            The `History` of the training.

        Raises:
            ValueError: if `y` has another shape.
        """
        y = np.array(y)
        if y.ndim == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError(
                f"Invalid shape for y: {y.shape}; {type(self).__name__}.fit expects labels of "
                "shape (n_samples,) or (n_samples, 1), or one-hot rows (n_samples, n_classes).")
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super().fit(x, y, **kwargs)

    def _probabilities(self, x, kwargs, method):
        model = self._fitted_model(method)
        # A functional Model has neither predict_proba nor predict_classes (Keras 2.2.4
        # fails there); its predict gives the same probabilities.
        if hasattr(model, "predict_proba"):
            return model.predict_proba(x, **kwargs)
        return model.predict(x, **kwargs)

    def predict(self, x, **kwargs):
        """The predicted labels of `x` (values of `classes_`).

        Arguments:
            x: array-like of shape (n_samples, ...).
            **kwargs: arguments of `Sequential.predict_classes` (`batch_size`, `verbose`).

        Returns:
            The labels: shape (n_samples,) for a softmax output; (n_samples, 1) for a single
            sigmoid unit (probability > 0.5 is the second class), as in Keras 2.2.4.
        """
        kwargs = self.filter_sk_params(Sequential.predict_classes, kwargs)
        model = self._fitted_model("predict")
        if hasattr(model, "predict_classes"):
            classes = model.predict_classes(x, **kwargs)
        else:
            proba = model.predict(x, **kwargs)
            classes = (proba.argmax(axis=-1) if proba.shape[-1] > 1
                       else (proba > 0.5).astype("int32"))
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """The class probabilities of `x`, one column per class of `classes_`.

        Arguments:
            x: array-like of shape (n_samples, ...).
            **kwargs: arguments of `Sequential.predict_proba` (`batch_size`, `verbose`).

        Returns:
            Array of shape (n_samples, n_classes). A single sigmoid output p gives the two
            columns (1 - p, p), as scikit-learn expects for binary classification.
        """
        kwargs = self.filter_sk_params(Sequential.predict_proba, kwargs)
        probs = self._probabilities(x, kwargs, "predict_proba")
        if probs.ndim == 2 and probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """The model's accuracy on `(x, y)`, as its `evaluate` computes it.

        Arguments:
            x: array-like of shape (n_samples, ...).
            y: labels (values of `classes_`), shape (n_samples,), or one-hot rows.
            **kwargs: arguments of `Sequential.evaluate`.

        Returns:
            The mean accuracy, a float.

        Raises:
            ValueError: if the model was compiled without an accuracy metric (pass
                ``metrics=["accuracy"]`` to `compile`), as in Keras 2.2.4.
        """
        model = self._fitted_model("score")
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        outputs = model.evaluate(x, self._one_hot_if_needed(y), **kwargs)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        for name, output in zip(model.metrics_names, outputs):
            if name == "acc":
                return output
        raise ValueError(
            f"The model is not configured to compute accuracy (its metrics are "
            f"{model.metrics_names}). You should pass `metrics=[\"accuracy\"]` to the "
            "`model.compile()` method.")


class KerasRegressor(BaseWrapper):
    """A regressor with scikit-learn's interface around a Keras model (Keras 2.2.4's).

    Arguments:
        build_fn: callable returning a compiled model (see `BaseWrapper`).
        **sk_params: model parameters and fitting / predicting parameters.

    Attributes:
        model: the trained model (set by `fit`).
    """

    _estimator_type = "regressor"

    def predict(self, x, **kwargs):
        """The predictions for `x`, with axes of length 1 squeezed out.

        Arguments:
            x: array-like of shape (n_samples, ...).
            **kwargs: arguments of `Sequential.predict`.

        Returns:
            An array; shape (n_samples,) for a model with a single output unit.
        """
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        return np.squeeze(self._fitted_model("predict").predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        """Minus the model's loss on `(x, y)` (greater is better, as scikit-learn wants).

        Arguments:
            x: array-like of shape (n_samples, ...).
            y: array-like, the targets.
            **kwargs: arguments of `Sequential.evaluate`.

        Returns:
            ``-loss``, a float.
        """
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self._fitted_model("score").evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss
