"""Tools that write into the repository: regeneration, the benchmark, the speed table, README blocks, notebook cells."""
