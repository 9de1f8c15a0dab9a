"""Registry-scale batch jobs on Ray: encode a store's texts, deduplicate a registry.

Ray is an optional extra (`pip install -e '.[scale]'`); nothing here imports it until a
job starts, and a job started without it says how to install it. Without an address a
job starts a local Ray on this machine and stops it at the end; with one it joins that
cluster and leaves it running.
"""
