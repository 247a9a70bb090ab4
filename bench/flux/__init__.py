"""The side-by-side benchmark against Flux (``bench/bench_flux.py``): building and running
Flux's source-controller and kustomize-controller, the gitopsd side, and what both are
measured with. Benchmark only: nothing here is imported by gitopsd or by the tests.
"""
