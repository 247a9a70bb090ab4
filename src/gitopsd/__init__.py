"""gitopsd: a Kubernetes GitOps controller.

Git is the single source of truth; gitopsd renders the desired state from a commit, diffs
it against the live cluster with server-side-apply dry runs, and applies, prunes and heals
until the two are equal. The public Python surface is small and re-exported here.
"""

from gitopsd.errors import GitopsdError
from gitopsd.model.keys import GroupKind, ResourceKey

__version__ = "0.1.0"

__all__ = ["GitopsdError", "GroupKind", "ResourceKey", "__version__"]
