"""Conversion of Argo CD manifests to gitopsd, behind ``gitopsd convert``.

Argo CD's ``Application``, ``AppProject`` and ``ApplicationSet`` move to the ``gitopsd.io``
group and gitopsd's namespace, finalizers and labels are renamed, and every field gitopsd
cannot honour is reported with its file, document index and path.
"""

from gitopsd.convert.documents import DEFAULT_NAMESPACE, convert_documents
from gitopsd.convert.files import (
    FileConversion,
    PathConversion,
    convert_path,
    convert_text,
    dump_documents,
)
from gitopsd.convert.results import ConvertResult, ConvertWarning

__all__ = [
    "DEFAULT_NAMESPACE",
    "ConvertResult",
    "ConvertWarning",
    "FileConversion",
    "PathConversion",
    "convert_documents",
    "convert_path",
    "convert_text",
    "dump_documents",
]
