"""paperboy: a self-hostable daily list of research papers, ranked by the community."""

__version__ = "0.1.0"
