"""Closed vocabularies of the ApplicationSet controller, spelled as Argo CD spells them."""

from __future__ import annotations

from enum import StrEnum


class ApplicationsSync(StrEnum):
    """``spec.syncPolicy.applicationsSync`` (and the controller's ``--policy`` flag)."""

    CREATE_ONLY = "create-only"
    CREATE_UPDATE = "create-update"
    CREATE_DELETE = "create-delete"
    SYNC = "sync"

    @property
    def allows_update(self) -> bool:
        return self in (ApplicationsSync.CREATE_UPDATE, ApplicationsSync.SYNC)

    @property
    def allows_delete(self) -> bool:
        return self in (ApplicationsSync.CREATE_DELETE, ApplicationsSync.SYNC)


class ActionVerb(StrEnum):
    """What reconciling does to one Application."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"


class ConditionType(StrEnum):
    ERROR_OCCURRED = "ErrorOccurred"
    PARAMETERS_GENERATED = "ParametersGenerated"
    RESOURCES_UP_TO_DATE = "ResourcesUpToDate"


class ConditionReason(StrEnum):
    UP_TO_DATE = "ApplicationSetUpToDate"
    PARAMETERS_GENERATED = "ParametersGenerated"
    ERROR_OCCURRED = "ErrorOccurred"
    GENERATION_ERROR = "ApplicationGenerationFromParamsError"


class GeneratorKind(StrEnum):
    LIST = "list"
    CLUSTERS = "clusters"
    GIT = "git"
    MATRIX = "matrix"
    MERGE = "merge"
