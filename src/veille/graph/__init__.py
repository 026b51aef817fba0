"""The ecosystem graph: edge lists pulled from the store by ``veille.analytics`` (SQL lives
there), algorithms run here with igraph: PageRank (the Leader Index's centrality), Leiden
communities, brokers, who to engage, exports and the dashboard's layout."""

from veille.graph.build import BuiltGraph, build_graph
from veille.graph.centrality import pagerank, pagerank_table

__all__ = ["BuiltGraph", "build_graph", "pagerank", "pagerank_table"]
