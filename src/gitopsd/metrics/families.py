"""Gauges whose label set follows an object's current state, and exposition helpers.

Used by :class:`gitopsd.metrics.Metrics` for ``*_app_info``, ``*_cluster_info`` and the
orphaned-resources gauge. A ``prometheus_client.Gauge`` keeps one child per label set
ever seen, so an app that went from OutOfSync to Synced would keep reporting both; a
:class:`StateGauge` instead holds one entry per object (keyed by its identity) and yields
only the current one at scrape time.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Iterator, Mapping

from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry


class StateGauge(Collector):
    """One gauge family; each object contributes exactly one sample, replaced on update."""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...]) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = labelnames
        self._lock = threading.Lock()
        self._current: dict[Hashable, tuple[tuple[str, ...], float]] = {}

    def set(self, key: Hashable, labels: Mapping[str, str], value: float = 1.0) -> None:
        """Make ``labels`` (exactly ``labelnames``) the only sample for ``key``."""
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name}: labels must be {', '.join(self.labelnames)}")
        labelvalues = tuple(labels[name] for name in self.labelnames)
        with self._lock:
            self._current[key] = (labelvalues, value)

    def remove(self, key: Hashable) -> None:
        """Forget ``key``; a missing key is not an error."""
        with self._lock:
            self._current.pop(key, None)

    def samples(self) -> list[tuple[tuple[str, ...], float]]:
        """Current samples, sorted by label values so the exposition is stable."""
        with self._lock:
            return sorted(self._current.values())

    def describe(self) -> Iterable[Metric]:
        return [GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)]

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labelvalues, value in self.samples():
            family.add_metric(list(labelvalues), value)
        return [family]


class WithoutCreatedSeries:
    """A view of a registry without the ``*_created`` samples of counters and histograms.

    prometheus_client adds a creation-timestamp series next to every counter and histogram
    child, doubling the series count; Argo CD's metrics have none and dashboards do not
    use them. The view is per registry, so the library's global switch stays untouched.
    """

    _WITH_CREATED = ("counter", "histogram", "summary")

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        for family in self._registry.collect():
            if family.type in self._WITH_CREATED:
                created = f"{family.name}_created"
                family.samples = [s for s in family.samples if s.name != created]
            yield family
