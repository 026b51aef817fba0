"""A workspace: one ``veille.toml`` and one data folder, owned by one process at a time."""

from veille.workspace.config import VeilleConfig, load_config
from veille.workspace.workspace import Workspace

__all__ = ["VeilleConfig", "Workspace", "load_config"]
