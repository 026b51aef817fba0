"""The ecosystem graph: edge lists pulled from the store by ``veille.analytics`` (SQL lives
there), algorithms run here with igraph: PageRank (the Leader Index's centrality), Leiden
communities, brokers, who to engage, exports and the dashboard's layout.

igraph's PageRank (PRPACK) runs OpenMP threads. Beside DuckDB's own worker threads on a
machine with few cores, their barriers stall: the same 1,000-vertex PageRank took 0.6 ms
or 100-550 ms depending on what DuckDB had just run. One OpenMP thread (unless the user set
``OMP_NUM_THREADS``) takes 1 ms every time, and the graphs veille ranks need no more. It must
be set before igraph (and its OpenMP runtime) is loaded, hence here.
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

from veille.graph.build import BuiltGraph, build_graph
from veille.graph.centrality import pagerank, pagerank_table

__all__ = ["BuiltGraph", "build_graph", "pagerank", "pagerank_table"]
