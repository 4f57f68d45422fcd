# Tests of the classifier.
target_sources(router_tests PRIVATE)
