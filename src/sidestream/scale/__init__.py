"""Scale: synthetic regions and partitioned (Dask-ready) runs."""
