# Tests of the routing core.
target_sources(router_tests PRIVATE wall_test.cc router_test.cc determinism_test.cc statistics_test.cc routing_test.cc property_test.cc)
