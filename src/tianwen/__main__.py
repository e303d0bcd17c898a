from .cli import console

if __name__ == "__main__":  # not when a spawned worker process (Dask LocalCluster) re-imports this module
    console()
