"""A bounded, thread-safe memo of answers about commits.

Commits are immutable, so an answer about one (its metadata, the paths two of them
differ in) never goes stale; the bound only caps memory, dropping the oldest answer
first. Used by :class:`gitopsd.source.repositories.GitRepositories`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class CommitAnswers(Generic[K, V]):
    """At most ``size`` answers, oldest dropped first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._guard = threading.Lock()
        self._answers: OrderedDict[K, V] = OrderedDict()

    def answer(self, key: K, compute: Callable[[], V]) -> V:
        """The answer for ``key``, from ``compute`` (called without the lock held: it runs
        git) unless remembered."""
        with self._guard:
            remembered = self._answers.get(key)
        if remembered is not None:
            return remembered
        computed = compute()
        with self._guard:
            self._answers[key] = computed
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return computed
