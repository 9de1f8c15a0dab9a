"""python -m benchmarks.synthetic --orgs N [--seed S] [--encode N] [--stream]"""

from benchmarks.synthetic.cli import main

main()
